"""The accountant reverses an invoice paid online and refunds the credit note online."""

import json


def main(env, invoice_id):
    invoice = env['account.move'].browse(invoice_id)
    credit_note = invoice._reverse_moves([{'ref': 'Goods returned'}])
    credit_note.action_post()
    credit_note.action_invoicecloud_refund()
    env.cr.commit()
    print('RESULT=' + json.dumps(credit_note.id))
