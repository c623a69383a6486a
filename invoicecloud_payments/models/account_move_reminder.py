import logging
from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import UserError

from odoo.addons.base.models.ir_qweb import QWebError

from ..const import OPEN_PAYMENT_STATES, REMINDER_CUSTOMERS_PER_COMMIT

_logger = logging.getLogger(__name__)


class AccountMove(models.Model):
    """Reminders of open invoices, in Community too: each company's schedule (days from the due
    date), one email per customer and run listing what they have to pay, and nothing twice."""

    _inherit = 'account.move'

    @api.model
    def _cron_invoicecloud_send_reminders(self):
        """Mail every customer with an invoice at a reminder step not yet mailed, company by
        company. What was mailed is written in the same transaction as the queued email, so a
        second run, or a run after a crash, mails nothing twice."""
        companies = self.env['res.company'].sudo().search([('invoicecloud_reminders', '=', True)])
        for company in companies:
            self.with_company(company).sudo()._invoicecloud_send_reminders(company)
        self.env.ref('mail.ir_cron_mail_scheduler_action')._trigger()

    def _invoicecloud_send_reminders(self, company):
        """Reminders of one company. Returns the customers mailed."""
        steps = sorted(company.invoicecloud_reminder_step_ids.mapped('days'))
        if not steps:
            return self.env['res.partner']
        today = company._invoicecloud_today()
        remindable = self._invoicecloud_remindable(company, fields.Date.subtract(today, days=steps[0]))
        # One read for all: each invoice's row would otherwise be read on its own.
        remindable.invoicecloud_followup_ids.fetch(['reminded_at', 'reminder_days'])
        by_customer = defaultdict(lambda: self.browse())
        due_step = {}
        for invoice in remindable:
            reached = [days for days in steps if fields.Date.add(invoice.invoice_date_due, days=days) <= today]
            followup = invoice.invoicecloud_followup_ids[:1]
            by_customer[invoice.commercial_partner_id] |= invoice
            if not followup.reminded_at or reached[-1] > followup.reminder_days:
                due_step[invoice] = reached[-1]
        mailed = self.env['res.partner']
        customers = [customer for customer, invoices in by_customer.items() if any(i in due_step for i in invoices)]
        for n, customer in enumerate(customers, start=1):
            invoices = by_customer[customer].sorted(lambda i: (i.invoice_date_due, i.id))
            steps_due = {invoice: due_step[invoice] for invoice in invoices if invoice in due_step}
            try:
                with self.env.cr.savepoint():
                    if customer._invoicecloud_send_reminder(company, invoices, steps_due):
                        mailed |= customer
            except (QWebError, UserError, ValueError):
                # One customer's email that cannot be made (a template edited wrong) stops no other.
                _logger.exception("Invoicecloud: the reminder of %s could not be made", customer)
            if n % REMINDER_CUSTOMERS_PER_COMMIT == 0 or n == len(customers):
                done = n % REMINDER_CUSTOMERS_PER_COMMIT or REMINDER_CUSTOMERS_PER_COMMIT
                if not self.env['ir.cron']._commit_progress(done, remaining=len(customers) - n):
                    break  # the cron's time is up: the next run goes on (what was mailed is written)
        return mailed

    def _invoicecloud_remindable(self, company, due_by):
        """The company's invoices a reminder may be about: open, due by `due_by` (the first
        step's day), neither blocked nor excluded from follow-ups, not disputed, not promised for
        a date still to come, and with no online payment under way."""
        today = company._invoicecloud_today()
        invoices = self.search(
            [
                ('company_id', '=', company.id),
                ('move_type', '=', 'out_invoice'),
                ('state', '=', 'posted'),
                ('payment_state', 'in', OPEN_PAYMENT_STATES),
                ('invoice_date_due', '<=', due_by),
                ('invoicecloud_followup_ids', 'not any', [('dispute_state', '=', 'open')]),
                (
                    'invoicecloud_followup_ids',
                    'not any',
                    [('promise_state', '=', 'open'), ('promise_date', '>=', today)],
                ),
            ],
            order='invoice_date_due, id',
        )
        invoices = invoices.filtered(
            lambda i: not i.no_followup and i.currency_id.compare_amounts(i.amount_residual, 0) > 0
        )
        return invoices - invoices._invoicecloud_in_progress()
