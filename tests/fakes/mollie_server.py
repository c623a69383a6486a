"""A stateful fake of the Mollie v2 API on 127.0.0.1, for the official SDK to talk to.

It implements what the addon calls (payments create / get / cancel, methods list, refunds create,
get and list, chargebacks list) with objects built from the responses of Mollie's own SDK tests
(``fixtures/mollie/``), honours ``Idempotency-Key`` as Mollie does (same key
and body: the first answer again, with ``Idempotent-Replayed``; same key, other body: 400; the
first request still running: 409), serves a checkout page where a person or a test picks the
outcome as in Mollie's test mode (paid, failed, canceled, expired, open), and posts webhooks that
carry only ``id``.

It refuses what Mollie's API reference says Mollie refuses (``mollie_rules``, one docs.mollie.com
page per rule): a payment without amount, description or redirectUrl, an amount with the wrong
decimals or in a currency the method does not take, a method not activated or outside its limits,
an unknown locale, a webhookUrl Mollie could not reach; the cancellation of a payment that is not
``isCancelable``; more API calls than ``rate_limit`` allows (429). It calls the webhook only where
Mollie does (not on creation, not for ``open`` or ``pending``). ``tunnels`` maps a public origin
to a loopback one, as ngrok does, so that a test Odoo can use a public-looking URL.

It can be told to fail: ``fail_next`` (status codes for the next API calls), ``delay`` (seconds
before each API answer), ``drop_webhooks``.
"""

import argparse
import collections
import copy
import html
import json
import secrets
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import requests

from .http_fake import FakeHandler, FakeProvider, FakeServer
from .mollie_rules import (
    CANCEL_PAYMENT,
    LIST_METHODS,
    METHOD_CURRENCIES,
    amount_refusal,
    description_refusal,
    error,
    locale_refusal,
    method_refusal,
    money,
    origin,
    rate_limited,
    redirect_refusal,
    unprocessable,
    webhook_refusal,
)

# Responses of Mollie's own SDK tests, copied with their licence (fixtures/README.md says from where).
FIXTURES = Path(__file__).resolve().parent / 'fixtures' / 'mollie'


def load_fixture(name):
    return json.loads((FIXTURES / f'{name}.json').read_text())


def _default_methods():
    """The profile of Mollie's own `methods_list.json` (ideal, creditcard, paypal, bancontact,
    banktransfer, sofort, kbc, belfius, inghomepay, giftcard: methods the addon maps, methods
    Odoo keeps inactive, methods Odoo has no record for), plus `voucher`, whose maximumAmount is
    null as list-methods allows. Limits as the methods' pages on docs.mollie.com/docs give them
    where they differ from the fixture (Bancontact from EUR 0.02, bank transfer up to 1,000,000)."""
    limits = {'bancontact': ('0.02', '50000.00'), 'banktransfer': ('0.01', '1000000.00')}
    methods = {}
    for method in load_fixture('methods_list')['_embedded']['methods']:
        default = (method['minimumAmount']['value'], method['maximumAmount']['value'])
        minimum, maximum = limits.get(method['id'], default)
        methods[method['id']] = (method['description'], minimum, maximum, METHOD_CURRENCIES.get(method['id'], ('EUR',)))
    methods['voucher'] = ('Vouchers', '1.00', None, ('EUR',))
    return methods


