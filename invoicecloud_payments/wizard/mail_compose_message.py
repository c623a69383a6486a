from odoo import models

from ..const import CUSTOMER_MOVE_TYPES


class MailComposeMessage(models.TransientModel):
    _inherit = 'mail.compose.message'

    def _prepare_mail_values_dynamic(self, res_ids):
        """Mass mail on invoices: #LINK becomes each invoice's link in the body of its email,
        never in the message logged with it, when the user sending may send the link and no
        recipient is an internal user (see account.move's message_post for the comment mode)."""
        values = super()._prepare_mail_values_dynamic(res_ids)
        if (
            self.model != 'account.move'
            or self.composition_mode != 'mass_mail'
            or not self.env['account.move']._invoicecloud_user_may_link()
        ):
            return values
        moves = self.env['account.move'].browse(res_ids).filtered(lambda m: m.move_type in CUSTOMER_MOVE_TYPES)
        for move in moves:
            mail_values = values[move.id]
            recipient_ids = [command[1] for command in mail_values.get('recipient_ids', [])]
            recipients = self.env['res.partner'].sudo().browse(recipient_ids)
            if mail_values.get('body_html') and not recipients.user_ids.filtered(lambda user: not user.share):
                mail_values['body_html'] = move._invoicecloud_expand_shortcode(mail_values['body_html'], html=True)
        return values
