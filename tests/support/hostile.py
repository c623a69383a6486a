"""Hostile requests for the fuzz suite: generated bodies, paths and headers, sent raw."""

import http.client
import json
import time
from urllib.parse import quote

import stripe

HOSTILE_STRINGS = [
    '', ' ', '0', '-1', '1e309', 'null', 'true', '[]', '{}', '../../etc/passwd', "' OR 1=1 --", '%00', '\x00',
    '<script>alert(1)</script>', '{{7*7}}', '${7*7}', 'ÿþ', '\u202e', '\U0001d54f' * 50, 'A' * 2000, '9' * 400,
]  # fmt: skip


def hostile_text(rng):
    kind = rng.randrange(6)
    if kind == 0:
        return rng.choice(HOSTILE_STRINGS)
    if kind == 1:
        return rng.randbytes(rng.randint(0, 200)).decode('latin-1')
    if kind == 2:
        return ''.join(chr(rng.randint(1, 0x2FFF)) for _ in range(rng.randint(1, 60)))
    if kind == 3:
        return 'x' * rng.choice([1, 255, 256, 4096, 70000])
    if kind == 4:
        return str(rng.randint(-(2**63), 2**63))
    return rng.choice(['tr_', 'cs_', 'evt_', 're_', 'INV/']) + rng.randbytes(rng.randint(1, 30)).hex()


def header_safe(text):
    """Any bytes a header can carry (no line breaks or NUL, which no HTTP client can send), short
    enough for the HTTP server (a longer one is refused with 431 before Odoo)."""
    return text[:4000].encode('latin-1', 'replace').decode('latin-1').translate({0: None, 10: None, 13: None})


def in_url(text):
    """Hostile text as it can travel in a URL: quoted, short enough for the server's request
    line (a longer one is refused by the HTTP server itself, before Odoo)."""
    return quote(text[:8000].encode('utf-8', 'replace'), safe='')


def nested_json(rng):
    depth = rng.choice([10, 1000, 100000])
    return ('[' * depth + ']' * rng.choice([0, depth])).encode()


def wrong_types_json(rng, template):
    """A real-looking event with a few values swapped for other types."""
    event = json.loads(template) if template else {'id': 'evt_x', 'type': 'checkout.session.completed'}

    def mutate(value):
        if isinstance(value, dict):
            return {key: mutate(item) if rng.random() < 0.3 else item for key, item in value.items()}
        return rng.choice([None, [], {}, 0, -1, 1.5, True, 'x', 'x' * 100000, [value], {'$gt': ''}])

    return json.dumps(mutate(event)).encode()


def stripe_fuzz_request(rng, template, secret):
    """(body, headers as a list of pairs: a header may come twice)."""
    kind = rng.randrange(9)
    if kind == 0:
        body = rng.randbytes(rng.randint(0, 3000))
    elif kind == 1:
        body = template[: rng.randint(0, len(template))].encode()
    elif kind == 2:
        body = nested_json(rng)
    elif kind == 3:
        body = wrong_types_json(rng, template)
    elif kind == 4:
        body = b'\xff\xfe' + hostile_text(rng).encode('utf-16-le', 'replace')
    elif kind == 5:
        body = ('{"a": "' + 'x' * rng.choice([60000, 70000, 200000]) + '"}').encode()
    else:
        body = wrong_types_json(rng, template)
    text = body.decode('utf-8', 'replace')
    signature = stripe.WebhookSignature.generate_signature_header(text, secret)
    choice = rng.randrange(7)
    if choice == 0:
        headers = []
    elif choice == 1:
        headers = [('Stripe-Signature', header_safe(hostile_text(rng)))]
    elif choice == 2:
        headers = [('Stripe-Signature', signature), ('Stripe-Signature', 't=1,v1=' + 'a' * 64)]
    elif choice == 3:
        old = stripe.WebhookSignature.generate_signature_header(text, secret, timestamp=int(time.time()) - 3600)
        headers = [('Stripe-Signature', old)]
    else:
        headers = [('Stripe-Signature', signature)]  # signed with the right secret: parsed in depth
    headers.append(('Content-Type', rng.choice(['application/json', 'text/plain', 'multipart/form-data', ''])))
    return body, headers


def mollie_fuzz_request(rng):
    kind = rng.randrange(6)
    if kind == 0:
        body = f'id=tr_{rng.randbytes(4).hex()}'.encode()
    elif kind == 1:
        body = ('id=' + quote(hostile_text(rng).encode('utf-8', 'replace'))).encode()
    elif kind == 2:
        body = b'id=tr_a&id=tr_b&id[]=x'
    elif kind == 3:
        body = rng.randbytes(rng.randint(0, 3000))
    elif kind == 4:
        body = nested_json(rng)
    else:
        body = ('id=tr_' + 'x' * rng.choice([65, 5000, 70000])).encode()
    content_type = rng.choice(['application/x-www-form-urlencoded', 'application/json', 'text/plain'])
    return body, [('Content-Type', content_type)]


