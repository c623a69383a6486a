import json
import time
from unittest.mock import patch

import stripe

from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from ..gateways.stripe_gateway import StripeGateway
from .common import InvoicecloudHttpCase, InvoicecloudProvidersMixin

# What the accounts answer when they refuse a payment (a lock date, say); never shown to a customer.
ACCOUNTS_REFUSAL = "The accounts are locked."


@tagged('post_install', '-at_install')
class TestStripeWebhook(InvoicecloudProvidersMixin, InvoicecloudHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_stripe()
        with patch.object(StripeGateway, 'create_checkout_session', return_value={'id': 'cs_1', 'url': 'https://x'}):
            cls.invoice.sudo()._invoicecloud_pay(cls.provider, cls.card, False)
        cls.tx = cls.invoice._invoicecloud_transactions(('draft',))
        cls.url = f'/invoicecloud/webhook/stripe/{cls.provider.id}'

    def _event(self, event_id='evt_1', event_type='checkout.session.completed'):
        return json.dumps({'id': event_id, 'object': 'event', 'type': event_type, 'data': {'object': {'id': 'cs_1'}}})

    def _post(self, body, secret='whsec_unit', timestamp=None, url=None):
        header = stripe.WebhookSignature.generate_signature_header(body, secret, timestamp=timestamp)
        return self.url_open(url or self.url, data=body.encode(), headers={'Stripe-Signature': header})

    def test_signed_event_confirms_once(self):
        with patch.object(
            StripeGateway, 'retrieve_checkout_session', return_value=self._stripe_session(self.tx)
        ) as fetch:
            self.assertEqual(self._post(self._event()).status_code, 200)
            self.assertEqual(self._post(self._event()).status_code, 200)
        self.assertEqual(fetch.call_count, 1, "a repeated event is not acted on again")
        self.assertEqual(self.tx.state, 'done')
        self._assert_recorded_by_the_cron(self.tx)

    def _signed_session_event(self, event_id, **session_values):
        session = self._stripe_session(self.tx, **session_values)
        event = {'id': event_id, 'object': 'event', 'type': 'checkout.session.completed', 'data': {'object': session}}
        return json.dumps(event)

    def test_a_signed_paid_session_is_applied_without_asking_stripe(self):
        """Paid is final: the signed event proves it, and Stripe's rate limit is spared."""
        with patch.object(StripeGateway, 'retrieve_checkout_session') as fetch:
            self.assertEqual(self._post(self._signed_session_event('evt_paid')).status_code, 200)
        fetch.assert_not_called()
        self.assertEqual(self.tx.state, 'done')
        self._assert_recorded_by_the_cron(self.tx)

    @mute_logger('odoo.addons.invoicecloud_payments.models.payment_transaction_stripe')  # "another session"
    def test_a_signed_session_is_checked_like_a_fetched_one(self):
        cents = round(self.tx.amount * 100)
        for event_id, values in (
            ('evt_other_ref', {'client_reference_id': 'INV/OTHER'}),
            ('evt_unpaid', {'payment_status': 'unpaid'}),  # not final: asked, Stripe says still open
        ):
            with patch.object(
                StripeGateway, 'retrieve_checkout_session', return_value=self._stripe_session(self.tx, status='open')
            ):
                self.assertEqual(self._post(self._signed_session_event(event_id, **values)).status_code, 200)
            self.assertEqual(self.tx.state, 'draft', event_id)
        with patch.object(StripeGateway, 'retrieve_checkout_session') as fetch:
            self._post(self._signed_session_event('evt_short', amount_total=cents - 1))
        fetch.assert_not_called()
        self.assertEqual((self.tx.state, self.tx.invoicecloud_flag), ('error', 'amount'))
        self.assertFalse(self.tx.payment_id)

    def _assert_recorded_by_the_cron(self, tx):
        """A webhook confirms; the accounts are the work of Odoo's post-processing cron, which it
        triggers, done once."""
        cron = self.env.ref('payment.cron_post_process_payment_tx')
        self.assertTrue(self.env['ir.cron.trigger'].search_count([('cron_id', '=', cron.id)]))
        self.assertFalse(tx.payment_id)
        self.assertEqual(tx.invoice_ids._invoicecloud_in_progress(), tx.invoice_ids, "not payable meanwhile")
        _url, problem = tx.invoice_ids.sudo()._invoicecloud_pay(self.provider, self.card, False)
        self.assertEqual(problem, 'in_progress')
        cron.method_direct_trigger()
        cron.method_direct_trigger()
        self.assertEqual(len(tx.payment_id), 1)
        self.assertIn(tx.invoice_ids.payment_state, ('paid', 'in_payment'))
        self.assertEqual(self.env['account.payment'].search_count([('payment_transaction_id', '=', tx.id)]), 1)

    @mute_logger('odoo.addons.payment.models.payment_transaction')
    def test_a_payment_the_accounts_refuse_holds_back_no_other(self):
        second_invoice = self._create_invoice(post=True, partner_id=self.customer.id)
        with patch.object(StripeGateway, 'create_checkout_session', return_value={'id': 'cs_2', 'url': 'https://x'}):
            second_invoice.sudo()._invoicecloud_pay(self.provider, self.card, False)
        second = second_invoice._invoicecloud_transactions(('draft',))
        for tx in self.tx + second:
            with patch.object(StripeGateway, 'retrieve_checkout_session', return_value=self._stripe_session(tx)):
                tx._invoicecloud_confirm(record_later=True)
        create_payment = type(self.tx)._create_payment

        def refused_for_the_first(tx, **extra_create_values):
            if tx == self.tx:
                raise UserError(ACCOUNTS_REFUSAL)
            return create_payment(tx, **extra_create_values)

        with patch.object(type(self.tx), '_create_payment', refused_for_the_first):
            self.env.ref('payment.cron_post_process_payment_tx').method_direct_trigger()
        self.assertEqual(len(second.payment_id), 1)
        self.assertFalse(self.tx.payment_id)
        self.assertEqual(self.invoice._invoicecloud_in_progress(), self.invoice, "still not payable")
        self.env.ref('payment.cron_post_process_payment_tx').method_direct_trigger()  # the next run
        self.assertEqual(len(self.tx.payment_id), 1)

    def test_a_signed_event_naming_a_nul_id_finds_nothing(self):
        event = {'id': 'evt_nul', 'type': 'checkout.session.completed', 'data': {'object': {'id': 'cs_\x00'}}}
        body = json.dumps(event)
        with patch.object(StripeGateway, 'retrieve_checkout_session') as fetch:
            self.assertEqual(self._post(body).status_code, 200)
        fetch.assert_not_called()
        self.assertEqual(self.tx.state, 'draft')

    def test_the_customer_back_records_at_once(self):
        with patch.object(StripeGateway, 'retrieve_checkout_session', return_value=self._stripe_session(self.tx)):
            self.assertEqual(self._post(self._event()).status_code, 200)
            self.assertFalse(self.tx.payment_id)
            self.tx._invoicecloud_customer_returns()  # the status page, before the cron
        self.assertEqual(len(self.tx.payment_id), 1)
        self.env.ref('payment.cron_post_process_payment_tx').method_direct_trigger()
        self.assertEqual(self.env['account.payment'].search_count([('payment_transaction_id', '=', self.tx.id)]), 1)

    @mute_logger('odoo.addons.invoicecloud_payments.controllers.webhook_stripe')
    def test_bad_webhooks_are_400_and_change_nothing(self):
        now = int(time.time())
        with patch.object(
            StripeGateway, 'retrieve_checkout_session', return_value=self._stripe_session(self.tx)
        ) as fetch:
            answers = [
                self.url_open(self.url, data=self._event().encode()).status_code,  # unsigned
                self._post(self._event(), secret='whsec_other').status_code,
                self._post(self._event(), timestamp=now - 301).status_code,
                self._post(self._event(), timestamp=now + 400).status_code,
                self._post('{"id": "evt_1", "type"').status_code,
                self._post('"just a string"').status_code,
                self._post(self._event(), url='/invoicecloud/webhook/stripe/0').status_code,
            ]
            self.provider.invoicecloud_stripe_webhook_secret = False
            answers.append(self._post(self._event()).status_code)  # no secret configured: fail closed
        self.assertEqual(answers, [400] * 8)
        fetch.assert_not_called()
        self.assertEqual(self.tx.state, 'draft')
        self.assertFalse(self.env['invoicecloud.payment.event'].search_count([]))

    def test_oversized_body_is_413(self):
        response = self.url_open(self.url, data=b'{' + b' ' * (65 * 1024) + b'}')
        self.assertEqual(response.status_code, 413)

    def test_oversized_chunked_body_is_413_and_mollie_too(self):
        """A chunked body announces no length: it is cut as it is read."""
        chunks = (b' ' * 1024 for _ in range(100))
        self.assertEqual(self.url_open(self.url, data=chunks).status_code, 413)
        mollie_url = self.url.replace('/stripe/', '/mollie/')
        self.assertEqual(self.url_open(mollie_url, data={'id': 'tr_' + 'a' * 64, 'pad': 'x' * 70_000}).status_code, 413)
        self.assertEqual(self.url_open(mollie_url, data=b'x' * 70_000).status_code, 413, "a body that is no form")

    def test_a_provider_id_beyond_postgresqls_integer_is_no_5xx(self):
        huge = 2**40
        self.assertEqual(self._post(self._event(), url=f'/invoicecloud/webhook/stripe/{huge}').status_code, 400)
        mollie = self.url_open(f'/invoicecloud/webhook/mollie/{huge}', data={'id': 'tr_unit'})
        self.assertEqual(mollie.status_code, 200, "as for any provider that is not Mollie's")

    def test_unhandled_event_type_is_acknowledged(self):
        with patch.object(StripeGateway, 'retrieve_checkout_session') as fetch:
            self.assertEqual(self._post(self._event(event_type='customer.created')).status_code, 200)
        fetch.assert_not_called()


@tagged('post_install', '-at_install')
class TestPayButton(InvoicecloudProvidersMixin, InvoicecloudHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_stripe()

    def test_pay_redirects_to_checkout_with_the_server_amount(self):
        path = self._path(self.invoice)
        page = self.url_open(path).text
        self.assertIn('o_invoicecloud_pay_form', page)
        data = {
            'csrf_token': self._csrf_token(path),
            'method': f'{self.provider.id}-{self.card.id}',
            'amount': '0.01',
        }
        session = {'id': 'cs_2', 'url': 'https://checkout.stripe.test/c/2'}
        with patch.object(StripeGateway, 'create_checkout_session', return_value=session) as create:
            response = self.url_open(f'{path}/pay', data=data, allow_redirects=False)
        self.assertEqual(response.status_code, 303)
        self.assertEqual(response.headers['Location'], 'https://checkout.stripe.test/c/2')
        amount = create.call_args.args[0]['line_items'][0]['price_data']['unit_amount']
        self.assertEqual(amount, round(self.invoice.amount_residual * 100))

    @mute_logger('odoo.http')
    def test_pay_requires_csrf(self):
        data = {'method': f'{self.provider.id}-{self.card.id}'}
        with patch.object(StripeGateway, 'create_checkout_session') as create:
            response = self.url_open(f'{self._path(self.invoice)}/pay', data=data, allow_redirects=False)
        self.assertEqual(response.status_code, 400)
        create.assert_not_called()

    def test_payment_in_progress_replaces_the_pay_button(self):
        with patch.object(StripeGateway, 'create_checkout_session', return_value={'id': 'cs_3', 'url': 'https://x'}):
            self.invoice.sudo()._invoicecloud_pay(self.provider, self.card, False)
        tx = self.invoice._invoicecloud_transactions(('draft',))
        tx._set_pending()
        page = self.url_open(self._path(self.invoice)).text
        self.assertIn('o_invoicecloud_in_progress', page)
        self.assertNotIn('o_invoicecloud_pay_form', page)

    def test_status_page_of_another_customer_is_404(self):
        with patch.object(StripeGateway, 'create_checkout_session', return_value={'id': 'cs_4', 'url': 'https://x'}):
            self.invoice.sudo()._invoicecloud_pay(self.provider, self.card, False)
        tx = self.invoice._invoicecloud_transactions(('draft',))
        other = self._create_invoice(post=True, partner_id=self.other_customer.id)
        response = self.url_open(f'{self._path(other)}/payment?reference={tx.reference}')
        self.assertEqual(response.status_code, 404)

    def test_malformed_references_and_ids_are_refused_not_500(self):
        path = self._path(self.invoice)
        for reference in ('%00', 'INV%00/1', '', '%C2%B2'):
            with self.subTest(reference=reference):
                self.assertEqual(self.url_open(f'{path}/payment?reference={reference}').status_code, 404)
        history = self._history_path(self.customer)
        for invoice_id in ('%C2%B2', '9' * 400, '-1', '0', '%00'):  # a superscript digit, out of range, ...
            with self.subTest(invoice_id=invoice_id):
                response = self.url_open(f'{history}/pay?invoice_ids={invoice_id}')
                self.assertEqual(response.status_code, 200)
                self.assertIn('data-problem="nothing"', response.text)
        data = {'csrf_token': self._csrf_token(path), 'method': f'{"9" * 400}-\u00b2'}
        with patch.object(StripeGateway, 'create_checkout_session') as create:
            response = self.url_open(f'{path}/pay', data=data, allow_redirects=False)
        self.assertIn('payment=method', response.headers['Location'])
        create.assert_not_called()
