"""The fake Stripe refuses what Stripe refuses: one test per rule, through the official SDK.

Each test names where its rule comes from: Stripe's API description ("Spec": stripe/openapi, as
written down by hand in ``fakes/stripe_params.py``) or a page of Stripe's documentation.
"""

import threading
import time

import pytest
import stripe

from fakes.stripe_server import StripeServer

NOW = 1_800_000_000  # the fake's clock is frozen here unless a test moves it


@pytest.fixture(scope='module')
def server():
    # The rate limit has its own test (and its own fake): these tests call faster than 25/s.
    with StripeServer(rate_limit_per_second=None) as fake_stripe:
        yield fake_stripe


@pytest.fixture
def fake(server):
    server.clock, server.execution_delay, server.drop_webhooks = (lambda: NOW), 0.0, True
    yield server
    server.clock, server.execution_delay = time.time, 0.0


def _client(fake):
    return stripe.StripeClient(
        fake.secret_key,
        base_addresses={'api': fake.base_url},
        http_client=stripe.RequestsClient(timeout=(3, 15)),
        max_network_retries=0,
    )


@pytest.fixture
def client(fake):
    return _client(fake)


def addon_params(reference='INV/2026/00001-1', currency='eur', amount=12345, **changes):
    """A Checkout Session as the addon asks for one (`_invoicecloud_stripe_session_params`)."""
    numbers = 'INV/2026/00001, INV/2026/00002'
    params = {
        'mode': 'payment',
        'payment_method_types': ['card'],
        'line_items': [
            {
                'quantity': 1,
                'price_data': {'currency': currency, 'unit_amount': amount, 'product_data': {'name': numbers}},
            }
        ],
        'client_reference_id': reference,
        'locale': 'fr',
        'success_url': 'https://shop.example.com/invoicecloud/status/tok',
        'cancel_url': 'https://shop.example.com/invoicecloud/status/tok?cancelled=1',
        'expires_at': NOW + 3600,
        'metadata': {'reference': reference},
        'payment_intent_data': {'description': numbers, 'metadata': {'reference': reference}},
        'customer_email': 'customer@example.com',
    }
    params.update(changes)
    return params


def _price(params, **changes):
    params['line_items'][0]['price_data'].update(changes)
    return params


def refused(call, *args, code=None, param=None, status=400, kind=stripe.InvalidRequestError):
    """Run a call the fake must refuse; returns the SDK's exception after checking it."""
    with pytest.raises(kind) as raised:
        call(*args)
    error = raised.value
    assert error.http_status == status, error
    # Only InvalidRequestError and CardError take the code; the others keep it in `.error`.
    assert (error.code if kind is stripe.InvalidRequestError else error.error.code) == code, error
    if kind is stripe.InvalidRequestError:
        assert error.param == param, error
    return error


# --- what the addon sends is accepted -------------------------------------------------------------


def test_the_addons_checkout_session_is_accepted(fake, client):
    session = client.v1.checkout.sessions.create(addon_params())
    assert session.amount_total == 12345 and session.status == 'open'
    assert client.v1.checkout.sessions.retrieve(session.id).id == session.id
    assert client.v1.checkout.sessions.expire(session.id).status == 'expired'
    paid = client.v1.checkout.sessions.create(addon_params('INV/2026/00003-1', customer_email='a.b+c@mail.example.org'))
    fake.complete(paid.id, 'pay')
    intent = client.v1.payment_intents.retrieve(client.v1.checkout.sessions.retrieve(paid.id).payment_intent)
    assert client.v1.charges.retrieve(intent.latest_charge).amount == 12345
    assert client.v1.refunds.create({'payment_intent': intent.id, 'amount': 100}).amount == 100
    assert client.v1.events.list({'limit': 3}).data
    assert client.v1.balance.retrieve().object == 'balance'
    events = ['checkout.session.completed', 'checkout.session.expired', 'charge.refunded', 'charge.dispute.created']
    assert client.v1.webhook_endpoints.create({'url': 'https://shop.example.com/hook', 'enabled_events': events})


# --- the spec (the parameter schemas of fakes/stripe_params.py) ----------------------------------


