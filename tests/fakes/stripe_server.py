"""A stateful fake of the Stripe API on 127.0.0.1, for the official SDK to talk to.

It implements what the addon calls (Checkout Sessions create / retrieve / expire, payment intents
and charges retrieve, refunds, events list, balance, webhook endpoints), with objects built from
Stripe's own fixtures (``fixtures/stripe/fixtures3.json``) so their shape is
the real one. It honours ``Idempotency-Key`` as Stripe does (same key and body: the first answer
again; same key, other body: 400), serves a hosted checkout page where a person or a test pays,
declines or cancels, and sends webhooks signed with the SDK's own helper.

It can be told to fail: ``fail_next`` (status codes for the next API calls), ``delay`` (seconds
before each API answer), ``drop_webhooks``, ``duplicate_webhooks`` and ``report`` (what a
retrieved session says its amount and currency are, to test tampering).

Run alone (``cd tests && python3 -m fakes.stripe_server --port 12111 --webhook URL``) for the demo.
"""

import argparse
import copy
import html
import json
import secrets
import time
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import requests
import stripe

from .http_fake import FakeHandler, FakeProvider, FakeServer

# Stripe's own fixtures, copied with their licence (fixtures/README.md says from where).
FIXTURES = Path(__file__).resolve().parent / 'fixtures' / 'stripe' / 'fixtures3.json'


def load_fixtures():
    return json.loads(FIXTURES.read_text())['resources']


def parse_form(body):
    """Stripe's form encoding (``a[b][0][c]=v``) back into nested dicts and lists."""
    root = {}
    for key, value in parse_qsl(body, keep_blank_values=True):
        parts = key.replace(']', '').split('[')
        node = root
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return _lists(root)


def _lists(node):
    if not isinstance(node, dict):
        return node
    node = {key: _lists(value) for key, value in node.items()}
    if node and all(key.isdigit() for key in node):
        return [node[key] for key in sorted(node, key=int)]
    return node


