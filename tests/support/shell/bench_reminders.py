"""Issue 14's reminder figure: 1,000 overdue invoices of 200 customers, one reminder run, then a
second; beside it, in the same process, Odoo's own message_post of one email to each of the 200
customers (on one of their invoices), queued the same way."""

import json
import time
from datetime import timedelta

from odoo import Command, fields

CUSTOMERS = 200
INVOICES_EACH = 5


def _measure(env, run):
    env.flush_all()
    env.invalidate_all()
    mails = env['mail.mail'].search_count([])
    queries = env.cr.sql_log_count
    start = time.perf_counter()
    run()
    env.flush_all()
    seconds = time.perf_counter() - start
    return {
        'seconds': round(seconds, 2),
        'queries': env.cr.sql_log_count - queries,
        'mails_queued': env['mail.mail'].search_count([]) - mails,
    }


def main(env):
    env.company.invoicecloud_reminders = True
    env.company.email = 'billing@bench.test'
    today = fields.Date.today()
    partners = env['res.partner'].create(
        [{'name': f'Reminded {n}', 'is_company': True, 'email': f'r{n}@bench.test'} for n in range(CUSTOMERS)]
    )
    invoices = env['account.move'].create(
        [
            {
                'move_type': 'out_invoice',
                'partner_id': partner.id,
                'invoice_date': today - timedelta(days=40 + i),
                'invoice_date_due': today - timedelta(days=8 + i),
                'invoice_payment_term_id': False,
                'invoice_line_ids': [Command.create({'name': 'Service', 'price_unit': 100 + i, 'tax_ids': False})],
            }
            for partner in partners
            for i in range(INVOICES_EACH)
        ]
    )
    invoices.action_post()
    env.cr.commit()
    Move = env['account.move'].sudo()
    first = _measure(env, Move._cron_invoicecloud_send_reminders)
    env.cr.commit()
    second = _measure(env, Move._cron_invoicecloud_send_reminders)
    env.cr.commit()
    firsts = invoices.filtered(lambda i: i.invoice_date_due == today - timedelta(days=8))

    def odoo_posts():
        for invoice in firsts.with_context(mail_notify_force_send=False):
            invoice.message_post(
                body='<p>A reminder about your invoice.</p>',
                subject='Reminder',
                partner_ids=invoice.partner_id.ids,
                message_type='comment',
                subtype_xmlid='mail.mt_comment',
            )

    odoo = _measure(env, odoo_posts)
    env.cr.rollback()
    print(
        'RESULT='
        + json.dumps(
            {
                'invoices': len(invoices),
                'customers': CUSTOMERS,
                'first': first,
                'second': second,
                'odoo_message_post': odoo,
            }
        )
    )
