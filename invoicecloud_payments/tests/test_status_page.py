"""Issue 11, hole 6: a GET of the status page changes nothing but what the provider says, and
asks the provider at most every few seconds per transaction, however often it reloads."""

from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.tests import tagged

from ..const import STATUS_ASK_LATER, STATUS_ASK_SOON, STATUS_ASK_SOON_FOR
from ..gateways.stripe_gateway import StripeGateway
from .common import InvoicecloudHttpCase, InvoicecloudProvidersMixin


@tagged('post_install', '-at_install')
class TestStatusPage(InvoicecloudProvidersMixin, InvoicecloudHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_stripe()
        with patch.object(
            StripeGateway, 'create_checkout_session', return_value={'id': 'cs_status', 'url': 'https://x'}
        ):
            cls.invoice.sudo()._invoicecloud_pay(cls.provider, cls.card, False)
        cls.tx = cls.invoice._invoicecloud_transactions(('draft',))

    def _status_path(self, **query):
        params = '&'.join(f'{key}={value}' for key, value in query.items())
        return f'{self._path(self.invoice)}/payment?reference={self.tx.reference}&{params}'

    def _open_session(self):
        return self._stripe_session(self.tx, status='open', payment_status='unpaid', payment_intent=None)

    def test_the_cancel_link_is_a_get_and_cancels_nothing(self):
        with (
            patch.object(StripeGateway, 'retrieve_checkout_session', return_value=self._open_session()),
            patch.object(StripeGateway, 'expire_checkout_session') as expire,
        ):
            for value in ('1', '0', 'no', ''):
                self.assertEqual(self.url_open(self._status_path(cancelled=value)).status_code, 200)
                self.tx.invoicecloud_status_asked_at = False  # every visit asks, for this test
        expire.assert_not_called()
        self.assertEqual(self.tx.state, 'draft')
        self.assertTrue(self.invoice._invoicecloud_payable())

    def test_what_the_provider_says_is_applied(self):
        expired = self._stripe_session(self.tx, status='expired', payment_status='unpaid', payment_intent=None)
        with patch.object(StripeGateway, 'retrieve_checkout_session', return_value=expired):
            self.url_open(self._status_path(cancelled=1))
        self.assertEqual(self.tx.state, 'cancel')

    def _time_passes(self, since_asked, age=None):
        """The last ask was `since_asked` ago (and the transaction is `age` old)."""
        now = fields.Datetime.now()
        self.tx.invoicecloud_status_asked_at = now - since_asked
        if age:
            self.env.cr.execute(
                'UPDATE payment_transaction SET create_date = %s WHERE id = %s', [now - age, self.tx.id]
            )
            self.tx.invalidate_recordset(['create_date'])

    def test_reloads_ask_the_provider_at_most_every_few_seconds(self):
        with patch.object(StripeGateway, 'retrieve_checkout_session', return_value=self._open_session()) as fetch:
            for _reload in range(5):
                self.url_open(self._status_path())
            self.assertEqual(fetch.call_count, 1)
            self._time_passes(STATUS_ASK_SOON + timedelta(seconds=1))
            self.url_open(self._status_path())
            self.assertEqual(fetch.call_count, 2)
            # An old, still unfinished payment (a tab left open on a bank transfer): rarely.
            old = STATUS_ASK_SOON_FOR + timedelta(minutes=1)
            self._time_passes(STATUS_ASK_SOON * 3, age=old)
            self.url_open(self._status_path())
            self.assertEqual(fetch.call_count, 2)
            self._time_passes(STATUS_ASK_LATER + timedelta(seconds=1), age=old)
            self.url_open(self._status_path())
            self.assertEqual(fetch.call_count, 3)

    def test_a_final_payment_is_never_asked_about_from_the_page(self):
        with patch.object(StripeGateway, 'retrieve_checkout_session', return_value=self._stripe_session(self.tx)):
            self.url_open(self._status_path())  # paid: recorded at once
        self.assertEqual(self.tx.state, 'done')
        self.assertTrue(self.tx.is_post_processed)
        with patch.object(StripeGateway, 'retrieve_checkout_session') as fetch:
            for _reload in range(3):
                self.assertEqual(self.url_open(self._status_path()).status_code, 200)
        fetch.assert_not_called()
