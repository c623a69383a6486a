"""Issue 13, item 4: after a payment, the customer gets its receipt by email, in their language,
with the PDF attached; their pages offer it for download; a refund gets a refund receipt."""

from unittest.mock import patch

from odoo.tests import tagged

from ..gateways.mollie_gateway import MollieGateway
from .common import InvoicecloudHttpCase, InvoicecloudProvidersMixin


@tagged('post_install', '-at_install')
class TestReceipts(InvoicecloudProvidersMixin, InvoicecloudHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_mollie()
        cls.eur = cls.setup_other_currency('EUR')
        cls.cron = cls.env.ref('invoicecloud_payments.cron_send_receipts')

    def _paid_invoice(self, partner=None):
        """An invoice paid through Mollie (iDEAL); returns (invoice, transaction)."""
        invoice = self._create_invoice(post=True, partner_id=(partner or self.contact).id, currency_id=self.eur.id)
        self._pay_through_mollie(invoice, self.ideal)
        tx = self._tx(invoice)
        self._confirm_mollie(tx, self._mollie_payment(tx))
        self.assertEqual((tx.state, invoice.payment_state), ('done', 'paid'))
        return invoice, tx

    def _refunded(self, invoice, tx):
        """Refund the whole invoice from its credit note, Mollie refunding at once."""
        credit_note = invoice._reverse_moves([{'ref': 'Refund'}])
        credit_note.action_post()

        def refund(payment_id, payload, key):
            return {'id': 're_unit', 'resource': 'refund', 'paymentId': payment_id, 'status': 'refunded', **payload}

        with patch.object(MollieGateway, 'create_refund', side_effect=refund):
            credit_note.action_invoicecloud_refund()
        refund_tx = self._tx(credit_note)
        self.assertEqual((refund_tx.state, refund_tx.payment_id.payment_type), ('done', 'outbound'))
        return credit_note, refund_tx

    def _mails_of(self, payment):
        return self.env['mail.message'].search(
            [('model', '=', 'account.payment'), ('res_id', '=', payment.id), ('message_type', '=', 'comment')]
        )

    def _receipt_path(self, token_path, payment):
        return f'{token_path}/receipt/{payment.id}'

    # --- the email ------------------------------------------------------------------------------

    def test_the_receipt_is_mailed_once_with_the_pdf_in_the_customers_language(self):
        self._activate_languages('fr_FR')
        self.contact.lang = 'fr_FR'
        invoice, tx = self._paid_invoice()
        self.assertEqual(tx.invoicecloud_receipt_state, 'due', "never mailed while the webhook waits")
        self.assertFalse(self._mails_of(tx.payment_id))
        self.assertTrue(self.env['ir.cron.trigger'].search_count([('cron_id', '=', self.cron.id)]))

        self.cron.method_direct_trigger()
        self.cron.method_direct_trigger()
        self.assertEqual(tx.invoicecloud_receipt_state, 'sent')
        message = self._mails_of(tx.payment_id)
        self.assertEqual(len(message), 1, "mailed once, however often the cron runs")
        self.assertEqual(message.partner_ids, self.contact, "to whom the invoice was addressed")
        self.assertIn("reçu de votre paiement", message.subject)
        self.assertIn(invoice.name, message.body)
        self.assertIn("Merci pour votre paiement", message.body)
        self.assertEqual(len(message.attachment_ids), 1)
        # Odoo's report, named in French ("Payment Receipt" is Odoo's term, translated by Odoo).
        self.assertIn("Reçu de paiement", message.attachment_ids.raw.decode(), "the PDF in French too")
        name = message.attachment_ids.name
        self.assertTrue(name.startswith(f"Reçu de paiement {tx.payment_id.name.replace('/', '-')}."), name)
        mail = self.env['mail.mail'].search([('mail_message_id', '=', message.id)])
        self.assertEqual(mail.recipient_ids, self.contact)

    def test_a_refund_gets_a_refund_receipt(self):
        invoice, tx = self._paid_invoice()
        credit_note, refund_tx = self._refunded(invoice, tx)
        self.assertEqual(refund_tx.invoicecloud_receipt_state, 'due')
        self.cron.method_direct_trigger()
        message = self._mails_of(refund_tx.payment_id)
        self.assertIn("receipt of your refund", message.subject)
        self.assertIn(credit_note.name, message.body)
        self.assertEqual(refund_tx.payment_id.payment_receipt_title, "Refund Receipt")
        self.assertEqual(tx.payment_id.payment_receipt_title, "Payment Receipt")
        pdf = self.url_open(self._receipt_path(self._path(credit_note), refund_tx.payment_id))
        self.assertIn("Refund Receipt", pdf.text)

    def test_refunds_registered_by_hand_keep_odoos_title(self):
        payment = self.env['account.payment'].create(
            {'partner_id': self.customer.id, 'partner_type': 'customer', 'payment_type': 'outbound', 'amount': 5}
        )
        self.assertEqual((payment.payment_type, payment.payment_receipt_title), ('outbound', 'Payment Receipt'))

    def test_a_receipt_that_cannot_go_is_told_and_the_others_go(self):
        _invoice, first = self._paid_invoice()
        nobody = self.env['res.partner'].create({'name': "No email", 'parent_id': self.customer.id})
        _invoice, second = self._paid_invoice(partner=nobody)  # the invoice's addressee has no email
        _invoice, third = self._paid_invoice()
        original = type(first)._invoicecloud_send_receipt

        def send(tx):
            if tx == first:
                raise ValueError("the report engine is down")
            return original(tx)

        with (
            patch.object(type(first), '_invoicecloud_send_receipt', send),
            self.assertLogs('odoo.addons.invoicecloud_payments', level='ERROR'),
        ):
            self.cron.method_direct_trigger()
        self.assertEqual(
            (first.invoicecloud_receipt_state, second.invoicecloud_receipt_state, third.invoicecloud_receipt_state),
            ('failed', 'failed', 'sent'),
        )
        self.assertFalse(self._mails_of(first.payment_id))
        self.assertFalse(self._mails_of(second.payment_id))
        for tx in (first, second):  # told to whoever handles the invoice: a note and a to-do
            self.assertIn("No receipt was mailed", tx.invoice_ids.message_ids[:1].body)
            self.assertIn(tx.reference, tx.invoice_ids.activity_ids.summary)
        self.assertEqual(first.payment_id.state, 'paid', "the payment stays recorded")

    def test_a_payment_cancelled_or_a_document_given_to_another_customer_meanwhile(self):
        """Between the payment and the cron: a payment cancelled gets no receipt (the accountant is
        told); a document reset to draft and given to another customer never makes the receipt go
        to that customer."""
        _invoice, cancelled = self._paid_invoice()
        cancelled.payment_id.action_draft()
        cancelled.payment_id.action_cancel()
        invoice, moved = self._paid_invoice()
        invoice.button_draft()
        invoice.partner_id = self.other_customer
        self.cron.method_direct_trigger()
        self.assertEqual(cancelled.invoicecloud_receipt_state, 'failed')
        self.assertFalse(self._mails_of(cancelled.payment_id))
        self.assertIn("no longer posted", cancelled.invoice_ids.message_ids[:1].body)
        self.assertEqual(moved.invoicecloud_receipt_state, 'sent')
        self.assertEqual(self._mails_of(moved.payment_id).partner_ids, self.customer, "the payer, not the new customer")

    # --- the pages ------------------------------------------------------------------------------

    def test_an_invoice_link_opens_the_receipts_of_that_invoice_only(self):
        invoice, tx = self._paid_invoice()
        other = self._create_invoice(post=True, partner_id=self.contact.id)
        by_hand = self._register_payment(other)
        self.assertEqual(self.url_open(self._receipt_path(self._path(invoice), tx.payment_id)).status_code, 200)
        self.assertEqual(self.url_open(self._receipt_path(self._path(invoice), by_hand)).status_code, 404)
        self.assertEqual(self.url_open(self._receipt_path(self._path(other), by_hand)).status_code, 200)
        history = self._history_path(self.customer)
        self.assertEqual(self.url_open(self._receipt_path(history, by_hand)).status_code, 200)

    def test_a_paid_document_given_to_another_customer_shows_them_nothing_of_the_payment(self):
        invoice, tx = self._paid_invoice()
        invoice.button_draft()
        invoice.partner_id = self.other_customer
        invoice.action_post()
        path = self._path(invoice)
        self.assertEqual(self.url_open(path).status_code, 200)
        self.assertEqual(self.url_open(f'{path}/payment?reference={tx.reference}').status_code, 404)
        self.assertEqual(self.url_open(self._receipt_path(path, tx.payment_id)).status_code, 404)

    def test_a_contact_moved_to_another_company_takes_new_links_along(self):
        old_path = self._path(self.invoice)  # addressed to the contact of the customer
        others = self._create_invoice(post=True, partner_id=self.other_customer.id)
        others_path = self._path(others)
        self.contact.parent_id = self.other_customer
        self.assertNotEqual(self._path(self.invoice), old_path)
        self.assertEqual(self.url_open(old_path).status_code, 404)
        self.assertEqual(self._path(others), others_path, "the documents of others keep their links")

    def test_a_company_made_a_contact_of_another_takes_new_links_along(self):
        invoice = self._create_invoice(post=True, partner_id=self.other_customer.id)
        old_path = self._path(invoice)
        self.other_customer.write({'is_company': False, 'parent_id': self.customer.id})
        self.assertNotEqual(self._path(invoice), old_path)
        self.other_customer.name = "Renamed"  # anything else keeps the links
        self.assertEqual(self.url_open(self._path(invoice)).status_code, 200)

    def test_a_document_given_to_another_customer_gets_a_new_link(self):
        invoice = self._create_invoice(post=True, partner_id=self.contact.id)
        old_path = self._path(invoice)
        invoice.button_draft()
        invoice.partner_id = self.customer  # the same customer: the link stays
        self.assertEqual(self._path(invoice), old_path)
        invoice.partner_id = self.other_customer
        self.assertNotEqual(self._path(invoice), old_path)
        invoice.action_post()
        self.assertEqual(self.url_open(old_path).status_code, 404)
        self.assertEqual(self.url_open(self._path(invoice)).status_code, 200)

    def _register_payment(self, invoice):
        """A payment registered by the accountant with Odoo's wizard, as before the addon."""
        wizard = (
            self.env['account.payment.register']
            .with_context(active_model='account.move', active_ids=invoice.ids)
            .create({})
        )
        return wizard._create_payments()

    def test_the_status_page_invoice_page_and_history_offer_the_receipts(self):
        invoice, tx = self._paid_invoice()
        old = self._create_invoice(post=True, partner_id=self.customer.id)
        by_hand = self._register_payment(old)
        status = self._page(f'{self._path(invoice)}/payment?reference={tx.reference}')
        [link] = status.xpath('//p[hasclass("o_invoicecloud_receipt")]/a/@href')
        self.assertEqual(link, self._receipt_path(self._path(invoice), tx.payment_id))
        self.assertIn("We also email it to you.", status.text_content())

        page = self._page(self._path(invoice))
        self.assertEqual(
            page.xpath('//div[hasclass("o_invoicecloud_receipt")]/a/@href'),
            [self._receipt_path(self._path(invoice), tx.payment_id)],
        )
        history = self._page(self._history_path(self.customer))
        self.assertEqual(
            sorted(history.xpath('//div[hasclass("o_invoicecloud_receipt")]/a/@href')),
            sorted(
                self._receipt_path(f'{self._history_path(self.customer)}', payment)
                for payment in (tx.payment_id, by_hand)
            ),
            "online payments and those registered by hand",
        )
        for path in (link, self._receipt_path(self._history_path(self.customer), by_hand)):
            response = self.url_open(path)
            self.assertEqual(response.status_code, 200)
            self.assertEqual(response.headers['Content-Type'], 'application/pdf')
            self.assertIn('.pdf', response.headers['Content-Disposition'])
            self.assertEqual(response.headers['Referrer-Policy'], 'no-referrer')

    def test_only_the_customers_own_posted_payments_have_a_receipt(self):
        _invoice, tx = self._paid_invoice()
        stranger_invoice = self._create_invoice(post=True, partner_id=self.other_customer.id)
        stranger_payment = self._register_payment(stranger_invoice)
        vendor_payment = self.env['account.payment'].create(
            {'partner_id': self.customer.id, 'partner_type': 'supplier', 'payment_type': 'outbound', 'amount': 5}
        )
        vendor_payment.action_post()
        draft = self.env['account.payment'].create(
            {'partner_id': self.customer.id, 'partner_type': 'customer', 'payment_type': 'inbound', 'amount': 5}
        )
        cancelled = draft.copy()
        cancelled.action_cancel()
        mine = self._history_path(self.customer)
        for path in (
            self._receipt_path(mine, stranger_payment),
            self._receipt_path(mine, vendor_payment),
            self._receipt_path(mine, draft),
            self._receipt_path(mine, cancelled),
            f'{mine}/receipt/2147483648',
            f'{mine}/receipt/999999999',
            self._receipt_path(self._history_path(self.other_customer), tx.payment_id),
            self._receipt_path(self._path(stranger_invoice), tx.payment_id),
            self._receipt_path('/invoicecloud/history/not-a-token', tx.payment_id),
            self._receipt_path('/invoicecloud/not-a-token', tx.payment_id),
        ):
            response = self.url_open(path)
            self.assertEqual(response.status_code, 404, path)
            self.assertNotIn(tx.payment_id.name, response.text)
        self.assertEqual(self.url_open(self._receipt_path(mine, tx.payment_id)).status_code, 200)
