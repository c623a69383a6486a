"""Issue 5, case 2: webhooks arrive late and in any order, on Odoo with two workers.

Stripe: for one payment by a slow method, the four events (checkout completed but unpaid, async
payment succeeded, charge refunded, dispute created) are delivered in every one of their 24
orders, one payment each. Mollie: the payment is fetched in each of its states (paid, refunded,
charged back) in every one of their 6 orders. Each ends the same way: the transaction done, one
payment, the refund and the dispute or chargeback recorded once each.
"""

import json
from itertools import permutations

import pytest

from payment_helpers import Customer, Ledger, mollie_webhook, paid_at_mollie, shop_and_fakes, webhook_url
from suite_figures import record

STRIPE_EVENTS = (
    'checkout.session.completed',
    'checkout.session.async_payment_succeeded',
    'charge.refunded',
    'charge.dispute.created',
)
MOLLIE_STATES = ('paid', 'refunded', 'charged back')
STRIPE_ORDERS = list(permutations(STRIPE_EVENTS))
MOLLIE_ORDERS = list(permutations(MOLLIE_STATES))


@pytest.fixture(scope='module')
def shop():
    singles = len(STRIPE_ORDERS) + len(MOLLIE_ORDERS)
    with shop_and_fakes('order', singles=singles, multiworker=True) as shop:
        _odoo, _data, stripe_fake, mollie_fake = shop
        stripe_fake.drop_webhooks = mollie_fake.drop_webhooks = True  # the test delivers, in its order
        yield shop


def _ends_the_same(ledger, invoice):
    (tx,) = ledger.transactions(invoice['id'])
    return {
        'state': tx[1],
        'payments': len(ledger.payments(invoice['id'])),
        'refunded': tx[5],
        'refund messages': ledger.messages(invoice['id'], 'refunded'),
        'dispute messages': ledger.messages(invoice['id'], 'disputed'),
    }


def test_stripe_events_in_every_order(shop):
    odoo, data, fake, _mollie = shop
    customer, ledger = Customer(odoo), Ledger(odoo)
    outcomes = set()
    for invoice, order in zip(data['single'], STRIPE_ORDERS, strict=False):
        checkout_url = customer.pay_invoice(invoice['token'], method_code='card').headers['Location']
        session_id = checkout_url.rsplit('/', 1)[1]
        first = len(fake.events)
        customer.checkout(checkout_url, 'pay_async', follow=False)
        fake.settle_async(session_id)
        intent = fake.sessions[session_id]['payment_intent']
        fake.refund(intent, amount=1000)
        fake.dispute(intent)
        events = {event['type']: event for event in fake.events[first:]}
        assert set(events) == set(STRIPE_EVENTS)
        for event_type in order:
            assert fake.send_webhook(webhook_url(odoo, data), json.dumps(events[event_type])) == 200
        odoo.record_payments()  # triggered by the webhooks, as Odoo's cron runner does
        outcomes.add(tuple(_ends_the_same(ledger, invoice).items()))
    record('event order, Stripe', {'orders': len(STRIPE_ORDERS), 'outcomes': [dict(o) for o in outcomes]})
    assert outcomes == {
        (('state', 'done'), ('payments', 1), ('refunded', 10.0), ('refund messages', 1), ('dispute messages', 1))
    }


def test_mollie_states_in_every_order(shop):
    odoo, data, _stripe, fake = shop
    customer, ledger = Customer(odoo), Ledger(odoo)
    outcomes = set()
    for invoice, order in zip(data['single'][len(STRIPE_ORDERS) :], MOLLIE_ORDERS, strict=False):
        payment_id = paid_at_mollie(customer, invoice)
        payment = fake.payments[payment_id]
        refunded = {'currency': 'EUR', 'value': '10.00'}
        charged_back = {'currency': 'EUR', 'value': payment['amount']['value']}
        views = {  # what a fetch returns, in each state (Mollie reports the totals on the payment)
            'paid': {'amountRefunded': None, 'amountChargedBack': None},
            'refunded': {'amountRefunded': refunded, 'amountChargedBack': None},
            'charged back': {'amountRefunded': refunded, 'amountChargedBack': charged_back},
        }
        for state in order:
            payment.update(views[state])
            assert mollie_webhook(odoo, data, payment_id) == 200
        odoo.record_payments()
        outcomes.add(tuple(_ends_the_same(ledger, invoice).items()))
    record('event order, Mollie', {'orders': len(MOLLIE_ORDERS), 'outcomes': [dict(o) for o in outcomes]})
    assert outcomes == {
        (('state', 'done'), ('payments', 1), ('refunded', 10.0), ('refund messages', 1), ('dispute messages', 1))
    }
