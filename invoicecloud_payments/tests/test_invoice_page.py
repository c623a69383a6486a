import re

from odoo.tests import tagged

from .common import InvoicecloudHttpCase


@tagged('post_install', '-at_install')
class TestInvoicePage(InvoicecloudHttpCase):
    def test_invoice_page_shows_the_invoice(self):
        response = self.url_open(self._path(self.invoice))
        self.assertEqual(response.status_code, 200)
        page = response.text
        self.assertIn(self.invoice.name, page)
        for line in self.invoice.invoice_line_ids:
            self.assertIn(line.name, page)
        self.assertIn('o_invoicecloud_amount_due', page)
        self.assertIn('Open', page)
        self.assertIn(self._history_path(self.customer), page, "the way to the history")
        self.assertIn(f'{self._path(self.invoice)}/pdf', page)

    def test_token_pages_send_privacy_headers(self):
        for path in (self._path(self.invoice), f'{self._path(self.invoice)}/pdf', self._history_path(self.customer)):
            headers = self.url_open(path).headers
            self.assertEqual(headers.get('Referrer-Policy'), 'no-referrer', path)
            self.assertEqual(headers.get('Cache-Control'), 'no-store', path)

    def test_page_loads_no_third_party_script(self):
        page = self.url_open(self._path(self.invoice)).text
        for src in re.findall(r'<script[^>]+src="([^"]+)"', page):
            self.assertTrue(src.startswith('/'), f"third-party script {src}")

    def test_every_bad_link_gets_the_same_404(self):
        reset = self._create_invoice(post=True)
        reset_path = self._path(reset)
        reset.action_invoicecloud_reset_token()
        bill = self._create_invoice(move_type='in_invoice', post=True)
        bill.sudo()._invoicecloud_assign_tokens(bill.ids)  # even if a bill had a token, it is no customer page
        redrafted = self._create_invoice(post=True)
        redrafted_path = self._path(redrafted)
        redrafted.button_draft()
        valid = self.invoice.invoicecloud_token
        bad_paths = [
            '/invoicecloud/' + 'A' * 43,
            reset_path,
            self._path(bill),
            redrafted_path,
            '/invoicecloud/' + valid[:-1],
            '/invoicecloud/' + valid + 'x',
            '/invoicecloud/%00',
            '/invoicecloud/' + 'x' * 2000,
            '/invoicecloud/history/' + valid,  # an invoice token does not open a history
            '/invoicecloud/' + self.customer.invoicecloud_token,  # nor a history token an invoice
            '/invoicecloud/' + 'A' * 43 + '/pdf',
        ]
        bodies = set()
        for path in bad_paths:
            response = self.url_open(path)
            self.assertEqual(response.status_code, 404, path[:80])
            bodies.add(response.text)
        self.assertEqual(len(bodies), 1, "the same page whatever the kind of bad link")

    def test_cancelled_invoice_shows_cancelled(self):
        cancelled = self._create_invoice(post=True)
        cancelled.button_cancel()
        page = self.url_open(self._path(cancelled)).text
        self.assertIn('Cancelled', page)

    def test_paid_invoice_shows_paid_and_nothing_due(self):
        self.env['account.payment.register'].with_context(
            active_model='account.move',
            active_ids=self.invoice.ids,
        ).create({})._create_payments()
        self.assertIn(self.invoice.payment_state, ('paid', 'in_payment'))
        page = self.url_open(self._path(self.invoice)).text
        self.assertIn('text-bg-success o_invoicecloud_status">Paid', page)

    def test_pdf_download_is_the_invoice_report_of_this_invoice(self):
        response = self.url_open(f'{self._path(self.invoice)}/pdf')
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers['Content-Type'], 'application/pdf')
        disposition = response.headers['Content-Disposition']
        self.assertIn('attachment', disposition)
        self.assertIn(self.invoice._get_invoice_report_filename(), disposition)
        # Odoo's test mode renders reports as HTML; tests/ checks the real PDF bytes.
        self.assertIn(self.invoice.name, response.text)

    def test_pdf_download_serves_the_document_sent_to_the_customer(self):
        attachment = self.env['ir.attachment'].create(
            {
                'name': 'INV_sent.pdf',
                'raw': b'%PDF-1.4 sent document',
                'res_model': 'account.move',
                'res_id': self.invoice.id,
                'res_field': 'invoice_pdf_report_file',
            }
        )
        self.invoice.invalidate_recordset(['invoice_pdf_report_id'])
        self.assertEqual(self.invoice.invoice_pdf_report_id, attachment)
        response = self.url_open(f'{self._path(self.invoice)}/pdf')
        self.assertEqual(response.content, b'%PDF-1.4 sent document')

    def test_page_follows_the_customer_language(self):
        self._activate_languages('fr_FR', 'nl_NL', 'de_DE')
        expected = {
            'fr_FR': ('Montant dû', 'Montant hors taxes'),
            'nl_NL': ('Te betalen', 'Excl. btw'),
            'de_DE': ('Fälliger Betrag', 'Nettobetrag'),
            'en_US': ('Amount due', 'Untaxed Amount'),
        }
        for lang, labels in expected.items():
            self.contact.lang = lang
            page = self.url_open(self._path(self.invoice)).text
            for label in labels:  # ours, and the tax totals Odoo computes
                self.assertIn(label, page, lang)
