"""Paying invoices by card through the real Stripe SDK and the fake Stripe, on a real Odoo server."""

import time

import pytest
import requests
import stripe

from fakes.stripe_server import StripeServer
from payment_helpers import (
    HANG_SECONDS,
    WEBHOOK_SECRET,
    Customer,
    Ledger,
    check_one_payment_from_concurrent_deliveries,
    paid_without_webhook,
    problem_of,
    running_shop,
    status_of,
    text_of,
    webhook_url,
)

PAID = ('paid', 'in_payment')


@pytest.fixture(scope='module')
def fake():
    with StripeServer() as fake_stripe:
        yield fake_stripe


@pytest.fixture(scope='module')
def shop(fake):
    with running_shop('stripe', fake) as shop:
        yield shop


@pytest.fixture
def fresh(fake):
    """Reset the fake's failure switches after each test."""
    yield fake
    fake.wait_for_webhooks()
    fake.fail_next, fake.delay, fake.drop_webhooks, fake.duplicate_webhooks, fake.report = [], 0.0, False, 1, {}


_next_single = iter(range(1000))


def single_invoice(data):
    """A fresh invoice of the French customer, never used by another test."""
    return data['single'][next(_next_single)]


def test_pay_one_invoice(shop, fresh):
    odoo, data = shop
    invoice, customer, ledger = single_invoice(data), Customer(odoo), Ledger(odoo)
    response = customer.pay_invoice(invoice['token'])
    assert response.status_code == 303
    session = fresh.sessions[response.headers['Location'].rsplit('/', 1)[1]]
    assert session['amount_total'] == round(invoice['residual'] * 100)
    assert session['currency'] == 'eur'
    assert session['locale'] == 'fr'
    assert session['payment_method_types'] == ['card']
    status_page = customer.checkout(response.headers['Location'], 'pay')
    assert status_of(status_page.text) == 'paid'
    fresh.wait_for_webhooks()
    assert ledger.payment_state(invoice['id']) in PAID
    assert [amount for _id, amount, _state in ledger.payments(invoice['id'])] == [invoice['residual']]
    page = customer.get(f"/invoicecloud/{invoice['token']}").text
    assert 'o_invoicecloud_pay_form' not in page
    assert 'badge text-bg-success' in page


def test_pay_three_invoices_in_one_payment(shop, fresh):
    odoo, data = shop
    customer, ledger = Customer(odoo), Ledger(odoo)
    ids = [invoice['id'] for invoice in data['several']]
    history = customer.get(f"/invoicecloud/history/{data['history_token']}").text
    assert all(f'value="{invoice_id}"' in history for invoice_id in ids)
    review = customer.review(data['history_token'], ids).text
    total = sum(invoice['residual'] for invoice in data['several'])
    assert f'{total:.2f}' in text_of(review).replace(',', '')
    response = customer.pay_several(data['history_token'], ids)
    assert response.status_code == 303, problem_of(customer.get(response.headers.get('Location', '/')).text)
    session = fresh.sessions[response.headers['Location'].rsplit('/', 1)[1]]
    assert session['amount_total'] == round(total * 100)
    assert status_of(customer.checkout(response.headers['Location'], 'pay').text) == 'paid'
    fresh.wait_for_webhooks()
    assert [ledger.payment_state(invoice_id) for invoice_id in ids] == [ledger.payment_state(ids[0])] * 3
    assert ledger.payment_state(ids[0]) in PAID
    payments = {payment_id for invoice_id in ids for payment_id, _amount, _state in ledger.payments(invoice_id)}
    assert len(payments) == 1


def test_declined_card_leaves_the_invoice_payable(shop, fresh):
    odoo, data = shop
    invoice, customer, ledger = single_invoice(data), Customer(odoo), Ledger(odoo)
    checkout_url = customer.pay_invoice(invoice['token']).headers['Location']
    declined = customer.checkout(checkout_url, 'decline')
    assert declined.status_code == 200 and 'declined' in declined.text
    back = customer.checkout(checkout_url, 'cancel')
    assert status_of(back.text) == 'not_completed'
    assert ledger.payment_state(invoice['id']) == 'not_paid'
    assert ledger.payments(invoice['id']) == []
    # Coming back through Stripe's cancel link changes nothing (a GET): the session is Stripe's
    # to end, or the next attempt's.
    assert fresh.sessions[checkout_url.rsplit('/', 1)[1]]['status'] == 'open'
    # and payable again, with a new session; the previous one ends
    again = customer.pay_invoice(invoice['token'])
    assert again.status_code == 303 and again.headers['Location'] != checkout_url
    assert fresh.sessions[checkout_url.rsplit('/', 1)[1]]['status'] == 'expired'


