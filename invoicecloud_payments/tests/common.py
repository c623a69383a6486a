import re
from unittest.mock import patch

from odoo.addons.account.tests.common import AccountTestInvoicingCommon, AccountTestInvoicingHttpCommon

from ..gateways.mollie_gateway import MollieGateway

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
    def _activate_languages(cls, *codes):
        for code in codes:
            cls.env['res.lang']._activate_lang(code)
        cls.env['ir.module.module']._load_module_terms(['invoicecloud_payments', 'account', 'mail'], list(codes))

    @staticmethod
    def _path(invoice):
        return f'/invoicecloud/{invoice.invoicecloud_token}'

    @staticmethod
    def _history_path(partner):
        return f'/invoicecloud/history/{partner.commercial_partner_id.invoicecloud_token}'


def _created_mollie_payment(payload, key):
    return {'id': 'tr_unit', '_links': {'checkout': {'href': 'https://mollie.test/checkout/tr_unit'}}}


class InvoicecloudProvidersMixin:
    """The Stripe and Mollie providers enabled in test mode, their gateways answering like the
    providers would."""

    @classmethod
    def _setup_stripe(cls):
        cls.provider = cls.env.ref('invoicecloud_payments.payment_provider_stripe').sudo()
        cls.provider.write(
            {
                'state': 'test',
                'is_published': True,
                'company_id': cls.env.company.id,
                'invoicecloud_stripe_secret_key': 'sk_test_unit',
                'invoicecloud_stripe_webhook_secret': 'whsec_unit',
                'journal_id': cls.company_data['default_journal_bank'].id,
            }
        )
        cls.card = cls.env.ref('payment.payment_method_card').sudo()

    @classmethod
    def _setup_mollie(cls):
        cls.mollie = cls.env.ref('invoicecloud_payments.payment_provider_mollie').sudo()
        cls.mollie.write(
            {
                'state': 'test',
                'is_published': True,
                'company_id': cls.env.company.id,
                'invoicecloud_mollie_api_key': 'test_unitunitunitunitunitunitunitunit',
                'journal_id': cls.company_data['default_journal_bank'].id,
            }
        )
        cls.ideal = cls.env.ref('payment.payment_method_ideal').sudo()
        cls.bank_transfer = cls.env.ref('payment.payment_method_bank_transfer').sudo()
        (cls.ideal + cls.bank_transfer).active = True

    @classmethod
    def _pay_through_mollie(cls, invoices, method, from_history=False, replace_open=False):
        """Start paying as the customer's page does, Mollie creating the payment; returns (checkout
        URL, problem, the mocked `create_payment`)."""
        with patch.object(MollieGateway, 'create_payment', side_effect=_created_mollie_payment) as create:
            url, problem = invoices.sudo()._invoicecloud_pay(
                cls.mollie, method, from_history, replace_open=replace_open
            )
        return url, problem, create

    @staticmethod
    def _confirm_mollie(tx, payment):
        """Confirm the transaction as webhook, return page and cron do, Mollie reporting `payment`."""
        with patch.object(MollieGateway, 'get_payment', return_value=payment):
            tx._invoicecloud_confirm()

    @staticmethod
    def _mollie_payment(tx, **values):
        """A payment as Mollie returns it for this transaction."""
        return {
            'id': tx.provider_reference,
            'resource': 'payment',
            'amount': {'currency': tx.currency_id.name, 'value': f'{tx.amount:.2f}'},
            'metadata': {'reference': tx.reference},
            'status': 'paid',
            **values,
        }

    @staticmethod
    def _session(tx, **values):
        """A Checkout Session as Stripe returns it for this transaction."""
        return {
            'id': tx.provider_reference,
            'object': 'checkout.session',
            'client_reference_id': tx.reference,
            'amount_total': round(tx.amount * 100),
            'currency': tx.currency_id.name.lower(),
            'status': 'complete',
            'payment_status': 'paid',
            'payment_intent': 'pi_unit',
            **values,
        }


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

    def _csrf_token(self, path):
        return CSRF_RE.search(self.url_open(path).text).group(1)
