from datetime import datetime, time, timedelta

import pytz
from dateutil.relativedelta import relativedelta

from odoo import api, fields, models

from ..const import (
    PROMISE_MAX_DAYS,
    REMINDER_DEFAULT_STEPS,
    STATEMENT_DEFAULT_MONTHS,
    STATEMENT_FIRST_DAY,
    STATEMENT_MAX_MONTHS,
)


class ResCompany(models.Model):
    _inherit = 'res.company'

    invoicecloud_remark_user_id = fields.Many2one(
        'res.users',
        string="Answers Invoicecloud Remarks",
        domain=[('share', '=', False)],
        help="Gets the to-do when a customer sends a remark about an invoice that has no salesperson.",
    )
    invoicecloud_custom_amount = fields.Boolean(
        string="Customers Choose the Amount",
        help="On the invoice page, customers may pay part of an invoice: an amount of their choice, at least "
        "the minimum.",
    )
    invoicecloud_custom_minimum = fields.Monetary(
        string="Least Amount of the Customer's Choice",
        currency_field='currency_id',
        default=10.0,
        help="In the company's currency, converted for invoices in another one.",
    )

    invoicecloud_promise_max_days = fields.Integer(
        string="Furthest Promise to Pay",
        default=PROMISE_MAX_DAYS,
        help="How many days ahead a customer may promise to pay an invoice, from its page.",
    )

    _invoicecloud_promise_max_days_positive = models.Constraint(
        'CHECK (invoicecloud_promise_max_days >= 0)', "A promise to pay cannot be in the past."
    )

    invoicecloud_reminders = fields.Boolean(
        string="Send Reminders",
        default=lambda self: not self._invoicecloud_enterprise_followups(),
        help="Mail customers about their open invoices on the reminder schedule: one email per customer and run, "
        "listing what they have to pay. Off by default where Odoo Enterprise's follow-ups are installed.",
    )
    invoicecloud_reminder_step_ids = fields.One2many(
        comodel_name='invoicecloud.reminder.step', inverse_name='company_id', string="Reminder Schedule"
    )

    @api.model_create_multi
    def create(self, vals_list):
        companies = super().create(vals_list)
        companies._invoicecloud_default_reminder_steps()
        return companies

    def _invoicecloud_default_reminder_steps(self):
        """The default schedule (3 days before the due date, 7 and 21 after) for these
        companies, where they have none."""
        Step = self.env['invoicecloud.reminder.step'].sudo()
        for company in self.filtered(lambda c: not c.sudo().invoicecloud_reminder_step_ids):
            Step.create([{'company_id': company.id, 'days': days} for days in REMINDER_DEFAULT_STEPS])

    @api.model
    def _invoicecloud_enterprise_followups(self):
        """Whether Odoo Enterprise's follow-up reports (account_followup) are installed: then
        Invoicecloud's reminders are off by default, out of their way."""
        return self.env['ir.module.module'].sudo()._get('account_followup').state == 'installed'

    def _invoicecloud_remark_user(self):
        self.ensure_one()
        return self.invoicecloud_remark_user_id or self.env.ref('base.user_admin')

    def _invoicecloud_tz(self):
        """The time zone of the company's dates (an early payment discount's last day): its
        address's, else UTC. Never the visitor's (website guesses it from the address, a browser
        can choose it)."""
        self.ensure_one()
        tz = self.partner_id.tz
        return tz if tz in pytz.all_timezones_set else 'UTC'

    def _invoicecloud_today(self, moment=None):
        """The company's date at `moment` (naive UTC, by default now)."""
        return fields.Date.context_today(self.with_context(tz=self._invoicecloud_tz()), moment)

    def _invoicecloud_day_end(self, day):
        """When the company's day `day` ends, as naive UTC."""
        tz = pytz.timezone(self._invoicecloud_tz())
        end = tz.localize(datetime.combine(day + timedelta(days=1), time.min))
        return end.astimezone(pytz.utc).replace(tzinfo=None)

    def _invoicecloud_statement_period(self, date_from=None, date_to=None):
        """The period of a statement asked for (ISO dates, or anything a customer typed), within
        reason: by default the last 12 months up to today (the company's), never after today,
        at most 36 months, never backwards."""
        today = self._invoicecloud_today()

        def day(value):
            try:
                return fields.Date.to_date(value) if value else None
            except (ValueError, TypeError):
                return None

        date_to = max(min(day(date_to) or today, today), STATEMENT_FIRST_DAY)
        earliest = max(date_to - relativedelta(months=STATEMENT_MAX_MONTHS, days=-1), STATEMENT_FIRST_DAY)
        date_from = day(date_from) or date_to - relativedelta(months=STATEMENT_DEFAULT_MONTHS, days=-1)
        return min(max(date_from, earliest), date_to), date_to