def test_cancelled_checkout(shop, fresh):
    odoo, data = shop
    invoice, customer, ledger = single_invoice(data), Customer(odoo), Ledger(odoo)
    checkout_url = customer.pay_invoice(invoice['token']).headers['Location']
    back = customer.checkout(checkout_url, 'cancel')
    assert status_of(back.text) == 'not_completed'
    assert 'Réessayer' in back.text  # the customer reads French
    # The cancel link is a GET: the transaction waits for Stripe's word (the session expires, or
    # a new attempt ends it), and the invoice stays payable.
    assert [row[1] for row in ledger.transactions(invoice['id'])] == ['draft']
    assert 'o_invoicecloud_pay_form' in customer.get(f"/invoicecloud/{invoice['token']}").text
    assert customer.pay_invoice(invoice['token']).status_code == 303
    assert [row[1] for row in ledger.transactions(invoice['id'])] == ['cancel', 'draft']


def test_amount_sent_by_the_browser_is_ignored(shop, fresh):
    odoo, data = shop
    invoice, customer = single_invoice(data), Customer(odoo)
    response = customer.pay_invoice(invoice['token'], amount='1.00', amount_total='100', currency='JPY')
    session = fresh.sessions[response.headers['Location'].rsplit('/', 1)[1]]
    assert (session['amount_total'], session['currency']) == (round(invoice['residual'] * 100), 'eur')


@pytest.mark.parametrize(
    'report', [{'amount_total': -1}, {'amount_total': +1}, {'currency': 'usd'}, {'amount_total': 0}], ids=str
)
def test_mismatch_at_stripe_is_never_paid_and_flagged(shop, fresh, report):
    odoo, data = shop
    invoice, customer, ledger = single_invoice(data), Customer(odoo), Ledger(odoo)
    checkout_url = customer.pay_invoice(invoice['token']).headers['Location']
    session = fresh.sessions[checkout_url.rsplit('/', 1)[1]]
    fresh.report[session['id']] = {
        key: session[key] + value if key == 'amount_total' and value else value for key, value in report.items()
    }
    fresh.duplicate_webhooks = 5
    status_page = customer.checkout(checkout_url, 'pay')
    fresh.wait_for_webhooks()
    assert status_of(status_page.text) == 'failed'
    assert ledger.payment_state(invoice['id']) == 'not_paid'
    assert ledger.payments(invoice['id']) == []
    (tx,) = ledger.transactions(invoice['id'])
    assert tx[1] == 'error' and tx[2] in ('amount', 'currency')
    assert ledger.activities(invoice['id']) == 1


def _signed(payload, secret=WEBHOOK_SECRET, timestamp=None):
    return stripe.WebhookSignature.generate_signature_header(payload, secret, timestamp=timestamp)


def test_bad_webhooks_get_400_and_change_nothing(shop, fresh):
    odoo, data = shop
    invoice, customer, ledger = single_invoice(data), Customer(odoo), Ledger(odoo)
    event, url = paid_without_webhook(fresh, customer, invoice), webhook_url(odoo, data)
    now = int(time.time())
    cases = {
        'unsigned': (event, {}),
        'bad signature': (event, {'Stripe-Signature': f't={now},v1=' + '0' * 64}),
        'other secret': (event, {'Stripe-Signature': _signed(event, 'whsec_other')}),
        'stale': (event, {'Stripe-Signature': _signed(event, timestamp=now - 301)}),
        'future': (event, {'Stripe-Signature': _signed(event, timestamp=now + 400)}),
        'garbage header': (event, {'Stripe-Signature': 'v1=,t=abc'}),
        'malformed json': ('{"id": "evt_1", "type": ', {'Stripe-Signature': _signed('{"id": "evt_1", "type": ')}),
        'not an object': ('[1, 2]', {'Stripe-Signature': _signed('[1, 2]')}),
        'no data': ('{"id": "evt_2", "type": "checkout.session.completed"}', None),
    }
    statuses = {}
    for name, (body, headers) in cases.items():
        if headers is None:
            headers = {'Stripe-Signature': _signed(body)}
        statuses[name] = requests.post(url, data=body.encode(), headers=headers, timeout=30).status_code
    non_utf8 = b'{"id": "\xff\xfe"}'
    header = f"t={now},v1=" + '1' * 64
    response = requests.post(url, data=non_utf8, headers={'Stripe-Signature': header}, timeout=30)
    statuses['non utf-8'] = response.status_code
    unknown = f"{odoo.url}/invoicecloud/webhook/stripe/999999"
    statuses['unknown provider'] = requests.post(
        unknown, data=event.encode(), headers={'Stripe-Signature': _signed(event)}, timeout=30
    ).status_code
    assert statuses == dict.fromkeys(statuses, 400)
    assert [row[1] for row in ledger.transactions(invoice['id'])] == ['draft']
    assert ledger.payments(invoice['id']) == []
    # the genuine event, signed, is accepted and pays
    assert fresh.send_webhook(url, event) == 200
    odoo.record_payments()
    assert ledger.payment_state(invoice['id']) in PAID