# What the fake's profile has enabled, as Mollie names them: description, minimum and maximum
# amount (None: no maximum), currencies, and optionally the status (list-methods: `activated`,
# `pending-boarding`, `pending-review`, `pending-external`, `rejected`).
DEFAULT_METHODS = _default_methods()
OUTCOMES = ('paid', 'failed', 'canceled', 'expired', 'open')
# https://docs.mollie.com/docs/status-change: Mollie calls the webhook for these statuses, not
# for `open` ("The payment has been created ... No") nor `pending` ("No").
WEBHOOK_STATUSES = ('paid', 'failed', 'canceled', 'expired', 'authorized')
# https://docs.mollie.com/reference/cancel-payment: "Depending on the payment method, you may be
# able to cancel a payment ... as long as the payment status is open"; `isCancelable` says so.
# Mollie's example is a bank transfer; its `payment_single.json` fixture, an open iDEAL payment,
# says false. An `authorized` payment (a hold) can be canceled (payments-api-webhooks example).
CANCELABLE_WHILE_OPEN = ('banktransfer', 'directdebit')
# https://docs.mollie.com/reference/list-methods (sequenceType): methods for the first payment of
# a recurring sequence, and for recurring payments (each method's page on docs.mollie.com/docs,
# "Recurring", "First Payment Method").
SEQUENCE_METHODS = {
    'first': ('ideal', 'bancontact', 'belfius', 'creditcard', 'kbc', 'paypal', 'sofort', 'eps'),
    'recurring': ('creditcard', 'directdebit', 'paypal'),
}
# No figure is documented (https://docs.mollie.com/reference/rate-limiting: "limits are dynamic
# ... measured in requests per second"); this one is ours. None disables the limit.
DEFAULT_RATE_LIMIT = (100, 1.0)  # requests, per seconds (sliding window)


def _now():
    return datetime.now(UTC).strftime('%Y-%m-%dT%H:%M:%S+00:00')


def _method_record(spec):
    """A method of `methods=`: (description, minimum, maximum[, currencies[, status]])."""
    description, minimum, maximum, *rest = spec
    currencies = tuple(rest[0]) if rest else ('EUR',)
    status = rest[1] if len(rest) > 1 else 'activated'
    return {
        'description': description,
        'minimum': minimum,
        'maximum': maximum,
        'currencies': currencies,
        'status': status,
    }


def _cancelable(payment):
    return payment['status'] == 'authorized' or (
        payment['status'] == 'open' and payment['method'] in CANCELABLE_WHILE_OPEN
    )


