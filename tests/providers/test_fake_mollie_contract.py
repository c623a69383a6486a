"""The fake Mollie refuses what Mollie's API reference says Mollie refuses, and accepts what the
addon sends, driven through the official SDK. Each test names the docs.mollie.com page it follows;
the rules themselves live in ``fakes/mollie_rules.py``."""

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest
from mollie.api.client import Client
from mollie.api.error import BadRequestError, ResponseError, UnprocessableEntityError

from fakes.mollie_rules import UNREACHABLE_WEBHOOK
from fakes.mollie_server import MollieServer, load_fixture

PUBLIC = 'https://shop.invoicecloud.test'  # the test Odoo's public-looking origin, tunneled
WEBHOOK = f'{PUBLIC}/invoicecloud/webhook/mollie/7'


class _Recorder(BaseHTTPRequestHandler):
    """A stand-in for the Odoo under test: records what reaches it."""

    received = None

    def log_message(self, format, *args):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get('Content-Length') or 0)).decode()
        self.received.append((self.path, self.headers.get('Content-Type'), parse_qs(body)))
        self.send_response(200)
        self.send_header('Content-Length', '0')
        self.end_headers()


@pytest.fixture(scope='module')
def recorder():
    received = []
    handler = type('Recorder', (_Recorder,), {'received': received})
    httpd = ThreadingHTTPServer(('127.0.0.1', 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f'http://127.0.0.1:{httpd.server_address[1]}', received
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def local_odoo(recorder):
    """(loopback origin, list of (path, content type, form)) of a tiny HTTP server: the Odoo."""
    recorder[1].clear()
    return recorder


@pytest.fixture(scope='module')
def server():
    with MollieServer() as fake_mollie:
        yield fake_mollie


@pytest.fixture
def fake(server, local_odoo):
    server.tunnels = {PUBLIC: local_odoo[0]}
    yield server
    server.wait_for_webhooks()
    server.tunnels, server.drop_webhooks, server.fail_next = {}, False, []


def _client(fake):
    client = Client(timeout=(3, 15))
    client.set_api_endpoint(fake.base_url)
    client.set_api_key(fake.api_key)
    return client


@pytest.fixture
def client(fake):
    return _client(fake)


def addon_payload(**changes):
    """What `_invoicecloud_mollie_payload` sends (invoicecloud_payments/models/payment_transaction.py)."""
    payload = {
        'amount': {'currency': 'EUR', 'value': '120.50'},
        'description': 'INV/2026/00001, INV/2026/00002',
        'redirectUrl': f'{PUBLIC}/invoicecloud/status/abc',
        'cancelUrl': f'{PUBLIC}/invoicecloud/status/abc?cancelled=1',
        'locale': 'fr_BE',
        'metadata': {'reference': 'INV/2026/00001-1'},
        'method': ['ideal'],
        'webhookUrl': WEBHOOK,
    }
    payload.update(changes)
    return {key: value for key, value in payload.items() if value is not None}


def refused(call, error_class=UnprocessableEntityError):
    with pytest.raises(error_class) as raised:
        call()
    return raised.value


# --- acceptance --------------------------------------------------------------------------------


def test_what_the_addon_sends_is_accepted(fake, client, local_odoo):
    """https://docs.mollie.com/reference/create-payment: a payment created with all the addon sends."""
    payment = client.payments.create(addon_payload(), idempotency_key='c-ok')
    assert payment['status'] == 'open' and payment['method'] == 'ideal' and payment['webhookUrl'] == WEBHOOK
    assert payment['amount'] == {'currency': 'EUR', 'value': '120.50'}
    without_webhook = client.payments.create(addon_payload(webhookUrl=None), idempotency_key='c-ok-2')
    assert without_webhook['webhookUrl'] is None
    fake.wait_for_webhooks()
    assert local_odoo[1] == []  # creation calls no webhook (docs/status-change: open, "No")


# --- rule 1: create payment -------------------------------------------------------------------


@pytest.mark.parametrize(
    ('amount', 'field'),
    [
        (None, 'amount'),
        ({'value': '10.00'}, 'amount'),
        ({'currency': 'EUR'}, 'amount'),
        ({'currency': 'XYZ', 'value': '10.00'}, 'amount.currency'),
        ({'currency': 'eur', 'value': '10.00'}, 'amount.currency'),
        ({'currency': 'EUR', 'value': 10.0}, 'amount.value'),
        ({'currency': 'EUR', 'value': '10'}, 'amount.value'),
        ({'currency': 'EUR', 'value': '10.0'}, 'amount.value'),
        ({'currency': 'EUR', 'value': '10.000'}, 'amount.value'),
        ({'currency': 'EUR', 'value': '1,000.00'}, 'amount.value'),
        ({'currency': 'EUR', 'value': '-1.00'}, 'amount.value'),
        ({'currency': 'JPY', 'value': '1000.00'}, 'amount.value'),
        ({'currency': 'EUR', 'value': '0.00'}, 'amount'),
    ],
)
def test_amount_is_a_string_with_the_currencys_decimals(client, amount, field):
    """https://docs.mollie.com/reference/create-payment (amount: currency "an ISO 4217 currency
    code", value "Make sure to send the right amount of decimals ... Non-string values are not
    accepted"); decimals per currency: https://docs.mollie.com/docs/multicurrency."""
    error = refused(lambda: client.payments.create(addon_payload(amount=amount)))
    assert (error.status, error.field) == (422, field)


def test_a_currency_without_decimals_is_sent_without(client):
    """https://docs.mollie.com/docs/multicurrency: JPY has 0 decimals ("1000"); PayPal takes JPY."""
    amount = {'currency': 'JPY', 'value': '1000'}
    assert client.payments.create(addon_payload(amount=amount, method='paypal'))['amount'] == amount


@pytest.mark.parametrize('description', [None, '', '   '])
def test_description_is_required(client, description):
    """https://docs.mollie.com/reference/create-payment (description: required)."""
    error = refused(lambda: client.payments.create(addon_payload(description=description)))
    assert (error.status, error.field) == (422, 'description')


def test_a_long_description_is_truncated_not_refused(client):
    """https://docs.mollie.com/reference/create-payment: "The API will not reject strings longer
    than the maximum length but it will truncate them to fit" (255 at most)."""
    payment = client.payments.create(addon_payload(description='x' * 300))
    assert payment['description'] == 'x' * 255


@pytest.mark.parametrize('url', [None, '', 'not a url', 'ftp://shop.example.org/back'])
def test_redirect_url_is_required(client, url):
    """https://docs.mollie.com/reference/create-payment (redirectUrl: required, except for
    recurring and Apple Pay token payments)."""
    error = refused(lambda: client.payments.create(addon_payload(redirectUrl=url)))
    assert (error.status, error.field) == (422, 'redirectUrl')


@pytest.mark.parametrize(
    ('method', 'amount', 'field'),
    [
        ('eps', {'currency': 'EUR', 'value': '10.00'}, 'method'),  # not activated on the profile
        ('notamethod', {'currency': 'EUR', 'value': '10.00'}, 'method'),
        (['eps', 'notamethod'], {'currency': 'EUR', 'value': '10.00'}, 'method'),
        ('ideal', {'currency': 'USD', 'value': '10.00'}, 'amount.currency'),  # iDEAL: EUR only
        ('bancontact', {'currency': 'GBP', 'value': '10.00'}, 'amount.currency'),
        ('banktransfer', {'currency': 'CHF', 'value': '10.00'}, 'amount.currency'),
        ('bancontact', {'currency': 'EUR', 'value': '0.01'}, 'amount'),  # minimum EUR 0.02
        ('ideal', {'currency': 'EUR', 'value': '50000.01'}, 'amount'),  # maximum EUR 50,000.00
        ('banktransfer', {'currency': 'EUR', 'value': '1000000.01'}, 'amount'),
        ('voucher', {'currency': 'EUR', 'value': '0.99'}, 'amount'),
    ],
)
def test_method_is_activated_and_takes_the_currency_and_amount(client, method, amount, field):
    """https://docs.mollie.com/reference/create-payment (method) and list-methods (minimumAmount,
    maximumAmount); currencies: each method's page on docs.mollie.com/docs and docs/multicurrency."""
    error = refused(lambda: client.payments.create(addon_payload(method=method, amount=amount)))
    assert (error.status, error.field) == (422, field)


def test_method_list_keeps_the_methods_that_fit(client):
    """https://docs.mollie.com/reference/create-payment (method: "You can also specify the methods
    in an array"): USD rules iDEAL out, PayPal takes it; no method at all must still find one."""
    usd = {'currency': 'USD', 'value': '10.00'}
    assert client.payments.create(addon_payload(method=['ideal', 'paypal'], amount=usd))['method'] == 'paypal'
    assert client.payments.create(addon_payload(method=None))['method'] is None
    nothing_fits = {'currency': 'ISK', 'value': '10'}  # cards only, and cards are not the addon's
    assert refused(lambda: client.payments.create(addon_payload(method='ideal', amount=nothing_fits))).status == 422


@pytest.mark.parametrize('locale', ['fr', 'xx_XX', 'fr-BE', 'FR_BE'])
def test_locale_is_one_of_mollies(client, locale):
    """https://docs.mollie.com/reference/create-payment (locale: Mollie's enum)."""
    error = refused(lambda: client.payments.create(addon_payload(locale=locale)))
    assert (error.status, error.field) == (422, 'locale')


@pytest.mark.parametrize(
    'url',
    [
        'http://localhost:8069/invoicecloud/webhook/mollie/7',
        'http://shop.localhost/webhook',
        'http://127.0.0.1:8069/webhook',
        'http://127.1.2.3/webhook',
        'http://[::1]:8069/webhook',
        'http://10.0.0.5/webhook',
        'http://172.16.4.2/webhook',
        'http://192.168.1.20/webhook',
        'http://169.254.10.10/webhook',
        'http://[fe80::1]/webhook',
        'http://0.0.0.0/webhook',
        'http://odoo:8069/webhook',  # one label: a name on a private network
        'https://shop.invoicecloud.local/webhook',
        'https://other.invoicecloud.test/webhook',  # .test without a tunnel resolves nowhere
        'ftp://shop.example.org/webhook',
    ],
)
def test_webhook_url_is_reachable_from_mollie(client, url):
    """https://docs.mollie.com/reference/create-payment (webhookUrl: "must be reachable from
    Mollie's point of view, so you cannot use localhost"); Mollie's words from
    github.com/mollie/magento2/issues/460 and mollie/laravel-mollie/issues/138 (a .test host)."""
    error = refused(lambda: client.payments.create(addon_payload(webhookUrl=url)))
    assert (error.status, error.field, str(error)) == (422, 'webhookUrl', UNREACHABLE_WEBHOOK)


# --- rule 2: isCancelable and cancel ---------------------------------------------------------


def test_only_cancelable_payments_can_be_canceled(fake, client):
    """https://docs.mollie.com/reference/cancel-payment: "Depending on the payment method, you may
    be able to cancel a payment ... as long as the payment status is open. The isCancelable
    property ... will indicate if the payment can be canceled." Mollie's own open iDEAL payment
    (payment_single.json) says false; its example of a canceled payment is a bank transfer."""
    assert load_fixture('payment_single')['isCancelable'] is False
    ideal = client.payments.create(addon_payload())
    assert ideal['isCancelable'] is False
    error = refused(lambda: client.payments.delete(ideal['id'], idempotency_key='c-cancel-ideal'))
    assert error.status == 422 and client.payments.get(ideal['id'])['status'] == 'open'
    transfer = client.payments.create(addon_payload(method='banktransfer'))
    assert transfer['isCancelable'] is True
    canceled = client.payments.delete(transfer['id'], idempotency_key='c-cancel-transfer')
    assert canceled['status'] == 'canceled' and canceled['isCancelable'] is False and canceled['canceledAt']
    assert refused(lambda: client.payments.delete(transfer['id'], idempotency_key='c-cancel-again')).status == 422
    paid = client.payments.create(addon_payload(method='banktransfer'))
    fake.set_status(paid['id'], 'paid')
    assert refused(lambda: client.payments.delete(paid['id'], idempotency_key='c-cancel-paid')).status == 422


# --- rule 3: webhooks where Mollie calls them --------------------------------------------------


def _deliveries(fake, received):
    fake.wait_for_webhooks()
    return [form['id'][0] for _path, _type, form in received]


def test_webhooks_only_for_the_statuses_mollie_calls_them(fake, client, local_odoo):
    """https://docs.mollie.com/docs/status-change: the webhook is called for canceled, authorized,
    expired, failed, paid; not for open ("No") nor pending ("No"). A cancellation through the API
    is a `canceled` too (create-payment, cancelUrl: "Mollie will always give you status updates
    via webhooks, including for the canceled status")."""
    _local, received = local_odoo
    transfer = client.payments.create(addon_payload(method='banktransfer'))
    fake.set_status(transfer['id'], 'open')  # the customer chose to transfer: still open
    fake.set_status(transfer['id'], 'pending')
    assert _deliveries(fake, received) == []
    fake.set_status(transfer['id'], 'paid')
    fake.set_status(transfer['id'], 'paid')  # no change, no call
    assert _deliveries(fake, received) == [transfer['id']]
    for status in ('failed', 'expired', 'canceled', 'authorized'):
        payment = client.payments.create(addon_payload())
        fake.set_status(payment['id'], status)
        assert _deliveries(fake, received)[-1] == payment['id']
    other = client.payments.create(addon_payload(method='banktransfer'))
    client.payments.delete(other['id'], idempotency_key='c-webhook-cancel')
    assert _deliveries(fake, received)[-1] == other['id'] and len(received) == 6


# --- rule 4: the methods list ------------------------------------------------------------------


def test_methods_list_has_mollies_shape_and_profile(client):
    """https://docs.mollie.com/reference/list-methods: count, _embedded.methods (resource, id,
    description, minimumAmount, maximumAmount or null, image, status, _links); the profile of
    Mollie's own methods_list.json, with methods Odoo has no record for."""
    answer = dict(client.methods.list())
    methods = answer['_embedded']['methods']
    fixture = load_fixture('methods_list')['_embedded']['methods']
    assert answer['count'] == len(methods) and set(answer['_links']) == {'self', 'documentation'}
    assert [m['id'] for m in methods] == [m['id'] for m in fixture] + ['voucher']
    assert all(set(m) == set(fixture[0]) | {'status'} and m['status'] == 'activated' for m in methods)
    voucher = methods[-1]
    assert voucher['maximumAmount'] is None and voucher['minimumAmount'] == {'value': '1.00', 'currency': 'EUR'}
    assert {'giftcard', 'inghomepay', 'sofort', 'voucher', 'creditcard'} <= {m['id'] for m in methods}
    assert 'pricing' in dict(client.methods.list(include='pricing'))['_embedded']['methods'][0]
    assert 'issuers' in dict(client.methods.list(include='issuers'))['_embedded']['methods'][0]


def test_methods_list_filters_on_amount_and_sequence(client):
    """https://docs.mollie.com/reference/list-methods: `amount[value]`/`amount[currency]` keep the
    methods that take that amount, in that currency; `sequenceType`; a bad amount is a 400 (Mollie:
    "The amount is lower than the minimum", github.com/mollie/magento2/issues/541)."""
    usd = dict(client.methods.list(amount={'value': '100.00', 'currency': 'USD'}))['_embedded']['methods']
    assert {m['id'] for m in usd} == {'creditcard', 'paypal'}
    assert all(m['minimumAmount']['currency'] == 'USD' for m in usd)
    jpy = dict(client.methods.list(amount={'value': '1000', 'currency': 'JPY'}))['_embedded']['methods']
    assert {m['id'] for m in jpy} == {'creditcard', 'paypal'} and jpy[0]['minimumAmount']['currency'] == 'JPY'
    big = dict(client.methods.list(amount={'value': '2000000.00', 'currency': 'EUR'}))['_embedded']['methods']
    assert [m['id'] for m in big] == ['voucher']
    one_cent = dict(client.methods.list(amount={'value': '0.01', 'currency': 'EUR'}))['_embedded']['methods']
    assert 'bancontact' not in {m['id'] for m in one_cent} and 'ideal' in {m['id'] for m in one_cent}
    recurring = dict(client.methods.list(sequenceType='recurring', locale='nl_NL', resource='payments'))
    assert {m['id'] for m in recurring['_embedded']['methods']} == {'creditcard', 'paypal'}
    error = refused(lambda: client.methods.list(amount={'value': '0.00', 'currency': 'EUR'}), BadRequestError)
    assert (error.status, error.field) == (400, 'amount')


def test_methods_argument_sets_the_profile():
    """`FakeMollie(methods=...)`: (description, minimum, maximum[, currencies[, status]]); a method
    not `activated` (list-methods, status) is listed but cannot be paid with."""
    methods = {
        'ideal': ('iDEAL', '0.01', '50000.00'),
        'paypal': ('PayPal', '0.01', None, ('EUR', 'USD')),
        'eps': ('EPS', '1.00', '50000.00', ('EUR',), 'pending-boarding'),
    }
    with MollieServer(methods=methods) as fake:
        client = _client(fake)
        listed = {m['id']: m for m in dict(client.methods.list())['_embedded']['methods']}
        assert set(listed) == set(methods) and listed['eps']['status'] == 'pending-boarding'
        assert listed['paypal']['maximumAmount'] is None
        usd = {'currency': 'USD', 'value': '999999.00'}
        assert client.payments.create(addon_payload(method='paypal', amount=usd, webhookUrl=None))['method'] == 'paypal'
        error = refused(lambda: client.payments.create(addon_payload(method='eps', webhookUrl=None)))
        assert (error.status, error.field) == (422, 'method')


# --- rule 5: the tunnel ------------------------------------------------------------------------


@pytest.mark.parametrize('public', [PUBLIC, 'http://shop.invoicecloud.test:8069'])
def test_tunnel_delivers_webhooks_to_the_local_odoo(fake, client, local_odoo, public):
    """https://docs.mollie.com/reference/create-payment (webhookUrl: "use a tool like ngrok to have
    the webhooks delivered to your local machine"); https://docs.mollie.com/reference/webhooks:
    "a single POST-parameter called id", form-encoded."""
    local, received = local_odoo
    fake.tunnels = {public: local}
    payment = client.payments.create(addon_payload(webhookUrl=f'{public}/invoicecloud/webhook/mollie/7?db=x'))
    fake.set_status(payment['id'], 'paid')
    fake.wait_for_webhooks()
    assert received == [
        ('/invoicecloud/webhook/mollie/7?db=x', 'application/x-www-form-urlencoded', {'id': [payment['id']]})
    ]
    assert fake.deliveries[-1] == (payment['id'], 200)


# --- rule 6: rate limit ------------------------------------------------------------------------


def test_rate_limit_answers_429_in_a_sliding_window():
    """https://docs.mollie.com/reference/rate-limiting ("measured in requests per second"; no
    figure given) and docs.mollie.com/changelog/document-429-too-many-requests-on-all-endpoints."""
    with MollieServer(rate_limit=(3, 0.5)) as fake:
        client = _client(fake)
        for _call in range(3):
            client.methods.list()
        error = refused(client.methods.list, ResponseError)
        assert error.status == 429 and 'rate limit' in str(error)
        time.sleep(0.6)  # the window slides
        assert dict(client.methods.list())['count']
    with MollieServer(rate_limit=None) as fake:
        client = _client(fake)
        assert all(dict(client.methods.list())['count'] for _call in range(30))


# --- rule 7: idempotency and the failure switches, unchanged -----------------------------------


def test_refusals_are_replayed_and_switches_still_work(fake, client, local_odoo):
    """https://docs.mollie.com/overview/api-idempotency: the same key gets the same answer, a
    refusal included. `fail_next`, `drop_webhooks` behave as before."""
    bad = addon_payload(locale='xx_XX')
    first = refused(lambda: client.payments.create(bad, idempotency_key='c-replay'))
    again = refused(lambda: client.payments.create(bad, idempotency_key='c-replay'))
    assert (first.field, again.field) == ('locale', 'locale')
    fake.fail_next = [503]
    assert refused(client.methods.list, ResponseError).status == 503
    fake.drop_webhooks = True
    payment = client.payments.create(addon_payload())
    fake.set_status(payment['id'], 'paid')
    assert _deliveries(fake, local_odoo[1]) == []
