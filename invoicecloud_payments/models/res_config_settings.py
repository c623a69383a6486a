from odoo import fields, models

from .. import utils
from ..const import SHORTCODE, STRIPE_CODE


class ResConfigSettings(models.TransientModel):
    _inherit = 'res.config.settings'

    invoicecloud_remark_user_id = fields.Many2one(
        related='company_id.invoicecloud_remark_user_id',
        readonly=False,
    )
    invoicecloud_custom_amount = fields.Boolean(related='company_id.invoicecloud_custom_amount', readonly=False)
    invoicecloud_custom_minimum = fields.Monetary(
        related='company_id.invoicecloud_custom_minimum', currency_field='currency_id', readonly=False
    )
    invoicecloud_promise_max_days = fields.Integer(related='company_id.invoicecloud_promise_max_days', readonly=False)
    invoicecloud_reminders = fields.Boolean(related='company_id.invoicecloud_reminders', readonly=False)
    invoicecloud_enterprise_followups = fields.Boolean(
        string="Enterprise Follow-ups Installed", compute="_compute_invoicecloud_enterprise_followups"
    )
    invoicecloud_template_has_link = fields.Boolean(compute='_compute_invoicecloud_template_has_link')

    def _compute_invoicecloud_template_has_link(self):
        template = self.env.ref('account.email_template_edi_invoice', raise_if_not_found=False)
        has_link = bool(template and SHORTCODE in (template.body_html or ''))
        for settings in self:
            settings.invoicecloud_template_has_link = has_link

    def action_invoicecloud_add_link_to_invoice_template(self):
        """Add a #LINK paragraph to the stock "Invoice: Sending" template, once, in every language.

        The template body is translated as a whole (not term by term), so each installed
        language gets its own copy of the paragraph.
        """
        self.ensure_one()
        template = self.env.ref('account.email_template_edi_invoice')
        for lang, _name in self.env['res.lang'].get_installed():
            template_lang = template.with_context(lang=lang)
            body = template_lang.body_html
            if body and SHORTCODE not in body:
                template_lang.body_html = utils.add_shortcode_paragraph(body)

    def action_invoicecloud_open_stripe(self):
        """The company's Stripe provider form: keys, key check, webhook, journal, state."""
        self.ensure_one()
        provider = self.env['payment.provider'].search(
            [('code', '=', STRIPE_CODE), ('company_id', '=', self.company_id.id)], limit=1
        )
        return {
            'type': 'ir.actions.act_window',
            'res_model': 'payment.provider',
            'res_id': provider.id,
            'views': [(False, 'form')],
            'target': 'current',
        }

    def _compute_invoicecloud_enterprise_followups(self):
        self.invoicecloud_enterprise_followups = self.env['res.company']._invoicecloud_enterprise_followups()

    def action_invoicecloud_reminder_steps(self):
        """The reminder schedule of the settings' company, to edit."""
        title = self.env._("Reminder Schedule")
        return {
            'type': 'ir.actions.act_window',
            'name': title,
            'res_model': 'invoicecloud.reminder.step',
            'view_mode': 'list',
            'domain': [('company_id', '=', self.company_id.id)],
            'context': {'default_company_id': self.company_id.id},
        }