class FakeStripe(FakeProvider):
    """The state and behaviour; `StripeHandler` only speaks HTTP."""

    def __init__(self, secret_key='sk_test_fake', webhook_secret='whsec_fake', webhook_url=None):
        super().__init__()
        self.fixtures = load_fixtures()
        self.secret_key = secret_key
        self.webhook_secret = webhook_secret
        self.webhook_urls = [webhook_url] if webhook_url else []
        self.sessions, self.payment_intents, self.charges, self.refunds = {}, {}, {}, {}
        self.intent_data = {}  # session id -> the payment_intent_data it was created with
        self.events, self.idempotency = [], {}
        self.duplicate_webhooks = 1
        self.report = {}  # session id -> {'amount_total': .., 'currency': ..} overrides

    # --- objects, shaped like the fixtures ----------------------------------------------------

    def _new(self, resource, prefix, **values):
        obj = copy.deepcopy(self.fixtures[resource])
        obj.update(id=f'{prefix}_{secrets.token_hex(12)}', created=int(time.time()), **values)
        if 'livemode' in obj:
            obj['livemode'] = False
        return obj

    def create_session(self, params):
        line_items = params.get('line_items') or []
        amount = sum(int(item['price_data']['unit_amount']) * int(item.get('quantity', 1)) for item in line_items)
        currency = line_items[0]['price_data']['currency'] if line_items else 'eur'
        session = self._new(
            'checkout.session',
            'cs_test',
            amount_subtotal=amount,
            amount_total=amount,
            currency=currency,
            client_reference_id=params.get('client_reference_id'),
            customer_email=params.get('customer_email'),
            customer=None,
            customer_details=None,
            invoice=None,
            subscription=None,
            setup_intent=None,
            payment_link=None,
            expires_at=int(params.get('expires_at') or time.time() + 86400),
            locale=params.get('locale'),
            metadata=params.get('metadata') or {},
            mode=params.get('mode', 'payment'),
            payment_intent=None,
            payment_method_types=params.get('payment_method_types') or ['card'],
            payment_status='unpaid',
            status='open',
            success_url=params.get('success_url'),
            cancel_url=params.get('cancel_url'),
            client_secret=None,
        )
        session['url'] = f"{self.base_url}/pay/{session['id']}"
        self.sessions[session['id']] = session
        # Not part of the session object: Checkout gives it to the payment intent it creates.
        self.intent_data[session['id']] = params.get('payment_intent_data') or {}
        return session

    def _session_view(self, session):
        return {**session, **self.report.get(session['id'], {})}

    def _pay(self, session, succeed, asynchronous=False):
        """The customer submitted the card form: a payment intent and a charge come to exist."""
        intent = self._new(
            'payment_intent',
            'pi',
            amount=session['amount_total'],
            amount_received=session['amount_total'] if succeed and not asynchronous else 0,
            amount_capturable=0,
            currency=session['currency'],
            customer=None,
            latest_charge=None,
            metadata=self.intent_data[session['id']].get('metadata') or {},
            payment_method_types=session['payment_method_types'],
            status=('processing' if asynchronous else 'succeeded') if succeed else 'requires_payment_method',
            canceled_at=None,
            cancellation_reason=None,
            last_payment_error=None if succeed else {'code': 'card_declined', 'message': 'Your card was declined.'},
        )
        self.payment_intents[intent['id']] = intent
        if succeed:
            charge = self._new(
                'charge',
                'ch',
                amount=session['amount_total'],
                amount_captured=session['amount_total'],
                amount_refunded=0,
                currency=session['currency'],
                payment_intent=intent['id'],
                paid=True,
                refunded=False,
                disputed=False,
                status='succeeded',
                customer=None,
                refunds={'object': 'list', 'data': [], 'has_more': False, 'url': '/v1/refunds'},
            )
            self.charges[charge['id']] = charge
            intent['latest_charge'] = charge['id']
        return intent

    # --- what happens on the hosted page and afterwards ---------------------------------------

    def complete(self, session_id, outcome):
        """outcome: 'pay', 'pay_async', 'decline' or 'cancel'. Returns where the browser goes next."""
        with self.lock:
            session = self.sessions[session_id]
            if session['status'] != 'open':
                return session['success_url'] if session['status'] == 'complete' else session['cancel_url']
            if outcome == 'cancel':
                return session['cancel_url']
            if outcome == 'decline':
                self._pay(session, succeed=False)
                return None  # Stripe keeps the customer on the page with the card error
            intent = self._pay(session, succeed=True, asynchronous=outcome == 'pay_async')
            session.update(status='complete', payment_intent=intent['id'])
            if outcome == 'pay':
                session['payment_status'] = 'paid'
            self._emit('checkout.session.completed', session)
            return session['success_url']

    def settle_async(self, session_id, succeed=True):
        with self.lock:
            session = self.sessions[session_id]
            intent = self.payment_intents[session['payment_intent']]
            if succeed:
                session['payment_status'] = 'paid'
                intent.update(status='succeeded', amount_received=intent['amount'])
                self._emit('checkout.session.async_payment_succeeded', session)
            else:
                intent['status'] = 'requires_payment_method'
                self._emit('checkout.session.async_payment_failed', session)

    def expire(self, session_id):
        with self.lock:
            session = self.sessions[session_id]
            if session['status'] != 'open':
                return None
            session['status'] = 'expired'
            self._emit('checkout.session.expired', session)
            return session

    def refund(self, payment_intent_id, amount=None):
        with self.lock:
            intent = self.payment_intents[payment_intent_id]
            charge = self.charges[intent['latest_charge']]
            amount = int(amount) if amount else charge['amount'] - charge['amount_refunded']
            refund = self._new(
                'refund',
                're',
                amount=amount,
                charge=charge['id'],
                currency=charge['currency'],
                payment_intent=intent['id'],
                status='succeeded',
                reason=None,
                metadata={},
            )
            self.refunds[refund['id']] = refund
            charge['amount_refunded'] += amount
            charge['refunded'] = charge['amount_refunded'] >= charge['amount']
            charge['refunds']['data'].append(refund)
            self._emit('charge.refunded', charge)
            return refund

    def dispute(self, payment_intent_id, reason='fraudulent'):
        with self.lock:
            charge = self.charges[self.payment_intents[payment_intent_id]['latest_charge']]
            charge['disputed'] = True
            dispute = self._new(
                'dispute',
                'dp',
                amount=charge['amount'],
                charge=charge['id'],
                currency=charge['currency'],
                payment_intent=payment_intent_id,
                reason=reason,
                status='needs_response',
                metadata={},
            )
            self._emit('charge.dispute.created', dispute)
            return dispute

    # --- webhooks -----------------------------------------------------------------------------

    def _emit(self, event_type, obj):
        event = self._new('event', 'evt', type=event_type, data={'object': copy.deepcopy(obj)}, pending_webhooks=1)
        event['request'] = {'id': None, 'idempotency_key': None}
        self.events.append(event)
        if self.drop_webhooks:
            return
        self._in_background(self._deliver, event)

    def _deliver(self, event):
        payload = json.dumps(event)
        for url in list(self.webhook_urls):
            for _copy in range(self.duplicate_webhooks):
                self.deliveries.append((event['id'], self.send_webhook(url, payload)))

    def send_webhook(self, url, payload, secret=None, timestamp=None):
        """POST a body signed as Stripe signs it; returns the HTTP status (0: no answer)."""
        header = stripe.WebhookSignature.generate_signature_header(
            payload, secret or self.webhook_secret, timestamp=timestamp
        )
        try:
            response = requests.post(
                url,
                data=payload.encode(),
                headers={'Stripe-Signature': header, 'Content-Type': 'application/json; charset=utf-8'},
                timeout=30,
            )
        except requests.RequestException:
            return 0
        return response.status_code

    # --- the API ------------------------------------------------------------------------------

    def api(self, method, path, params, headers):
        """Returns (status, body dict)."""
        if headers.get('Authorization') != f'Bearer {self.secret_key}':
            return 401, _error('invalid_request_error', 'Invalid API Key provided.')
        parts = path.strip('/').split('/')[1:]  # without 'v1'
        with self.lock:
            if method == 'POST' and parts == ['checkout', 'sessions']:
                return 200, self.create_session(params)
            if parts[:2] == ['checkout', 'sessions'] and len(parts) >= 3:
                session = self.sessions.get(parts[2])
                if not session:
                    return 404, _error('invalid_request_error', f'No such checkout.session: {parts[2]}')
                if method == 'POST' and parts[3:] == ['expire']:
                    if session['status'] != 'open':
                        return 400, _error('invalid_request_error', 'Only open sessions can be expired.')
                    self.expire(session['id'])
                return 200, self._session_view(session)
            if method == 'GET' and parts[:1] == ['payment_intents'] and len(parts) == 2:
                return _found(self.payment_intents.get(parts[1]), 'payment_intent')
            if method == 'GET' and parts[:1] == ['charges'] and len(parts) == 2:
                return _found(self.charges.get(parts[1]), 'charge')
            if method == 'POST' and parts == ['refunds']:
                if params.get('payment_intent') not in self.payment_intents:
                    return 400, _error('invalid_request_error', 'No such payment_intent.')
                return 200, self.refund(params['payment_intent'], params.get('amount'))
            if method == 'GET' and parts == ['events']:
                data = list(reversed(self.events))[: int(params.get('limit', 10))]
                return 200, {'object': 'list', 'data': data, 'has_more': False, 'url': '/v1/events'}
            if method == 'GET' and parts == ['balance']:
                return 200, copy.deepcopy(self.fixtures['balance'])
            if method == 'POST' and parts == ['webhook_endpoints']:
                endpoint = self._new(
                    'webhook_endpoint',
                    'we',
                    url=params['url'],
                    enabled_events=params.get('enabled_events', []),
                    status='enabled',
                    metadata={},
                )
                endpoint['secret'] = self.webhook_secret
                self.webhook_urls.append(params['url'])
                return 200, endpoint
        return 404, _error('invalid_request_error', f'Unrecognized request URL ({method}: {path})')


