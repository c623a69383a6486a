from datetime import UTC, datetime, timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo import Command, fields
from odoo.tests import tagged

from ..gateways import ProviderUnavailable
from ..gateways.stripe_gateway import StripeGateway
from .common import InvoicecloudCase, InvoicecloudProvidersMixin
from .stripe_common import created_stripe_session


def booked(payment):
    """A payment's journal items, as an accountant compares them: account, debit, credit."""
    return sorted(
        (line.account_id.code, line.debit, line.credit, line.tax_line_id.name or '')
        for line in payment.move_id.line_ids
    )


@tagged('post_install', '-at_install')
class TestEarlyPaymentDiscount(InvoicecloudProvidersMixin, InvoicecloudCase):
    """2% if paid within 10 days: the discounted amount is charged within the window, booked as
    Odoo books it, and the full amount applies afterwards."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_stripe()
        cls._setup_mollie()
        cls.epd_terms, _instalments = cls._payment_terms()

    def _discounted_invoice(self, price=1000.0, **values):
        return self._create_invoice_one_line(
            price_unit=price,
            tax_ids=self.tax_sale_a,  # 15%
            partner_id=self.customer.id,
            invoice_payment_term_id=self.epd_terms.id,
            post=True,
            **values,
        )

    def _odoo_portal_amount(self, invoice):
        """What Odoo's own portal charges for the invoice today (`account_payment`'s
        `_invoice_get_page_view_values`: the residual less `epd_discount_amount_currency`)."""
        values = invoice._get_invoice_next_payment_values()
        return invoice.amount_residual - values.get('epd_discount_amount_currency', 0.0)

    def test_within_the_window_the_discounted_amount_is_charged_as_odoos_portal_does(self):
        invoice = self._discounted_invoice()
        terms = invoice._invoicecloud_terms()
        self.assertAlmostEqual(invoice.amount_residual, 1150.0)  # 15% tax
        self.assertAlmostEqual(terms['discount'], 23.0)
        self.assertAlmostEqual(terms['due_now'], 1127.0)
        self.assertEqual(terms['discount_date'], fields.Date.today() + timedelta(days=10))
        self.assertAlmostEqual(terms['due_now'], self._odoo_portal_amount(invoice))

        _url, problem, create = self._pay_through_stripe(invoice)
        self.assertIsNone(problem)
        self.assertEqual(create.call_args.args[0]['line_items'][0]['price_data']['unit_amount'], 112700)
        tx = self._tx(invoice)
        self.assertAlmostEqual(tx.amount, 1127.0)
        self.assertRecordValues(
            tx.invoicecloud_line_ids,
            [{'move_id': invoice.id, 'part': 'discount', 'amount': 1127.0, 'discount_amount': 23.0}],
        )

    def test_the_discount_is_booked_as_odoo_books_its_own(self):
        """The same invoice twice: one paid here, one by Odoo's own post-processing of a
        transaction of the same amount (what its portal does). Same journal items."""
        ours, twin = self._discounted_invoice(), self._discounted_invoice()
        self._pay_through_stripe(ours)
        tx = self._tx(ours)
        self._confirm_stripe(tx, self._stripe_session(tx))
        self.assertEqual(ours.payment_state, 'paid')
        self.assertTrue(tx.invoicecloud_line_ids.discount_granted)

        # A transaction without lines is booked by Odoo's own `_create_payment`.
        odoo_tx = (
            self.env['payment.transaction']
            .with_context(invoicecloud_checkout=True)
            .create(
                {
                    'provider_id': self.provider.id,
                    'payment_method_id': self.card.id,
                    'reference': 'odoo-portal-twin',
                    'operation': 'online_redirect',
                    'amount': self._odoo_portal_amount(twin),
                    'currency_id': twin.currency_id.id,
                    'partner_id': self.customer.id,
                    'invoice_ids': [Command.set(twin.ids)],
                }
            )
        )
        odoo_tx._set_done()
        odoo_tx._create_payment()  # what Odoo's post-processing calls
        self.assertEqual(twin.payment_state, 'paid')
        self.assertEqual(booked(tx.payment_id), booked(odoo_tx.payment_id))
        self.assertEqual(len(tx.payment_id.move_id.line_ids), 4)  # bank, receivable, discount, tax

    def test_in_a_foreign_currency_and_every_computation_mode_as_odoos_payment_wizard(self):
        """A euro invoice (2 EUR per USD) paid here, its twin through Odoo's payment wizard with
        the discount: the same journal items, whether the discount reduces the tax base
        (included), not (excluded) or both (mixed)."""
        eur = self.setup_other_currency('EUR')
        for mode in ('included', 'excluded', 'mixed'):
            with self.subTest(mode=mode):
                self.epd_terms.early_pay_discount_computation = mode
                ours, twin = self._discounted_invoice(currency_id=eur.id), self._discounted_invoice(currency_id=eur.id)
                due_now = ours._invoicecloud_terms()['due_now']
                self._pay_through_stripe(ours)
                tx = self._tx(ours)
                self.assertAlmostEqual(tx.amount, due_now)
                self._confirm_stripe(tx, self._stripe_session(tx))
                wizard = self.env['account.payment.register'].with_context(
                    active_model='account.move', active_ids=twin.ids
                )
                odoo_payment = wizard.create(
                    {
                        'amount': due_now,
                        'journal_id': self.provider.journal_id.id,
                        'payment_method_line_id': tx.payment_id.payment_method_line_id.id,
                    }
                )._create_payments()
                self.assertEqual((ours.payment_state, twin.payment_state), ('paid', 'paid'))
                self.assertEqual(booked(tx.payment_id), booked(odoo_payment))

    def test_several_discounted_invoices_paid_together_each_get_their_discount(self):
        """Odoo's own post-processing grants one discount per transaction, and only when the
        transaction pays that one invoice; a payment of several invoices here grants each."""
        first, second = self._discounted_invoice(1000.0), self._discounted_invoice(500.0)
        plain = self._create_invoice_one_line(price_unit=100.0, partner_id=self.customer.id, post=True)
        invoices = first + second + plain
        _url, problem, create = self._pay_through_stripe(invoices, from_history=True)
        self.assertIsNone(problem)
        tx = self._tx(invoices)
        self.assertAlmostEqual(tx.amount, 1127.0 + 563.5 + 100.0)
        self.assertEqual(create.call_args.args[0]['line_items'][0]['price_data']['unit_amount'], 179050)
        self._confirm_stripe(tx, self._stripe_session(tx))
        self.assertEqual(set(invoices.mapped('payment_state')), {'paid'})
        lines = tx.payment_id.move_id.line_ids
        receivable = lines.filtered(lambda line: line.account_id.account_type == 'asset_receivable')
        self.assertAlmostEqual(sum(receivable.mapped('credit')), 1150.0 + 575.0 + 100.0)
        self.assertAlmostEqual(
            sum((lines - receivable).mapped('debit')), 1825.0, msg="1790.50 received, 34.50 discount"
        )
        self.assertAlmostEqual(
            sum(lines.filtered('tax_line_id').mapped('debit')), 3.0 + 1.5, msg="the tax the discounts take back"
        )

    def test_after_the_discount_date_the_full_amount_applies(self):
        invoice = self._discounted_invoice()
        with freeze_time(datetime.now() + timedelta(days=11)):
            self.assertFalse(invoice._invoicecloud_terms()['discount'])
            self.assertAlmostEqual(invoice._invoicecloud_amount_due(), 1150.0)
            self._pay_through_stripe(invoice)
            tx = self._tx(invoice)
            self.assertAlmostEqual(tx.amount, 1150.0)
            self.assertEqual(tx.invoicecloud_line_ids.part, 'full')
            self._confirm_stripe(tx, self._stripe_session(tx))
        self.assertEqual(invoice.payment_state, 'paid')
        self.assertEqual(len(tx.payment_id.move_id.line_ids), 2)

    def test_a_discount_that_expires_while_a_checkout_is_open(self):
        """A bank transfer opened on the discount's last day asks for the discounted amount; the
        money arrives after the date: the payment is booked, not the discount, and the rest of the
        invoice stays due and payable."""
        invoice = self._discounted_invoice(currency_id=self.setup_other_currency('EUR').id)
        last_day = invoice._invoicecloud_terms()['discount_date']
        with freeze_time(datetime.combine(last_day, datetime.min.time()) + timedelta(hours=12)):
            self._pay_through_mollie(invoice, self.bank_transfer)
            tx = self._tx(invoice)
            self.assertAlmostEqual(tx.amount, 1127.0)
        with freeze_time(datetime.combine(last_day, datetime.min.time()) + timedelta(days=2)):
            paid_at = (last_day + timedelta(days=1)).isoformat() + 'T09:00:00+00:00'
            self._confirm_mollie(tx, self._mollie_payment(tx, paidAt=paid_at))
            self.assertEqual(tx.state, 'done')
            self.assertFalse(tx.invoicecloud_line_ids.discount_granted)
            self.assertEqual(invoice.payment_state, 'partial')
            self.assertAlmostEqual(invoice.amount_residual, 23.0)
            self.assertEqual(len(tx.payment_id.move_id.line_ids), 2, "no discount booked")
            self.assertAlmostEqual(invoice._invoicecloud_amount_due(), 23.0)
            self.assertEqual(invoice._invoicecloud_payable(), invoice)
        [note] = invoice.message_ids.filtered(lambda message: 'does not hold' in (message.body or ''))
        self.assertIn('23.0 EUR stays due', note.body)
        self.assertIn('Early payment discount not granted', ' '.join(invoice.activity_ids.mapped('summary')))

    def test_a_transfer_made_on_the_last_day_keeps_its_discount_whenever_it_is_confirmed(self):
        invoice = self._discounted_invoice(currency_id=self.setup_other_currency('EUR').id)
        last_day = invoice._invoicecloud_terms()['discount_date']
        self._pay_through_mollie(invoice, self.bank_transfer)
        tx = self._tx(invoice)
        with freeze_time(datetime.combine(last_day, datetime.min.time()) + timedelta(days=3)):
            paid_at = last_day.isoformat() + 'T15:00:00+00:00'
            self._confirm_mollie(tx, self._mollie_payment(tx, paidAt=paid_at))
        self.assertTrue(tx.invoicecloud_line_ids.discount_granted)
        self.assertEqual(invoice.payment_state, 'paid')

    def test_a_stripe_checkout_with_a_discount_closes_when_the_discount_ends(self):
        invoice = self._discounted_invoice()
        last_day = invoice._invoicecloud_terms()['discount_date']
        day_end = datetime.combine(last_day + timedelta(days=1), datetime.min.time())  # the company's zone: UTC
        for hours_before_end, expected in (
            (48, None),  # Stripe's default 24 hours end first
            (5, day_end),
            (0.25, day_end + timedelta(minutes=35)),  # Stripe's shortest lifetime (30 minutes), and a margin
        ):
            with (
                self.subTest(hours_before_end=hours_before_end),
                freeze_time(day_end - timedelta(hours=hours_before_end)),
            ):
                self.env['payment.transaction'].sudo().search([('invoice_ids', 'in', invoice.ids)]).unlink()
                params = self._pay_through_stripe(invoice)[2].call_args.args[0]
                expires_at = params.get('expires_at')
                self.assertEqual(expires_at and datetime.fromtimestamp(expires_at, UTC).replace(tzinfo=None), expected)

    def test_the_discount_day_is_the_companys_not_the_visitors(self):
        self.env.company.partner_id.tz = 'Europe/Brussels'
        invoice = self._discounted_invoice()
        last_day = invoice._invoicecloud_terms()['discount_date']
        # 23:30 UTC on the last day is the next day in Brussels; a visitor in New York still sees the last day.
        with freeze_time(datetime.combine(last_day, datetime.min.time()) + timedelta(hours=23, minutes=30)):
            self.assertFalse(invoice.with_context(tz='America/New_York')._invoicecloud_terms()['discount'])

    def test_a_currency_without_cents(self):
        jpy = self.setup_other_currency('JPY', rounding=1.0, rates=[('2016-01-01', 100.0)])
        invoice = self._discounted_invoice(price=1001.0, currency_id=jpy.id)
        terms = invoice._invoicecloud_terms()
        self.assertEqual(terms['remainder'], 1151.0)
        self.assertEqual(terms['discount'], 23.0)  # 2% of 1151, rounded to the yen
        self.assertEqual(terms['due_now'], 1128.0)
        _url, problem, create = self._pay_through_stripe(invoice)
        self.assertIsNone(problem)
        self.assertEqual(create.call_args.args[0]['line_items'][0]['price_data']['unit_amount'], 1128)
        tx = self._tx(invoice)
        self._confirm_stripe(tx, self._stripe_session(tx, amount_total=1128))
        self.assertEqual(invoice.payment_state, 'paid')

    def test_the_provider_reporting_the_undiscounted_amount_pays_nothing(self):
        invoice = self._discounted_invoice()
        self._pay_through_stripe(invoice)
        tx = self._tx(invoice)
        self._confirm_stripe(tx, self._stripe_session(tx, amount_total=115000))
        self.assertEqual(tx.invoicecloud_flag, 'amount')
        self.assertNotEqual(tx.state, 'done')
        self.assertEqual(invoice.payment_state, 'not_paid')

    def test_a_card_payment_confirmed_after_the_discounts_day_keeps_it(self):
        """The webhook lost, the cron confirms the next morning: the session ended with the
        discount's day, so the customer paid in time."""
        invoice = self._discounted_invoice()
        last_day = invoice._invoicecloud_terms()['discount_date']
        day_end = datetime.combine(last_day + timedelta(days=1), datetime.min.time())
        with freeze_time(day_end - timedelta(hours=3)):
            with patch.object(StripeGateway, 'create_checkout_session', side_effect=_session_until_requested) as create:
                invoice.sudo()._invoicecloud_pay(self.provider, self.card, False)
            self.assertEqual(create.call_args.args[0]['expires_at'], int(day_end.replace(tzinfo=UTC).timestamp()))
        tx = self._tx(invoice)
        self.assertEqual(tx.invoicecloud_checkout_expires_at, day_end)
        with freeze_time(day_end + timedelta(hours=9)):
            self._confirm_stripe(tx, self._stripe_session(tx))
        self.assertTrue(tx.invoicecloud_line_ids.discount_granted)
        self.assertEqual(invoice.payment_state, 'paid')

    def test_a_card_paid_in_the_discount_days_last_minutes_is_judged_by_when_it_was_paid(self):
        """A session opened 15 minutes before the day's end lasts 35 minutes: it ends after
        midnight, and says nothing of when it was paid. The charge that paid does (not the payment
        intent, created at the first attempt: a card declined at 23:58 and paid at 00:05 was paid
        late); if Stripe is down, the confirmation waits until it can be asked."""
        last_day = self._discounted_invoice()._invoicecloud_terms()['discount_date']
        day_end = datetime.combine(last_day + timedelta(days=1), datetime.min.time())

        def unix(moment):
            return int(moment.replace(tzinfo=UTC).timestamp())

        before, after = day_end - timedelta(minutes=2), day_end + timedelta(minutes=5)
        for charged, outage, granted in ((before, False, True), (after, False, False), (before, True, True)):
            with self.subTest(charged=charged, outage=outage):
                invoice = self._discounted_invoice()
                with (
                    freeze_time(day_end - timedelta(minutes=15)),
                    patch.object(StripeGateway, 'create_checkout_session', side_effect=_session_until_requested),
                ):
                    invoice.sudo()._invoicecloud_pay(self.provider, self.card, False)
                tx = self._tx(invoice)
                # The first attempt (declined) made the intent before midnight, whatever the charge.
                intent = {
                    'id': 'pi_unit',
                    'object': 'payment_intent',
                    'created': unix(before),
                    'latest_charge': 'ch_unit',
                }
                charge = {'id': 'ch_unit', 'object': 'charge', 'paid': True, 'created': unix(charged)}
                if outage:
                    # Stripe down: nothing is confirmed, the webhook's 503 and the cron try again.
                    with (
                        freeze_time(day_end + timedelta(minutes=20)),
                        patch.object(StripeGateway, 'retrieve_payment_intent', side_effect=ProviderUnavailable("down")),
                        self.assertRaises(ProviderUnavailable),
                    ):
                        self._confirm_stripe(tx, self._stripe_session(tx))
                    self.assertNotEqual(tx.state, 'done')
                    self.assertFalse(tx.invoicecloud_paid_at)
                with (
                    freeze_time(day_end + timedelta(minutes=30)),
                    patch.object(StripeGateway, 'retrieve_payment_intent', return_value=intent) as ask,
                    patch.object(StripeGateway, 'retrieve_charge', return_value=charge) as ask_charge,
                ):
                    self._confirm_stripe(tx, self._stripe_session(tx))
                ask.assert_called_once_with('pi_unit')
                ask_charge.assert_called_once_with('ch_unit')
                self.assertEqual(tx.state, 'done')
                self.assertEqual(tx.invoicecloud_line_ids.discount_granted, granted)
                self.assertEqual(invoice.payment_state, 'paid' if granted else 'partial')

    def test_a_payment_recorded_by_hand_meanwhile_ends_the_discount_and_tells_the_accountant(self):
        invoice = self._discounted_invoice()
        self._pay_through_stripe(invoice)
        tx = self._tx(invoice)
        self.env['account.payment.register'].with_context(active_model='account.move', active_ids=invoice.ids).create(
            {'amount': 100.0, 'payment_difference_handling': 'open'}
        )._create_payments()
        self._confirm_stripe(tx, self._stripe_session(tx))
        self.assertFalse(tx.invoicecloud_line_ids.discount_granted)
        self.assertEqual(len(tx.payment_id.move_id.line_ids), 2, "no discount booked")
        self.assertEqual(invoice.payment_state, 'paid', "1,050 left, 1,127 received: paid, 77 kept as credit")
        notes = invoice.message_ids.filtered(lambda message: 'does not hold' in (message.body or ''))
        self.assertFalse(notes, "nothing is left to ask for")

    def test_what_is_due_changing_before_the_checkout_opens_starts_nothing(self):
        invoice = self._discounted_invoice()
        line_model = type(self.env['invoicecloud.payment.line'])
        plans = [
            [{'move_id': invoice.id, 'part': 'full', 'amount': 1150.0}],
            [{'move_id': invoice.id, 'part': 'full', 'amount': 1127.0}],
        ]
        with patch.object(line_model, '_invoicecloud_plan', side_effect=plans):
            _url, problem, create = self._pay_through_stripe(invoice)
        self.assertEqual(problem, 'changed')
        create.assert_not_called()
        self.assertFalse(self._tx(invoice))

    def test_another_companys_billing_user_reads_no_payment_line(self):
        invoice = self._discounted_invoice()
        self._pay_through_stripe(invoice)
        other_company = self.setup_other_company(name="Other Company")['company']
        stranger = self.env['res.users'].create(
            {
                'name': "Billing elsewhere",
                'login': 'ic_billing_elsewhere',
                'company_id': other_company.id,
                'company_ids': [Command.set(other_company.ids)],
                'group_ids': [Command.set(self.env.ref('account.group_account_invoice').ids)],
            }
        )
        lines = self.env['invoicecloud.payment.line'].with_user(stranger)
        self.assertFalse(lines.search([]))
        self.assertTrue(
            self.env['invoicecloud.payment.line'].with_user(self.env.user).search([('move_id', '=', invoice.id)])
        )


def _session_until_requested(params, key):
    """Stripe's answer, with the `expires_at` the request asked for."""
    return {**created_stripe_session(params, key), 'expires_at': params.get('expires_at')}