def test_unknown_parameters_are_refused(client):
    """Spec: the request schemas list every parameter ("Received unknown parameter")."""
    create = client.v1.checkout.sessions.create
    refused(create, addon_params(colour='red'), code='parameter_unknown', param='colour')
    params = _price(addon_params(), tax_rate='0.21')
    refused(create, params, code='parameter_unknown', param='line_items[0][price_data][tax_rate]')
    refused(client.v1.events.list, {'colour': 'red'}, code='parameter_unknown', param='colour')


def test_required_parameters_are_refused_when_missing(client):
    """Spec: ``required`` of the schemas (price_data.currency, product_data.name, webhook url)."""
    params = addon_params()
    del params['line_items'][0]['price_data']['currency']
    refused(client.v1.checkout.sessions.create, params, code='parameter_missing',
            param='line_items[0][price_data][currency]')  # fmt: skip
    params = _price(addon_params(), product_data={'description': 'x'})
    refused(client.v1.checkout.sessions.create, params, code='parameter_missing',
            param='line_items[0][price_data][product_data][name]')  # fmt: skip
    refused(client.v1.webhook_endpoints.create, {'enabled_events': ['*']}, code='parameter_missing', param='url')


def test_success_url_is_required(client):
    """Spec (API 2023-08-16): ``success_url`` is required; today's docs: unless ``ui_mode`` is an
    embedded one (https://docs.stripe.com/api/checkout/sessions/create#create_checkout_session-success_url)."""
    params = addon_params()
    del params['success_url']
    refused(client.v1.checkout.sessions.create, params, code='parameter_missing', param='success_url')
    del params['cancel_url']
    assert client.v1.checkout.sessions.create({**params, 'ui_mode': 'embedded_page'}).id


def test_integers_are_refused_when_not_integers(client):
    """Spec: ``unit_amount`` is ``type: integer``: Stripe takes "123", not "123.45"."""
    params = _price(addon_params(), unit_amount='123.45')
    error = refused(client.v1.checkout.sessions.create, params, code='parameter_invalid_integer',
                    param='line_items[0][price_data][unit_amount]')  # fmt: skip
    assert 'Invalid integer: 123.45' in error.user_message


def test_booleans_are_refused_when_not_booleans(client):
    """Spec: ``allow_promotion_codes`` is ``type: boolean``: "true" or "false"."""
    error = refused(client.v1.checkout.sessions.create, addon_params(allow_promotion_codes='yes'),
                    param='allow_promotion_codes')  # fmt: skip
    assert 'Invalid boolean: yes' in error.user_message


def test_arrays_and_objects_are_refused_when_scalars(client):
    """Spec: ``payment_method_types`` is ``type: array``, ``payment_intent_data`` ``type: object``."""
    error = refused(client.v1.checkout.sessions.create, addon_params(payment_method_types='card'),
                    param='payment_method_types')  # fmt: skip
    assert error.user_message == 'Invalid array'
    error = refused(client.v1.checkout.sessions.create, addon_params(payment_intent_data='INV/1'),
                    param='payment_intent_data')  # fmt: skip
    assert error.user_message == 'Invalid object'


@pytest.mark.parametrize(
    ('change', 'param'),
    [
        ({'locale': 'fr-BE'}, 'locale'),
        ({'mode': 'pay'}, 'mode'),
        ({'payment_method_types': ['visa']}, 'payment_method_types[0]'),
    ],
)
def test_enums_are_refused_outside_their_values(client, change, param):
    """Spec: ``enum`` of ``locale``, ``mode``, ``payment_method_types`` items."""
    error = refused(client.v1.checkout.sessions.create, addon_params(**change), param=param)
    assert f'Invalid {param}: must be one of' in error.user_message


