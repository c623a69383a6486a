"""The accountant resets an invoice's link; the old token, which must now open nothing."""

import json


def main(env, invoice_id):
    invoice = env['account.move'].browse(invoice_id)
    old = invoice.invoicecloud_token
    invoice.action_invoicecloud_reset_token()
    env.cr.commit()
    print('RESULT=' + json.dumps(old))
