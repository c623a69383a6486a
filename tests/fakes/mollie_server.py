"""A stateful fake of the Mollie v2 API on 127.0.0.1, for the official SDK to talk to.

It implements what the addon calls (payments create / get / cancel, methods list, refunds create,
get and list, chargebacks list) with objects built from the responses of Mollie's own SDK tests
(``fixtures/mollie/``), honours ``Idempotency-Key`` as Mollie does (same key
and body: the first answer again, with ``Idempotent-Replayed``; same key, other body: 400; the
first request still running: 409), serves a checkout page where a person or a test picks the
outcome as in Mollie's test mode (paid, failed, canceled, expired, open), and posts webhooks that
carry only ``id``.

It can be told to fail: ``fail_next`` (status codes for the next API calls), ``delay`` (seconds
before each API answer), ``drop_webhooks``.
"""

import argparse
import copy
import html
import json
import secrets
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import requests

from .http_fake import FakeHandler, FakeProvider, FakeServer

# Responses of Mollie's own SDK tests, copied with their licence (fixtures/README.md says from where).
FIXTURES = Path(__file__).resolve().parent / 'fixtures' / 'mollie'

# What the fake's profile has activated (ids as Mollie names them), with their limits in EUR.
DEFAULT_METHODS = {
    'ideal': ('iDEAL', '0.01', '50000.00'),
    'bancontact': ('Bancontact', '0.02', '50000.00'),
    'paypal': ('PayPal', '0.01', '8000.00'),
    'banktransfer': ('Bank transfer', '0.01', '1000000.00'),
    'kbc': ('KBC/CBC Payment Button', '0.01', '50000.00'),
    'belfius': ('Belfius Pay Button', '0.01', '50000.00'),
    'creditcard': ('Card', '0.01', '10000.00'),
}
OUTCOMES = ('paid', 'failed', 'canceled', 'expired', 'open')


def load_fixture(name):
    return json.loads((FIXTURES / f'{name}.json').read_text())


def _now():
    return datetime.now(UTC).strftime('%Y-%m-%dT%H:%M:%S+00:00')


def _error(status, title, detail):
    return status, {
        'status': status,
        'title': title,
        'detail': detail,
        '_links': {'documentation': {'href': 'https://docs.mollie.com/overview/handling-errors', 'type': 'text/html'}},
    }


