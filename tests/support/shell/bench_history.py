"""Two customers with a portal user each, one with 30 invoices and one with 3,000, and a reset
invoice link: the data of the history page benchmark. A third customer with 300 documents in the
last 12 months (invoices, credit notes, payments) and 20 invoices before: the statement's."""

import json
from datetime import timedelta

from odoo import Command, fields

from odoo.addons.mail.tests.common import mail_new_test_user


def main(env, url):
    env['ir.config_parameter'].set_param('web.base.url', url)
    out = {}
    for size in (30, 3000):
        partner = env['res.partner'].create({'name': f'Customer {size}', 'is_company': True})
        user = mail_new_test_user(
            env, login=f'portal{size}', password=f'portal{size}pass', groups='base.group_portal', name=f'Contact {size}'
        )
        user.partner_id.parent_id = partner
        for start in range(0, size, 500):
            moves = env['account.move'].create(
                [
                    {
                        'move_type': 'out_invoice',
                        'partner_id': partner.id,
                        'invoice_date': fields.Date.today() - timedelta(days=size - i),
                        'invoice_line_ids': [
                            Command.create({'name': f'Line {i}', 'price_unit': 10 + i % 7, 'tax_ids': False})
                        ],
                    }
                    for i in range(start, min(size, start + 500))
                ]
            )
            moves.action_post()
        out[size] = {'token': partner.invoicecloud_token, 'login': user.login, 'password': f'portal{size}pass'}
    out['statement'] = _statement_customer(env)
    reset = env['account.move'].search([('invoicecloud_token', '!=', False)], limit=1)
    out['reset_token'] = reset.invoicecloud_token
    reset.action_invoicecloud_reset_token()
    other = env['account.move'].search([('id', '!=', reset.id), ('invoicecloud_token', '!=', False)], limit=1)
    out['invoice_token'] = other.invoicecloud_token
    env.cr.commit()
    print('RESULT=' + json.dumps(out))


def _statement_customer(env):
    """200 invoices, 40 credit notes and 60 payments (half of them partial) in the last 330 days,
    20 invoices before the last 12 months; a portal user, for Odoo's own invoice PDF."""
    partner = env['res.partner'].create({'name': 'Customer statement', 'is_company': True})
    user = mail_new_test_user(
        env, login='portal_statement', password='portal_statement_pass', groups='base.group_portal', name='Accounts'
    )
    user.partner_id.parent_id = partner
    today = fields.Date.today()

    def documents(move_type, days_ago):
        moves = env['account.move'].create(
            [
                {
                    'move_type': move_type,
                    'partner_id': partner.id,
                    'invoice_date': today - timedelta(days=days),
                    'invoice_line_ids': [
                        Command.create(
                            {
                                'name': f'Line {days}',
                                'price_unit': 100 + days % 37 + 0.01 * (days % 89),
                                'tax_ids': False,
                            }
                        )
                    ],
                }
                for days in days_ago
            ]
        )
        moves.action_post()
        return moves

    documents('out_invoice', range(400, 420))
    invoices = documents('out_invoice', [int(i * 1.65) for i in range(200)])
    documents('out_refund', [5 + i * 8 for i in range(40)])
    for n, invoice in enumerate(invoices[::2][:60]):
        amount = invoice.amount_residual if n % 2 else round(invoice.amount_residual / 2, 2)
        env['account.payment.register'].with_context(active_model='account.move', active_ids=invoice.ids).create(
            {'amount': amount, 'payment_date': min(invoice.invoice_date + timedelta(days=3), today)}
        )._create_payments()
    return {
        'token': partner.invoicecloud_token,
        'partner_id': partner.id,
        'login': user.login,
        'password': 'portal_statement_pass',
        'invoice_id': invoices[0].id,
    }