class FakeMollie(FakeProvider):
    """The state and behaviour; `MollieHandler` only speaks HTTP."""

    def __init__(
        self,
        api_key='test_fakefakefakefakefakefakefakefake',
        methods=DEFAULT_METHODS,
        tunnels=None,
        rate_limit=DEFAULT_RATE_LIMIT,
    ):
        super().__init__()
        self.api_key = api_key
        self.methods = {method_id: _method_record(spec) for method_id, spec in methods.items()}
        self.tunnels = dict(tunnels or {})  # public origin -> loopback origin, e.g. ngrok's
        self.rate_limit = rate_limit  # (requests, seconds), or None
        self._calls = collections.deque()  # times of the API calls in the rate limit's window
        self.payment_fixture = load_fixture('payment_single')
        self.refund_fixture = load_fixture('refund_single')
        self.method_fixture = load_fixture('method_get_ideal')
        self.issuers_fixture = load_fixture('method_get_ideal_with_includes')['issuers']
        self.chargeback_fixture = load_fixture('payment_chargebacks_list')['_embedded']['chargebacks'][0]
        self.payments, self.refunds, self.chargebacks = {}, {}, {}
        self.idempotency, self.in_flight = {}, set()

    # --- objects ------------------------------------------------------------------------------

    def _links(self, payment):
        links = {'self': {'href': f"{self.base_url}/v2/payments/{payment['id']}", 'type': 'application/hal+json'}}
        if payment['status'] == 'open':
            links['checkout'] = {'href': f"{self.base_url}/checkout/{payment['id']}", 'type': 'text/html'}
        return links

    def create_payment(self, body, method=None):
        """A payment as Mollie makes it from a valid request (see `_payment_refusal`)."""
        payment = copy.deepcopy(self.payment_fixture)
        payment.update(
            id=f'tr_{secrets.token_hex(5)}',
            mode='test',
            createdAt=_now(),
            amount=body['amount'],
            description=body['description'][:255],  # create-payment: truncated, not refused
            method=method,
            metadata=body.get('metadata'),
            status='open',
            expiresAt=(datetime.now(UTC) + timedelta(minutes=15)).strftime('%Y-%m-%dT%H:%M:%S+00:00'),
            details=None,
            redirectUrl=body.get('redirectUrl'),
            cancelUrl=body.get('cancelUrl'),
            webhookUrl=body.get('webhookUrl'),
            amountCaptured=None,
            amountChargedBack=None,
            settlementAmount=None,
            settlementId=None,
            customerId=None,
            mandateId=None,
            subscriptionId=None,
            orderId=None,
            sequenceType='oneoff',
            routing=None,
            captureMode=None,
            captureDelay=None,
            captureBefore=None,
            profileId='pfl_fake',
        )
        payment['isCancelable'] = _cancelable(payment)
        self.payments[payment['id']] = payment
        return payment

    def view(self, payment):
        return {**payment, '_links': self._links(payment)}

    # --- what Mollie refuses (mollie_rules: one docs.mollie.com page per rule) -------------

    def _payment_refusal(self, body):
        """(Mollie's refusal, None) or (None, the payment's method)."""
        checks = (
            lambda: amount_refusal(body.get('amount')),
            lambda: description_refusal(body.get('description')),
            lambda: redirect_refusal(body),
            lambda: webhook_refusal(body.get('webhookUrl'), {origin(public) for public in self.tunnels}),
            lambda: locale_refusal(body.get('locale')),
        )
        for check in checks:
            if refused := check():
                return refused, None
        return self._method_choice(body.get('method'), body['amount'])

    def _method_choice(self, requested, amount):
        """create-payment, method: a string or a list; Mollie shows only the methods asked for,
        so one of them must be activated and take the currency and the amount."""
        if requested is None:
            fitting = [i for i, m in self.methods.items() if not method_refusal(m, amount)]
            refused = unprocessable('No suitable payment methods found')  # github.com/mollie/laravel-mollie/issues/141
            return (None, None) if fitting else (refused, None)
        ids = [requested] if isinstance(requested, str) else requested
        if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
            return unprocessable('The payment method is invalid', 'method'), None
        refusals = [method_refusal(self.methods.get(i), amount) for i in ids]
        fitting = [i for i, refused in zip(ids, refusals, strict=True) if not refused]
        return (None, fitting[0]) if fitting else (refusals[0], None)

    def over_rate_limit(self):
        """https://docs.mollie.com/reference/rate-limiting: a sliding window of API calls."""
        if not self.rate_limit:
            return False
        limit, window = self.rate_limit
        now = time.monotonic()
        with self.lock:
            while self._calls and self._calls[0] <= now - window:
                self._calls.popleft()
            if len(self._calls) >= limit:
                return True
            self._calls.append(now)
            return False

    # --- what happens at checkout and afterwards --------------------------------------------

    def set_status(self, payment_id, status):
        """Move a payment to `status` (as Mollie's test mode does); call its webhook where Mollie
        does (WEBHOOK_STATUSES), once per change."""
        with self.lock:
            payment = self.payments[payment_id]
            previous, payment['status'] = payment['status'], status
            self._record_status(payment)
            payment['isCancelable'] = _cancelable(payment)
            if status != previous and status in WEBHOOK_STATUSES:
                self._webhook(payment)
            return payment

    def _record_status(self, payment):
        """The dates and details Mollie adds to a payment reaching its status."""
        status = payment['status']
        if status == 'paid':
            payment['paidAt'] = _now()
            self._count_refunds(payment)
            if payment['method'] == 'banktransfer':
                payment['details'] = {'bankName': 'Fake Bank', 'bankAccount': 'NL53INGB0654422370'}
        elif status in ('failed', 'canceled', 'expired'):
            payment[f'{status}At'] = _now()
        if status == 'open' and payment['method'] == 'banktransfer':
            payment['details'] = {
                'bankName': 'Stichting Mollie Payments',
                'bankAccount': 'NL53ABNA0627535577',
                'bankBic': 'ABNANL2A',
                'transferReference': 'RF12-3456-7890-1234',
            }

    def refund(self, payment_id, amount, description='', metadata=None):
        """A refund as made in Mollie's dashboard (or through the API): `pending` until
        `settle_refund`. Mollie counts it in `amountRefunded` at once."""
        with self.lock:
            payment = self.payments[payment_id]
            refund = copy.deepcopy(self.refund_fixture)
            refund.update(
                id=f're_{secrets.token_hex(5)}',
                amount=amount,
                createdAt=_now(),
                paymentId=payment_id,
                status='pending',
                description=description,
                metadata=metadata,
                orderId=None,
                settlementId=None,
                settlementAmount=None,
                lines=None,
            )
            self.refunds.setdefault(payment_id, []).append(refund)
            self._count_refunds(payment)
            self._webhook(payment)
            return refund

    def settle_refund(self, refund_id, status='refunded'):
        """Mollie processes the refund (`refunded`) or gives up (`failed`), and calls the
        payment's webhook."""
        with self.lock:
            refund = next(r for refunds in self.refunds.values() for r in refunds if r['id'] == refund_id)
            refund['status'] = status
            payment = self.payments[refund['paymentId']]
            self._count_refunds(payment)
            self._webhook(payment)
            return refund

    def _count_refunds(self, payment):
        counted = [r for r in self.refunds.get(payment['id'], []) if r['status'] not in ('failed', 'canceled')]
        refunded = sum(Decimal(r['amount']['value']) for r in counted)
        currency = payment['amount']['currency']
        payment['amountRefunded'] = money(refunded, currency)
        payment['amountRemaining'] = money(Decimal(payment['amount']['value']) - refunded, currency)

    def _refundable(self, payment, amount):
        """Mollie's answer to a refund request it refuses, or None."""
        if payment['status'] != 'paid':
            return unprocessable('The payment cannot be refunded')
        remaining = Decimal(payment['amountRemaining']['value'])
        if not isinstance(amount, dict) or amount.get('currency') != payment['amount']['currency']:
            return unprocessable('The amount is invalid', 'amount')
        if not Decimal(0) < Decimal(amount.get('value', '0')) <= remaining:
            return unprocessable('The amount is higher than the amount refundable for this payment', 'amount')
        return None

    def chargeback(self, payment_id, amount):
        with self.lock:
            payment = self.payments[payment_id]
            chargeback = copy.deepcopy(self.chargeback_fixture)
            chargeback.update(id=f'chb_{secrets.token_hex(5)}', amount=amount, createdAt=_now(), paymentId=payment_id)
            self.chargebacks.setdefault(payment_id, []).append(chargeback)
            total = sum(Decimal(c['amount']['value']) for c in self.chargebacks[payment_id])
            payment['amountChargedBack'] = money(total, amount['currency'])
            self._webhook(payment)
            return chargeback

    def _webhook(self, payment):
        if self.drop_webhooks or not payment.get('webhookUrl'):
            return
        self._in_background(self._deliver, payment['webhookUrl'], payment['id'])

    def _through_tunnel(self, url):
        """`url` on the loopback origin its public origin is tunneled to, as ngrok forwards it."""
        local = {origin(public): target.rstrip('/') for public, target in self.tunnels.items()}.get(origin(url))
        if not local:
            return url
        parts = urlsplit(url)
        return local + (parts.path or '/') + (f'?{parts.query}' if parts.query else '')

    def _deliver(self, url, payment_id):
        """https://docs.mollie.com/reference/webhooks: a form POST carrying only `id`."""
        try:
            status = requests.post(self._through_tunnel(url), data={'id': payment_id}, timeout=30).status_code
        except requests.RequestException:
            status = 0
        self.deliveries.append((payment_id, status))

    # --- the API ------------------------------------------------------------------------------

    def _method_view(self, method_id, method, currency, includes):
        """A method as list-methods gives it; limits in the currency asked for (EUR by default)."""
        view = {
            'resource': 'method',
            'id': method_id,
            'description': method['description'],
            'minimumAmount': money(method['minimum'], currency),
            'maximumAmount': money(method['maximum'], currency),
            'image': {
                'size1x': f'{self.base_url}/img/{method_id}.png',
                'size2x': f'{self.base_url}/img/{method_id}%402x.png',
                'svg': f'{self.base_url}/img/{method_id}.svg',
            },
            'status': method['status'],
            '_links': {'self': {'href': f'{self.base_url}/v2/methods/{method_id}', 'type': 'application/hal+json'}},
        }
        if 'pricing' in includes:
            view['pricing'] = copy.deepcopy(self.method_fixture['pricing'])
        if 'issuers' in includes and method_id == 'ideal':
            view['issuers'] = copy.deepcopy(self.issuers_fixture)
        return view

    def _methods_list(self, query):
        """https://docs.mollie.com/reference/list-methods: `amount[value]` and `amount[currency]`
        keep the methods that take that amount (a bad amount: 400, "The amount is lower than the
        minimum", github.com/mollie/magento2/issues/541); `sequenceType` those for that sequence;
        `include=pricing,issuers` adds those; `locale`, `resource`, `billingCountry`, ... are
        accepted (the fake neither translates nor sorts)."""
        params = dict(parse_qsl(query))
        amount = None
        if 'amount[value]' in params or 'amount[currency]' in params:
            amount = {'value': params.get('amount[value]'), 'currency': params.get('amount[currency]')}
            if refused := amount_refusal(amount, status=400, documentation=LIST_METHODS):
                return refused
        includes = set(params.get('include', '').split(','))
        sequence = SEQUENCE_METHODS.get(params.get('sequenceType'))
        currency = amount['currency'] if amount else 'EUR'
        methods = [
            self._method_view(method_id, method, currency, includes)
            for method_id, method in self.methods.items()
            if not (amount and method_refusal({**method, 'status': 'activated'}, amount))
            and (sequence is None or method_id in sequence)
        ]
        url = f'{self.base_url}/v2/methods' + (f'?{query}' if query else '')
        links = {
            'self': {'href': url, 'type': 'application/hal+json'},
            'documentation': {'href': LIST_METHODS, 'type': 'text/html'},
        }
        return 200, {'count': len(methods), '_embedded': {'methods': methods}, '_links': links}

    def _create(self, body):
        refused, method = self._payment_refusal(body)
        return refused or (201, self.view(self.create_payment(body, method)))

    def _cancel(self, payment):
        """https://docs.mollie.com/reference/cancel-payment: only an `isCancelable` payment; the
        webhook is called for `canceled` (docs/status-change), whoever canceled."""
        if not payment['isCancelable']:
            return unprocessable('The payment cannot be canceled', documentation=CANCEL_PAYMENT)
        return 200, self.view(self.set_status(payment['id'], 'canceled'))

    def api(self, method, path, body, headers, query=''):
        """Returns (status, body)."""
        if headers.get('Authorization') != f'Bearer {self.api_key}':
            return error(401, 'Unauthorized Request', 'Missing authentication, or failed to authenticate')
        parts = path.strip('/').split('/')[1:]  # without 'v2'
        with self.lock:
            if method == 'POST' and parts == ['payments']:
                return self._create(body)
            if method == 'GET' and parts == ['methods']:
                return self._methods_list(query)
            if parts[:1] == ['payments'] and len(parts) >= 2:
                return self._payment_api(method, parts, body)
        return error(404, 'Not Found', f'Unknown endpoint {method} {path}')

    def _payment_api(self, method, parts, body):
        payment = self.payments.get(parts[1])
        if not payment:
            return error(404, 'Not Found', f'No payment exists with token {parts[1]}.')
        if method == 'GET' and len(parts) == 2:
            return 200, self.view(payment)
        if method == 'DELETE' and len(parts) == 2:
            return self._cancel(payment)
        if parts[2:] == ['refunds'] and method == 'POST':
            if refused := self._refundable(payment, body.get('amount')):
                return refused
            return 201, self.refund(payment['id'], body['amount'], body.get('description', ''), body.get('metadata'))
        if parts[2:3] == ['refunds'] and method == 'GET' and len(parts) == 4:
            refund = next((r for r in self.refunds.get(payment['id'], []) if r['id'] == parts[3]), None)
            if not refund:
                return error(404, 'Not Found', f'No refund exists with token {parts[3]}.')
            return 200, refund
        if parts[2:] == ['refunds'] and method == 'GET':
            refunds = self.refunds.get(payment['id'], [])
            return 200, {'count': len(refunds), '_embedded': {'refunds': refunds}, '_links': {}}
        if parts[2:] == ['chargebacks'] and method == 'GET':
            chargebacks = self.chargebacks.get(payment['id'], [])
            return 200, {'count': len(chargebacks), '_embedded': {'chargebacks': chargebacks}, '_links': {}}
        return error(404, 'Not Found', f"Unknown endpoint {method} /v2/{'/'.join(parts)}")