@pytest.mark.parametrize(
    ('where', 'limit', 'param'),
    [
        ('client_reference_id', 200, 'client_reference_id'),
        ('description', 1000, 'payment_intent_data[description]'),
        ('name', 5000, 'line_items[0][price_data][product_data][name]'),
    ],
)
def test_strings_are_refused_past_their_max_length(client, where, limit, param):
    """Spec: ``maxLength`` (client_reference_id 200, payment_intent_data.description 1000,
    product_data.name 5000): a long list of invoice numbers does not fit."""
    numbers = ', '.join(f'INV/2026/{n:05d}' for n in range(1, limit // 16 + 2))  # 16 characters each
    assert len(numbers) > limit
    params = addon_params()
    target = {'client_reference_id': params, 'description': params['payment_intent_data'],
              'name': params['line_items'][0]['price_data']['product_data']}[where]  # fmt: skip
    target[where] = numbers[:limit]
    assert client.v1.checkout.sessions.create(params).id
    target[where] = numbers
    error = refused(client.v1.checkout.sessions.create, params, param=param)
    assert f'must be at most {limit} characters' in error.user_message


def test_empty_strings_are_refused(client):
    """https://docs.stripe.com/error-codes/parameter-invalid-empty: an empty value means "unset",
    which a parameter being created cannot be (no invoice numbers: an empty description)."""
    params = addon_params(payment_intent_data={'description': '', 'metadata': {'reference': 'R'}})
    refused(client.v1.checkout.sessions.create, params, code='parameter_invalid_empty',
            param='payment_intent_data[description]')  # fmt: skip


# --- documented rules outside the spec ---------------------------------------------------------


def test_expires_at_is_refused_outside_30_minutes_to_24_hours(client):
    """https://docs.stripe.com/api/checkout/sessions/create#create_checkout_session-expires_at:
    "anywhere from 30 minutes to 24 hours after Checkout Session creation"."""
    create = client.v1.checkout.sessions.create
    for expires_at in (NOW + 30 * 60, NOW + 24 * 3600):
        assert create(addon_params(expires_at=expires_at)).expires_at == expires_at
    for expires_at in (NOW + 30 * 60 - 1, NOW + 24 * 3600 + 1, NOW - 60):
        refused(create, addon_params(expires_at=expires_at), param='expires_at')


@pytest.mark.parametrize(
    ('currency', 'too_small', 'enough'),
    [('eur', 49, 50), ('usd', 49, 50), ('gbp', 29, 30), ('jpy', 49, 50), ('huf', 17499, 17500)],
)
def test_amounts_below_the_currencys_minimum_are_refused(client, currency, too_small, enough):
    """https://docs.stripe.com/currencies#minimum-and-maximum-charge-amounts, in the currency's minor
    units as Stripe defines them (JPY is zero-decimal, https://docs.stripe.com/currencies#zero-decimal:
    50 is 50 yen)."""
    create = client.v1.checkout.sessions.create
    refused(create, addon_params(currency=currency, amount=too_small), code='amount_too_small', param='line_items')
    assert create(addon_params(currency=currency, amount=enough)).amount_total == enough


def test_amounts_of_more_than_eight_digits_are_refused(client):
    """https://docs.stripe.com/currencies#minimum-and-maximum-charge-amounts: "up to eight digits"."""
    create = client.v1.checkout.sessions.create
    assert create(addon_params(amount=99_999_999)).amount_total == 99_999_999
    refused(create, addon_params(amount=100_000_000), code='amount_too_large',
            param='line_items[0][price_data][unit_amount]')  # fmt: skip
    params = addon_params(amount=50_000_000)
    params['line_items'][0]['quantity'] = 2
    refused(create, params, code='amount_too_large', param='line_items')


@pytest.mark.parametrize('currency', ['bhd', 'jod', 'kwd', 'omr', 'tnd'])
def test_three_decimal_amounts_must_end_in_zero(client, currency):
    """https://docs.stripe.com/currencies#three-decimal: "5.124 KWD must be rounded to 5120 or 5130"."""
    create = client.v1.checkout.sessions.create
    error = refused(create, addon_params(currency=currency, amount=5124),
                    param='line_items[0][price_data][unit_amount]')  # fmt: skip
    assert 'last digit' in error.user_message
    assert create(addon_params(currency=currency, amount=5120)).amount_total == 5120


@pytest.mark.parametrize(
    'email', ['a@example.com, b@example.com', 'a@example.com;b@example.com', 'A B <a@example.com>', 'a@localhost', 'a']
)
def test_customer_email_must_be_one_valid_address(client, email):
    """https://docs.stripe.com/error-codes/email-invalid; ``customer_email`` takes one address
    (https://docs.stripe.com/api/checkout/sessions/create#create_checkout_session-customer_email)."""
    error = refused(client.v1.checkout.sessions.create, addon_params(customer_email=email),
                    code='email_invalid', param='customer_email')  # fmt: skip
    assert error.user_message == f'Invalid email address: {email}'


def test_line_items_are_required_in_payment_mode(client):
    """https://docs.stripe.com/api/checkout/sessions/create#create_checkout_session-line_items:
    "Required for payment and subscription mode"."""
    params = addon_params()
    del params['line_items']
    refused(client.v1.checkout.sessions.create, params, code='parameter_missing', param='line_items')


def test_metadata_keys_and_values_have_limits(client):
    """https://docs.stripe.com/api/metadata: 50 keys, keys up to 40 characters, values up to 500."""
    create = client.v1.checkout.sessions.create
    refused(create, addon_params(metadata={'reference': 'x' * 501}), param='metadata[reference]')
    refused(create, addon_params(metadata={'k' * 41: 'x'}), param='metadata')
    refused(create, addon_params(metadata={f'k{n}': 'x' for n in range(51)}), param='metadata')
    intent_data = {'description': 'INV/1', 'metadata': {'reference': 'x' * 501}}
    refused(create, addon_params(payment_intent_data=intent_data), param='payment_intent_data[metadata][reference]')


def test_refunds_name_a_payment_and_a_positive_amount(fake, client):
    """https://docs.stripe.com/api/refunds/create: a charge or payment intent; "A positive integer";
    an unknown one: https://docs.stripe.com/error-codes/resource-missing."""
    create = client.v1.refunds.create
    refused(create, {'amount': 100}, code='parameter_missing', param='payment_intent')
    refused(create, {'payment_intent': 'pi_unknown'}, code='resource_missing', param='payment_intent')
    session = client.v1.checkout.sessions.create(addon_params('INV/2026/00009-1'))
    fake.complete(session.id, 'pay')
    intent = client.v1.checkout.sessions.retrieve(session.id).payment_intent
    refused(create, {'payment_intent': intent, 'amount': 0}, param='amount')


def test_unknown_objects_are_404_resource_missing(client):
    """https://docs.stripe.com/error-codes/resource-missing, 404 (https://docs.stripe.com/api/errors)."""
    refused(client.v1.checkout.sessions.retrieve, 'cs_test_unknown', code='resource_missing', param='session',
            status=404)  # fmt: skip
    refused(client.v1.payment_intents.retrieve, 'pi_unknown', code='resource_missing', param='intent', status=404)


def test_events_are_listed_1_to_100_at_a_time(client):
    """https://docs.stripe.com/api/events/list#list_events-limit: "between 1 and 100"."""
    refused(client.v1.events.list, {'limit': 101}, param='limit')
    refused(client.v1.events.list, {'limit': 0}, param='limit')
    assert client.v1.events.list({'limit': 100}).object == 'list'


# --- rate limit (https://docs.stripe.com/rate-limits) -------------------------------------------


def test_test_mode_rate_limit_answers_429():
    """https://docs.stripe.com/rate-limits: 25 requests per second in test mode, then 429
    (``rate_limit``, https://docs.stripe.com/error-codes/rate-limit), counted over the last second."""
    with StripeServer() as fake:
        assert fake.rate_limit_per_second == 25
        now = [NOW]
        fake.clock = lambda: now[0]
        client = _client(fake)
        for _call in range(25):
            client.v1.balance.retrieve()
        refused(client.v1.balance.retrieve, code='rate_limit', status=429, kind=stripe.RateLimitError)
        now[0] += 0.5
        refused(client.v1.balance.retrieve, code='rate_limit', status=429, kind=stripe.RateLimitError)
        now[0] += 0.5  # the first 25 are now a second old
        assert client.v1.balance.retrieve().object == 'balance'
        fake.rate_limit_per_second = None
        for _call in range(30):
            client.v1.balance.retrieve()


# --- idempotency (https://docs.stripe.com/api/idempotent_requests) -----------------------------


def test_same_key_replays_the_first_answer_errors_included(fake, client):
    """https://docs.stripe.com/api/idempotent_requests: the saved "status code and body of the
    first request", errors included, with ``Idempotent-Replayed``; the endpoint does not run again."""
    session = client.v1.checkout.sessions.create(addon_params('INV/2026/00011-1'))
    fake.complete(session.id, 'pay')
    options = {'idempotency_key': 'expire-paid'}
    first = refused(client.v1.checkout.sessions.expire, session.id, {}, options)  # ran, refused: saved
    again = refused(client.v1.checkout.sessions.expire, session.id, {}, options)
    assert again.user_message == first.user_message and again.headers.get('Idempotent-Replayed') == 'true'
    options = {'idempotency_key': 'create-once'}
    created = client.v1.checkout.sessions.create(addon_params('INV/2026/00012-1'), options)
    assert client.v1.checkout.sessions.create(addon_params('INV/2026/00012-1'), options).id == created.id


def test_same_key_with_other_parameters_is_an_idempotency_error(client):
    """https://docs.stripe.com/api/idempotent_requests: "The idempotency layer compares incoming
    parameters to those of the original request and errors if they're not the same": 400,
    ``idempotency_error``."""
    options = {'idempotency_key': 'other-parameters'}
    client.v1.checkout.sessions.create(addon_params('INV/2026/00013-1'), options)
    refused(client.v1.checkout.sessions.create, addon_params('INV/2026/00013-1', amount=999), options,
            kind=stripe.IdempotencyError)  # fmt: skip


def test_refused_request_saves_nothing_under_its_key(client):
    """https://docs.stripe.com/api/idempotent_requests: "If incoming parameters fail validation
    [...] no idempotent result is saved": the key can be used again, with corrected parameters."""
    options = {'idempotency_key': 'fixed-after-refusal'}
    refused(client.v1.checkout.sessions.create, addon_params(customer_email='a@x, b@x'), options,
            code='email_invalid', param='customer_email')  # fmt: skip
    assert client.v1.checkout.sessions.create(addon_params(), options).status == 'open'


def test_keys_are_forgotten_after_24_hours(fake, client):
    """https://docs.stripe.com/api/idempotent_requests: "You can remove keys from the system
    automatically after they're at least 24 hours old. We generate a new request if a key is reused
    after the original is pruned"."""
    params = addon_params('INV/2026/00014-1')
    del params['expires_at']  # the clock moves a day: the session's own expiry is not the point
    options = {'idempotency_key': 'a-day-old'}
    first = client.v1.checkout.sessions.create(params, options)
    fake.clock = lambda: NOW + 24 * 3600 - 1
    assert client.v1.checkout.sessions.create(params, options).id == first.id
    fake.clock = lambda: NOW + 24 * 3600
    assert client.v1.checkout.sessions.create(params, options).id != first.id


def test_same_key_while_the_first_request_runs_is_409(fake, client):
    """https://docs.stripe.com/api/idempotent_requests: "the request conflicts with another
    that's executing concurrently": 409 (https://docs.stripe.com/error-codes/idempotency-key-in-use),
    nothing saved; the SDK raises its generic APIError for a 409 (it retries 409s when allowed to)."""
    fake.execution_delay = 1.5
    options = {'idempotency_key': 'double-click'}
    params = addon_params('INV/2026/00015-1')
    first = {}
    running = threading.Thread(target=lambda: first.update(session=client.v1.checkout.sessions.create(params, options)))
    running.start()
    deadline = time.monotonic() + 5
    while 'double-click' not in fake.in_flight and time.monotonic() < deadline:
        time.sleep(0.01)
    error = refused(client.v1.checkout.sessions.create, params, options, code='idempotency_key_in_use', status=409,
                    kind=stripe.APIError)  # fmt: skip
    assert error.error.type == 'invalid_request_error'
    running.join()
    fake.execution_delay = 0.0
    assert client.v1.checkout.sessions.create(params, options).id == first['session'].id


def test_keys_are_at_most_255_characters(client):
    """https://docs.stripe.com/api/idempotent_requests: "Idempotency keys are up to 255 characters long"."""
    refused(client.v1.checkout.sessions.create, addon_params(), {'idempotency_key': 'k' * 256})
    assert client.v1.checkout.sessions.create(addon_params(), {'idempotency_key': 'k' * 255}).id
