import re

from odoo.addons.account.tests.common import AccountTestInvoicingCommon, AccountTestInvoicingHttpCommon

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


class InvoicecloudStripeMixin:
    """The Stripe provider enabled in test mode, its gateway answering like Stripe would."""

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
