"""Issue 11, hole 9: no API key in a state message or the log; the event registry is pruned."""

import logging
from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from ..gateways import ProviderRefused
from .common import InvoicecloudCase, InvoicecloudProvidersMixin

# Mollie's SDK refuses a key with a character outside [A-Za-z0-9_] (pasted with a stray one),
# quoting it: "Invalid API key: '...'".
MALFORMED_KEY = 'test_abcdefghijklmnop-qrstuvwxyz012'


@tagged('post_install', '-at_install')
class TestSecretsAndLeftovers(InvoicecloudProvidersMixin, InvoicecloudCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_mollie()
        cls.eur = cls.setup_other_currency('EUR')  # iDEAL takes euros only

    def test_a_key_the_sdk_quotes_never_reaches_the_state_message_or_the_log(self):
        self.mollie.invoicecloud_mollie_api_key = MALFORMED_KEY
        self.env.flush_all()  # the key's own UPDATE is not what this test watches
        with self.assertLogs(level='DEBUG') as logs:
            logging.getLogger(__name__).debug("Paying with a malformed key")  # the log is never empty
            invoice = self._create_invoice(post=True, partner_id=self.customer.id, currency_id=self.eur.id)
            url, problem = invoice.sudo()._invoicecloud_pay(self.mollie, self.ideal, False)
        self.assertEqual((url, problem), (None, 'refused'))
        tx = invoice._invoicecloud_transactions(('error',))
        self.assertIn('Invalid API key', tx.state_message)
        self.assertNotIn(MALFORMED_KEY, tx.state_message)
        self.assertFalse([line for line in logs.output if MALFORMED_KEY in line])

    def test_errors_redact_every_key_shape(self):
        for text, secret in (
            ("Invalid API key: 'test_abcdefghijklmnopqrstuvwxyz0123'.", 'abcdefghijklmnop'),
            ("Invalid access token: 'access_abcdefghijklmnop'.", 'abcdefghijklmnop'),
            ("sent with sk_live_51Habcdefghijklmnop", '51Habcdefghij'),
            ("whsec_abcdefghijklmnop did not match", 'abcdefghijklmnop'),
        ):
            self.assertNotIn(secret, str(ProviderRefused(text)), text)
        self.assertEqual(str(ProviderRefused("Payment tr_7UhSN1zuXS not found")), "Payment tr_7UhSN1zuXS not found")

    def test_the_event_registry_keeps_three_days(self):
        events = self.env['invoicecloud.payment.event'].sudo()  # no user writes it: only the webhooks
        provider = self.mollie
        now = fields.Datetime.now()
        old, recent = events.create(
            [
                {'provider_id': provider.id, 'event_ref': 'evt_old', 'received_at': now - timedelta(days=3, minutes=1)},
                {'provider_id': provider.id, 'event_ref': 'evt_new', 'received_at': now - timedelta(days=2, hours=23)},
            ]
        )
        events._gc_invoicecloud_events()
        self.assertFalse(old.exists())
        self.assertTrue(recent.exists())

    def test_the_checkout_gates_keep_the_checkout_window(self):
        gates = self.env['invoicecloud.checkout.gate'].sudo()
        gates._invoicecloud_pass('recent-address')
        self.env.cr.execute(
            "INSERT INTO invoicecloud_checkout_gate (client_key, last_checkout)"
            " VALUES ('old-address', (now() AT TIME ZONE 'UTC') - interval '11 minutes')"
        )
        gates._gc_invoicecloud_gates()
        self.assertEqual(gates.search([]).mapped('client_key'), ['recent-address'])
