from odoo import api, fields, models
from odoo.tools.misc import hash_sign

from ..const import CUSTOMER_MOVE_TYPES, VIEW_RECORD_MINUTES, VIEW_TICKET_HOURS, VIEW_TICKET_SCOPE


class AccountMove(models.Model):
    """When the customer looked at the invoice's page: told by the page's beacon, sent by a
    person's browser (controllers/beacon.py), never by the link being opened."""

    _inherit = 'account.move'

    invoicecloud_last_viewed = fields.Datetime(
        string="Last Viewed by the Customer",
        related='invoicecloud_followup_ids.last_viewed_at',
        groups='account.group_account_invoice',
    )

    def _invoicecloud_view_ticket(self):
        """The signed ticket the invoice page gives its beacon: this invoice's id, for a day."""
        self.ensure_one()
        return hash_sign(self.env(su=True), VIEW_TICKET_SCOPE, self.id, expiration_hours=VIEW_TICKET_HOURS)

    @api.model
    def _invoicecloud_record_view(self, move_id):
        """A view of the invoice `move_id` (a ticket's), at most once in VIEW_RECORD_MINUTES; the
        first one ever is written in the chatter. Concurrent beacons update one row: the second
        waits for the first, then finds the view recorded."""
        move = self.sudo().browse(move_id).exists()
        if not move or move.move_type not in CUSTOMER_MOVE_TYPES or move.state == 'draft':
            return
        followup = move._invoicecloud_followup_sudo()
        now = fields.Datetime.now()
        self.env.cr.execute(
            """
            UPDATE invoicecloud_invoice_followup
               SET last_viewed_at = %(now)s, first_viewed_at = COALESCE(first_viewed_at, %(now)s)
             WHERE id = %(id)s AND (last_viewed_at IS NULL OR last_viewed_at < %(since)s)
         RETURNING first_viewed_at = %(now)s
            """,
            {'now': now, 'id': followup.id, 'since': fields.Datetime.subtract(now, minutes=VIEW_RECORD_MINUTES)},
        )
        row = self.env.cr.fetchone()
        followup.invalidate_recordset(['last_viewed_at', 'first_viewed_at'])
        if row and row[0]:
            lang = move.company_id.partner_id.lang
            move.with_context(lang=lang)._message_log(
                body=move.with_context(lang=lang).env._("Viewed by the customer."), author_id=move.partner_id.id
            )
