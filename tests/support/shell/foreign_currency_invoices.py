"""`count` invoices in each of these currencies ({code: unit price}): zero- and three-decimal
currencies for the tampering tests."""

import json

from odoo import Command


def main(env, prices, count):
    partner = env['res.partner'].create({'name': 'Al Tamimi Trading', 'is_company': True, 'lang': 'en_US'})
    out = {}
    for code, price in prices.items():
        currency = env.ref(f'base.{code}')
        currency.active = True
        moves = env['account.move'].create(
            [
                {
                    'move_type': 'out_invoice',
                    'partner_id': partner.id,
                    'currency_id': currency.id,
                    'invoice_line_ids': [Command.create({'name': 'Service', 'price_unit': price, 'tax_ids': []})],
                }
                for _tampering in range(count)
            ]
        )
        moves.action_post()
        out[code] = [{'id': m.id, 'token': m.invoicecloud_token, 'residual': m.amount_residual} for m in moves]
    env.cr.commit()
    print('RESULT=' + json.dumps(out))
