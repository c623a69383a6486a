from unittest.mock import patch

from odoo.tests import tagged

from ..gateways.stripe_gateway import StripeGateway
from .common import InvoicecloudHttpCase, InvoicecloudProvidersMixin
from .stripe_common import created_stripe_session


@tagged('post_install', '-at_install')
class TestPayPartsPages(InvoicecloudProvidersMixin, InvoicecloudHttpCase):
    """What the customer reads and chooses: the discounted amount and its date, the instalments,
    an amount of their choice; and what the server charges for each choice."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_stripe()
        cls.epd_terms, cls.instalment_terms = cls._payment_terms()
        cls.discounted = cls._create_invoice_one_line(
            price_unit=1000.0, partner_id=cls.customer.id, invoice_payment_term_id=cls.epd_terms.id, post=True
        )
        cls.instalments = cls._create_invoice_one_line(
            price_unit=1000.0, partner_id=cls.customer.id, invoice_payment_term_id=cls.instalment_terms.id, post=True
        )

    def _text(self, tree, xpath):
        return ' '.join(' '.join(node.text_content().split()) for node in tree.xpath(xpath))

    def _post_pay(self, path, **data):
        data = {'csrf_token': self._csrf_token(path), 'method': f'{self.provider.id}-{self.card.id}', **data}
        with patch.object(StripeGateway, 'create_checkout_session', side_effect=created_stripe_session) as create:
            response = self.url_open(f'{path}/pay', data=data, allow_redirects=False)
        self.assertEqual(response.status_code, 303)
        charged = create.call_args.args[0]['line_items'][0]['price_data']['unit_amount'] if create.called else None
        return response, charged

    def test_the_invoice_page_shows_the_discount_and_its_date(self):
        tree = self._page(self._path(self.discounted))
        discount_date = self.discounted._invoicecloud_terms()['discount_date']
        self.assertIn(
            '$ 980.00',
            self._text(tree, "//*[contains(concat(' ', normalize-space(@class), ' '), ' o_invoicecloud_discount ')]"),
        )
        self.assertIn(
            '$ 1,000.00',
            self._text(tree, "//*[contains(concat(' ', normalize-space(@class), ' '), ' o_invoicecloud_discount ')]"),
        )
        self.assertEqual(
            self._text(
                tree, "//*[contains(concat(' ', normalize-space(@class), ' '), ' o_invoicecloud_discount_date ')]"
            ),
            discount_date.strftime('%m/%d/%Y'),
        )
        self.assertIn(
            '$ 980.00',
            self._text(tree, "//*[contains(concat(' ', normalize-space(@class), ' '), ' o_invoicecloud_pay_button ')]"),
        )
        self.assertFalse(
            tree.xpath("//*[contains(concat(' ', normalize-space(@class), ' '), ' o_invoicecloud_parts ')]"),
            "no choice to make",
        )
        _response, charged = self._post_pay(self._path(self.discounted))
        self.assertEqual(charged, 98000)

    def test_the_history_shows_the_discount_and_the_next_instalment(self):
        tree = self._page(self._history_path(self.customer))
        self.assertIn(
            '$ 980.00',
            self._text(tree, "//*[contains(concat(' ', normalize-space(@class), ' '), ' o_invoicecloud_discount ')]"),
        )
        self.assertIn(
            'Next instalment: $ 300.00',
            self._text(
                tree, "//*[contains(concat(' ', normalize-space(@class), ' '), ' o_invoicecloud_next_instalment ')]"
            ),
        )

    def test_the_invoice_page_offers_the_instalment_or_the_rest(self):
        path = self._path(self.instalments)
        tree = self._page(path)
        self.assertEqual(
            len(tree.xpath("//*[contains(concat(' ', normalize-space(@class), ' '), ' o_invoicecloud_instalment ')]")),
            2,
        )
        self.assertEqual([node.get('value') for node in tree.xpath("//input[@name='part']")], ['instalment', 'full'])
        self.assertEqual(tree.xpath("//input[@name='part'][@checked]")[0].get('value'), 'instalment')
        self.assertIn('$ 300.00', self._text(tree, "//label[@for='part_instalment']"))
        self.assertIn('$ 1,000.00', self._text(tree, "//label[@for='part_full']"))
        self.assertEqual(
            self._text(tree, "//*[contains(concat(' ', normalize-space(@class), ' '), ' o_invoicecloud_pay_button ')]"),
            'Pay',
        )
        _response, charged = self._post_pay(path, part='instalment')
        self.assertEqual(charged, 30000)

    def test_a_part_the_invoice_does_not_offer_is_answered_on_the_page(self):
        path = self._path(self.discounted)
        for data in ({'part': 'instalment'}, {'part': 'custom', 'custom_amount': '100'}, {'part': 'x' * 5000}):
            with self.subTest(data=str(data)[:40]):
                response, charged = self._post_pay(path, **data)
                self.assertIsNone(charged)
                self.assertIn('payment=amount', response.headers['Location'])
        tree = self._page(f'{path}?payment=amount')
        self.assertIn(
            'between the minimum and the maximum',
            self._text(
                tree, "//*[contains(concat(' ', normalize-space(@class), ' '), ' o_invoicecloud_pay_problem ')]"
            ),
        )
        self.assertFalse(self.discounted._invoicecloud_transactions(('draft',)))

    def test_an_amount_of_ones_choice_when_the_company_allows_it(self):
        self.env.company.write({'invoicecloud_custom_amount': True, 'invoicecloud_custom_minimum': 20.0})
        self.assertIsNone(self.discounted._invoicecloud_custom_bounds(), "a part would end the discount")
        invoice = self._create_invoice_one_line(price_unit=980.0, partner_id=self.customer.id, post=True)
        path = self._path(invoice)
        tree = self._page(path)
        self.assertEqual([node.get('value') for node in tree.xpath("//input[@name='part']")], ['full', 'custom'])
        self.assertIn('$ 20.00', self._text(tree, "//*[@id='custom_amount_help']"))
        self.assertIn('$ 980.00', self._text(tree, "//*[@id='custom_amount_help']"))
        for typed, expected in (('12,5', None), ('125,50', 12550), (' 200.5 ', 20050), ('1e3', None), ('12.345', None),
                                ('-50', None), ('NaN', None), ('9' * 40, None), ('²', None), ('١٢', None)):  # fmt: skip
            with self.subTest(typed=typed):
                invoice._invoicecloud_transactions(('draft',)).unlink()
                response, charged = self._post_pay(path, part='custom', custom_amount=typed)
                self.assertEqual(charged, expected)
                if expected is None:
                    self.assertIn('payment=amount', response.headers['Location'])

    def test_the_review_page_pays_an_instalment_and_a_whole_invoice(self):
        path = f'{self._history_path(self.customer)}/pay'
        query = f'invoice_ids={self.discounted.id}&invoice_ids={self.instalments.id}'
        tree = self._page(f'{path}?{query}')
        self.assertEqual(
            self._text(tree, "//*[contains(concat(' ', normalize-space(@class), ' '), ' o_invoicecloud_pay_total ')]"),
            '$ 1,280.00',
        )  # 980 + the instalment
        self.assertEqual(len(tree.xpath(f"//select[@name='part_{self.instalments.id}']")), 1)
        self.assertFalse(tree.xpath(f"//select[@name='part_{self.discounted.id}']"))
        self.assertEqual(
            [
                node.get('value')
                for node in tree.xpath(
                    f"//form[contains(@class, 'o_invoicecloud_pay_form')]//input[@name='part_{self.instalments.id}']"
                )
            ],
            ['instalment'],
        )
        tree = self._page(f'{path}?{query}&part_{self.instalments.id}=full')
        self.assertEqual(
            self._text(tree, "//*[contains(concat(' ', normalize-space(@class), ' '), ' o_invoicecloud_pay_total ')]"),
            '$ 1,980.00',
        )
        self.assertFalse(
            tree.xpath(
                f"//form[contains(@class, 'o_invoicecloud_pay_form')]//input[@name='part_{self.instalments.id}']"
            )
        )

        data = {'invoice_ids': [self.discounted.id, self.instalments.id], f'part_{self.instalments.id}': 'instalment'}
        data |= {'csrf_token': self._csrf_token(f'{path}?{query}'), 'method': f'{self.provider.id}-{self.card.id}'}
        with patch.object(StripeGateway, 'create_checkout_session', side_effect=created_stripe_session) as create:
            self.url_open(path, data=data, allow_redirects=False)
        self.assertEqual(create.call_args.args[0]['line_items'][0]['price_data']['unit_amount'], 128000)

    def test_after_an_instalment_the_page_shows_what_is_left_and_what_is_next(self):
        payment = (
            self.env['account.payment.register']
            .with_context(active_model='account.move', active_ids=self.instalments.ids)
            .create({'amount': 300.0})
            ._create_payments()
        )
        self.assertTrue(payment)
        tree = self._page(self._path(self.instalments))
        self.assertEqual(
            self._text(tree, "//*[contains(concat(' ', normalize-space(@class), ' '), ' o_invoicecloud_amount_due ')]"),
            '$ 700.00',
        )
        self.assertEqual(
            [
                node.get('data-state')
                for node in tree.xpath(
                    "//*[contains(concat(' ', normalize-space(@class), ' '), ' o_invoicecloud_instalment ')]"
                )
            ],
            ['paid', 'due'],
        )
        self.assertFalse(
            tree.xpath("//*[contains(concat(' ', normalize-space(@class), ' '), ' o_invoicecloud_parts ')]"),
            "the last instalment is the rest",
        )
        self.assertIn(
            '$ 700.00',
            self._text(tree, "//*[contains(concat(' ', normalize-space(@class), ' '), ' o_invoicecloud_pay_button ')]"),
        )
        history = self._page(self._history_path(self.customer))
        self.assertIn(
            'Partially paid',
            self._text(history, "//*[contains(concat(' ', normalize-space(@class), ' '), ' o_invoicecloud_history ')]"),
        )
