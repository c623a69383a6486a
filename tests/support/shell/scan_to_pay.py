"""Scan to pay on a running server: the company's IBAN account and a euro invoice to pay into it,
with Odoo's "QR codes" setting `enabled` or not. Returns the invoice's token."""

import json

from invoices import post_service_invoice


def main(env, enabled):
    company = env.company
    bank = env['res.partner.bank'].search([('acc_number', '=', 'BE71 0961 2345 6769')])
    if not bank:
        kbc = env['res.bank'].create({'name': 'KBC', 'bic': 'KREDBEBB'})
        # Trusted by someone who may trust an account (Odoo leaves an untrusted one off invoices).
        bank = (
            env['res.partner.bank']
            .with_user(env.ref('base.user_admin'))
            .create(
                {
                    'acc_number': 'BE71 0961 2345 6769',
                    'partner_id': company.partner_id.id,
                    'bank_id': kbc.id,
                    'allow_out_payment': True,
                }
            )
        )
        # The account customers pay into, as a business sets it: on its bank journal.
        journal = env['account.journal'].search([('type', '=', 'bank'), ('company_id', '=', company.id)], limit=1)
        journal.bank_account_id = bank
    eur = env.ref('base.EUR')
    eur.active = True
    customer = env['res.partner'].search([('name', '=', 'Scan To Pay BV')]) or env['res.partner'].create(
        {'name': 'Scan To Pay BV', 'is_company': True}
    )
    invoice = env['account.move'].search([('partner_id', '=', customer.id)])
    if not invoice:
        invoice = post_service_invoice(env, customer, 1250.0, currency=eur, partner_bank=bank)
    assert invoice.partner_bank_id == bank
    company.qr_code = enabled
    env.cr.commit()
    print('RESULT=' + json.dumps({'token': invoice.invoicecloud_token}))