class FakeMollie(FakeProvider):
    """The state and behaviour; `MollieHandler` only speaks HTTP."""

    def __init__(self, api_key='test_fakefakefakefakefakefakefakefake', methods=DEFAULT_METHODS):
        super().__init__()
        self.api_key = api_key
        self.methods = dict(methods)
        self.payment_fixture = load_fixture('payment_single')
        self.refund_fixture = load_fixture('refund_single')
        self.method_fixture = load_fixture('method_get_ideal')
        self.chargeback_fixture = load_fixture('payment_chargebacks_list')['_embedded']['chargebacks'][0]
        self.payments, self.refunds, self.chargebacks = {}, {}, {}
        self.idempotency, self.in_flight = {}, set()

    # --- objects ------------------------------------------------------------------------------

    def _links(self, payment):
        links = {'self': {'href': f"{self.base_url}/v2/payments/{payment['id']}", 'type': 'application/hal+json'}}
        if payment['status'] == 'open':
            links['checkout'] = {'href': f"{self.base_url}/checkout/{payment['id']}", 'type': 'text/html'}
        return links

    def create_payment(self, body):
        payment = copy.deepcopy(self.payment_fixture)
        method = body.get('method')
        payment.update(
            id=f'tr_{secrets.token_hex(5)}',
            mode='test',
            createdAt=_now(),
            amount=body['amount'],
            description=body.get('description', ''),
            method=method[0] if isinstance(method, list) else method,
            metadata=body.get('metadata'),
            status='open',
            isCancelable=True,
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
        self.payments[payment['id']] = payment
        return payment

    def view(self, payment):
        return {**payment, '_links': self._links(payment)}

    # --- what happens at checkout and afterwards --------------------------------------------

    def set_status(self, payment_id, status):
        """Move a payment to `status` (as Mollie's test mode does) and call its webhook."""
        with self.lock:
            payment = self.payments[payment_id]
            payment['status'] = status
            payment['isCancelable'] = status == 'open'
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
            self._webhook(payment)
            return payment

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
        payment['amountRefunded'] = {'value': f'{refunded:.2f}', 'currency': payment['amount']['currency']}
        payment['amountRemaining'] = {
            'value': f"{Decimal(payment['amount']['value']) - refunded:.2f}",
            'currency': payment['amount']['currency'],
        }

    def _refundable(self, payment, amount):
        """Mollie's answer to a refund request it refuses, or None."""
        if payment['status'] != 'paid':
            return _error(422, 'Unprocessable Entity', 'The payment cannot be refunded')
        remaining = Decimal(payment['amountRemaining']['value'])
        if not isinstance(amount, dict) or amount.get('currency') != payment['amount']['currency']:
            return _error(422, 'Unprocessable Entity', 'The amount is invalid')
        if not Decimal(0) < Decimal(amount.get('value', '0')) <= remaining:
            return _error(
                422, 'Unprocessable Entity', 'The amount is higher than the amount refundable for this payment'
            )
        return None

    def chargeback(self, payment_id, amount):
        with self.lock:
            payment = self.payments[payment_id]
            chargeback = copy.deepcopy(self.chargeback_fixture)
            chargeback.update(id=f'chb_{secrets.token_hex(5)}', amount=amount, createdAt=_now(), paymentId=payment_id)
            self.chargebacks.setdefault(payment_id, []).append(chargeback)
            total = sum(float(c['amount']['value']) for c in self.chargebacks[payment_id])
            payment['amountChargedBack'] = {'value': f'{total:.2f}', 'currency': amount['currency']}
            self._webhook(payment)
            return chargeback

    def _webhook(self, payment):
        if self.drop_webhooks or not payment.get('webhookUrl'):
            return
        self._in_background(self._deliver, payment['webhookUrl'], payment['id'])

    def _deliver(self, url, payment_id):
        try:
            status = requests.post(url, data={'id': payment_id}, timeout=30).status_code
        except requests.RequestException:
            status = 0
        self.deliveries.append((payment_id, status))

    # --- the API ------------------------------------------------------------------------------

    def _methods_list(self):
        methods = []
        for method_id, (name, minimum, maximum) in self.methods.items():
            method = copy.deepcopy(self.method_fixture)
            method.update(
                id=method_id,
                description=name,
                minimumAmount={'value': minimum, 'currency': 'EUR'},
                maximumAmount={'value': maximum, 'currency': 'EUR'},
                image={
                    'size1x': f'{self.base_url}/img/{method_id}.png',
                    'size2x': f'{self.base_url}/img/{method_id}%402x.png',
                    'svg': f'{self.base_url}/img/{method_id}.svg',
                },
            )
            methods.append(method)
        return {'count': len(methods), '_embedded': {'methods': methods}, '_links': {'self': None}}

    def api(self, method, path, body, headers):
        """Returns (status, body)."""
        if headers.get('Authorization') != f'Bearer {self.api_key}':
            return _error(401, 'Unauthorized Request', 'Missing authentication, or failed to authenticate')
        parts = path.strip('/').split('/')[1:]  # without 'v2'
        with self.lock:
            if method == 'POST' and parts == ['payments']:
                if not isinstance(body.get('amount'), dict) or 'value' not in body['amount']:
                    return _error(422, 'Unprocessable Entity', 'The amount is required for payments')
                return 201, self.view(self.create_payment(body))
            if method == 'GET' and parts == ['methods']:
                return 200, self._methods_list()
            if parts[:1] == ['payments'] and len(parts) >= 2:
                payment = self.payments.get(parts[1])
                if not payment:
                    return _error(404, 'Not Found', f'No payment exists with token {parts[1]}.')
                if method == 'GET' and len(parts) == 2:
                    return 200, self.view(payment)
                if method == 'DELETE' and len(parts) == 2:
                    if payment['status'] != 'open':
                        return _error(422, 'Unprocessable Entity', 'The payment cannot be canceled')
                    payment.update(status='canceled', isCancelable=False, canceledAt=_now())
                    return 200, self.view(payment)
                if parts[2:] == ['refunds'] and method == 'POST':
                    if refused := self._refundable(payment, body.get('amount')):
                        return refused
                    return 201, self.refund(
                        payment['id'], body['amount'], body.get('description', ''), body.get('metadata')
                    )
                if parts[2:3] == ['refunds'] and method == 'GET' and len(parts) == 4:
                    refund = next((r for r in self.refunds.get(payment['id'], []) if r['id'] == parts[3]), None)
                    if not refund:
                        return _error(404, 'Not Found', f'No refund exists with token {parts[3]}.')
                    return 200, refund
                if parts[2:] == ['refunds'] and method == 'GET':
                    refunds = self.refunds.get(payment['id'], [])
                    return 200, {'count': len(refunds), '_embedded': {'refunds': refunds}, '_links': {}}
                if parts[2:] == ['chargebacks'] and method == 'GET':
                    chargebacks = self.chargebacks.get(payment['id'], [])
                    return 200, {'count': len(chargebacks), '_embedded': {'chargebacks': chargebacks}, '_links': {}}
        return _error(404, 'Not Found', f'Unknown endpoint {method} {path}')


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
            return self._send(*_error(failure, 'Fake failure', 'The fake was told to fail'))
        try:
            body = json.loads(raw) if raw else {}
        except ValueError:
            return self._send(*_error(400, 'Bad Request', 'The request body is not valid JSON'))
        key = self.headers.get('Idempotency-Key') if method in ('POST', 'DELETE') else None
        if not key:
            return self._send(*fake.api(method, url.path, body, self.headers))
        with fake.lock:
            known = fake.idempotency.get(key)
            if key in fake.in_flight:
                return self._send(*_error(409, 'Conflict', 'A request with this idempotency key is in progress'))
            if known and known[0] != (method, url.path, raw):
                return self._send(*_error(400, 'Bad Request', 'The idempotency key was used with another request'))
            if known:
                return self._send(known[1], known[2], headers=[('Idempotent-Replayed', 'true')])
            fake.in_flight.add(key)
        try:
            status, answer = fake.api(method, url.path, body, self.headers)
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
