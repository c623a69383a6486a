from datetime import datetime, timedelta

from freezegun import freeze_time

from odoo.tests import tagged

from .common import InvoicecloudCase, InvoicecloudProvidersMixin


@tagged('post_install', '-at_install')
class TestInstalments(InvoicecloudProvidersMixin, InvoicecloudCase):
    """30% now, 70% in 60 days: the customer pays the next instalment or the rest, and the
    invoice is partially paid until the last one."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_stripe()
        _discount, cls.instalment_terms = cls._payment_terms()

    def _instalment_invoice(self, price=1000.0, **values):
        return self._create_invoice_one_line(
            price_unit=price,
            partner_id=self.customer.id,
            invoice_payment_term_id=self.instalment_terms.id,
            post=True,
            **values,
        )

    def _pay(self, invoices, **choices):
        _url, problem, create = self._pay_through_stripe(invoices, from_history=len(invoices) > 1, **choices)
        self.assertIsNone(problem)
        tx = self._tx(invoices).filtered(lambda tx: tx.state == 'draft')
        self._confirm_stripe(tx, self._stripe_session(tx))
        self.assertEqual(tx.state, 'done')
        return tx, create.call_args.args[0]['line_items'][0]['price_data']['unit_amount']

    def test_the_next_instalment_is_what_odoos_portal_asks(self):
        invoice = self._instalment_invoice()
        terms = invoice._invoicecloud_terms()
        odoo = invoice._get_invoice_next_payment_values()
        self.assertEqual(odoo['installment_state'], 'next')
        self.assertAlmostEqual(terms['instalment'], 300.0)
        self.assertAlmostEqual(terms['instalment'], odoo['next_amount_to_pay'])
        self.assertEqual(terms['instalment_date'], invoice.invoice_date)
        self.assertAlmostEqual(terms['remainder'], 1000.0)
        self.assertEqual([step['state'] for step in invoice._invoicecloud_schedule()], ['due', 'due'])

    def test_paying_the_instalment_leaves_the_invoice_partially_paid(self):
        invoice = self._instalment_invoice()
        tx, charged = self._pay(invoice, parts={invoice.id: 'instalment'})
        self.assertEqual(charged, 30000)
        self.assertEqual(tx.invoicecloud_line_ids.part, 'instalment')
        self.assertEqual(invoice.payment_state, 'partial')
        self.assertAlmostEqual(invoice.amount_residual, 700.0)
        self.assertEqual(invoice._invoicecloud_status(), 'partial')
        self.assertEqual([step['state'] for step in invoice._invoicecloud_schedule()], ['paid', 'due'])
        # The last instalment is the rest: no choice left, the whole of it is charged.
        self.assertIsNone(invoice._invoicecloud_terms()['instalment'])
        _tx, charged = self._pay(invoice)
        self.assertEqual(charged, 70000)
        self.assertEqual(invoice.payment_state, 'paid')

    def test_the_whole_remainder_at_once(self):
        invoice = self._instalment_invoice()
        _tx, charged = self._pay(invoice, parts={invoice.id: 'full'})
        self.assertEqual(charged, 100000)
        self.assertEqual(invoice.payment_state, 'paid')

    def test_overdue_instalments_are_asked_together(self):
        invoice = self._instalment_invoice(invoice_date=datetime.now().date() - timedelta(days=90))
        terms = invoice._invoicecloud_terms()
        self.assertTrue(terms['overdue'])
        self.assertIsNone(terms['instalment'], "both are overdue: the instalments are the whole rest")
        invoice = self._instalment_invoice(invoice_date=datetime.now().date() - timedelta(days=10))
        terms = invoice._invoicecloud_terms()
        self.assertTrue(terms['overdue'])
        self.assertAlmostEqual(terms['instalment'], 300.0)
        self.assertEqual([step['state'] for step in invoice._invoicecloud_schedule()], ['overdue', 'due'])

    def test_an_instalment_and_a_whole_invoice_paid_together_each_get_their_part(self):
        """The instalment's invoice falls due after the whole one, its second instalment before:
        paid in due-date order, the money would go to the wrong lines."""
        whole = self._create_invoice_one_line(
            price_unit=500.0,
            partner_id=self.customer.id,
            post=True,
            invoice_date_due=datetime.now().date() + timedelta(days=90),
        )
        instalments = self._instalment_invoice()
        tx, charged = self._pay(whole + instalments, parts={instalments.id: 'instalment'})
        self.assertEqual(charged, 80000)
        self.assertEqual(whole.payment_state, 'paid')
        self.assertEqual(instalments.payment_state, 'partial')
        self.assertAlmostEqual(instalments.amount_residual, 700.0)
        self.assertEqual([step['state'] for step in instalments._invoicecloud_schedule()], ['paid', 'due'])
        self.assertRecordValues(
            tx.invoicecloud_line_ids.sorted('amount'),
            [
                {'move_id': instalments.id, 'part': 'instalment', 'amount': 300.0},
                {'move_id': whole.id, 'part': 'full', 'amount': 500.0},
            ],
        )

    def test_an_instalment_an_invoice_does_not_offer_is_refused(self):
        plain = self._create_invoice_one_line(price_unit=100.0, partner_id=self.customer.id, post=True)
        for parts in ({plain.id: 'instalment'}, {plain.id: 'discount'}, {plain.id: 'custom'}, {plain.id: 'unknown'}):
            with self.subTest(parts=parts):
                _url, problem, create = self._pay_through_stripe(plain, parts=parts)
                self.assertEqual(problem, 'amount')
                create.assert_not_called()
        self.assertFalse(self._tx(plain))

    def test_an_amount_of_the_customers_choice_only_when_the_company_allows_it(self):
        invoice = self._create_invoice_one_line(price_unit=1000.0, partner_id=self.customer.id, post=True)
        _url, problem, _create = self._pay_through_stripe(invoice, parts={invoice.id: 'custom'}, custom_amount=250.0)
        self.assertEqual(problem, 'amount', "off by default")
        self.env.company.write({'invoicecloud_custom_amount': True, 'invoicecloud_custom_minimum': 50.0})
        self.assertEqual(invoice._invoicecloud_custom_bounds(), (50.0, 1000.0))
        for amount in (49.99, 0.0, -10.0, None):
            with self.subTest(amount=amount):
                _url, problem, _create = self._pay_through_stripe(
                    invoice, parts={invoice.id: 'custom'}, custom_amount=amount
                )
                self.assertEqual(problem, 'amount')
        both = invoice + self._create_invoice_one_line(price_unit=10.0, partner_id=self.customer.id, post=True)
        _url, problem, _create = self._pay_through_stripe(both, parts={invoice.id: 'custom'}, custom_amount=250.0)
        self.assertEqual(problem, 'amount', "one invoice at a time")
        tx, charged = self._pay(invoice, parts={invoice.id: 'custom'}, custom_amount=250.0)
        self.assertEqual(charged, 25000)
        self.assertEqual(tx.invoicecloud_line_ids.part, 'custom')
        self.assertEqual(invoice.payment_state, 'partial')
        self.assertAlmostEqual(invoice.amount_residual, 750.0)
        # More than is due pays what is due, no more.
        tx, charged = self._pay(invoice, parts={invoice.id: 'custom'}, custom_amount=5000.0)
        self.assertEqual(charged, 75000)
        self.assertEqual(tx.invoicecloud_line_ids.part, 'full')
        self.assertEqual(invoice.payment_state, 'paid')

    def test_a_minimum_in_the_companys_currency_is_converted(self):
        self.env.company.write({'invoicecloud_custom_amount': True, 'invoicecloud_custom_minimum': 50.0})
        eur = self.setup_other_currency('EUR')  # 2 EUR per USD
        invoice = self._create_invoice_one_line(
            price_unit=1000.0, partner_id=self.customer.id, currency_id=eur.id, post=True
        )
        self.assertEqual(invoice._invoicecloud_custom_bounds(), (100.0, 1000.0))
        small = self._create_invoice_one_line(
            price_unit=60.0, partner_id=self.customer.id, currency_id=eur.id, post=True
        )
        self.assertIsNone(small._invoicecloud_custom_bounds(), "less is due than the minimum: no choice")

    def test_a_credit_note_beside_instalments(self):
        """A credit note in the history of a customer paying by instalments is listed, never
        payable, and the instalments are unchanged by it until the accountant applies it."""
        invoice = self._instalment_invoice()
        credit_note = self._create_invoice_one_line(
            move_type='out_refund', price_unit=100.0, partner_id=self.customer.id, post=True
        )
        history = self.customer._invoicecloud_history_page('all', 0)
        self.assertIn(credit_note, history)
        self.assertFalse(credit_note._invoicecloud_payable())
        self.assertEqual(credit_note._invoicecloud_schedule(), [])
        self.assertIsNone(credit_note._invoicecloud_terms()['instalment'])
        _url, problem, _create = self._pay_through_stripe(invoice + credit_note, from_history=True)
        self.assertEqual(problem, 'paid', "a credit note is not paid online")
        self.assertAlmostEqual(invoice._invoicecloud_terms()['instalment'], 300.0)

    def test_once_every_instalment_is_overdue_the_rest_is_asked(self):
        invoice = self._instalment_invoice()
        with freeze_time(datetime.now() + timedelta(days=61)):
            terms = invoice._invoicecloud_terms()
            self.assertIsNone(terms['instalment'], "both overdue: the rest is asked")
            self.assertTrue(terms['overdue'])
            self.assertAlmostEqual(invoice._invoicecloud_amount_due(), 1000.0)
            _url, problem, _create = self._pay_through_stripe(invoice, parts={invoice.id: 'instalment'})
            self.assertEqual(problem, 'amount', "no instalment left to choose")
            _tx, charged = self._pay(invoice)
        self.assertEqual(charged, 100000)
        self.assertEqual(invoice.payment_state, 'paid')
