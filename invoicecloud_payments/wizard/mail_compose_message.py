from odoo import models
from odoo.fields import Domain
from odoo.tools import email_normalize_all

from ..const import CUSTOMER_MOVE_TYPES, SHORTCODE


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
        moves = (
            self.env['account.move']
            .browse(res_ids)
            .filtered(
                lambda m: m.move_type in CUSTOMER_MOVE_TYPES and SHORTCODE in str(values[m.id].get('body_html') or '')
            )
        )
        if not moves:
            return values
        internal = self._invoicecloud_internal_recipients([values[move.id] for move in moves])
        langs = self._render_lang(moves.ids)
        for move in moves:
            mail_values = values[move.id]
            if not internal & self._invoicecloud_recipients(mail_values):
                mail_values['body_html'] = move._invoicecloud_expand_shortcode(
                    mail_values['body_html'], html=True, lang=langs[move.id]
                )
        return values

    @staticmethod
    def _invoicecloud_recipients(mail_values):
        """The partner ids (int) and the addresses (normalized str) an email goes to."""
        partner_ids = {command[1] for command in mail_values.get('recipient_ids', [])}
        raw = ','.join(filter(None, (mail_values.get('email_to'), mail_values.get('email_cc'))))
        return partner_ids | set(email_normalize_all(raw))

    def _invoicecloud_internal_recipients(self, mails_values):
        """Among these emails' recipients, the internal users' partner ids and addresses."""
        recipients = set().union(*(self._invoicecloud_recipients(values) for values in mails_values))
        partner_ids = [recipient for recipient in recipients if isinstance(recipient, int)]
        addresses = [recipient for recipient in recipients if isinstance(recipient, str)]
        by_partner_or_address = Domain('partner_id', 'in', partner_ids) | Domain('email_normalized', 'in', addresses)
        users = self.env['res.users'].sudo().search(Domain('share', '=', False) & by_partner_or_address)
        return set(users.partner_id.ids) | set(users.mapped('email_normalized'))
