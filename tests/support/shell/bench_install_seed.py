"""2,000 posted invoices of 200 customers, made through the ORM (the benchmark copies them up to
20,000 in SQL)."""

from odoo import Command


def main(env):
    partners = env['res.partner'].create([{'name': f'Customer {i}', 'is_company': True} for i in range(200)])
    for start in range(0, 2000, 500):
        moves = env['account.move'].create(
            [
                {
                    'move_type': 'out_invoice',
                    'partner_id': partners[i % 200].id,
                    'invoice_line_ids': [Command.create({'name': 'Service', 'price_unit': 100, 'tax_ids': False})],
                }
                for i in range(start, start + 500)
            ]
        )
        moves.action_post()
    env.cr.commit()
