from datetime import timedelta

from odoo import api, fields, models

from ..const import CHECKOUT_RATE_WINDOW_MINUTES


class InvoicecloudCheckoutGate(models.Model):
    """One row per client address (hashed) that started a checkout recently: the row each of its
    checkouts updates first, so that concurrent checkouts from one address are counted one after
    the other against the per-address limit (see `account.move._invoicecloud_checkouts_exceeded`).

    Under Odoo's REPEATABLE READ, a lock alone is not enough: the second request would go on
    counting with the view it had before the first one committed. An update is: the second one
    gets a serialization failure, and Odoo retries it with a fresh view.
    """

    _name = 'invoicecloud.checkout.gate'
    _description = "Invoicecloud: Checkouts per Client Address"
    _log_access = False

    client_key = fields.Char(required=True, readonly=True)
    last_checkout = fields.Datetime(required=True, readonly=True)

    _client_key_unique = models.UniqueIndex('(client_key)')

    @api.model
    def _invoicecloud_pass(self, client_key):
        """Wait for, then serialize with, any concurrent checkout from this address."""
        self.env.cr.execute(
            """
            INSERT INTO invoicecloud_checkout_gate (client_key, last_checkout)
                 VALUES (%s, now() AT TIME ZONE 'UTC')
            ON CONFLICT (client_key) DO UPDATE SET last_checkout = EXCLUDED.last_checkout
            """,
            [client_key],
            log_exceptions=False,  # a concurrent checkout fails to serialize; Odoo retries it
        )

    @api.autovacuum
    def _gc_invoicecloud_gates(self):
        """An address that started no checkout within the window has nothing left to count."""
        self.env.cr.execute(
            "DELETE FROM invoicecloud_checkout_gate WHERE last_checkout < (now() AT TIME ZONE 'UTC') - %s",
            [timedelta(minutes=CHECKOUT_RATE_WINDOW_MINUTES)],
        )
