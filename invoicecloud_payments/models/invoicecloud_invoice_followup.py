from odoo import fields, models

from ..const import DISPUTE_REASONS


class InvoicecloudInvoiceFollowup(models.Model):
    """What the customer said about one invoice from its page: a promise to pay by a date, a
    dispute. One row per invoice, beside it rather than on it: writing an invoice recomputes its
    journal items and locks it, which the customer's pages have no reason to do."""

    _name = 'invoicecloud.invoice.followup'
    _description = "Invoicecloud: Customer Follow-up of an Invoice"
    _order = 'id desc'

    move_id = fields.Many2one(
        comodel_name='account.move', string="Invoice", required=True, ondelete='cascade', index=True, readonly=True
    )
    company_id = fields.Many2one(related='move_id.company_id', store=True, index=True)

    promise_date = fields.Date(string="Promised Payment Date", readonly=True)
    promise_state = fields.Selection(
        selection=[('open', "Promised"), ('kept', "Kept"), ('broken', "Not Kept")],
        string="Promise to Pay",
        readonly=True,
        help="Promised: the customer said they would pay by the date. Kept or Not Kept: the date has passed, "
        "and the invoice was paid by then, or not.",
    )
    promised_at = fields.Datetime(string="Promised On", readonly=True)

    dispute_state = fields.Selection(
        selection=[('open', "Disputed"), ('resolved', "Resolved")],
        string="Dispute",
        readonly=True,
        help="Disputed: the customer contests the invoice; no reminder goes until an accountant resolves it.",
    )
    dispute_reason = fields.Selection(selection=DISPUTE_REASONS, readonly=True)
    dispute_text = fields.Text(string="Customer's Explanation", readonly=True)
    disputed_at = fields.Datetime(string="Disputed On", readonly=True)
    dispute_activity_id = fields.Many2one(
        comodel_name='mail.activity', string="Dispute To-Do", readonly=True, ondelete='set null'
    )

    first_viewed_at = fields.Datetime(string="First Viewed by the Customer", readonly=True)
    last_viewed_at = fields.Datetime(string="Last Viewed by the Customer", readonly=True)

    reminded_at = fields.Datetime(string="Last Reminder", readonly=True)
    reminder_days = fields.Integer(
        string="Last Reminder Step", readonly=True, help="Days from the due date of the last reminder sent."
    )

    _move_unique = models.Constraint('UNIQUE(move_id)', "An invoice has one follow-up.")
