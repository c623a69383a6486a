from unittest.mock import patch

from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.payment import utils as payment_utils

from ..gateways.mollie_gateway import MollieGateway
from ..models.payment_transaction_mollie import _is_public
from .common import InvoicecloudCase, InvoicecloudHttpCase, InvoicecloudProvidersMixin


def _method(method_id, maximum):
    return {
        'id': method_id,
        'minimumAmount': {'value': '0.01', 'currency': 'EUR'},
        'maximumAmount': {'value': maximum, 'currency': 'EUR'},
    }


def _numbered_payment():
    """Mollie creating payments tr_unit0, tr_unit1, ... (one id per payment)."""
    count = iter(range(100))

    def create(payload, key):
        payment_id = f'tr_unit{next(count)}'
        return {'id': payment_id, '_links': {'checkout': {'href': f'https://mollie.test/checkout/{payment_id}'}}}

    return create


MOLLIE_METHODS = [
    _method('ideal', '50000.00'),
    _method('banktransfer', '100.00'),
    _method('creditcard', '5000.00'),
    {'id': 'voucher', 'minimumAmount': None, 'maximumAmount': None},
]


@tagged('post_install', '-at_install')
class TestMollie(InvoicecloudProvidersMixin, InvoicecloudCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_mollie()
        cls.eur_invoice = cls._create_invoice(
            post=True, partner_id=cls.customer.id, currency_id=cls.setup_other_currency('EUR').id
        )

    def test_sync_enables_the_profile_methods_and_never_cards(self):
        with patch.object(MollieGateway, 'list_methods', return_value=MOLLIE_METHODS):
            action = self.mollie.action_invoicecloud_mollie_sync_methods()
        self.assertEqual(set(self.mollie.payment_method_ids.mapped('code')), {'ideal', 'bank_transfer'})
        self.assertIn('Stripe', action['params']['message'])
        self.assertEqual(self.mollie.invoicecloud_mollie_limits['bank_transfer'], ['0.01', '100.00', 'EUR'])
        card = self.env.ref('payment.payment_method_card').sudo()
        self.assertNotIn(self.mollie, card.provider_ids)

    def test_sync_with_mollies_own_list_while_disabled_then_enable(self):
        """Mollie's official methods-list response (its SDK's test data) lists methods Odoo has no
        record for and methods Odoo keeps inactive. A business syncs before it enables."""
        mollie_list = [
            {**_method(method_id, '50000.00'), 'resource': 'method', 'status': 'activated'}
            for method_id in (
                'ideal', 'creditcard', 'paypal', 'bancontact', 'banktransfer',
                'sofort', 'kbc', 'belfius', 'inghomepay', 'giftcard',
            )
        ]  # fmt: skip
        mollie_codes = {'ideal', 'paypal', 'bancontact', 'bank_transfer', 'sofort', 'kbc_cbc', 'belfius'}
        methods = (
            self.env['payment.method'].with_context(active_test=False).search([('code', 'in', list(mollie_codes))])
        )
        self.assertTrue(methods.filtered('provider_ids'), "some methods are other providers' too")
        methods.write({'active': False})
        self.mollie.state = 'disabled'
        with patch.object(MollieGateway, 'list_methods', return_value=mollie_list):
            self.mollie.action_invoicecloud_mollie_sync_methods()
        linked = self.mollie.with_context(active_test=False).payment_method_ids
        self.assertEqual(set(linked.mapped('code')), mollie_codes & set(methods.mapped('code')))
        self.assertFalse(linked.filtered('active'), "Odoo enables a method only with an enabled provider")
        self.mollie.state = 'test'
        self.assertEqual(linked.filtered('active'), linked)
        self.assertNotIn('card', self.mollie.payment_method_ids.mapped('code'))

    def test_sync_on_an_enabled_provider_activates_the_methods(self):
        self.ideal.active = False
        with patch.object(MollieGateway, 'list_methods', return_value=MOLLIE_METHODS):
            self.mollie.action_invoicecloud_mollie_sync_methods()
        self.assertTrue(self.ideal.active)

    def test_amount_limits_hide_a_method(self):
        with patch.object(MollieGateway, 'list_methods', return_value=MOLLIE_METHODS):
            self.mollie.action_invoicecloud_mollie_sync_methods()
        self.eur_invoice.partner_id.country_id = self.env.ref('base.nl')
        offered = dict(self.eur_invoice._invoicecloud_pay_options()).get(self.mollie)
        codes = set(offered.mapped('code')) if offered else set()
        self.assertIn('ideal', codes)
        self.assertEqual('bank_transfer' in codes, self.eur_invoice.amount_residual <= 100)

    def test_payload_is_built_from_the_server_amount(self):
        self.customer.lang = 'en_US'
        url, problem, create = self._pay_through_mollie(self.eur_invoice, self.ideal)
        self.assertEqual((url, problem), ('https://mollie.test/checkout/tr_unit', None))
        payload, key = create.call_args.args
        tx = self.eur_invoice._invoicecloud_transactions(('draft',))
        self.assertEqual(payload['amount'], {'currency': 'EUR', 'value': f'{self.eur_invoice.amount_residual:.2f}'})
        self.assertEqual(payload['method'], ['ideal'])
        self.assertEqual(payload['metadata'], {'reference': tx.reference})
        self.assertEqual(payload['locale'], 'en_US')
        self.assertNotIn('webhookUrl', payload, "Mollie cannot reach this test server")
        self.assertEqual(key, payment_utils.generate_idempotency_key(tx))
        self.assertEqual(tx.provider_reference, 'tr_unit')

    def test_webhook_url_only_when_public(self):
        self.assertFalse(_is_public('http://localhost:8069/x'))
        self.assertFalse(_is_public('http://127.0.0.1:8069/x'))
        self.assertFalse(_is_public('http://192.168.1.20/x'))
        self.assertFalse(_is_public('http://odoo.local/x'))
        self.assertTrue(_is_public('https://erp.atelier-lumiere.be/x'))

    def test_statuses(self):
        for status, state in (('paid', 'done'), ('failed', 'error'), ('expired', 'cancel'), ('canceled', 'cancel')):
            invoice = self._create_invoice(
                post=True, partner_id=self.customer.id, currency_id=self.eur_invoice.currency_id.id
            )
            self._pay_through_mollie(invoice, self.ideal)
            tx = invoice._invoicecloud_transactions(('draft',))
            self._confirm_mollie(tx, self._mollie_payment(tx, status=status))
            self.assertEqual(tx.state, state, status)
            self.assertEqual(bool(tx.payment_id), status == 'paid')

    def test_bank_transfer_open_is_pending_with_instructions(self):
        self._pay_through_mollie(self.eur_invoice, self.bank_transfer)
        tx = self.eur_invoice._invoicecloud_transactions(('draft',))
        details = {
            'bankName': 'Stichting Mollie Payments',
            'bankAccount': 'NL53ABNA0627535577',
            'transferReference': 'RF12',
        }
        self._confirm_mollie(tx, self._mollie_payment(tx, status='open', details=details))
        self.assertEqual(tx.state, 'pending')
        self.assertEqual(tx.invoicecloud_transfer_details['transferReference'], 'RF12')
        # Awaited, not "in progress": the customer may still pay another way, which cancels it.
        self.assertFalse(self.eur_invoice._invoicecloud_in_progress())
        self.assertEqual(self.eur_invoice._invoicecloud_awaited_transfers(), tx)

    def _open_bank_transfer(self):
        self._pay_through_mollie(self.eur_invoice, self.bank_transfer)
        tx = self.eur_invoice._invoicecloud_transactions(('draft',))
        self._confirm_mollie(tx, self._mollie_payment(tx, status='open', isCancelable=True))
        return tx

    def test_paying_another_way_cancels_the_awaited_bank_transfer(self):
        transfer_tx = self._open_bank_transfer()
        canceled = self._mollie_payment(transfer_tx, status='canceled', isCancelable=False)
        with (
            patch.object(
                MollieGateway,
                'get_payment',
                return_value=self._mollie_payment(transfer_tx, status='open', isCancelable=True),
            ),
            patch.object(MollieGateway, 'cancel_payment', return_value=canceled) as cancel,
        ):
            url, problem, create = self._pay_through_mollie(self.eur_invoice, self.ideal)
        self.assertEqual((url, problem), ('https://mollie.test/checkout/tr_unit', None))
        cancel_key = payment_utils.generate_idempotency_key(transfer_tx, scope='cancel')
        cancel.assert_called_once_with(transfer_tx.provider_reference, cancel_key)
        # Each request its own key: the old payment's creation, its cancel, the new payment's.
        keys = {cancel_key, payment_utils.generate_idempotency_key(transfer_tx), create.call_args.args[1]}
        self.assertEqual(len(keys), 3)
        self.assertEqual(transfer_tx.state, 'cancel')
        self.assertEqual(len(self.eur_invoice._invoicecloud_transactions(('draft',))), 1)

    def test_a_bank_transfer_mollie_will_not_cancel_keeps_the_invoice_in_progress(self):
        transfer_tx = self._open_bank_transfer()
        not_cancelable = self._mollie_payment(transfer_tx, status='open', isCancelable=False)
        with (
            patch.object(MollieGateway, 'get_payment', return_value=not_cancelable),
            patch.object(MollieGateway, 'cancel_payment') as cancel,
        ):
            url, problem, create = self._pay_through_mollie(self.eur_invoice, self.ideal)
        self.assertEqual((url, problem), (None, 'in_progress'))
        cancel.assert_not_called()
        create.assert_not_called()
        self.assertEqual(transfer_tx.state, 'pending')

    def test_an_open_ideal_payment_mollie_will_not_cancel_is_told_before_a_second_one(self):
        """docs.mollie.com/reference/cancel-payment: an open iDEAL payment is not cancelable (it
        expires by itself). Paying again would open a second payable checkout: the customer is
        told first, and only a confirmed second click opens it."""
        self._pay_through_mollie(self.eur_invoice, self.ideal)
        first = self.eur_invoice._invoicecloud_transactions(('draft',))

        def open_not_cancelable(payment_id):
            tx = self.eur_invoice._invoicecloud_transactions(('draft',)).filtered(
                lambda t: t.provider_reference == payment_id
            )
            return self._mollie_payment(tx, status='open', isCancelable=False)

        with (
            patch.object(MollieGateway, 'get_payment', side_effect=open_not_cancelable),
            patch.object(MollieGateway, 'cancel_payment') as cancel,
            patch('odoo.addons.invoicecloud_payments.tests.mollie_common.created_mollie_payment', _numbered_payment()),
        ):
            url, problem, create = self._pay_through_mollie(self.eur_invoice, self.ideal)
            self.assertEqual((url, problem), (None, 'still_open'))
            create.assert_not_called()
            url, problem, create = self._pay_through_mollie(self.eur_invoice, self.ideal, replace_open=True)
            self.assertEqual(problem, None)
            create.assert_called_once()
            url, problem, create = self._pay_through_mollie(self.eur_invoice, self.ideal, replace_open=True)
            self.assertEqual((url, problem), (None, 'still_open'), "two payable checkouts at most")
            create.assert_not_called()
        cancel.assert_not_called()
        self.assertEqual(first.state, 'draft', "still payable at Mollie: a late payment is kept")

    def test_a_second_payment_for_a_paid_invoice_becomes_credit_and_a_todo(self):
        self._pay_through_mollie(self.eur_invoice, self.ideal)
        first = self.eur_invoice._invoicecloud_transactions(('draft',))
        open_not_cancelable = self._mollie_payment(first, status='open', isCancelable=False)
        with patch.object(MollieGateway, 'get_payment', return_value=open_not_cancelable):
            # The first one cannot be canceled; told so, the customer pays again: both stay open.
            self._pay_through_mollie(self.eur_invoice, self.ideal, replace_open=True)
        second = self.eur_invoice._invoicecloud_transactions(('draft',)) - first
        self._confirm_mollie(first, self._mollie_payment(first))
        self.assertIn(self.eur_invoice.payment_state, ('paid', 'in_payment'))
        self.assertFalse(self.eur_invoice.activity_ids)
        self._confirm_mollie(second, self._mollie_payment(second))  # the customer paid the other one too
        self.assertEqual(second.state, 'done')
        self.assertNotIn(second.payment_id.state, ('draft', 'canceled'), "posted, not reconciled")
        self.assertEqual(len(self.eur_invoice.activity_ids), 1)
        self.assertIn("kept as the customer's credit", self.eur_invoice.activity_ids.note)
        # Never lost: the next invoice of this customer offers it as an outstanding credit.
        next_invoice = self._create_invoice(post=True, partner_id=self.customer.id, currency_id=second.currency_id.id)
        self.assertTrue(next_invoice.invoice_has_outstanding)
        credits = next_invoice.invoice_outstanding_credits_debits_widget['content']
        self.assertEqual([line['amount'] for line in credits], [second.amount])

    def test_mismatch_never_pays(self):
        self._pay_through_mollie(self.eur_invoice, self.ideal)
        tx = self.eur_invoice._invoicecloud_transactions(('draft',))
        wrong = f'{self.eur_invoice.amount_residual + 0.01:.2f}'
        self._confirm_mollie(tx, self._mollie_payment(tx, amount={'currency': 'EUR', 'value': wrong}))
        self._confirm_mollie(tx, self._mollie_payment(tx))
        self.assertEqual((tx.state, tx.invoicecloud_flag), ('error', 'amount'))
        self.assertFalse(tx.payment_id)

    def test_refund_and_chargeback_are_recorded_once(self):
        self._pay_through_mollie(self.eur_invoice, self.ideal)
        tx = self.eur_invoice._invoicecloud_transactions(('draft',))
        self._confirm_mollie(tx, self._mollie_payment(tx))
        reversed_payment = self._mollie_payment(
            tx,
            amountRefunded={'currency': 'EUR', 'value': '5.00'},
            amountChargedBack={'currency': 'EUR', 'value': '3.00'},
        )
        for _delivery in range(3):
            self._confirm_mollie(tx, reversed_payment)
        self.assertEqual(tx.invoicecloud_refunded_amount, 5.0)
        self.assertTrue(tx.invoicecloud_dispute_ref)
        self.assertEqual(len(self.eur_invoice.activity_ids), 2)


@tagged('post_install', '-at_install')
class TestMollieWebhook(InvoicecloudProvidersMixin, InvoicecloudHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_mollie()
        eur_invoice = cls._create_invoice(
            post=True, partner_id=cls.customer.id, currency_id=cls.setup_other_currency('EUR').id
        )
        cls._pay_through_mollie(eur_invoice, cls.ideal)
        cls.tx = eur_invoice._invoicecloud_transactions(('draft',))
        assert cls.tx, "the payment did not start"
        cls.url = f'/invoicecloud/webhook/mollie/{cls.mollie.id}'

    @mute_logger('odoo.http')
    def test_only_a_well_formed_id_is_read_and_unknown_ids_get_200(self):
        with patch.object(MollieGateway, 'get_payment') as fetch:
            answers = [
                self.url_open(self.url, data={'other': 'field'}).status_code,
                self.url_open(self.url, data={'id': 'not-an-id'}).status_code,
                self.url_open(self.url, data={'id': 'tr_doesnotexist'}).status_code,
                self.url_open('/invoicecloud/webhook/mollie/0', data={'id': 'tr_unit'}).status_code,
            ]
        self.assertEqual(answers, [400, 400, 200, 200])
        fetch.assert_not_called()
        self.assertEqual(self.tx.state, 'draft')

    def test_known_id_is_confirmed_by_fetching_the_stored_id(self):
        with patch.object(MollieGateway, 'get_payment', return_value=self._mollie_payment(self.tx)) as fetch:
            self.assertEqual(self.url_open(self.url, data={'id': 'tr_unit'}).status_code, 200)
        fetch.assert_called_once_with('tr_unit')
        self.assertEqual(self.tx.state, 'done')
        self.assertFalse(self.tx.payment_id, "the accounts are the triggered cron's work")
        self.env.ref('payment.cron_post_process_payment_tx').method_direct_trigger()
        self.assertEqual(len(self.tx.payment_id), 1)
        self.assertIn(self.tx.invoice_ids.payment_state, ('paid', 'in_payment'))
