from unittest.mock import patch

from odoo.tests import tagged

from ..gateways.mollie_gateway import MollieGateway
from ..gateways.stripe_gateway import StripeGateway
from .common import InvoicecloudCase, InvoicecloudHttpCase, InvoicecloudProvidersMixin


def _mollie_method(method_id, minimum, maximum):
    return {
        'resource': 'method',
        'id': method_id,
        'minimumAmount': {'value': minimum, 'currency': 'EUR'},
        'maximumAmount': {'value': maximum, 'currency': 'EUR'},
    }


class AmountLimitsMixin(InvoicecloudProvidersMixin):
    @classmethod
    def _invoice_in(cls, currency_code, amount):
        currency = cls.env.ref(f'base.{currency_code}')
        if currency != cls.env.company.currency_id:
            currency = cls.setup_other_currency(currency_code, rounding=currency.rounding)
        return cls._create_invoice_one_line(
            price_unit=amount, tax_ids=[], partner_id=cls.customer.id, currency_id=currency.id, post=True
        )

    @staticmethod
    def _choices(invoice):
        options, withheld = invoice._invoicecloud_pay_choices()
        return {method for _provider, methods in options for method in methods}, dict(withheld)


@tagged('post_install', '-at_install')
class TestAmountLimits(AmountLimitsMixin, InvoicecloudCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_stripe()
        cls._setup_mollie()
        cls.setup_other_currency('EUR')  # 2 EUR per USD
        cls.paypal = cls.env.ref('payment.payment_method_paypal').sudo()
        mollie_list = [_mollie_method('ideal', '0.01', '50000.00'), _mollie_method('paypal', '0.01', '100.00')]
        with patch.object(MollieGateway, 'list_methods', return_value=mollie_list):
            cls.mollie.action_invoicecloud_mollie_sync_methods()

    def test_card_is_withheld_where_stripe_would_refuse_the_amount(self):
        """docs.stripe.com/currencies: minimums per currency, zero-decimal currencies in whole
        units (MGA), three-decimal ones in multiples of ten minor units (KWD)."""
        for currency_code, amount, refused in (
            ('USD', 0.30, "0.50 or more"),
            ('USD', 0.50, None),
            ('KWD', 5.124, "this many decimals"),
            ('KWD', 5.120, None),
            ('MGA', 1234.50, "this many decimals"),
            ('MGA', 1234.00, None),
        ):
            with self.subTest(currency=currency_code, amount=amount):
                invoice = self._invoice_in(currency_code, amount)
                offered, withheld = self._choices(invoice)
                if refused:
                    self.assertNotIn(self.card, offered)
                    self.assertIn(refused, withheld[self.card])
                    self.assertIn(self.card.name, withheld[self.card])
                else:
                    self.assertIn(self.card, offered)
                    self.assertNotIn(self.card, withheld)

    def test_a_withheld_card_is_never_sent_to_stripe(self):
        invoice = self._invoice_in('KWD', 5.124)
        with patch.object(StripeGateway, 'create_checkout_session') as create:
            self.assertEqual(invoice.sudo()._invoicecloud_pay(self.provider, self.card, False), (None, 'method'))
        create.assert_not_called()
        self.assertEqual(invoice.payment_state, 'not_paid')

    def test_stripe_minor_units_of_a_currency_whose_decimals_differ_from_odoos(self):
        invoice = self._invoice_in('MGA', 1234.00)
        _url, _problem, create = self._pay_through_stripe(invoice)
        price = create.call_args.args[0]['line_items'][0]['price_data']
        self.assertEqual((price['currency'], price['unit_amount']), ('mga', 1234))

    def test_mollie_limits_are_checked_in_other_currencies_at_odoos_rate(self):
        """Mollie reports limits in EUR; the test rate is 2 EUR per USD (the company's currency)."""
        offered, withheld = self._choices(self._invoice_in('USD', 40.0))  # 80 EUR
        self.assertIn(self.paypal, offered)
        offered, withheld = self._choices(self._invoice_in('USD', 60.0))  # 120 EUR
        self.assertNotIn(self.paypal, offered)
        self.assertIn("at most", withheld[self.paypal])
        self.assertIn("50.00", withheld[self.paypal], "the limit, told in the invoice's currency")

    def test_a_method_is_offered_for_any_amount_the_page_offers_and_checked_for_the_chosen_one(self):
        """PayPal takes at most 100 EUR (50 USD): it takes the first instalment of 30 USD, not the
        whole 100 USD. The page offers both, so it offers PayPal; paying the whole with it says why."""
        _discount, instalments = self._payment_terms()
        invoice = self._create_invoice_one_line(
            price_unit=100.0,
            tax_ids=[],
            partner_id=self.customer.id,
            invoice_payment_term_id=instalments.id,
            post=True,
        )
        self.assertEqual(invoice._invoicecloud_offered_amounts(), (30.0, (100.0,)))
        self.assertNotIn(self.paypal, self._choices(invoice)[0], "not for the whole alone")
        for amounts in ((100.0, (30.0,)), invoice._invoicecloud_offered_amounts()):
            options, withheld = invoice._invoicecloud_pay_choices(*amounts)
            self.assertIn(self.paypal, {method for _provider, methods in options for method in methods}, amounts)
            self.assertNotIn(self.paypal, dict(withheld))
        _url, problem, create = self._pay_through_mollie(invoice, self.paypal, parts={invoice.id: 'full'})
        self.assertEqual(problem, 'method_amount')
        create.assert_not_called()
        url, problem, create = self._pay_through_mollie(invoice, self.paypal, parts={invoice.id: 'instalment'})
        self.assertEqual((problem, create.call_args.args[0]['amount']['value']), (None, '30.00'))
        self.assertTrue(url)

    def test_without_an_exchange_rate_mollie_decides(self):
        """Odoo converts at 1:1 without a rate: no comparison then, Mollie's answer tells."""
        chf = self.env.ref('base.CHF')
        chf.active = True
        self.assertFalse(chf.rate_ids)
        self.assertIsNone(self.mollie._invoicecloud_amount_refusal(self.paypal, 500.0, chf))

    def test_mollie_methods_that_do_not_take_the_currency_are_refused(self):
        """docs.mollie.com/docs/multicurrency: iDEAL takes euros only, PayPal US dollars too."""
        usd = self.env.ref('base.USD')
        self.assertIn("USD", self.mollie._invoicecloud_amount_refusal(self.ideal, 10.0, usd))
        self.assertIsNone(self.mollie._invoicecloud_amount_refusal(self.paypal, 10.0, usd))


@tagged('post_install', '-at_install')
class TestAmountLimitsPage(AmountLimitsMixin, InvoicecloudHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_stripe()

    def test_the_page_says_why_card_is_not_offered(self):
        invoice = self._invoice_in('KWD', 5.124)
        response = self.url_open(self._path(invoice))
        self.assertEqual(response.status_code, 200)
        self.assertIn('o_invoicecloud_withheld_methods', response.text)
        self.assertIn('Online payment is not available for this invoice.', response.text)
        self.assertNotIn('o_invoicecloud_pay_button', response.text)