IDEMPOTENCY_MISMATCH = (
    'Keys for idempotent requests can only be used with the same parameters they were first used with.'
)


def _error(kind, message):
    return {'error': {'type': kind, 'message': message}}


def _found(obj, resource):
    return (200, obj) if obj else (404, _error('invalid_request_error', f'No such {resource}'))


class StripeHandler(FakeHandler):
    server_version = 'FakeStripe/1.0'

    def _handle(self, method):
        url = urlsplit(self.path)
        body = self._body()
        if url.path.startswith('/pay/'):
            return self._hosted_page(method, url.path, body)
        fake = self.fake
        if failure := self._api_call_starts(method, url.path):
            return self._send(failure, _error('api_error', 'Fake failure'), headers=[('Stripe-Should-Retry', 'false')])
        params = parse_form(body if method == 'POST' else url.query)
        key = self.headers.get('Idempotency-Key')
        if method == 'POST' and key:
            with fake.lock:
                known = fake.idempotency.get(key)
                if known and known[0] != (url.path, body):
                    return self._send(400, _error('idempotency_error', IDEMPOTENCY_MISMATCH))
                if known:
                    return self._send(known[1], known[2], headers=[('Idempotent-Replayed', 'true')])
                status, answer = fake.api(method, url.path, params, self.headers)
                fake.idempotency[key] = ((url.path, body), status, answer)
                return self._send(status, answer)
        status, answer = fake.api(method, url.path, params, self.headers)
        return self._send(status, answer)

    def _hosted_page(self, method, path, body):
        parts = path.strip('/').split('/')
        session = self.fake.sessions.get(parts[1]) if len(parts) > 1 else None
        if not session:
            return self._send(404, b'<h1>No such checkout session</h1>', 'text/html')
        if method == 'POST':
            outcome = dict(parse_qsl(body)).get('outcome', '')
            if outcome not in ('pay', 'pay_async', 'decline', 'cancel'):
                return self._send(400, b'bad outcome', 'text/plain')
            target = self.fake.complete(session['id'], outcome)
            if target:
                return self._send(303, b'', 'text/plain', headers=[('Location', target)])
            return self._page(session, "Your card was declined.")
        return self._page(session, None)

    def _page(self, session, error):
        amount = session['amount_total'] / 100
        state = '' if session['status'] == 'open' else f"<p class='state'>This session is {session['status']}.</p>"
        buttons = ''.join(
            f'<button name="outcome" value="{value}" id="fake-stripe-{value}">{label}</button> '
            for value, label in (('pay', 'Pay'), ('decline', 'Use a declined card'), ('cancel', 'Cancel'))
        )
        page = f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>Fake Stripe Checkout</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head><body>
