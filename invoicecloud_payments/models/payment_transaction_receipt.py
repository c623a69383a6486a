import logging

from psycopg2.errors import DeadlockDetected, LockNotAvailable, SerializationFailure

from odoo import api, fields, models

from ..const import INVOICECLOUD_CODES, RECEIPTS_PER_RUN

_logger = logging.getLogger(__name__)


class PaymentTransaction(models.Model):
    """Receipts: once a payment of ours (or a refund) is in the accounts, the customer gets its
    receipt by email, with the PDF attached. Mailed by a cron, never while a webhook or the
    customer's return waits: drawing a PDF takes a second or two."""

    _inherit = 'payment.transaction'

    invoicecloud_receipt_state = fields.Selection(
        string="Receipt",
        selection=[('due', "To send"), ('sent', "Sent"), ('failed', "Could not be sent")],
        readonly=True,
        copy=False,
        index=True,
        help="The receipt mailed to the customer once the payment (or refund) is in the accounts.",
    )

    def _invoicecloud_queue_receipt(self):
        """Have the receipt of this recorded payment mailed, once (called when it is recorded)."""
        self.ensure_one()
        if self.state != 'done' or not self.payment_id or self.invoicecloud_receipt_state:
            return
        self.invoicecloud_receipt_state = 'due'
        # Without its cron (deleted by an admin), a receipt waits: the payment is recorded anyway.
        if cron := self.env.ref('invoicecloud_payments.cron_send_receipts', raise_if_not_found=False):
            cron._trigger()

    def _invoicecloud_receipt_recipients(self):
        """To whom the documents paid (or refunded) were addressed, else the customer, with an
        email address: never a partner of another customer (a document set aside, since given to
        someone else, says nothing of who paid)."""
        customer = self.payment_id.partner_id.commercial_partner_id
        addressees = self.invoice_ids.partner_id.filtered(lambda partner: partner.commercial_partner_id == customer)
        return (addressees or self.payment_id.partner_id).filtered('email')

    def _invoicecloud_send_receipt(self):
        """Mail the receipt: a message in the payment's chatter, with the PDF of Odoo's receipt
        report attached, in the language of its first recipient. False when there is no posted
        payment of the customer's (cancelled meanwhile) or nobody to mail it to."""
        self.ensure_one()
        payment = self.payment_id.with_company(self.company_id)
        recipients = self._invoicecloud_receipt_recipients()
        if not (recipients and payment._invoicecloud_is_receipt_of(payment.partner_id.commercial_partner_id)):
            return False
        template = self.env.ref(
            'invoicecloud_payments.mail_template_refund_receipt'
            if self.operation == 'refund'
            else 'invoicecloud_payments.mail_template_payment_receipt'
        )
        payment.with_context(invoicecloud_receipt_lang=recipients[0].lang).message_post_with_source(
            template,
            message_type='comment',
            subtype_xmlid='mail.mt_comment',
            partner_ids=recipients.ids,
            email_layout_xmlid='mail.mail_notification_light',
        )
        return True

    @api.model
    def _cron_invoicecloud_send_receipts(self):
        """Mail the receipts that are due, each committed on its own: one that cannot be drawn or
        rendered is logged, marked and noted on its payment, and the others go. A concurrent update
        (serialization failure, deadlock, lock) is no such failure: the run stops, the receipt
        stays due for the next run. Any other error marks it, so that none blocks the others."""
        domain = [('invoicecloud_receipt_state', '=', 'due'), ('provider_code', 'in', INVOICECLOUD_CODES)]
        cron = self.env['ir.cron']
        remaining = self.search_count(domain)
        cron._commit_progress(remaining=remaining)
        for tx in self.search(domain, order='id', limit=RECEIPTS_PER_RUN):
            try:
                with self.env.cr.savepoint():
                    sent = tx._invoicecloud_send_receipt()
            except (SerializationFailure, DeadlockDetected, LockNotAvailable):
                raise  # a concurrent update: the receipt stays due, the next run sends it
            except Exception:  # a receipt never stops the others, and is marked
                _logger.exception("Could not mail the receipt of payment %s", tx.reference)
                sent = False
            tx.invoicecloud_receipt_state = 'sent' if sent else 'failed'
            if not sent:
                tx._invoicecloud_tell_accountant(
                    self.env._("No receipt mailed for %(ref)s", ref=tx.reference),
                    self.env._(
                        "No receipt was mailed to the customer for %(ref)s: no contact with an email address, the "
                        "payment is no longer posted, or the receipt could not be drawn (see the server log).",
                        ref=tx.reference,
                    ),
                )
            remaining -= 1
            if not cron._commit_progress(1, remaining=remaining):
                return
