"""Issue 5, case 8: the provider reports another amount or currency than the invoice's.

Stripe in euros, yen (no decimals) and Kuwaiti dinars (three decimals), Mollie in euros; each
report off by one minor unit up or down, zero, negative or in another currency, delivered one to
five times, then the provider "agrees" again and delivers a correct one: nothing is ever paid, the
transaction stays flagged for the accountant.
"""

import json
import random
from decimal import Decimal

import pytest

from payment_helpers import Customer, Ledger, mollie_payment_id, mollie_webhook, shop_and_fakes, webhook_url
from suite_figures import record

TAMPERINGS = ('+1', '-1', 'zero', 'negative', 'currency')
STRIPE_CURRENCIES = {'EUR': (2, 123.45), 'JPY': (0, 12345), 'KWD': (3, 12.34)}


@pytest.fixture(scope='module')
def shop():
    with shop_and_fakes('tampering', singles=2 * len(TAMPERINGS), multiworker=True) as shop:
        odoo, data, _stripe_fake, _mollie_fake = shop
        prices = {code: price for code, (_digits, price) in STRIPE_CURRENCIES.items() if code != 'EUR'}
        data['foreign'] = odoo.run_result('foreign_currency_invoices', prices=prices, count=len(TAMPERINGS))
        yield shop


def _stripe_report(session, tampering):
    amount, currency = session['amount_total'], session['currency']
    return {
        '+1': {'amount_total': amount + 1},
        '-1': {'amount_total': amount - 1},
        'zero': {'amount_total': 0},
        'negative': {'amount_total': -amount},
        'currency': {'currency': 'usd' if currency != 'usd' else 'eur'},
    }[tampering]


def _mollie_amount(amount, tampering):
    value = Decimal(amount['value'])
    return {
        '+1': {**amount, 'value': f'{value + Decimal("0.01"):.2f}'},
        '-1': {**amount, 'value': f'{value - Decimal("0.01"):.2f}'},
        'zero': {**amount, 'value': '0.00'},
        'negative': {**amount, 'value': f'{-value:.2f}'},
        'currency': {**amount, 'currency': 'USD'},
    }[tampering]


def _never_paid(ledger, invoice):
    (tx,) = ledger.transactions(invoice['id'])
    return (ledger.payment_state(invoice['id']), len(ledger.payments(invoice['id'])), tx[1], bool(tx[2]))


def test_tampered_reports_are_never_paid(shop):
    odoo, data, stripe_fake, mollie_fake = shop
    customer, ledger, rng = Customer(odoo), Ledger(odoo), random.Random(23)
    stripe_fake.drop_webhooks = True
    invoices = {'EUR': data['single'][: len(TAMPERINGS)], **data['foreign']}
    outcomes, deliveries = {}, 0
    for code in STRIPE_CURRENCIES:
        for invoice, tampering in zip(invoices[code], TAMPERINGS, strict=True):
            checkout_url = customer.pay_invoice(invoice['token'], method_code='card').headers['Location']
            session = stripe_fake.sessions[checkout_url.rsplit('/', 1)[1]]
            stripe_fake.report[session['id']] = _stripe_report(session, tampering)
            customer.checkout(checkout_url, 'pay', follow=False)
            event = json.dumps(stripe_fake.events[-1])
            for _delivery in range(rng.randint(1, 5)):
                assert stripe_fake.send_webhook(webhook_url(odoo, data), event) == 200
                deliveries += 1
            stripe_fake.report.pop(session['id'])  # Stripe "agrees" again: still not paid
            assert stripe_fake.send_webhook(webhook_url(odoo, data), event) == 200
            outcomes[f'stripe {code} {tampering}'] = _never_paid(ledger, invoice)

    for invoice, tampering in zip(data['single'][len(TAMPERINGS) :], TAMPERINGS, strict=True):
        response = customer.pay_invoice(invoice['token'], method_code='ideal')
        payment = mollie_fake.payments[mollie_payment_id(response)]
        honest = payment['amount']
        payment['amount'] = _mollie_amount(honest, tampering)
        customer.checkout(response.headers['Location'], 'paid', follow=False)
        for _delivery in range(rng.randint(1, 5)):
            assert mollie_webhook(odoo, data, payment['id']) == 200
            deliveries += 1
        payment['amount'] = honest  # Mollie "agrees" again: still not paid
        assert mollie_webhook(odoo, data, payment['id']) == 200
        outcomes[f'mollie EUR {tampering}'] = _never_paid(ledger, invoice)
    record('tampering', {'tampered_payments': len(outcomes), 'deliveries': deliveries, 'outcomes': outcomes})
    assert set(outcomes.values()) == {('not_paid', 0, 'error', True)}
