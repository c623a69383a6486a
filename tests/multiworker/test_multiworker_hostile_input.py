"""Issue 5, cases 7, 9 and 10: hostile input against Odoo with two workers.

- Fuzz: generated requests to both webhook routes and to every customer route (random bytes,
  truncated and deeply nested JSON, wrong types, huge fields, bad or doubled headers, non-UTF-8):
  no 5xx, no payment, no change to transactions, payments, messages, activities or invoices.
- Tokens: random tokens never open anything; wrong, reset and foreign tokens answer the same 404
  in the same time; no token ever reaches Odoo's log.
- Abuse: webhook bodies over 64 KB get 413, checkouts beyond the limit 429, POSTs without CSRF 400.

Quick mode (setup/test --quick) sends fewer requests.
"""

import os
import random
import re
import statistics
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from hostile import CUSTOMER_ROUTES, RawClient, customer_fuzz_request, mollie_fuzz_request, stripe_fuzz_request
from odoo_server import worker_trouble
from payment_helpers import WEBHOOK_SECRET, Customer, Ledger, paid_without_webhook, shop_and_fakes, webhook_url
from suite_figures import record

QUICK = os.environ.get('INVOICECLOUD_QUICK') == '1'
WEBHOOK_FUZZ = 500 if QUICK else 10_000  # per webhook route
# Sized so that the whole setup/test stays well inside CI's 90 minutes on two cores.
CUSTOMER_FUZZ = 100 if QUICK else 1_000  # per customer route; a quarter for those that move no money
# The routes of the pages and of money: the others (statement, promise, dispute, beacon) write
# one row at most, and get a quarter of the requests, to keep the suite's time.
PAYMENT_ROUTES = ('invoice', 'pdf', 'status', 'history', 'history_pay_get', 'history_pay', 'pay', 'remark')
RANDOM_TOKENS = 2_000 if QUICK else 30_000
TIMING_ROUNDS = 50 if QUICK else 300
# Slowest kind of bad token against the fastest, by median: a ratio, measured in the same run.
TIMING_RATIO_BOUND = 1.5
CLIENTS = 4
FIGURES = {}

STATE_SQL = """
SELECT (SELECT count(*) FROM payment_transaction),
       (SELECT string_agg(state, ',' ORDER BY id) FROM payment_transaction),
       (SELECT count(*) FROM account_payment),
       (SELECT count(*) FROM mail_message WHERE model IN ('account.move', 'payment.transaction')),
       (SELECT count(*) FROM mail_activity),
       (SELECT sum(amount_residual) FROM account_move WHERE move_type = 'out_invoice'),
       (SELECT string_agg(invoicecloud_token, ',' ORDER BY id) FROM account_move)
"""


@pytest.fixture(scope='module')
def shop():
    with shop_and_fakes('hostile', singles=6, multiworker=True, own_log_check=True) as shop:
        odoo, data, stripe_fake, _mollie_fake = shop
        # One paid invoice: its event is the template the fuzzer mutates.
        template = paid_without_webhook(stripe_fake, Customer(odoo), data['single'][0])
        stripe_fake.send_webhook(webhook_url(odoo, data), template)
        odoo.record_payments()
        data['reset_token'] = odoo.run_result('reset_invoice_link', invoice_id=data['single'][1]['id'])
        yield odoo, data, stripe_fake, template
        record('hostile input', FIGURES)


def _run(port, requests_to_send):
    """Send (method, path, body, headers) from CLIENTS keep-alive connections; statuses in order."""
    chunks = [requests_to_send[i::CLIENTS] for i in range(CLIENTS)]

    def send_all(chunk):
        client = RawClient(port)
        try:
            return [client.send(*request) for request in chunk]
        finally:
            client.close()

    with ThreadPoolExecutor(CLIENTS) as pool:
        return [status for statuses in pool.map(send_all, chunks) for status in statuses]


def _answers(statuses):
    return {str(status): statuses.count(status) for status in sorted(set(statuses))}


