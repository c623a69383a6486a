from odoo import fields, models


class InvoicecloudReminderStep(models.Model):
    """One step of a company's reminder schedule: a reminder goes `days` after an invoice's due
    date (before it, when negative). By default: 3 days before, then 7 and 21 days after."""

    _name = 'invoicecloud.reminder.step'
    _description = "Invoicecloud: Reminder Step"
    _order = 'company_id, days'

    company_id = fields.Many2one(
        comodel_name='res.company', required=True, ondelete='cascade', index=True, default=lambda self: self.env.company
    )
    days = fields.Integer(
        string="Days After the Due Date", required=True, help="Negative: before the due date (-3: three days before)."
    )

    _days_unique = models.Constraint('UNIQUE(company_id, days)', "A company has one reminder step per day.")
