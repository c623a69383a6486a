"""Demo data for setup/demo, run inside `odoo shell` (env is given).

A Belgian company, three customers (French, Dutch, English) and two years of invoices: paid,
open, overdue, partially paid, credit notes; the French customer has 300 invoices.
"""
# ruff: noqa: F821, S311, T201 - `env` comes from odoo shell; demo randomness; the script reports by printing

import random
from datetime import timedelta

from odoo import Command, fields

random.seed(19)
TODAY = fields.Date.today()
company = env.company
for code in ('fr_FR', 'nl_BE', 'en_US'):
    env['res.lang']._activate_lang(code)
env['ir.module.module']._load_module_terms(
    ['base', 'web', 'mail', 'portal', 'account', 'invoicecloud_payments'], ['fr_FR', 'nl_BE']
)

belgium = env.ref('base.be')
customers = env['res.partner'].create(
    [
        {
            'name': "Boulangerie Dupont",
            'is_company': True,
            'lang': 'fr_FR',
            'email': 'compta@boulangerie-dupont.example',
            'street': "Rue Haute 12",
            'zip': '1000',
            'city': "Bruxelles",
            'country_id': belgium.id,
            'invoice_sending_method': 'email',
        },
        {
            'name': "Fietsen Peeters BV",
            'is_company': True,
            'lang': 'nl_BE',
            'email': 'boekhouding@fietsen-peeters.example',
            'street': "Meir 5",
            'zip': '2000',
            'city': "Antwerpen",
            'country_id': belgium.id,
            'invoice_sending_method': 'email',
        },
        {
            'name': "Northwind Traders Ltd",
            'is_company': True,
            'lang': 'en_US',
            'email': 'accounts@northwind.example',
            'street': "1 King Street",
            'zip': 'EC2V 8AU',
            'city': "London",
            'country_id': env.ref('base.uk').id,
            'invoice_sending_method': 'email',
        },
    ]
)
products = env['product.product'].create(
    [
        {'name': "Consulting (hour)", 'list_price': 95.0, 'type': 'service'},
        {'name': "Maintenance contract (month)", 'list_price': 250.0, 'type': 'service'},
        {'name': "Spare parts kit", 'list_price': 42.5, 'type': 'consu'},
    ]
)


def invoice_values(partner, invoice_date, move_type='out_invoice'):
    lines = [
        Command.create({'product_id': product.id, 'quantity': random.randint(1, 8)})
        for product in random.sample(products, random.randint(1, 3))
    ]
    return {
        'move_type': move_type,
        'partner_id': partner.id,
        'invoice_date': invoice_date,
        'invoice_payment_term_id': env.ref('account.account_payment_term_30days').id,
        'invoice_user_id': env.ref('base.user_admin').id,
        'invoice_line_ids': lines,
    }


# Two years of history; the French customer has 300 invoices.
start = TODAY - timedelta(days=730)
plan = {customers[0]: 300, customers[1]: 24, customers[2]: 24}
values = []
for partner, count in plan.items():
    for i in range(count):
        values.append(invoice_values(partner, start + timedelta(days=i * 730 // count)))
invoices = env['account.move'].create(values)
invoices.sorted(lambda m: (m.invoice_date, m.id)).action_post()

refunds = env['account.move'].create(
    [
        invoice_values(partner, TODAY - timedelta(days=days), 'out_refund')
        for partner, days in ((customers[0], 200), (customers[1], 90), (customers[2], 20))
    ]
)
refunds.action_post()


def pay(moves, ratio=1.0):
    for move in moves:
        env['account.payment.register'].with_context(active_model='account.move', active_ids=move.ids).create(
            {
                'amount': move.currency_id.round(move.amount_residual * ratio),
                'payment_date': min(TODAY, move.invoice_date_due),
            }
        )._create_payments()


# Older than three months: paid, except one very old unpaid invoice per customer; a few partial.
for partner in customers:
    history = invoices.filtered(lambda m, p=partner: m.partner_id == p).sorted('invoice_date')
    old = history.filtered(lambda m: m.invoice_date < TODAY - timedelta(days=90))
    pay(old[1:-3] if len(old) > 4 else old[1:])
    pay(old[-3:-1], ratio=0.5)
pay(refunds[:1])

env['res.config.settings'].create({}).action_invoicecloud_add_link_to_invoice_template()
env['ir.config_parameter'].sudo().set_param('web.base.url', 'http://localhost:8069')
env['ir.config_parameter'].sudo().set_param('web.base.url.freeze', 'True')
# This machine reaches no IAP service: the VIES polling cron would only log an error every run.
env.ref('base_vat.vies_iap_check_update').active = False
env.cr.commit()

dutch_invoice = invoices.filtered(lambda m: m.partner_id == customers[1] and m.payment_state == 'not_paid')[-1:]
print(f"INVOICE_LINK={dutch_invoice.invoicecloud_url}")
print(f"HISTORY_LINK={customers[0].invoicecloud_history_url}")
print(f"INVOICES={len(invoices) + len(refunds)}")
