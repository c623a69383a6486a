"""Posted customer invoices for the programs of this folder: one service line, no tax."""

from datetime import timedelta

from odoo import Command, fields


def post_service_invoice(
    env, partner, price, days_ago=0, currency=None, due_after_days=None, payment_term=None, partner_bank=None
):
    """An invoice dated `days_ago`, due `due_after_days` after its date (else when `payment_term`
    says, else Odoo's default), to be paid into `partner_bank` (else the account Odoo chooses)."""
    invoice_date = fields.Date.today() - timedelta(days=days_ago)
    values = {
        'move_type': 'out_invoice',
        'partner_id': partner.id,
        'invoice_date': invoice_date,
        'invoice_line_ids': [Command.create({'name': 'Service', 'quantity': 1, 'price_unit': price, 'tax_ids': []})],
    }
    if currency:
        values['currency_id'] = currency.id
    if partner_bank:
        values['partner_bank_id'] = partner_bank.id
    if payment_term:
        values['invoice_payment_term_id'] = payment_term.id
    if due_after_days is not None:
        values['invoice_date_due'] = invoice_date + timedelta(days=due_after_days)
    move = env['account.move'].create(values)
    move.action_post()
    return move
