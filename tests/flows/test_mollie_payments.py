"""Paying invoices through Mollie with the real SDK and the fake Mollie, on a real Odoo server.

The shop calls itself by a public-looking name (tests/support/public_host.py): its payments carry a
webhookUrl, and the fake Mollie calls it through its tunnel on the transitions Mollie calls it for.
Tests that lose webhooks drop them at the fake; tests that repeat or race them post `id` to the
route themselves, the way Mollie does.
"""

import pytest
import requests

from payment_helpers import (
    HANG_SECONDS,
    Customer,
    Ledger,
    check_one_payment_from_concurrent_deliveries,
    mollie_payment_id,
    mollie_webhook,
    paid_at_mollie,
    problem_of,
    running_shop,
    status_of,
    webhook_url,
)
from public_host import public_url

PAID = ('paid', 'in_payment')


@pytest.fixture(scope='module')
def shop(stripe_fake, mollie_fake):
    with running_shop('mollie', stripe_fake, mollie=mollie_fake) as shop:
        yield shop


@pytest.fixture
def mollie(mollie_fake):
    yield mollie_fake
    mollie_fake.wait_for_webhooks()
    mollie_fake.fail_next, mollie_fake.delay, mollie_fake.drop_webhooks = [], 0.0, False


_next_single = iter(range(1000))


def single_invoice(data):
    return data['single'][next(_next_single)]


def test_widget_offers_mollie_methods_and_never_cards_through_mollie(shop, mollie):
    odoo, data = shop
    page = Customer(odoo).get(f"/invoicecloud/{data['single'][0]['token']}").text
    mollie_block = page.split('data-provider="invoicecloud_mollie"')[1].split('data-provider=')[0]
    for code in ('ideal', 'bancontact', 'bank_transfer', 'paypal'):
        assert f'data-method="{code}"' in mollie_block
    assert 'data-method="card"' not in mollie_block
    assert 'data-method="card"' in page  # cards: through Stripe


def test_ideal_paid_makes_the_invoice_paid(shop, mollie):
    odoo, data = shop
    invoice, customer, ledger = single_invoice(data), Customer(odoo), Ledger(odoo)
    response = customer.pay_invoice(invoice['token'], method_code='ideal')
    assert response.status_code == 303 and response.headers['Location'].startswith(mollie.base_url)
    payment = mollie.payments[mollie_payment_id(response)]
    assert payment['amount'] == {'currency': 'EUR', 'value': f"{invoice['residual']:.2f}"}
    assert payment['method'] == 'ideal' and payment['webhookUrl'].startswith(public_url(odoo))
    assert payment['metadata']['reference'] in payment['redirectUrl'].replace('%2F', '/')
    status_page = customer.checkout(response.headers['Location'], 'paid')
    assert status_of(status_page.text) == 'paid'
    assert ledger.payment_state(invoice['id']) in PAID
    assert len(ledger.payments(invoice['id'])) == 1


def test_bancontact_failed_leaves_the_invoice_payable(shop, mollie):
    odoo, data = shop
    invoice, customer, ledger = single_invoice(data), Customer(odoo), Ledger(odoo)
    response = customer.pay_invoice(invoice['token'], method_code='bancontact')
    status_page = customer.checkout(response.headers['Location'], 'failed')
    assert status_of(status_page.text) == 'failed'
    assert ledger.payment_state(invoice['id']) == 'not_paid'
    assert 'o_invoicecloud_pay_form' in customer.get(f"/invoicecloud/{invoice['token']}").text


@pytest.mark.parametrize('outcome', ['canceled', 'expired'])
def test_canceled_or_expired_is_not_completed(shop, mollie, outcome):
    odoo, data = shop
    invoice, customer, ledger = single_invoice(data), Customer(odoo), Ledger(odoo)
    response = customer.pay_invoice(invoice['token'], method_code='ideal')
    assert status_of(customer.checkout(response.headers['Location'], outcome).text) == 'not_completed'
    assert [row[1] for row in ledger.transactions(invoice['id'])] == ['cancel']


def test_bank_transfer_is_pending_for_days_then_paid_by_webhook(shop, mollie):
    odoo, data = shop
    invoice, customer, ledger = single_invoice(data), Customer(odoo), Ledger(odoo)
    response = customer.pay_invoice(invoice['token'], method_code='bank_transfer')
    status_page = customer.checkout(response.headers['Location'], 'open')
    assert status_of(status_page.text) == 'pending'
    assert 'NL53ABNA0627535577' in status_page.text and 'RF12-3456-7890-1234' in status_page.text
    invoice_page = customer.get(f"/invoicecloud/{invoice['token']}").text
    assert 'o_invoicecloud_awaited_transfer' in invoice_page and 'RF12-3456-7890-1234' in invoice_page
    mollie.set_status(mollie_payment_id(response), 'paid')  # the money arrives, days later
    assert mollie_webhook(odoo, data, mollie_payment_id(response)) == 200
    odoo.record_payments()
    assert ledger.payment_state(invoice['id']) in PAID
    assert len(ledger.payments(invoice['id'])) == 1


