from odoo import api, fields, models

from ..const import EVENT_REGISTRY_KEEP


class InvoicecloudPaymentEvent(models.Model):
    """A provider event already acted on: providers deliver events more than once (Stripe's
    refunds and disputes; its session events need no registry, see `payment.transaction`)."""

    _name = 'invoicecloud.payment.event'
    _description = "Invoicecloud: Provider Event"
    _order = 'id desc'
    _log_access = False

    provider_id = fields.Many2one('payment.provider', required=True, ondelete='cascade', readonly=True)
    event_ref = fields.Char(string="Event", required=True, readonly=True)
    event_type = fields.Char(readonly=True)
    received_at = fields.Datetime(default=fields.Datetime.now, readonly=True)

    _event_unique = models.UniqueIndex('(provider_id, event_ref)')

    @api.model
    def _invoicecloud_register(self, provider, event_ref, event_type):
        """Record the event; False if it was recorded before (then it must not be acted on again).

        A concurrent delivery of the same event waits on the unique index until the first one
        commits (then it finds the row) or rolls back (then it records it itself).
        """
        self.env.cr.execute(
            """
            INSERT INTO invoicecloud_payment_event (provider_id, event_ref, event_type, received_at)
                 VALUES (%s, %s, %s, now() AT TIME ZONE 'UTC')
            ON CONFLICT (provider_id, event_ref) DO NOTHING
              RETURNING id
            """,
            [provider.id, event_ref, event_type],
            log_exceptions=False,  # a concurrent duplicate fails to serialize; Odoo retries it
        )
        return bool(self.env.cr.fetchone())

    @api.autovacuum
    def _gc_invoicecloud_events(self):
        """Forget the events Stripe can no longer deliver again: it retries for up to three days
        after an event, so a row older than that (counted from its first delivery) can go."""
        self.env.cr.execute(
            "DELETE FROM invoicecloud_payment_event WHERE received_at < (now() AT TIME ZONE 'UTC') - %s",
            [EVENT_REGISTRY_KEEP],
        )
