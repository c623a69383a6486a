import re

from lxml import html

from odoo import Command

from odoo.addons.account.tests.common import AccountTestInvoicingCommon, AccountTestInvoicingHttpCommon

from .mollie_common import InvoicecloudMollieMixin
from .stripe_common import InvoicecloudStripeMixin

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


class InvoicecloudSetupMixin:
    """Customers and invoices shared by the Invoicecloud tests."""

    @classmethod
    def _setup_invoicecloud(cls):
        cls.customer = cls.partner_a
        cls.customer.write({'is_company': True, 'email': 'customer@example.com'})
        cls.contact = cls.env['res.partner'].create(
            {
                'name': "Contact of A",
                'parent_id': cls.customer.id,
                'email': 'contact@example.com',
            }
        )
        cls.other_customer = cls.partner_b
        cls.invoice = cls._create_invoice(post=True, partner_id=cls.contact.id)

    @classmethod
    def _payment_terms(cls):
        """(2% within 10 days, net 30), and (30% now, 70% in 60 days): the terms of the tests of
        early payment discounts and instalments."""
        discount = cls.env['account.payment.term'].create(
            {
                'name': "2/10 net 30",
                'early_discount': True,
                'discount_percentage': 2,
                'discount_days': 10,
                'line_ids': [Command.create({'value': 'percent', 'value_amount': 100, 'nb_days': 30})],
            }
        )
        instalments = cls.env['account.payment.term'].create(
            {
                'name': "30% now, 70% in 60 days",
                'line_ids': [
                    Command.create({'value': 'percent', 'value_amount': 30, 'nb_days': 0}),
                    Command.create({'value': 'percent', 'value_amount': 70, 'nb_days': 60}),
                ],
            }
        )
        return discount, instalments

    @classmethod
    def _activate_languages(cls, *codes):
        for code in codes:
            cls.env['res.lang']._activate_lang(code)
        cls.env['ir.module.module']._load_module_terms(['invoicecloud_payments', 'account', 'mail'], list(codes))

    @staticmethod
    def _tx(invoices):
        """Our transactions on these invoices, in any state."""
        return invoices._invoicecloud_transactions(('draft', 'pending', 'authorized', 'done', 'cancel', 'error'))

    @staticmethod
    def _path(invoice):
        return f'/invoicecloud/{invoice.invoicecloud_token}'

    @staticmethod
    def _history_path(partner):
        return f'/invoicecloud/history/{partner.commercial_partner_id.invoicecloud_token}'


class InvoicecloudProvidersMixin(InvoicecloudStripeMixin, InvoicecloudMollieMixin):
    """Both providers of the addon: a class that sets up either or both."""


class InvoicecloudCase(InvoicecloudSetupMixin, AccountTestInvoicingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_invoicecloud()


class InvoicecloudHttpCase(InvoicecloudSetupMixin, AccountTestInvoicingHttpCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_invoicecloud()

    def _page(self, path):
        """A customer page, parsed, which must answer 200."""
        response = self.url_open(path)
        self.assertEqual(response.status_code, 200)
        return html.fromstring(response.text)

    def _csrf_token(self, path):
        return CSRF_RE.search(self.url_open(path).text).group(1)
