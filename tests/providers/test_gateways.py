"""The addon's gateways (the only code that imports the SDKs) against the fake providers.

The gateways hold no Odoo code, so they are loaded here straight from the addon's folder.
"""

import importlib.util

import pytest

from odoo_server import load_addon_module

gateways = load_addon_module('invoicecloud_gateways', 'gateways/__init__.py', package=True)
stripe_gateway = importlib.import_module('invoicecloud_gateways.stripe_gateway')
mollie_gateway = importlib.import_module('invoicecloud_gateways.mollie_gateway')


@pytest.fixture
def stripe(stripe_fake):
    yield stripe_gateway.StripeGateway(stripe_fake.secret_key, api_base=stripe_fake.base_url, timeout=(3, 2))
    stripe_fake.fail_next, stripe_fake.delay = [], 0


@pytest.fixture
def mollie(mollie_fake):
    yield mollie_gateway.MollieGateway(mollie_fake.api_key, api_endpoint=mollie_fake.base_url, timeout=(3, 2))
    mollie_fake.fail_next, mollie_fake.delay = [], 0


def test_stripe_errors_are_told_apart(stripe_fake, stripe):
    assert stripe.retrieve_balance()['object'] == 'balance'
    stripe_fake.fail_next = [500]  # with Stripe-Should-Retry: false, as Stripe sends it
    with pytest.raises(gateways.ProviderUnavailable):
        stripe.retrieve_balance()
    with pytest.raises(gateways.ProviderRefused):
        stripe_gateway.StripeGateway('sk_test_wrong', api_base=stripe_fake.base_url).retrieve_balance()
    with pytest.raises(gateways.ProviderRefused):
        stripe.retrieve_checkout_session('cs_does_not_exist')


def test_stripe_checkout_does_not_retry_while_the_customer_waits(stripe_fake, stripe):
    stripe_fake.delay = 5  # beyond the read timeout (2 s here)
    params = {'mode': 'payment', 'line_items': [{'quantity': 1, 'price_data': {'currency': 'eur', 'unit_amount': 100}}]}
    calls_before = len(stripe_fake.requests)
    with pytest.raises(gateways.ProviderUnavailable):
        stripe.create_checkout_session(params, 'key-hang')
    assert stripe_fake.hangs_ended == 0, "the customer was answered before Stripe"
    assert len(stripe_fake.requests) == calls_before + 1, "no retry"


def test_mollie_errors_are_told_apart(mollie_fake, mollie):
    assert {m['id'] for m in mollie.list_methods()} >= {'ideal', 'bancontact'}
    mollie_fake.fail_next = [503]
    with pytest.raises(gateways.ProviderUnavailable):
        mollie.list_methods()
    wrong_key = mollie_gateway.MollieGateway('test_wrongwrongwrongwrong', api_endpoint=mollie_fake.base_url)
    with pytest.raises(gateways.ProviderRefused):
        wrong_key.list_methods()
    with pytest.raises(gateways.ProviderRefused):
        mollie_gateway.MollieGateway('sk_live_not_mollie')
    with pytest.raises(gateways.ProviderRefused):
        mollie.get_payment('tr_unknown')
    mollie_fake.delay = 3
    with pytest.raises(gateways.ProviderUnavailable):
        mollie.list_methods()


def test_mollie_payment_is_created_once_per_key_and_read_back(mollie_fake, mollie):
    # A bank transfer: Mollie lets an open one be canceled (an open iDEAL payment it does not).
    payload = {'amount': {'currency': 'EUR', 'value': '20.00'}, 'description': 'INV/1', 'method': ['banktransfer'],
               'redirectUrl': 'http://127.0.0.1/back'}  # fmt: skip
    payment = mollie.create_payment(payload, 'key-once')
    assert mollie.create_payment(payload, 'key-once')['id'] == payment['id']
    with pytest.raises(gateways.ProviderRefused):
        mollie.cancel_payment(payment['id'], 'key-once')  # one key, one request: Mollie says 400
    assert mollie.cancel_payment(payment['id'], 'key-once-cancel')['status'] == 'canceled'
    assert mollie.get_payment(payment['id'])['status'] == 'canceled'


def test_mollie_refund_is_made_once_per_key_and_read_back(mollie_fake, mollie):
    payload = {'amount': {'currency': 'EUR', 'value': '30.00'}, 'description': 'INV/1', 'method': ['ideal'],
               'redirectUrl': 'http://127.0.0.1/back'}  # fmt: skip
    payment = mollie.create_payment(payload, 'key-refunded')
    refund_payload = {'amount': {'currency': 'EUR', 'value': '12.50'}, 'metadata': {'reference': 'R-INV/1'}}
    with pytest.raises(gateways.ProviderRefused):
        mollie.create_refund(payment['id'], refund_payload, 'key-refund')  # not paid: Mollie says 422
    mollie_fake.set_status(payment['id'], 'paid')
    refund = mollie.create_refund(payment['id'], refund_payload, 'key-refund-paid')
    assert mollie.create_refund(payment['id'], refund_payload, 'key-refund-paid')['id'] == refund['id']
    assert mollie.get_refund(payment['id'], refund['id'])['status'] == 'pending'
    assert mollie.get_payment(payment['id'])['amountRemaining'] == {'currency': 'EUR', 'value': '17.50'}
    too_much = {'amount': {'currency': 'EUR', 'value': '17.51'}}
    with pytest.raises(gateways.ProviderRefused):
        mollie.create_refund(payment['id'], too_much, 'key-refund-too-much')
    mollie_fake.settle_refund(refund['id'])
    assert mollie.get_refund(payment['id'], refund['id'])['status'] == 'refunded'
    with pytest.raises(gateways.ProviderRefused):
        mollie.get_refund(payment['id'], 'not-a-refund-id')
