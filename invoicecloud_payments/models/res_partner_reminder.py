from odoo import fields, models
from odoo.tools import format_amount, format_date

from .. import utils
from ..urls import page_path

# What the reminder run puts in the context of its own message, for #LINK to become the history
# link: an object, which no client's JSON context (Odoo's /mail/message/post copies it) can be.
REMINDER_RUN = object()


class ResPartner(models.Model):
    """One reminder email to a customer, listing what they have to pay one company, with the
    link to their history where #LINK stands in the template."""

    _inherit = 'res.partner'

    def _invoicecloud_send_reminder(self, company, invoices, due_steps):
        """Queue the reminder of `invoices` (sudo'd, this customer's, `company`'s) to whom they
        were addressed, and log it on each invoice; `due_steps`: {invoice: step reached}, written
        as mailed. Returns whether an email was queued (else a note says why not)."""
        self.ensure_one()
        recipients = invoices.partner_id.filtered('email') or self.filtered('email')
        lang = self.lang or company.partner_id.lang
        if not recipients:
            note = self.with_context(lang=lang).env._("No reminder could be mailed: the customer has no email address.")
            invoices._message_log_batch(bodies=dict.fromkeys(invoices.ids, note))
            self._invoicecloud_mark_reminded(due_steps)
            return False
        template = self.env.ref('invoicecloud_payments.mail_template_reminder').with_context(lang=lang)
        rows = [self._invoicecloud_reminder_row(invoice, lang) for invoice in invoices]
        context = {'invoicecloud_reminder_rows': rows, 'invoicecloud_company': company.name, 'lang': lang}
        rendered = template.with_context(**context)._generate_template(self.ids, ('subject', 'body_html'))[self.id]
        message = self.with_context(
            lang=lang,
            mail_notify_force_send=False,  # Odoo's mail queue sends it
            invoicecloud_reminder=(REMINDER_RUN, self.id),
        ).message_post(
            body=rendered['body_html'],
            subject=rendered['subject'],
            message_type='comment',
            subtype_xmlid='mail.mt_note',  # to the recipients, not to the contact's followers
            partner_ids=recipients.ids,
            author_id=company.partner_id.id,
            email_from=company.email_formatted or None,
            email_layout_xmlid='mail.mail_notification_light',
            mail_auto_delete=True,
        )
        note = self.with_context(lang=lang).env._(
            "Reminder mailed to %(recipients)s.", recipients=', '.join(recipients.mapped('email'))
        )
        invoices._message_log_batch(bodies=dict.fromkeys(invoices.ids, note))
        self._invoicecloud_mark_reminded(due_steps)
        return bool(message)

    def _invoicecloud_reminder_row(self, invoice, lang):
        """What the email lists of one invoice, in the customer's language. No link: the message
        is stored on the contact, which more people read than may see the invoice's link; #LINK,
        expanded in the email only, leads to every invoice."""
        env = invoice.with_context(lang=lang).env
        return {
            'name': invoice.name,
            'due': format_date(env, invoice.invoice_date_due, lang_code=lang),
            'amount': format_amount(env, invoice.amount_residual, invoice.currency_id, lang_code=lang),
            'overdue': invoice.invoice_date_due < invoice.company_id._invoicecloud_today(),
        }

    def _invoicecloud_mark_reminded(self, due_steps):
        """Write the step each invoice was reminded of: one write per step."""
        if not due_steps:
            return
        invoices = self.env['account.move'].union(*due_steps)
        by_move = {followup.move_id: followup for followup in invoices._invoicecloud_followups_sudo()}
        now = fields.Datetime.now()
        for days in set(due_steps.values()):
            followups = (
                self.env['invoicecloud.invoice.followup']
                .sudo()
                .union(*(by_move[invoice] for invoice, step in due_steps.items() if step == days))
            )
            followups.write({'reminded_at': now, 'reminder_days': days})

    def _notify_by_email_render_layout(self, message, recipients_group, msg_vals=False, render_values=None):
        """#LINK in a reminder's email becomes the customer's history link, for the customer's
        side only. Only the reminder run asks for it (REMINDER_RUN): a client's context cannot."""
        body = super()._notify_by_email_render_layout(
            message, recipients_group, msg_vals=msg_vals, render_values=render_values
        )
        if (
            len(self) == 1
            and self.env.su
            and self.env.context.get('invoicecloud_reminder') == (REMINDER_RUN, self.id)
            and not any(recipient['type'] == 'user' for recipient in recipients_group['recipients_data'])
            and not self.env['account.move']._invoicecloud_internal_addresses(recipients_group.get('recipients_emails'))
        ):
            token = self.commercial_partner_id.invoicecloud_token
            if token:
                url = f"{self.get_base_url()}{page_path(token, history=True)}"
                body = utils.expand_shortcode_html(body, url, self.env._("see and pay your invoices online"))
        return body