def test_three_invoices_in_one_mollie_payment(shop, mollie):
    odoo, data = shop
    customer, ledger = Customer(odoo), Ledger(odoo)
    ids = [invoice['id'] for invoice in data['several']]
    response = customer.pay_several(data['history_token'], ids, method_code='ideal')
    total = sum(invoice['residual'] for invoice in data['several'])
    assert mollie.payments[mollie_payment_id(response)]['amount']['value'] == f'{total:.2f}'
    assert status_of(customer.checkout(response.headers['Location'], 'paid').text) == 'paid'
    payments = {p for invoice_id in ids for p, _amount, _state in ledger.payments(invoice_id)}
    assert len(payments) == 1 and all(ledger.payment_state(i) in PAID for i in ids)


def test_webhook_for_unknown_or_foreign_ids_changes_nothing(shop, mollie):
    odoo, data = shop
    invoice, customer, ledger = single_invoice(data), Customer(odoo), Ledger(odoo)
    response = customer.pay_invoice(invoice['token'], method_code='ideal')
    other = customer.pay_invoice(single_invoice(data)['token'], method_code='ideal')
    mollie.set_status(mollie_payment_id(other), 'paid')  # another customer's payment is paid
    assert mollie_webhook(odoo, data, 'tr_doesnotexist') == 200
    assert mollie_webhook(odoo, data, mollie_payment_id(other)) == 200  # confirms the other one only
    assert ledger.payment_state(invoice['id']) == 'not_paid'
    url = f"{odoo.url}/invoicecloud/webhook/mollie/{data['mollie_provider_id']}"
    bad = [
        requests.post(url, data=body, timeout=30).status_code for body in ({}, {'id': 'x'}, {'id': 'tr_' + 'a' * 300})
    ]
    assert bad == [400, 400, 400]
    assert [row[1] for row in ledger.transactions(invoice['id'])] == ['draft']
    assert mollie.payments[mollie_payment_id(response)]['status'] == 'open'


def test_an_open_ideal_payment_is_told_before_the_customer_pays_another_way(shop, mollie):
    """Mollie does not let an open iDEAL payment be canceled (isCancelable false): the customer
    who changes their mind is told so, and a second payment opens only when they confirm."""
    odoo, data = shop
    invoice, customer, ledger = single_invoice(data), Customer(odoo), Ledger(odoo)
    first = mollie_payment_id(customer.pay_invoice(invoice['token'], method_code='ideal'))
    assert mollie.payments[first]['isCancelable'] is False
    told = customer.pay_invoice(invoice['token'], method_code='bancontact')  # changed their mind
    assert told.status_code == 303 and 'payment=still_open' in told.headers['Location']
    page = customer.get(told.headers['Location'].split(odoo.url)[-1]).text
    assert problem_of(page) == 'still_open' and 'name="replace_open"' in page
    second = customer.pay_invoice(invoice['token'], method_code='bancontact', replace_open='1')
    assert second.headers['Location'].startswith(mollie.base_url) and mollie_payment_id(second) != first
    assert mollie.payments[first]['status'] == 'open', "still payable: if paid, it is kept as credit"
    assert not [path for method, path, _key in mollie.requests if method == 'DELETE' and first in path]
    assert [row[1] for row in ledger.transactions(invoice['id'])] == ['draft', 'draft']


def test_amount_mismatch_at_mollie_is_never_paid(shop, mollie):
    odoo, data = shop
    invoice, customer, ledger = single_invoice(data), Customer(odoo), Ledger(odoo)
    response = customer.pay_invoice(invoice['token'], method_code='ideal')
    payment = mollie.payments[mollie_payment_id(response)]
    payment['amount'] = {'currency': 'EUR', 'value': f"{invoice['residual'] - 0.01:.2f}"}
    status_page = customer.checkout(response.headers['Location'], 'paid')
    for _delivery in range(3):
        mollie_webhook(odoo, data, payment['id'])
    assert status_of(status_page.text) == 'failed'
    (tx,) = ledger.transactions(invoice['id'])
    assert tx[1] == 'error' and tx[2] == 'amount'
    assert ledger.payments(invoice['id']) == []


def test_mollie_calls_the_webhook_and_the_invoice_is_paid(shop, mollie):
    odoo, data = shop
    invoice, customer, ledger = single_invoice(data), Customer(odoo), Ledger(odoo)
    payment_id = paid_at_mollie(customer, invoice)  # tab closed: only the webhook tells Odoo
    assert mollie.payments[payment_id]['webhookUrl'] == webhook_url(odoo, data, 'mollie').replace(
        odoo.url, public_url(odoo)
    )
    mollie.wait_for_webhooks()
    assert (payment_id, 200) in mollie.deliveries
    assert [row[1] for row in ledger.transactions(invoice['id'])] == ['done']
    odoo.record_payments()
    assert ledger.payment_state(invoice['id']) in PAID