class RawClient:
    """One keep-alive connection that can send any header twice and any bytes."""

    def __init__(self, port):
        self.port = port
        self.conn = None

    def send(self, method, path, body=b'', headers=()):
        for _attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection('127.0.0.1', self.port, timeout=60)
            try:
                self.conn.putrequest(method, path, skip_accept_encoding=True)
                for name, value in headers:
                    self.conn.putheader(name, value)
                if method == 'POST':
                    self.conn.putheader('Content-Length', str(len(body)))
                self.conn.endheaders(body if method == 'POST' else None)
                response = self.conn.getresponse()
                response.read()
                if response.getheader('Connection', '').lower() == 'close':
                    self.close()
                return response.status
            except (http.client.HTTPException, OSError):
                self.close()
        return 0

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def random_path_token(rng, valid_tokens, valid_share=0.2):
    """A token that opens nothing, or now and then a real one (so deeper code runs too). Never a
    slash, which would make it another path than the route's."""
    if rng.random() < valid_share:
        return rng.choice(valid_tokens)
    return in_url(hostile_text(rng).replace('/', '')) or 'x'


def customer_fuzz_request(rng, route, valid_tokens, session):
    """(method, path, body, headers) for one of the customer routes. `session` is (session id,
    CSRF token): half the POSTs carry them, so that they get past the CSRF check."""
    # A valid token on the PDF route renders a PDF (a second or two): the fuzz does not need it.
    token = random_path_token(rng, valid_tokens, valid_share=0 if route == 'pdf' else 0.2)
    junk = in_url(hostile_text(rng))
    session_id, csrf = session
    form = [('Content-Type', 'application/x-www-form-urlencoded')]
    if rng.random() < 0.5:
        form.append(('Cookie', f'session_id={session_id}'))
        with_csrf = f'csrf_token={csrf}&'
    else:
        # A wrong CSRF token, ASCII: Odoo's own check fails with a 500 on a non-ASCII one (in
        # odoo.http, before any route of ours; reported with the figures).
        wrong = in_url(hostile_text(rng).encode('ascii', 'ignore').decode() or 'x')
        with_csrf = f'csrf_token={wrong}&' if rng.random() < 0.5 else ''
    if route == 'invoice':
        return 'GET', f'/invoicecloud/{token}?payment={junk}&remark={junk}', b'', []
    if route == 'pdf':
        return 'GET', f'/invoicecloud/{token}/pdf?download={junk}', b'', []
    if route == 'status':
        return 'GET', f'/invoicecloud/{token}/payment?reference={junk}&cancelled={junk}', b'', []
    if route == 'history':
        return 'GET', f'/invoicecloud/history/{token}/page/{rng.randint(-5, 10**12)}?state={junk}', b'', []
    if route == 'history_pay_get':
        ids = '&'.join(f'invoice_ids={rng.choice([junk, str(rng.randint(-9, 10**9))])}' for _ in range(3))
        return 'GET', f'/invoicecloud/history/{token}/pay?{ids}&payment={junk}', b'', []
    if route == 'history_pay':
        body = f'{with_csrf}invoice_ids={junk}&invoice_ids={rng.randint(-9, 10**9)}&method={junk}'
        return 'POST', f'/invoicecloud/history/{token}/pay', body.encode(), form
    if route == 'pay':
        method = rng.choice([junk, f'{rng.randint(-9, 10**6)}-{junk}', f'{junk}-{rng.randint(0, 99)}', '-', ''])
        body = f'{with_csrf}method={method}&amount={junk}'
        return 'POST', f'/invoicecloud/{token}/pay', body.encode(), form
    if route == 'statement':
        # The CSV: the PDF draws through wkhtmltopdf (a second or two), which the fuzz does not need.
        query = f'date_from={junk}&date_to={rng.choice([junk, "2026-02-30", "0001-01-01"])}&company={junk}'
        return 'GET', f'/invoicecloud/history/{token}/statement.csv?{query}', b'', []
    if route == 'promise':
        body = f'{with_csrf}promise_date={rng.choice([junk, "9999-12-31", "2026-13-01"])}'
        return 'POST', f'/invoicecloud/{token}/promise', body.encode(), form
    if route == 'dispute':
        # Never a reason of the list: with a real token and the CSRF token, it would be posted.
        body = f'{with_csrf}reason={junk}&explanation={junk}&attachment={junk}'
        return 'POST', f'/invoicecloud/{token}/dispute', body.encode(), form
    if route == 'beacon':
        return 'POST', '/invoicecloud/beacon/view', f'{with_csrf}ticket={junk}'.encode(), form
    # remark: never a valid remark (with a real token and the CSRF token, it would be posted)
    remark = rng.choice(['', ' ', 'x' * 2001, 'y' * 100000])
    body = f'{with_csrf}remark={remark}&{junk}={junk}'
    return 'POST', f'/invoicecloud/{token}/remark', body.encode(), form


CUSTOMER_ROUTES = (
    'invoice', 'pdf', 'status', 'history', 'history_pay_get', 'history_pay', 'pay', 'remark',
    'statement', 'promise', 'dispute', 'beacon',
)  # fmt: skip
