import io
import unicodedata

from markupsafe import Markup
from PIL import Image

from odoo import api, fields, models
from odoo.tools import format_date, plaintext2html
from odoo.tools.mimetypes import guess_mimetype

from ..const import (
    DISPUTE_ATTACHMENT_MAX_BYTES,
    DISPUTE_ATTACHMENT_MIMETYPES,
    DISPUTE_IMAGE_MAX_PIXELS,
    OPEN_PAYMENT_STATES,
    REMARK_MAX_LENGTH,
)


def _image_within_bounds(content, extension):
    """A PDF, or an image Odoo can open without blowing up (its pixels, not its bytes, count)."""
    if extension == 'pdf':
        return True
    try:
        width, height = Image.open(io.BytesIO(content)).size
    except (OSError, ValueError, Image.DecompressionBombError):
        return False
    return width * height <= DISPUTE_IMAGE_MAX_PIXELS


class AccountMove(models.Model):
    """A promise to pay and a dispute, as the customer makes them from the invoice page: in the
    chatter as the customer, a to-do for whoever handles the invoice, and on the invoice (its
    follow-up row) for the filters, the reminders and the accountant."""

    _inherit = 'account.move'

    invoicecloud_followup_ids = fields.One2many(
        comodel_name='invoicecloud.invoice.followup',
        inverse_name='move_id',
        string="Customer Follow-up",
        readonly=True,
        groups='account.group_account_invoice,account.group_account_readonly',
    )
    invoicecloud_promise_date = fields.Date(
        string="Promised Payment Date", compute='_compute_invoicecloud_followup', groups='account.group_account_invoice'
    )
    invoicecloud_promise_state = fields.Selection(
        related='invoicecloud_followup_ids.promise_state',
        string="Promise to Pay",
        groups='account.group_account_invoice',
    )
    invoicecloud_dispute_state = fields.Selection(
        related='invoicecloud_followup_ids.dispute_state', string="Dispute", groups='account.group_account_invoice'
    )
    invoicecloud_dispute_reason = fields.Selection(
        related='invoicecloud_followup_ids.dispute_reason', groups='account.group_account_invoice'
    )
    invoicecloud_dispute_text = fields.Text(
        related='invoicecloud_followup_ids.dispute_text', groups='account.group_account_invoice'
    )

    @api.depends('invoicecloud_followup_ids.promise_date')
    def _compute_invoicecloud_followup(self):
        for move in self:
            move.invoicecloud_promise_date = move.invoicecloud_followup_ids[:1].promise_date

    # --- the customer's side (sudo'd invoices, from their page) --------------------------------

    def _invoicecloud_followup_sudo(self):
        """This invoice's follow-up row (see `_invoicecloud_followups_sudo`)."""
        self.ensure_one()
        return self._invoicecloud_followups_sudo()

    def _invoicecloud_followups_sudo(self):
        """These invoices' follow-up rows, made on first use: by whichever request comes first (a
        beacon, a promise, a reminder run), none of them failing on another's row."""
        Followup = self.env['invoicecloud.invoice.followup'].sudo()
        followups = Followup.search([('move_id', 'in', self.ids)])
        missing = self - followups.move_id
        if missing:
            now, uid = fields.Datetime.now(), self.env.uid
            self.env.cr.execute_values(
                """
                INSERT INTO invoicecloud_invoice_followup
                       (move_id, company_id, create_uid, create_date, write_uid, write_date)
                VALUES %s
                ON CONFLICT (move_id) DO NOTHING
                """,
                [(move.id, move.company_id.id, uid, now, uid, now) for move in missing],
            )
            followups = Followup.search([('move_id', 'in', self.ids)])
            self.invalidate_recordset(['invoicecloud_followup_ids'])
        return followups

    def _invoicecloud_promise_bounds(self):
        """(first, last) date a promise may name: today, and the company's limit ahead; with a
        promise already made, no later than its date (a promise holds the reminders: renewing it
        for ever would hold them for ever). None once a promise was not kept."""
        today = self.company_id._invoicecloud_today()
        last = fields.Date.add(today, days=self.company_id.invoicecloud_promise_max_days)
        followup = self.sudo().invoicecloud_followup_ids[:1]
        if followup.promise_state == 'broken':
            return None
        if followup.promise_state == 'open':
            last = min(last, followup.promise_date)
        return (today, last) if today <= last else None

    def _invoicecloud_promise(self, date_value):
        """The customer promises to pay by `date_value` (ISO, as typed).

        :return: 'sent', or why not: 'closed' (nothing left to pay), 'bad_date', 'wait'.
        """
        self.ensure_one()
        if not self._invoicecloud_payable():
            return 'closed'
        try:
            day = fields.Date.to_date(date_value) if date_value else None
        except (ValueError, TypeError):
            day = None
        bounds = self._invoicecloud_promise_bounds()
        if not day or not bounds or not bounds[0] <= day <= bounds[1]:
            return 'bad_date'
        self._invoicecloud_serialize()  # one request at a time per invoice: the count, the row
        if not self._invoicecloud_customer_may_post():
            return 'wait'
        self._invoicecloud_followup_sudo().write(
            {'promise_date': day, 'promise_state': 'open', 'promised_at': fields.Datetime.now()}
        )
        when = format_date(self.env, day)
        body = plaintext2html(self.env._("I will pay this invoice by %(date)s.", date=when))
        self._invoicecloud_post_as_customer(body)
        self.sudo()._invoicecloud_todo(self.env._("Promised payment by %(date)s", date=when), body, deadline=day)
        return 'sent'

    def _invoicecloud_dispute(self, reason, text, upload=None):
        """The customer disputes the invoice: a reason of DISPUTE_REASONS, their explanation, and
        maybe a file (a werkzeug FileStorage) of DISPUTE_ATTACHMENT_MIMETYPES, by its content.

        :return: 'sent', or why not: 'closed', 'no_reason', 'too_long', 'bad_file', 'too_big', 'wait'.
        """
        self.ensure_one()
        if not self._invoicecloud_payable():
            return 'closed'
        reasons = self._invoicecloud_dispute_reasons()
        if reason not in reasons:
            return 'no_reason'
        text = (text or '').strip()
        if len(text) > REMARK_MAX_LENGTH:
            return 'too_long'
        attachment = None
        if upload is not None and getattr(upload, 'filename', None):
            content = upload.read(DISPUTE_ATTACHMENT_MAX_BYTES + 1)
            if len(content) > DISPUTE_ATTACHMENT_MAX_BYTES:
                return 'too_big'
            extension = DISPUTE_ATTACHMENT_MIMETYPES.get(guess_mimetype(content))
            if not extension or not _image_within_bounds(content, extension):
                return 'bad_file'
            # The name is the customer's, without paths, control or direction characters; the
            # extension is what the content is.
            name = upload.filename.rsplit('/', 1)[-1].rsplit('\\', 1)[-1].rsplit('.', 1)[0]
            name = ''.join(c for c in name if unicodedata.category(c)[0] != 'C')[:100].strip() or 'file'
            attachment = (f'{name}.{extension}', content)
        self._invoicecloud_serialize()
        if not self._invoicecloud_customer_may_post():
            return 'wait'
        self._invoicecloud_followup_sudo().write(
            {
                'dispute_state': 'open',
                'dispute_reason': reason,
                'dispute_text': text,
                'disputed_at': fields.Datetime.now(),
            }
        )
        intro = self.env._("I dispute this invoice: %(reason)s", reason=reasons[reason])
        body = Markup('<p><strong>%s</strong></p>%s') % (intro, plaintext2html(text) if text else '')
        self._invoicecloud_post_as_customer(body, attachments=[attachment] if attachment else None)
        todo = self.sudo()._invoicecloud_todo(self.env._("Resolve the customer's dispute"), body)
        self._invoicecloud_followup_sudo().dispute_activity_id = todo
        return 'sent'

    def _invoicecloud_dispute_reasons(self):
        """{reason: label}, the labels in the language of the context."""
        field = self.env['invoicecloud.invoice.followup']._fields['dispute_reason']
        return dict(field._description_selection(self.env))

    def _invoicecloud_post_as_customer(self, body, attachments=None):
        """A message in the chatter, written by the customer the invoice is addressed to. A file
        they send never becomes the invoice's main attachment (the one its form previews)."""
        # disable_attachment_import: a customer's file is no e-invoice for Odoo to decode.
        move = self.sudo().with_context(
            invoicecloud_no_shortcode=True, invoicecloud_customer_upload=True, disable_attachment_import=True
        )
        move.message_post(
            body=body,
            author_id=self.partner_id.id,
            message_type='comment',
            subtype_xmlid='mail.mt_comment',
            attachments=attachments,
        )

    def _message_set_main_attachment_id(self, attachments, force=False, filter_xml=True):
        if self.env.context.get('invoicecloud_customer_upload'):
            return None
        return super()._message_set_main_attachment_id(attachments, force=force, filter_xml=filter_xml)

    # --- the accountant's side -----------------------------------------------------------------

    def action_invoicecloud_resolve_dispute(self):
        """Close the customer's dispute: reminders go again (if the invoice is still due)."""
        self.check_access('write')
        for move in self.filtered(lambda m: m.invoicecloud_dispute_state == 'open'):
            followup = move.invoicecloud_followup_ids.sudo()
            followup.dispute_state = 'resolved'
            note = self.env._("Dispute resolved by %(user)s.", user=self.env.user.name)
            todo = followup.dispute_activity_id
            if todo:  # its to-do done, with the note (Odoo's "done" message)
                todo.with_user(self.env.user).action_feedback(feedback=note)
            else:
                move.message_post(body=note)
        return True

    @api.model
    def _cron_invoicecloud_broken_promises(self):
        """Promises whose date has passed: kept if the invoice was paid by then, else broken, and
        whoever handles the invoice gets a to-do."""
        Followup = self.env['invoicecloud.invoice.followup'].sudo()
        for company in Followup.search([('promise_state', '=', 'open')]).company_id:
            today = company._invoicecloud_today()
            due = Followup.search(
                [('company_id', '=', company.id), ('promise_state', '=', 'open'), ('promise_date', '<', today)]
            )
            # A cancelled invoice owes nothing: its promise is no more than a note.
            due.filtered(lambda f: f.move_id.state != 'posted').promise_state = False
            due = due.filtered('promise_state')
            kept = due.filtered(lambda f: f.move_id.payment_state not in OPEN_PAYMENT_STATES)
            kept.promise_state = 'kept'
            for followup in due - kept:
                followup.promise_state = 'broken'
                move = followup.move_id.with_context(lang=company.partner_id.lang)
                when = format_date(move.env, followup.promise_date)
                note = move.env._("The customer promised to pay by %(date)s, and the invoice is still due.", date=when)
                move.message_post(body=note)
                move._invoicecloud_todo(move.env._("Promise to pay not kept"), plaintext2html(note))
