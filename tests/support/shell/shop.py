"""The test shop: the providers pointed at the fakes, and the customers the tests pay for.

Two customers: Peeters pays several invoices at once from the history page (one is two years
old); Dubois has one fresh invoice per test, so the tests do not share state. Jansen reads Dutch.
"""

import json

from odoo import Command

from invoices import post_service_invoice
from providers import setup_mollie, setup_stripe


def main(env, url, loopback_url, stripe, mollie, mollie_key, secret_key, webhook_secret, singles):
    for lang in ('fr_FR', 'nl_NL'):
        env['res.lang']._activate_lang(lang)
    env['ir.module.module']._load_module_terms(
        ['invoicecloud_payments', 'account', 'web', 'portal', 'payment'], ['fr_FR', 'nl_NL']
    )
    parameters = env['ir.config_parameter']
    parameters.set_param('web.base.url', url)
    parameters.set_param('web.base.url.freeze', 'True')
    # wkhtmltopdf, run by Odoo, fetches the report's assets from Odoo: on loopback, not the public name.
    parameters.set_param('report.url', loopback_url)
    # Every test customer pays from 127.0.0.1: one address starting hundreds of checkouts.
    parameters.set_param('invoicecloud_payments.checkout_limit_per_address', 100000)
    provider = setup_stripe(env, secret_key, webhook_secret, api_base=stripe)
    mollie_provider = (
        setup_mollie(env, mollie_key, endpoint=mollie)
        if mollie
        else env.ref('invoicecloud_payments.payment_provider_mollie')
    )
    # A Belgian business invoices in euros (iDEAL, Bancontact and most Mollie methods take only EUR).
    eur = env.ref('base.EUR')
    eur.active = True

    def customer(name, lang):
        return env['res.partner'].create({'name': name, 'is_company': True, 'lang': lang, 'email': 'pay@example.com'})

    def invoice(partner, days_ago, price):
        return post_service_invoice(env, partner, price, days_ago=days_ago, currency=eur, due_after_days=30)

    def described(move):
        return {'id': move.id, 'name': move.name, 'token': move.invoicecloud_token, 'residual': move.amount_residual}

    peeters, dubois = customer('Fietsen Peeters BV', 'en_US'), customer('Dubois SPRL', 'fr_FR')
    several = [invoice(peeters, 730, 120.0), invoice(peeters, 40, 80.5), invoice(peeters, 1, 33.33)]
    single = [invoice(dubois, 1, 100.0 + i) for i in range(singles)]
    dutch = invoice(customer('Bakkerij Jansen', 'nl_NL'), 3, 64.2)
    # Payment terms: 2% within 10 days; 30% now and 70% in 60 days.
    martin = customer('Atelier Martin', 'fr_FR')
    discounted = post_service_invoice(env, martin, 500.0, currency=eur, payment_term=_terms(env, 'discount'))
    instalments = post_service_invoice(env, martin, 1000.0, currency=eur, payment_term=_terms(env, 'instalments'))
    env.cr.commit()
    result = {
        'provider_id': provider.id,
        'mollie_provider_id': mollie_provider.id,
        'history_token': peeters.invoicecloud_token,
        'several': [described(m) for m in several],
        'single': [described(m) for m in single],
        'dutch': described(dutch),
        'terms_history_token': martin.invoicecloud_token,
        'discounted': described(discounted),
        'instalments': described(instalments),
    }
    print('RESULT=' + json.dumps(result))


def _terms(env, kind):
    if kind == 'discount':
        values = {'early_discount': True, 'discount_percentage': 2, 'discount_days': 10, 'line_ids': [
            Command.create({'value': 'percent', 'value_amount': 100, 'nb_days': 30})]}  # fmt: skip
    else:
        values = {'line_ids': [
            Command.create({'value': 'percent', 'value_amount': 30, 'nb_days': 0}),
            Command.create({'value': 'percent', 'value_amount': 70, 'nb_days': 60}),
        ]}  # fmt: skip
    return env['account.payment.term'].create({'name': f'Invoicecloud test: {kind}', **values})
