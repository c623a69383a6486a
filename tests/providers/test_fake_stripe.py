"""The fake Stripe answers with objects of Stripe's real shape, through the official SDK."""

import pytest
import stripe

from fakes.stripe_server import load_fixtures

# Keys Stripe returns that its fixtures do not show: the secret of a webhook endpoint is only
# returned by the call that creates it.
EXTRA_KEYS = {'webhook_endpoint': {'secret'}}


@pytest.fixture(scope='module')
def fake(stripe_fake):
    return stripe_fake


@pytest.fixture(scope='module')
def client(fake):
    return stripe.StripeClient(
        fake.secret_key, base_addresses={'api': fake.base_url}, http_client=stripe.RequestsClient(timeout=(3, 15))
    )


def _session_params(reference='INV-1', amount=12345):
    return {
        'mode': 'payment',
        'payment_method_types': ['card'],
        'line_items': [
            {'quantity': 1, 'price_data': {'currency': 'eur', 'unit_amount': amount, 'product_data': {'name': 'x'}}}
        ],
        'client_reference_id': reference,
        'success_url': 'http://127.0.0.1/ok',
        'cancel_url': 'http://127.0.0.1/cancel',
    }


def test_objects_have_the_keys_of_stripe_fixtures(fake, client):
    fixtures = load_fixtures()
    fake.drop_webhooks = True
    session = client.v1.checkout.sessions.create(_session_params()).to_dict()
    fake.complete(session['id'], 'pay')
    session = client.v1.checkout.sessions.retrieve(session['id']).to_dict()
    intent = client.v1.payment_intents.retrieve(session['payment_intent']).to_dict()
    charge = client.v1.charges.retrieve(intent['latest_charge']).to_dict()
    refund = client.v1.refunds.create({'payment_intent': intent['id'], 'amount': 100}).to_dict()
    dispute = fake.dispute(intent['id'])
    endpoint = client.v1.webhook_endpoints.create({'url': 'http://127.0.0.1/hook', 'enabled_events': ['*']}).to_dict()
    events = client.v1.events.list({'limit': 3}).to_dict()['data']
    objects = {
        'checkout.session': session,
        'payment_intent': intent,
        'charge': charge,
        'refund': refund,
        'dispute': dispute,
        'webhook_endpoint': endpoint,
        'event': events[0],
        'balance': client.v1.balance.retrieve().to_dict(),
    }
    for resource, obj in objects.items():
        expected = set(fixtures[resource]) | EXTRA_KEYS.get(resource, set())
        assert set(obj) == expected, resource
        assert obj['object'] == fixtures[resource]['object']
    assert session['amount_total'] == 12345 and session['status'] == 'complete' and session['payment_status'] == 'paid'
    assert charge['amount_refunded'] == 0 and refund['amount'] == 100
    assert events[0]['type'] == 'charge.dispute.created'


def test_idempotency_key_replays_and_refuses_other_parameters(fake, client):
    options = {'idempotency_key': 'key-1'}
    first = client.v1.checkout.sessions.create(_session_params('INV-2'), options)
    again = client.v1.checkout.sessions.create(_session_params('INV-2'), options)
    assert first.id == again.id
    with pytest.raises(stripe.IdempotencyError):
        client.v1.checkout.sessions.create(_session_params('INV-2', amount=1), options)


def test_wrong_key_is_refused(fake):
    other = stripe.StripeClient('sk_test_wrong', base_addresses={'api': fake.base_url})
    with pytest.raises(stripe.AuthenticationError):
        other.v1.balance.retrieve()


def test_failures_on_demand(fake):
    client = stripe.StripeClient(fake.secret_key, base_addresses={'api': fake.base_url}, max_network_retries=0)
    fake.fail_next = [500]
    with pytest.raises(stripe.APIError):
        client.v1.balance.retrieve()
    assert client.v1.balance.retrieve().to_dict()['object'] == 'balance'
