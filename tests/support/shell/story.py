"""The business of the story: a mail server (the test's SMTP sink), the #LINK paragraph in the
invoice email, and per customer an old unpaid invoice and three sent through Odoo's send wizard."""

import json

from invoices import post_service_invoice


def main(env, smtp_port, customers):
    env['ir.mail_server'].create(
        {'name': 'Local sink', 'smtp_host': '127.0.0.1', 'smtp_port': smtp_port, 'smtp_encryption': 'none'}
    )
    env.company.email = 'billing@atelier.test'
    if 'iap_enrich_auto_done' in env.company._fields:
        # At the first backend login Odoo would ask Odoo's IAP servers about the company: no network here.
        env.company.iap_enrich_auto_done = True
    env.user.partner_id.email = 'accounting@atelier.test'
    env['res.config.settings'].create({}).action_invoicecloud_add_link_to_invoice_template()
    eur = env.ref('base.EUR')

    def invoice(partner, days_ago, price):
        return post_service_invoice(env, partner, price, days_ago=days_ago, currency=eur)

    out = {}
    for lang, name in customers:
        partner = env['res.partner'].create(
            {
                'name': name,
                'is_company': True,
                'lang': lang,
                'email': f'{lang.lower()}@customer.test',
                'country_id': env.ref('base.nl').id,
            }
        )
        old = invoice(partner, 730, 45.0)  # from before the addon: never sent, still open
        sent = [invoice(partner, 5, 120.0), invoice(partner, 3, 80.5), invoice(partner, 1, 33.3)]
        for move in sent:
            send = env['account.move.send.wizard'].with_context(active_model='account.move', active_ids=move.ids)
            wizard = send.create({})
            wizard.sending_methods = ['email']
            wizard.action_send_and_print(allow_fallback_pdf=True)
        out[lang] = {
            'email': partner.email,
            'old': {'id': old.id, 'name': old.name},
            'sent': [{'id': m.id, 'name': m.name, 'residual': m.amount_residual} for m in sent],
        }
    env.cr.commit()
    print('RESULT=' + json.dumps(out))