def test_same_webhook_20_times_concurrently_makes_one_payment(shop, fresh):
    odoo, data = shop
    invoice, customer = single_invoice(data), Customer(odoo)
    event, url = paid_without_webhook(fresh, customer, invoice), webhook_url(odoo, data)
    check_one_payment_from_concurrent_deliveries(odoo, invoice, lambda: fresh.send_webhook(url, event))


def test_lost_webhook_is_confirmed_by_the_cron(shop, fresh):
    odoo, data = shop
    invoice, customer, ledger = single_invoice(data), Customer(odoo), Ledger(odoo)
    paid_without_webhook(fresh, customer, invoice)
    assert ledger.payment_state(invoice['id']) == 'not_paid'
    odoo.checks_due()
    odoo.run_cron()
    assert ledger.payment_state(invoice['id']) in PAID
    assert len(ledger.payments(invoice['id'])) == 1


@pytest.mark.parametrize('failure', ['500', 'hang'])
def test_stripe_down_gives_a_clear_message_and_nothing_stuck(shop, fresh, failure):
    odoo, data = shop
    invoice, customer, ledger = single_invoice(data), Customer(odoo), Ledger(odoo)
    if failure == '500':
        fresh.fail_next = [500]
    else:
        fresh.delay = HANG_SECONDS['stripe']
    response = customer.pay_invoice(invoice['token'])
    fresh.delay = 0
    assert fresh.hangs_ended == 0, "the customer was answered before Stripe"
    assert response.status_code == 303 and 'payment=unavailable' in response.headers['Location']
    page = customer.http.get(odoo.url + response.headers['Location'].split(odoo.url)[-1], timeout=30).text
    assert problem_of(page) == 'unavailable'
    assert ledger.payment_state(invoice['id']) == 'not_paid'
    # payable again as soon as Stripe is back
    retry = customer.pay_invoice(invoice['token'])
    assert retry.status_code == 303 and retry.headers['Location'].startswith(fresh.base_url)


@pytest.mark.parametrize('succeeds', [True, False], ids=['succeeded', 'failed'])
def test_slow_payment_is_pending_until_stripe_settles_it(shop, fresh, succeeds):
    odoo, data = shop
    invoice, customer, ledger = single_invoice(data), Customer(odoo), Ledger(odoo)
    checkout_url = customer.pay_invoice(invoice['token']).headers['Location']
    status_page = customer.checkout(checkout_url, 'pay_async')
    assert status_of(status_page.text) == 'pending'
    assert 'http-equiv="refresh"' in status_page.text
    fresh.wait_for_webhooks()
    assert 'o_invoicecloud_in_progress' in customer.get(f"/invoicecloud/{invoice['token']}").text
    fresh.settle_async(checkout_url.rsplit('/', 1)[1], succeed=succeeds)
    fresh.wait_for_webhooks()
    odoo.record_payments()
    if succeeds:
        assert ledger.payment_state(invoice['id']) in PAID
        assert len(ledger.payments(invoice['id'])) == 1
    else:
        assert ledger.payment_state(invoice['id']) == 'not_paid'
        assert 'o_invoicecloud_pay_form' in customer.get(f"/invoicecloud/{invoice['token']}").text


def test_refund_and_dispute_are_recorded_once(shop, fresh):
    odoo, data = shop
    invoice, customer, ledger = single_invoice(data), Customer(odoo), Ledger(odoo)
    checkout_url = customer.pay_invoice(invoice['token']).headers['Location']
    customer.checkout(checkout_url, 'pay')
    fresh.wait_for_webhooks()
    session = fresh.sessions[checkout_url.rsplit('/', 1)[1]]
    fresh.duplicate_webhooks = 3
    fresh.refund(session['payment_intent'], amount=1000)
    fresh.wait_for_webhooks()
    fresh.dispute(session['payment_intent'])
    fresh.wait_for_webhooks()
    (tx,) = ledger.transactions(invoice['id'])
    assert tx[1] == 'done' and tx[5] == 10.0 and tx[6].startswith('dp_')
    assert ledger.messages(invoice['id'], 'refunded') == 1
    assert ledger.messages(invoice['id'], 'disputed') == 1
    assert ledger.payment_state(invoice['id']) in PAID  # the accountant decides, nothing reopens
    assert ledger.activities(invoice['id']) == 2
