"""Invoices from before the addon: two invoices, a credit note, a vendor bill, a draft."""

from odoo import Command, fields


def main(env):
    partner = env['res.partner'].create({'name': 'Old Customer', 'is_company': True})
    moves = env['account.move'].create(
        [
            {
                'move_type': move_type,
                'partner_id': partner.id,
                'invoice_date': fields.Date.today(),
                'invoice_line_ids': [Command.create({'name': 'Before the addon', 'price_unit': 50, 'tax_ids': False})],
            }
            for move_type in ('out_invoice', 'out_invoice', 'out_refund', 'in_invoice')
        ]
    )
    moves.action_post()
    env['account.move'].create({'move_type': 'out_invoice', 'partner_id': partner.id})  # a draft
    env.cr.commit()