def test_fuzzed_webhooks_never_5xx_and_change_nothing(shop):
    odoo, data, _stripe_fake, template = shop
    ledger, rng = Ledger(odoo), random.Random(11)
    stripe_path = f"/invoicecloud/webhook/stripe/{data['provider_id']}"
    mollie_path = f"/invoicecloud/webhook/mollie/{data['mollie_provider_id']}"
    before = ledger.query(STATE_SQL)
    stripe_requests = [
        ('POST', stripe_path, *stripe_fuzz_request(rng, template, WEBHOOK_SECRET)) for _ in range(WEBHOOK_FUZZ)
    ]
    mollie_requests = [('POST', mollie_path, *mollie_fuzz_request(rng)) for _ in range(WEBHOOK_FUZZ)]
    start = time.monotonic()
    stripe_statuses = _run(odoo.port, stripe_requests)
    mollie_statuses = _run(odoo.port, mollie_requests)
    FIGURES['webhook_fuzz'] = {
        'stripe': _answers(stripe_statuses),
        'mollie': _answers(mollie_statuses),
        'seconds': round(time.monotonic() - start, 1),
    }
    assert not [status for status in stripe_statuses + mollie_statuses if status >= 500 or status == 0]
    assert ledger.query(STATE_SQL) == before
    assert not worker_trouble(odoo.log)


