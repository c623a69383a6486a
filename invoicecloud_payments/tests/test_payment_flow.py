import contextlib
from datetime import datetime, timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo.exceptions import UserError, ValidationError
from odoo.modules import neutralize as odoo_neutralize
from odoo.tests import tagged

from odoo.addons.payment import utils as payment_utils

from ..amounts import to_stripe_minor_units
from ..const import STRIPE_DESCRIPTION_MAX_LENGTH, STRIPE_NAME_MAX_LENGTH
from ..gateways import ProviderRefused, ProviderUnavailable
from ..gateways.stripe_gateway import StripeGateway
from .common import InvoicecloudCase, InvoicecloudProvidersMixin
from .stripe_common import created_stripe_session


@tagged('post_install', '-at_install')
class TestPaymentFlow(InvoicecloudProvidersMixin, InvoicecloudCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_stripe()

    def test_minor_units_are_exact(self):
        self.assertEqual(to_stripe_minor_units(12.34, 'EUR', 2), 1234)
        self.assertEqual(to_stripe_minor_units(0.1 + 0.2, 'EUR', 2), 30)
        self.assertEqual(to_stripe_minor_units(1234, 'JPY', 0), 1234)
        self.assertEqual(to_stripe_minor_units(1.234, 'KWD', 3), 1234)
        self.assertEqual(to_stripe_minor_units(100, 'ISK', 0), 10000)  # Stripe sends ISK with two decimals

    def test_session_is_built_from_the_server_amount(self):
        url, problem, create = self._pay_through_stripe(self.invoice)
        self.assertEqual((url, problem), ('https://checkout.stripe.test/c/pay', None))
        params, key = create.call_args.args
        tx = self._tx(self.invoice)
        unit_amount = params['line_items'][0]['price_data']['unit_amount']
        self.assertEqual(unit_amount, round(self.invoice.amount_residual * 100))
        self.assertEqual(params['payment_method_types'], ['card'])
        self.assertEqual(params['client_reference_id'], tx.reference)
        self.assertIn(f'/invoicecloud/{self.invoice.invoicecloud_token}/payment?reference=', params['success_url'])
        self.assertIn('cancelled=1', params['cancel_url'])
        self.assertNotIn('expires_at', params, "Stripe's default lifetime, without an early payment discount")
        self.assertEqual(key, payment_utils.generate_idempotency_key(tx), "derived from the transaction alone")
        self.assertEqual(params['customer_email'], 'customer@example.com')
        self.assertEqual(tx.invoice_ids, self.invoice)
        self.assertEqual(tx.provider_reference, f'cs_{tx.reference}')
        self.assertEqual(tx.invoicecloud_checkout_expires_at, datetime(2026, 11, 30, 0, 53, 20))

    def test_customer_email_only_when_it_is_one_valid_address(self):
        for email, sent in (
            ('contact@example.com, billing@example.com', 'contact@example.com'),  # Odoo keeps the first
            ('not an address', None),
            ('"Ann Smith" <Ann@Example.com>', 'ann@example.com'),
        ):
            with self.subTest(email=email):
                self.customer.email = email  # the transaction's partner: the commercial one
                invoice = self._create_invoice(post=True, partner_id=self.customer.id)
                params = self._pay_through_stripe(invoice)[2].call_args.args[0]
                self.assertEqual(params.get('customer_email'), sent)

    def test_texts_listing_invoices_stay_within_stripes_limits(self):
        invoices = self.env['account.move'].union(
            *(self._create_invoice_one_line(price_unit=1.0, partner_id=self.customer.id) for _i in range(70))
        )
        invoices.action_post()
        _url, problem, create = self._pay_through_stripe(invoices, from_history=True)
        self.assertIsNone(problem)
        params = create.call_args.args[0]
        name = params['line_items'][0]['price_data']['product_data']['name']
        description = params['payment_intent_data']['description']
        self.assertLessEqual(len(name), STRIPE_NAME_MAX_LENGTH)
        self.assertLessEqual(len(description), STRIPE_DESCRIPTION_MAX_LENGTH)
        for text in (name, description):
            self.assertIn(text.split(', ')[0], invoices.mapped('name'))
            self.assertTrue(text.endswith(' more'), text)

    def test_a_retried_request_sends_the_same_key_and_parameters(self):
        """Odoo replays a request after a serialization failure: the transaction is created again
        (same reference), so Stripe must see the same idempotency key and the same body."""
        with patch.object(StripeGateway, 'create_checkout_session', side_effect=created_stripe_session) as create:
            with contextlib.suppress(RuntimeError), self.env.cr.savepoint():
                self.invoice.sudo()._invoicecloud_pay(self.provider, self.card, False)
                raise RuntimeError("serialization failure")  # rolls the savepoint back
            self.env.invalidate_all()
            # Odoo retries at once, but a retry may still cross any clock boundary.
            with freeze_time(datetime.now() + timedelta(minutes=11)):
                self.invoice.sudo()._invoicecloud_pay(self.provider, self.card, False)
        first, retried = create.call_args_list
        self.assertEqual(first.args, retried.args)
        self.assertEqual(len(self._tx(self.invoice)), 1)

    def test_paid_session_posts_one_reconciled_payment(self):
        self._pay_through_stripe(self.invoice)
        tx = self._tx(self.invoice)
        self._confirm_stripe(tx, self._stripe_session(tx))
        self._confirm_stripe(tx, self._stripe_session(tx))
        self.assertEqual(tx.state, 'done')
        self.assertTrue(tx.payment_id)
        self.assertIn(self.invoice.payment_state, ('paid', 'in_payment'))
        self.assertEqual(self.env['account.payment'].search_count([('payment_transaction_id', '=', tx.id)]), 1)

    def test_mismatch_is_flagged_and_never_paid_even_when_stripe_later_agrees(self):
        self._pay_through_stripe(self.invoice)
        tx = self._tx(self.invoice)
        self._confirm_stripe(tx, self._stripe_session(tx, amount_total=round(tx.amount * 100) - 1))
        self.assertEqual((tx.state, tx.invoicecloud_flag), ('error', 'amount'))
        # Odoo's own `_set_done` accepts `error` as a source: the flag must still hold.
        self._confirm_stripe(tx, self._stripe_session(tx))
        tx._process(tx.provider_code, self._stripe_session(tx))
        self.assertEqual(tx.state, 'error')
        self.assertFalse(tx.payment_id)
        self.assertEqual(self.invoice.payment_state, 'not_paid')
        self.assertEqual(len(self.invoice.activity_ids), 1)

    def test_currency_mismatch_is_flagged(self):
        self._pay_through_stripe(self.invoice)
        tx = self._tx(self.invoice)
        self._confirm_stripe(tx, self._stripe_session(tx, currency='jpy'))
        self.assertEqual((tx.state, tx.invoicecloud_flag), ('error', 'currency'))

    def test_unpaid_complete_session_is_pending_and_blocks_a_second_payment(self):
        self._pay_through_stripe(self.invoice)
        tx = self._tx(self.invoice)
        with patch.object(StripeGateway, 'retrieve_payment_intent', return_value={'status': 'processing'}):
            self._confirm_stripe(tx, self._stripe_session(tx, payment_status='unpaid'))
        self.assertEqual(tx.state, 'pending')
        self.assertEqual(self.invoice._invoicecloud_in_progress(), self.invoice)
        self.assertEqual(self._pay_through_stripe(self.invoice)[1], 'in_progress')
        # the slow method fails: the invoice is payable again
        with patch.object(StripeGateway, 'retrieve_payment_intent', return_value={'status': 'requires_payment_method'}):
            self._confirm_stripe(tx, self._stripe_session(tx, payment_status='unpaid'))
        self.assertEqual(tx.state, 'error')
        self.assertFalse(self.invoice._invoicecloud_in_progress())

    def test_problems_are_refused_before_anything_is_created(self):
        other_currency = self._create_invoice(
            post=True, partner_id=self.customer.id, currency_id=self.setup_other_currency('EUR').id
        )
        self.assertEqual(self._pay_through_stripe(self.invoice + other_currency)[1], 'mixed')
        credit_note = self._create_invoice(post=True, partner_id=self.customer.id, move_type='out_refund')
        self.assertEqual(self._pay_through_stripe(credit_note)[1], 'paid')
        self.assertEqual(self._pay_through_stripe(self.env['account.move'])[1], 'nothing')
        self.assertFalse(self._tx(self.invoice + other_currency + credit_note))

    def test_stripe_unavailable_leaves_the_invoice_payable(self):
        with patch.object(StripeGateway, 'create_checkout_session', side_effect=ProviderUnavailable('down')):
            url, problem = self.invoice.sudo()._invoicecloud_pay(self.provider, self.card, False)
        self.assertEqual((url, problem), (None, 'unavailable'))
        self.assertEqual(self._tx(self.invoice).state, 'error')
        self.assertFalse(self.invoice._invoicecloud_in_progress())
        self.assertEqual(self._pay_through_stripe(self.invoice)[1], None)

    def test_a_new_attempt_expires_the_previous_session(self):
        self._pay_through_stripe(self.invoice)
        first = self._tx(self.invoice)
        open_session = self._stripe_session(first, status='open', payment_status='unpaid')
        with (
            patch.object(StripeGateway, 'retrieve_checkout_session', return_value=open_session),
            patch.object(StripeGateway, 'expire_checkout_session', return_value={**open_session, 'status': 'expired'}),
        ):
            self._pay_through_stripe(self.invoice)
        self.assertEqual(first.state, 'cancel')
        self.assertEqual(len(self._tx(self.invoice)), 2)

    def test_refund_is_recorded_once_and_the_invoice_stays_paid(self):
        self._pay_through_stripe(self.invoice)
        tx = self._tx(self.invoice)
        self._confirm_stripe(tx, self._stripe_session(tx))
        charge = {'id': 'ch_1', 'payment_intent': 'pi_unit', 'amount_refunded': 500, 'currency': 'usd'}
        event = {'id': 'evt_1', 'type': 'charge.refunded', 'object': charge}
        with patch.object(StripeGateway, 'retrieve_charge', return_value=charge):
            for _delivery in range(3):
                self.env['payment.transaction']._invoicecloud_stripe_handle_event(self.provider, event)
            # the same total in another event (Stripe sends charge.refund.updated too): nothing new
            self.env['payment.transaction']._invoicecloud_stripe_handle_event(self.provider, {**event, 'id': 'evt_2'})
        self.assertEqual(tx.invoicecloud_refunded_amount, 5.0)
        self.assertIn(self.invoice.payment_state, ('paid', 'in_payment'))
        refund_messages = self.invoice.message_ids.filtered(lambda m: 'refunded' in (m.body or ''))
        self.assertEqual(len(refund_messages), 1)

    def test_keys_are_checked(self):
        with self.assertRaises(ValidationError):
            self.provider.invoicecloud_stripe_secret_key = 'pk_live_wrong_field'


@tagged('post_install', '-at_install')
class TestStripeSettings(InvoicecloudProvidersMixin, InvoicecloudCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_stripe()

    def test_check_keys_makes_a_live_call_and_explains_a_refusal(self):
        with patch.object(StripeGateway, 'retrieve_balance', return_value={'object': 'balance'}) as call:
            action = self.provider.action_invoicecloud_stripe_check_keys()
        call.assert_called_once()
        self.assertEqual(action['params']['type'], 'success')
        with (
            patch.object(StripeGateway, 'retrieve_balance', side_effect=ProviderRefused('Invalid API Key provided')),
            self.assertRaisesRegex(UserError, 'Invalid API Key'),
        ):
            self.provider.action_invoicecloud_stripe_check_keys()

    def test_create_webhook_registers_our_url_and_keeps_the_secret(self):
        self.provider.invoicecloud_stripe_webhook_secret = False
        endpoint = {'id': 'we_1', 'url': self.provider.invoicecloud_webhook_url, 'secret': 'whsec_new'}
        with patch.object(StripeGateway, 'create_webhook_endpoint', return_value=endpoint) as create:
            self.provider.action_invoicecloud_stripe_create_webhook()
        url, events = create.call_args.args
        self.assertTrue(url.endswith(f'/invoicecloud/webhook/stripe/{self.provider.id}'))
        self.assertIn('checkout.session.completed', events)
        self.assertEqual(self.provider.invoicecloud_stripe_webhook_secret, 'whsec_new')

    def test_neutralize_blanks_the_keys(self):
        queries = odoo_neutralize.get_neutralization_queries(['invoicecloud_payments'])
        for query in queries:
            self.env.cr.execute(query)
        self.provider.invalidate_recordset()
        self.assertFalse(self.provider.invoicecloud_stripe_secret_key)
        self.assertFalse(self.provider.invoicecloud_stripe_webhook_secret)

    def test_settings_open_the_company_stripe_provider(self):
        action = self.env['res.config.settings'].sudo().create({}).action_invoicecloud_open_stripe()
        self.assertEqual((action['res_model'], action['res_id']), ('payment.provider', self.provider.id))
