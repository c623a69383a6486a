"""A stateful fake of the Stripe API on 127.0.0.1, for the official SDK to talk to.

It implements what the addon calls (Checkout Sessions create / retrieve / expire, payment intents
and charges retrieve, refunds, events list, balance, webhook endpoints), with objects built from
Stripe's own fixtures (``fixtures/stripe/fixtures3.json``) so their shape is
the real one. It refuses what Stripe refuses (``stripe_rules``: the parameters of Stripe's published
API description and the rules of its documentation) before anything changes, limits the request
rate as Stripe's test mode does (``rate_limit_per_second``), honours ``Idempotency-Key`` as Stripe
documents it (https://docs.stripe.com/api/idempotent_requests: the first answer replayed for 24
hours; same key, other request: 400; the first request still running: 409), serves a hosted
checkout page where a person or a test pays, declines or cancels, and sends webhooks signed with
the SDK's own helper.

It can be told to fail: ``fail_next`` (status codes for the next API calls), ``delay`` (seconds
before each API call reaches the endpoint), ``execution_delay`` (seconds the endpoint itself runs,
its idempotency key in flight), ``drop_webhooks``, ``duplicate_webhooks`` and ``report`` (what a
retrieved session says its amount and currency are, to test tampering). ``clock`` (a callable
giving the time) can be replaced to test what depends on the time.

Run alone (``cd tests && python3 -m fakes.stripe_server --port 12111 --webhook URL``) for the demo.
"""

import argparse
import copy
import html
import json
import secrets
import time
from collections import deque
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import requests
import stripe

from . import stripe_rules
from .http_fake import FakeHandler, FakeProvider, FakeServer

# Stripe's own fixtures, copied with their licence (fixtures/README.md says from where).
FIXTURES = Path(__file__).resolve().parent / 'fixtures' / 'stripe' / 'fixtures3.json'

# https://docs.stripe.com/rate-limits: "Test mode: 25 read operations and 25 write operations" per
# second (today's page: "Sandbox: 25 requests per second", the global limit). The fake counts all
# API calls together, in a sliding one-second window.
TEST_MODE_RATE_LIMIT = 25
# https://docs.stripe.com/api/idempotent_requests: keys can be removed "after they're at least 24
# hours old"; a key reused after that makes a new request.
IDEMPOTENCY_KEY_LIFETIME = 24 * 3600
# Same page: "Idempotency keys are up to 255 characters long."
IDEMPOTENCY_KEY_MAX_LENGTH = 255


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

    def __init__(
        self,
        secret_key='sk_test_fake',
        webhook_secret='whsec_fake',
        webhook_url=None,
        rate_limit_per_second=TEST_MODE_RATE_LIMIT,
    ):
        super().__init__()
        self.fixtures = load_fixtures()
        self.secret_key = secret_key
        self.webhook_secret = webhook_secret
        self.webhook_urls = [webhook_url] if webhook_url else []
        self.sessions, self.payment_intents, self.charges, self.refunds = {}, {}, {}, {}
        self.intent_data = {}  # session id -> the payment_intent_data it was created with
        self.events = []
        self.idempotency = {}  # key -> (request, status, answer, time saved)
        self.in_flight = set()  # keys whose first request is running
        self.rate_limit_per_second = rate_limit_per_second  # None: no limit
        self.rate_limited_calls = 0  # answered 429
        self._recent = deque()  # times of the API calls of the last second
        self.execution_delay = 0.0
        self.clock = time.time
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
        if obj.get('object') == 'checkout.session':
            obj = self._session_view(obj)  # `report` tampers with what Stripe says, everywhere
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

    def now(self):
        return self.clock()

    def rate_limited(self):
        """The 429 Stripe answers past its test-mode rate (a `Refusal`), or None; counts the call."""
        if self.rate_limit_per_second is None:
            return None
        with self.lock:
            now = self.now()
            while self._recent and self._recent[0] <= now - 1:
                self._recent.popleft()
            if len(self._recent) >= self.rate_limit_per_second:
                self.rate_limited_calls += 1
                return stripe_rules.Refusal(RATE_LIMITED, code='rate_limit', status=429)
            self._recent.append(now)
            return None

    def refusal(self, method, path, params, headers):
        """Why Stripe would refuse this call before running it (a `Refusal`), or None."""
        if headers.get('Authorization') != f'Bearer {self.secret_key}':
            return stripe_rules.Refusal('Invalid API Key provided.', status=401)
        return stripe_rules.refusal(method, path, params, self.now())

    def api(self, method, path, params, headers):
        """Returns (status, body dict)."""
        if refused := self.refusal(method, path, params, headers):
            return refused.answer()
        return self.execute(method, path, params)

    def execute(self, method, path, params):
        """Run a call `refusal` let through; returns (status, body dict)."""
        if self.execution_delay:
            time.sleep(self.execution_delay)  # outside the lock: other calls go on meanwhile
        parts = path.strip('/').split('/')[1:]  # without 'v1'
        with self.lock:
            if method == 'POST' and parts == ['checkout', 'sessions']:
                return 200, self.create_session(params)
            if parts[:2] == ['checkout', 'sessions'] and len(parts) >= 3:
                session = self.sessions.get(parts[2])
                if not session:
                    return _missing('checkout.session', parts[2], 'session')
                if method == 'POST' and parts[3:] == ['expire']:
                    if session['status'] != 'open':
                        return 400, _error('invalid_request_error', 'Only open sessions can be expired.')
                    self.expire(session['id'])
                return 200, self._session_view(session)
            if method == 'GET' and parts[:1] == ['payment_intents'] and len(parts) == 2:
                return _found(self.payment_intents.get(parts[1]), 'payment_intent', parts[1], 'intent')
            if method == 'GET' and parts[:1] == ['charges'] and len(parts) == 2:
                return _found(self.charges.get(parts[1]), 'charge', parts[1], 'charge')
            if method == 'POST' and parts == ['refunds']:
                return self._refund_call(params)
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

    def _refund_call(self, params):
        intent_id = params.get('payment_intent')
        if 'charge' in params:
            charge = self.charges.get(params['charge'])
            if not charge:
                return _missing('charge', params['charge'], 'charge', status=400)
            intent_id = intent_id or charge['payment_intent']
        if intent_id not in self.payment_intents:
            return _missing('payment_intent', intent_id, 'payment_intent', status=400)
        return 200, self.refund(intent_id, params.get('amount'))

    # --- idempotency (https://docs.stripe.com/api/idempotent_requests) -----------------------------

    def claim_key(self, key, request):
        """The answer for a call whose key is known, or None: the call runs, its key in flight."""
        with self.lock:
            if len(key) > IDEMPOTENCY_KEY_MAX_LENGTH:
                return stripe_rules.Refusal(KEY_TOO_LONG).answer() + ([],)
            self._forget_old_keys()
            if key in self.in_flight:
                # "the request conflicts with another that's executing concurrently": 409, not saved.
                return 409, _error('invalid_request_error', KEY_IN_USE.format(key=key), 'idempotency_key_in_use'), []
            known = self.idempotency.get(key)
            if known and known[0] != request:
                return 400, _error('idempotency_error', IDEMPOTENCY_MISMATCH.format(key=key)), []
            if known:
                return known[1], known[2], [('Idempotent-Replayed', 'true')]
            self.in_flight.add(key)
            return None

    def save_key(self, key, request, status, answer):
        """Save the answer of a call that ran, errors included (Stripe replays even 500s)."""
        with self.lock:
            self.idempotency[key] = (request, status, answer, self.now())

    def release_key(self, key):
        with self.lock:
            self.in_flight.discard(key)

    def _forget_old_keys(self):
        oldest = self.now() - IDEMPOTENCY_KEY_LIFETIME
        for key in [key for key, known in self.idempotency.items() if known[3] <= oldest]:
            del self.idempotency[key]


