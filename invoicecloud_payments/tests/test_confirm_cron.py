from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.tests import tagged
from odoo.tools import mute_logger

from ..const import CONFIRM_FIRST_DELAY, CONFIRM_MAX_DELAY
from ..gateways import ProviderUnavailable
from ..gateways.stripe_gateway import StripeGateway
from .common import InvoicecloudHttpCase, InvoicecloudProvidersMixin

ABANDONED = 3


@tagged('post_install', '-at_install')
class TestConfirmCron(InvoicecloudProvidersMixin, InvoicecloudHttpCase):
    """The cron that asks the providers about unfinished payments (webhooks get lost) asks less
    and less often about an abandoned checkout, and leaves a busy provider alone."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_stripe()
        cls.txs = cls.env['payment.transaction']
        for index in range(ABANDONED):
            invoice = cls._create_invoice(post=True, partner_id=cls.customer.id)
            session = {'id': f'cs_cron_{index}', 'url': 'https://checkout.stripe.test/c', 'expires_at': 1_796_000_000}
            with patch.object(StripeGateway, 'create_checkout_session', return_value=session):
                invoice.sudo()._invoicecloud_pay(cls.provider, cls.card, False)
            cls.txs |= invoice._invoicecloud_transactions(('draft',))
        cls.cron = cls.env.ref('invoicecloud_payments.cron_confirm_payments')

    def _run_cron(self, **fetch):
        """One run; returns how many times Stripe was asked."""
        with patch.object(StripeGateway, 'retrieve_checkout_session', **fetch) as retrieve:
            self.cron.method_direct_trigger()
        self.env.invalidate_all()  # the cron ran in an environment of its own
        return retrieve.call_count

    def _still_open(self, session_id):
        tx = self.txs.filtered(lambda t: t.provider_reference == session_id)
        return self._stripe_session(tx, status='open', payment_status='unpaid', payment_intent=None)

    def _time_passes(self, age):
        """The checkouts are `age` old now, and due."""
        now = fields.Datetime.now()
        self.env.cr.execute(
            'UPDATE payment_transaction SET create_date = %s, invoicecloud_next_check = %s WHERE id IN %s',
            [now - age, now - timedelta(minutes=1), tuple(self.txs.ids)],
        )
        self.env.invalidate_all()

    def test_abandoned_checkouts_are_asked_less_and_less_often(self):
        self.assertEqual(self._run_cron(side_effect=self._still_open), 0, "first asked after the first delay")
        self._time_passes(CONFIRM_FIRST_DELAY + timedelta(minutes=1))
        self.assertEqual(self._run_cron(side_effect=self._still_open), ABANDONED)
        self.assertEqual(self._run_cron(side_effect=self._still_open), 0, "none is due again yet")
        now = fields.Datetime.now()
        for tx in self.txs:
            self.assertAlmostEqual(tx.invoicecloud_next_check, now + CONFIRM_FIRST_DELAY, delta=timedelta(minutes=1))
        # A day later: half their age (12 hours) before the next question.
        self._time_passes(timedelta(days=1))
        self.assertEqual(self._run_cron(side_effect=self._still_open), ABANDONED)
        for tx in self.txs:
            self.assertEqual(tx.state, 'draft')
            self.assertAlmostEqual(tx.invoicecloud_next_check, now + CONFIRM_MAX_DELAY, delta=timedelta(minutes=1))

    def test_a_busy_provider_is_left_alone_for_the_rest_of_the_run(self):
        self._time_passes(CONFIRM_FIRST_DELAY)
        calls = self._run_cron(side_effect=ProviderUnavailable("Too many requests (429)"))
        self.assertEqual(calls, 1)
        self.assertEqual(set(self.txs.mapped('state')), {'draft'})
        self.assertEqual(self._run_cron(side_effect=self._still_open), ABANDONED - 1, "the others are still due")

    def test_a_lost_webhook_is_still_found(self):
        tx = self.txs[0]
        paid = {tx.provider_reference: self._stripe_session(tx)}
        self._time_passes(CONFIRM_FIRST_DELAY)
        self._run_cron(side_effect=lambda session_id: paid.get(session_id) or self._still_open(session_id))
        self.assertEqual(tx.state, 'done')
        self.assertEqual(len(tx.payment_id), 1)

    @mute_logger('odoo.addons.invoicecloud_payments.models.payment_transaction')
    def test_a_transaction_that_fails_holds_back_no_other(self):
        """Anything that goes wrong with one (here: an unexpected error) leaves it for its next
        check; the others are asked in the same run, and it does not come first at every run."""
        self._time_passes(CONFIRM_FIRST_DELAY)
        broken = self.txs[0]

        def answer(session_id):
            if session_id == broken.provider_reference:
                raise ValueError("unexpected")
            return self._still_open(session_id)

        self.assertEqual(self._run_cron(side_effect=answer), ABANDONED)
        self.assertGreater(broken.invoicecloud_next_check, fields.Datetime.now())
        self.assertEqual(self._run_cron(side_effect=answer), 0)
