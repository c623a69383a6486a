"""Issue 11: two companies, each with its own providers and journal, and one customer of both.

- The history lists every document the customer received, from either company; each row names
  its company, and the page carries the name and logo of the company of the newest document.
- An invoice page carries its own company's name, and offers its own company's providers only.
- No company's provider is ever used for another company's invoice, and invoices of two
  companies are never paid in one payment.
"""

from unittest.mock import patch

from odoo import Command
from odoo.tests import tagged

from ..gateways.stripe_gateway import StripeGateway
from .common import InvoicecloudHttpCase, InvoicecloudProvidersMixin


@tagged('post_install', '-at_install')
class TestMultiCompany(InvoicecloudProvidersMixin, InvoicecloudHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_stripe()
        cls.company_a = cls.env.company
        data_b = cls.setup_other_company(name="Second Company BV")
        cls.company_b = data_b['company']
        cls.provider_b = cls.provider.copy(
            {
                'name': "Stripe (Second Company)",
                'company_id': cls.company_b.id,
                'state': 'test',
                'is_published': True,
                'invoicecloud_stripe_secret_key': 'sk_test_company_b',
                'invoicecloud_stripe_webhook_secret': 'whsec_company_b',
                'journal_id': data_b['default_journal_bank'].id,
            }
        )
        cls.invoice_b = (
            cls.env['account.move']
            .with_company(cls.company_b)
            .create(
                {
                    'move_type': 'out_invoice',
                    'partner_id': cls.customer.id,
                    'invoice_date': '2026-01-15',
                    'invoice_line_ids': [Command.create({'name': 'Service B', 'price_unit': 300.0, 'tax_ids': False})],
                }
            )
        )
        cls.invoice_b.action_post()

    def test_the_history_lists_both_companies_documents_each_named(self):
        page = self.url_open(self._history_path(self.customer)).text
        self.assertIn(self.invoice.name, page)
        self.assertIn(self.invoice_b.name, page)
        self.assertIn('o_invoicecloud_company', page)
        self.assertIn("Second Company BV", page)
        self.assertEqual(self.customer._invoicecloud_history_companies(), self.company_a | self.company_b)

    def test_each_invoice_page_carries_its_company_and_offers_its_providers(self):
        for invoice, provider, other in (
            (self.invoice, self.provider, self.provider_b),
            (self.invoice_b, self.provider_b, self.provider),
        ):
            page = self.url_open(self._path(invoice)).text
            self.assertIn(invoice.company_id.name, page)
            options = invoice.sudo()._invoicecloud_pay_options()
            self.assertEqual([offered for offered, _methods in options], [provider])
            self.assertNotIn(f'value="{other.id}-', page)

    def test_no_provider_pays_another_companys_invoice(self):
        with patch.object(StripeGateway, 'create_checkout_session') as create:
            url, problem = self.invoice_b.sudo()._invoicecloud_pay(self.provider, self.card, False)
        self.assertEqual((url, problem), (None, 'method'))
        create.assert_not_called()
        both = (self.invoice | self.invoice_b).sudo()
        self.assertEqual(both._invoicecloud_payment_problem(), 'mixed')
        with patch.object(StripeGateway, 'create_checkout_session') as create:
            self.assertEqual(both._invoicecloud_pay(self.provider, self.card, True), (None, 'mixed'))
        create.assert_not_called()
