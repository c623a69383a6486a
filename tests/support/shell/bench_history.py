"""Two customers with a portal user each, one with 30 invoices and one with 3,000, and a reset
invoice link: the data of the history page benchmark."""

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
    reset = env['account.move'].search([('invoicecloud_token', '!=', False)], limit=1)
    out['reset_token'] = reset.invoicecloud_token
    reset.action_invoicecloud_reset_token()
    other = env['account.move'].search([('id', '!=', reset.id), ('invoicecloud_token', '!=', False)], limit=1)
    out['invoice_token'] = other.invoicecloud_token
    env.cr.commit()
    print('RESULT=' + json.dumps(out))