def test_fuzzed_customer_routes_never_5xx_and_change_nothing(shop):
    odoo, data, _stripe_fake, _template = shop
    ledger, rng = Ledger(odoo), random.Random(13)
    tokens = [invoice['token'] for invoice in data['single']] + [data['history_token'], data['reset_token']]
    browser = requests.Session()
    page = browser.get(f"{odoo.url}/invoicecloud/{data['single'][2]['token']}", timeout=30).text
    session = (browser.cookies['session_id'], re.search(r'name="csrf_token" value="([^"]+)"', page).group(1))
    before = ledger.query(STATE_SQL)
    to_send = [
        customer_fuzz_request(rng, route, tokens, session)
        for route in CUSTOMER_ROUTES
        for _ in range(CUSTOMER_FUZZ if route in PAYMENT_ROUTES else CUSTOMER_FUZZ // 4)
    ]
    rng.shuffle(to_send)
    start = time.monotonic()
    statuses = _run(odoo.port, to_send)
    FIGURES['customer_fuzz'] = {
        'requests': len(statuses),
        'answers': _answers(statuses),
        'seconds': round(time.monotonic() - start, 1),
    }
    assert not [status for status in statuses if status >= 500 or status == 0]
    assert ledger.query(STATE_SQL) == before
    assert not worker_trouble(odoo.log)


def test_random_tokens_open_nothing(shop):
    odoo, _data, _stripe_fake, _template = shop
    rng = random.Random(17)
    routes = ('/invoicecloud/{}', '/invoicecloud/{}/pdf', '/invoicecloud/history/{}')
    alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
    to_send = [
        ('GET', rng.choice(routes).format(''.join(rng.choices(alphabet, k=43))), b'', []) for _ in range(RANDOM_TOKENS)
    ]
    start = time.monotonic()
    statuses = _run(odoo.port, to_send)
    FIGURES['random_tokens'] = {'requests': len(statuses), 'answers': _answers(statuses),
                                'seconds': round(time.monotonic() - start, 1)}  # fmt: skip
    assert statuses == [404] * RANDOM_TOKENS


def test_wrong_reset_and_foreign_tokens_answer_the_same_404_in_the_same_time(shop):
    odoo, data, _stripe_fake, _template = shop
    kinds = {
        'wrong': '/invoicecloud/' + 'Q' * 43,
        'reset': f"/invoicecloud/{data['reset_token']}",
        'foreign (customer token as invoice)': f"/invoicecloud/{data['history_token']}",
        'foreign (invoice token as history)': f"/invoicecloud/history/{data['single'][3]['token']}",
    }
    session = requests.Session()
    timings, bodies = {kind: [] for kind in kinds}, {}
    for _round in range(TIMING_ROUNDS):  # interleaved, so that load changes hit every kind alike
        for kind, path in kinds.items():
            start = time.perf_counter()
            response = session.get(odoo.url + path, timeout=30)
            timings[kind].append(time.perf_counter() - start)
            assert response.status_code == 404, kind
            bodies[kind] = re.sub(r'csrf_token[^,]+', '', response.text)
    medians = {kind: round(statistics.median(values) * 1000, 2) for kind, values in timings.items()}
    spread = round(max(medians.values()) - min(medians.values()), 2)
    ratio = round(max(medians.values()) / min(medians.values()), 2)
    FIGURES['bad_token_404_median_ms'] = {**medians, 'spread': spread, 'slowest_to_fastest': ratio}
    assert len(set(bodies.values())) == 1, "every bad token gets the same page"
    # Interleaved rounds: load hits every kind alike, so a busy machine moves no kind apart.
    assert ratio < TIMING_RATIO_BOUND, "no kind of bad link answers measurably slower than another"


def test_abuse_is_answered_413_429_and_400(shop):
    odoo, data, _stripe_fake, _template = shop
    customer = Customer(odoo)
    big = b'{"a": "' + b'x' * 70_000 + b'"}'
    for path in (f"/invoicecloud/webhook/stripe/{data['provider_id']}",
                 f"/invoicecloud/webhook/mollie/{data['mollie_provider_id']}"):  # fmt: skip
        assert requests.post(odoo.url + path, data=big, timeout=30).status_code == 413
        chunked = requests.post(odoo.url + path, data=iter([big[:40_000], big[40_000:]]), timeout=30)
        assert chunked.status_code in (400, 413)
    invoice = data['single'][4]
    statuses = [customer.pay_invoice(invoice['token'], method_code='card').status_code for _attempt in range(11)]
    assert statuses == [303] * 10 + [429]
    token = invoice['token']
    for path, body in ((f'/invoicecloud/{token}/pay', {'method': '1-1'}),
                       (f'/invoicecloud/{token}/remark', {'remark': 'Hello'}),
                       (f"/invoicecloud/history/{data['history_token']}/pay", {'invoice_ids': '1'})):  # fmt: skip
        assert requests.post(odoo.url + path, data=body, timeout=30, allow_redirects=False).status_code == 400
    assert Ledger(odoo).messages(invoice['id'], 'Hello') == 0
    FIGURES['abuse'] = {'413': 'both webhooks', '429': 'the 11th checkout of an invoice', '400': 'POST without CSRF'}


# What hostile requests make Odoo itself log, and nothing else: its CSRF check refusing a POST;
# and, on a fuzzed path it cannot match, Odoo's frontend error handler (http_routing, as for every
# website route) failing to render its 400 page for that refusal and answering its plain one,
# still 400 (the fuzz tests check no answer is a 5xx).
EXPECTED_LOG_LINES = re.compile(
    r' WARNING \S+ odoo\.http: (No CSRF validation token provided|CSRF validation failed) '
    r"| ERROR \S+ odoo\.addons\.http_routing\.models\.ir_http: Couldn't render a template for http status 400 $"
)


def test_the_log_holds_only_odoo_refusing_csrf(shop):
    """After everything above: no ERROR, and no WARNING but Odoo's CSRF refusals."""
    odoo, _data, _stripe_fake, _template = shop
    problems = [
        line for line in odoo.log.read_text(errors='replace').splitlines()
        if re.match(r'^[0-9-]+ [0-9:,]+ [0-9]+ (WARNING|ERROR|CRITICAL) ', line) and not EXPECTED_LOG_LINES.search(line)
    ]  # fmt: skip
    assert problems == []


def test_no_token_reaches_the_log(shop):
    """Last: after everything above, Odoo's log holds no token of any invoice or customer."""
    odoo, data, _stripe_fake, _template = shop
    tokens = [row[0] for row in Ledger(odoo).query(
        "SELECT invoicecloud_token FROM account_move WHERE invoicecloud_token IS NOT NULL "
        "UNION SELECT invoicecloud_token FROM res_partner WHERE invoicecloud_token IS NOT NULL"
    )] + [data['reset_token']]  # fmt: skip
    log = odoo.log.read_text(errors='replace')
    assert len(tokens) > 10
    assert [token for token in tokens if token in log] == []