IDEMPOTENCY_MISMATCH = (
    'Keys for idempotent requests can only be used with the same parameters they were first used with. '
    "Try using a key other than '{key}' if you meant to execute a different request."
)
KEY_IN_USE = (
    'There is currently another in-progress request using this Idempotent Key (that probably means you submitted '
    'twice, and the other request is still going through): {key}. Please try again later.'
)
KEY_TOO_LONG = f'Idempotency keys can be at most {IDEMPOTENCY_KEY_MAX_LENGTH} characters long.'
RATE_LIMITED = (
    'Testmode request rate limit exceeded, the rate limits in testmode are lower than livemode. '
    'You can learn more about rate limits here https://docs.stripe.com/rate-limits.'
)


def _error(kind, message, code=None, param=None):
    error = {'type': kind, 'message': message}
    if param:
        error['param'] = param
    if code:
        error['code'] = code
        error['doc_url'] = f"https://docs.stripe.com/error-codes/{code.replace('_', '-')}"
    return {'error': error}


def _missing(resource, object_id, param, status=404):
    """Stripe's answer naming an object that does not exist (https://docs.stripe.com/error-codes/resource-missing)."""
    return status, _error('invalid_request_error', f"No such {resource}: '{object_id}'", 'resource_missing', param)


def _found(obj, resource, object_id, param):
    return (200, obj) if obj else _missing(resource, object_id, param)


class StripeHandler(FakeHandler):
    server_version = 'FakeStripe/1.0'

    def _handle(self, method):
        url = urlsplit(self.path)
        body = self._body()
        if url.path.startswith('/pay/'):
            return self._hosted_page(method, url.path, body)
        fake = self.fake
        # A failure on demand stands for an outage before the endpoint: no idempotent result saved.
        if failure := self._api_call_starts(method, url.path):
            return self._send(failure, _error('api_error', 'Fake failure'), headers=[('Stripe-Should-Retry', 'false')])
        if limited := fake.rate_limited():
            return self._send(*limited.answer())
        params = parse_form(body if method == 'POST' else url.query)
        # Stripe ignores the key on GET and DELETE (they are idempotent by definition).
        key = self.headers.get('Idempotency-Key') if method == 'POST' else None
        if not key:
            return self._send(*fake.api(method, url.path, params, self.headers))
        request = (method, url.path, params)
        if known := fake.claim_key(key, request):
            return self._send(known[0], known[1], headers=known[2])
        try:
            # "If incoming parameters fail validation [...] no idempotent result is saved because no
            # API endpoint initiated the execution": a refused call leaves the key free.
            if refused := fake.refusal(method, url.path, params, self.headers):
                return self._send(*refused.answer())
            status, answer = fake.execute(method, url.path, params)
            fake.save_key(key, request, status, answer)
        finally:
            fake.release_key(key)  # outside the fake's lock while it ran: a duplicate meanwhile gets 409
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