def test_no_webhook_at_all_the_cron_confirms(shop, mollie):
    odoo, data = shop
    invoice, customer, ledger = single_invoice(data), Customer(odoo), Ledger(odoo)
    mollie.drop_webhooks = True  # lost on the way
    payment_id = paid_at_mollie(customer, invoice)  # tab closed
    assert mollie.payments[payment_id]['webhookUrl'], "there was a webhook to lose"
    assert [row[1] for row in ledger.transactions(invoice['id'])] == ['draft']
    odoo.checks_due()
    odoo.run_cron()
    assert ledger.payment_state(invoice['id']) in PAID


def test_mollie_down_gives_a_clear_message(shop, mollie):
    odoo, data = shop
    invoice, customer, ledger = single_invoice(data), Customer(odoo), Ledger(odoo)
    mollie.delay = HANG_SECONDS['mollie']
    hangs_ended = mollie.hangs_ended
    response = customer.pay_invoice(invoice['token'], method_code='ideal')
    assert mollie.hangs_ended == hangs_ended, "the customer was answered before Mollie"
    mollie.delay = 0
    assert 'payment=unavailable' in response.headers['Location']
    page = customer.get(response.headers['Location'].split(odoo.url)[-1]).text
    assert problem_of(page) == 'unavailable'
    assert ledger.payment_state(invoice['id']) == 'not_paid'


def test_refund_and_chargeback_recorded_once(shop, mollie):
    odoo, data = shop
    invoice, customer, ledger = single_invoice(data), Customer(odoo), Ledger(odoo)
    payment_id = paid_at_mollie(customer, invoice, come_back=True)
    mollie.refund(payment_id, {'currency': 'EUR', 'value': '10.00'})
    mollie.chargeback(payment_id, {'currency': 'EUR', 'value': '5.00'})
    for _delivery in range(3):
        assert mollie_webhook(odoo, data, payment_id) == 200
    (tx,) = ledger.transactions(invoice['id'])
    assert tx[1] == 'done' and tx[5] == 10.0 and tx[6]
    assert ledger.messages(invoice['id'], 'refunded') == 1
    assert ledger.messages(invoice['id'], 'disputed') == 1
    assert ledger.payment_state(invoice['id']) in PAID


def test_the_same_webhook_20_times_concurrently_makes_one_payment(shop, mollie):
    odoo, data = shop
    invoice, customer = single_invoice(data), Customer(odoo)
    payment_id = paid_at_mollie(customer, invoice)  # tab closed
    check_one_payment_from_concurrent_deliveries(odoo, invoice, lambda: mollie_webhook(odoo, data, payment_id))


def test_an_awaited_bank_transfer_is_canceled_when_the_customer_pays_another_way(shop, mollie):
    odoo, data = shop
    invoice, customer, ledger = single_invoice(data), Customer(odoo), Ledger(odoo)
    transfer = customer.pay_invoice(invoice['token'], method_code='bank_transfer')
    customer.checkout(transfer.headers['Location'], 'open')
    ideal = customer.pay_invoice(invoice['token'], method_code='ideal')  # changed their mind
    assert mollie.payments[mollie_payment_id(transfer)]['status'] == 'canceled'
    assert status_of(customer.checkout(ideal.headers['Location'], 'paid').text) == 'paid'
    assert [row[1] for row in ledger.transactions(invoice['id'])] == ['cancel', 'done']
    assert len(ledger.payments(invoice['id'])) == 1


def test_refund_from_a_credit_note(shop, mollie):
    odoo, data = shop
    invoice, customer, ledger = single_invoice(data), Customer(odoo), Ledger(odoo)
    payment_id = paid_at_mollie(customer, invoice, come_back=True)
    credit_note_id = odoo.run_result('refund_from_credit_note', invoice_id=invoice['id'])
    (refund,) = mollie.refunds[payment_id]
    assert refund['amount'] == {'currency': 'EUR', 'value': f"{invoice['residual']:.2f}"}
    (refund_tx,) = ledger.transactions(credit_note_id)
    assert (
        refund_tx[1] == 'pending' and refund_tx[4] == refund['id'] and refund['metadata'] == {'reference': refund_tx[0]}
    )
    assert ledger.payment_state(credit_note_id) == 'not_paid'
    mollie.settle_refund(refund['id'])  # Mollie makes the refund, the next business day
    for _delivery in range(3):
        assert mollie_webhook(odoo, data, payment_id) == 200
    (refund_tx,) = ledger.transactions(credit_note_id)
    assert refund_tx[1] == 'done'
    assert ledger.payment_state(credit_note_id) in PAID
    assert ledger.messages(invoice['id'], 'refunded') == 0, "a refund made from Odoo is no surprise"
    assert ledger.activities(invoice['id']) == 0