class MollieHandler(FakeHandler):
    server_version = 'FakeMollie/1.0'
    content_type = 'application/hal+json'

    def _handle(self, method):
        url = urlsplit(self.path)
        raw = self._body()
        if url.path.startswith('/checkout/'):
            return self._checkout(method, url.path, raw)
        fake = self.fake
        if failure := self._api_call_starts(method, url.path):
            return self._send(*error(failure, 'Fake failure', 'The fake was told to fail'))
        if fake.over_rate_limit():
            return self._send(*rate_limited(), headers=[('Retry-After', '1')])
        try:
            body = json.loads(raw) if raw else {}
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return self._send(*error(400, 'Bad Request', 'The request body is not a JSON object'))
        key = self.headers.get('Idempotency-Key') if method in ('POST', 'DELETE') else None
        if not key:
            return self._send(*fake.api(method, url.path, body, self.headers, url.query))
        with fake.lock:
            known = fake.idempotency.get(key)
            if key in fake.in_flight:
                return self._send(*error(409, 'Conflict', 'A request with this idempotency key is in progress'))
            if known and known[0] != (method, url.path, raw):
                return self._send(*error(400, 'Bad Request', 'The idempotency key was used with another request'))
            if known:
                return self._send(known[1], known[2], headers=[('Idempotent-Replayed', 'true')])
            fake.in_flight.add(key)
        try:
            status, answer = fake.api(method, url.path, body, self.headers, url.query)
            with fake.lock:
                fake.idempotency[key] = ((method, url.path, raw), status, answer)
        finally:
            fake.in_flight.discard(key)
        return self._send(status, answer)

    def _checkout(self, method, path, raw):
        payment = self.fake.payments.get(path.rstrip('/').split('/')[-1])
        if not payment:
            return self._send(404, b'<h1>No such payment</h1>', 'text/html')
        if method == 'POST':
            outcome = dict(parse_qsl(raw)).get('outcome', '')
            if outcome not in OUTCOMES:
                return self._send(400, b'bad outcome', 'text/plain')
            if payment['status'] == 'open':
                self.fake.set_status(payment['id'], outcome)
            return self._send(303, b'', 'text/plain', headers=[('Location', payment['redirectUrl'])])
        buttons = ''.join(
            f'<button name="outcome" value="{o}" id="fake-mollie-{o}">{o.capitalize()}</button> ' for o in OUTCOMES
        )
        page = f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>Fake Mollie Checkout</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head><body>
<h1>Fake Mollie Checkout ({html.escape(str(payment['method']))})</h1>
<p id="fake-mollie-amount">{html.escape(payment['amount']['value'])} {html.escape(payment['amount']['currency'])}</p>
<p>{html.escape(payment['description'] or '')}</p><p>Select the payment status (test mode):</p>
<form method="post">{buttons}</form></body></html>"""
        return self._send(200, page.encode(), 'text/html; charset=utf-8')


class MollieServer(FakeServer):
    """The fake Mollie on a free port of 127.0.0.1: ``with MollieServer() as fake: ...``."""

    def __init__(self, port=0, **kwargs):
        super().__init__(FakeMollie(**kwargs), MollieHandler, port)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--port', type=int, default=12112)
    parser.add_argument('--api-key', default='test_fakefakefakefakefakefakefakefake')
    args = parser.parse_args()
    server = MollieServer(args.port, api_key=args.api_key)
    print(f'Fake Mollie on {server.url}', flush=True)
    server.httpd.serve_forever()


if __name__ == '__main__':
    main()
