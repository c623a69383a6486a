from odoo import fields, models


class ResCompany(models.Model):
    _inherit = 'res.company'

    invoicecloud_remark_user_id = fields.Many2one(
        'res.users',
        string="Answers Invoicecloud Remarks",
        domain=[('share', '=', False)],
        help="Gets the to-do when a customer sends a remark about an invoice that has no salesperson.",
    )

    def _invoicecloud_remark_user(self):
        self.ensure_one()
        return self.invoicecloud_remark_user_id or self.env.ref('base.user_admin')
