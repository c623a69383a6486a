"""Odoo's own Stripe provider (payment_stripe) beside ours, with invoices of its own: their portal
pages, and `count` transactions waiting for their webhook (the throughput benchmark's other side)."""

import json

from odoo import Command

from providers import bank_journal


def main(env, secret, ids, count):
    provider = env.ref('payment.payment_provider_stripe')
    provider.write(
        {
            'state': 'test',
            'is_published': True,
            'stripe_secret_key': 'sk_test_stock',
            'stripe_publishable_key': 'pk_test_stock',
            'stripe_webhook_secret': secret,
            'journal_id': bank_journal(env).id,
        }
    )
    card = env.ref('payment.payment_method_card')
    invoices = env['account.move'].browse(ids)
    out = {'pages': [], 'txs': []}
    for invoice in invoices:
        invoice._portal_ensure_token()
        out['pages'].append(f'/my/invoices/{invoice.id}?access_token={invoice.access_token}')
    for i, invoice in enumerate(invoices[:count]):
        tx = env['payment.transaction'].create(
            {
                'provider_id': provider.id,
                'payment_method_id': card.id,
                'reference': f'STOCK-{i}',
                'amount': invoice.amount_residual,
                'currency_id': invoice.currency_id.id,
                'partner_id': invoice.partner_id.id,
                'operation': 'online_redirect',
                'invoice_ids': [Command.set(invoice.ids)],
            }
        )
        out['txs'].append({'reference': tx.reference, 'cents': round(tx.amount * 100)})
    env.cr.commit()
    print('RESULT=' + json.dumps(out))