<h1>Fake Stripe Checkout</h1>
<p id="fake-stripe-amount">{amount:.2f} {html.escape(session['currency'].upper())}</p>
<p>{html.escape(session['client_reference_id'] or '')}</p>
{f'<p id="fake-stripe-error" role="alert">{html.escape(error)}</p>' if error else ''}{state}
<p>Card 4242 4242 4242 4242 (test mode)</p>
<form method="post">{buttons}</form></body></html>"""
        return self._send(200, page.encode(), 'text/html; charset=utf-8')


class StripeServer(FakeServer):
    """The fake Stripe on a free port of 127.0.0.1: ``with StripeServer() as fake: ...``."""

    def __init__(self, port=0, **kwargs):
        super().__init__(FakeStripe(**kwargs), StripeHandler, port)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--port', type=int, default=12111)
    parser.add_argument('--secret-key', default='sk_test_fake')
    parser.add_argument('--webhook-secret', default='whsec_fake')
    parser.add_argument('--webhook', help='URL the events are posted to')
    args = parser.parse_args()
    server = StripeServer(
        args.port, secret_key=args.secret_key, webhook_secret=args.webhook_secret, webhook_url=args.webhook
    )
    print(f'Fake Stripe on {server.url}', flush=True)
    server.httpd.serve_forever()


if __name__ == '__main__':
    main()
