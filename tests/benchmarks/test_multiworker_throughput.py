"""Issue 5, figures: sustained load on Odoo with two workers, side by side with Odoo's own.

- Invoice page: our `/invoicecloud/<token>` and Odoo's portal `/my/invoices/<id>` (opened with
  its access token, anonymous as ours), each requested by four clients at once.
- Confirmations: our Stripe webhook confirming a paid Checkout Session from its signed event
  (id, reference, amount and currency checked, transaction done, no call back to Stripe) and
  Odoo's `payment_stripe` webhook for `payment_intent.succeeded`, each delivered by four clients
  at once, every delivery a different payment, the two kinds taking turns after a warm-up. Both
  leave the payment to Odoo's post-processing cron (ours triggers it), run here once as Odoo's
  cron runner would, timed: it records both sides' payments.

Throughput (requests per second) and client-side latency (median, p95) go to
tests/output/multiworker.json, with the ratios ours / Odoo's of the same run. No absolute time is
asserted; a generous ratio bound catches a regression that makes ours several times slower.
"""

import json
import os
import statistics
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
import stripe

from fakes.stripe_server import StripeServer
from odoo_server import worker_trouble
from payment_helpers import WEBHOOK_SECRET, Customer, Ledger, paid_without_webhook, running_shop, webhook_url
from suite_figures import record

pytestmark = pytest.mark.slow

QUICK = os.environ.get('INVOICECLOUD_QUICK') == '1'
PAGE_VIEWS = 100 if QUICK else 600  # per page kind
CONFIRMATIONS = 20 if QUICK else 100  # per webhook kind
CLIENTS = 4
WARM_UP = CLIENTS  # calls per kind before measuring
ROUNDS = 8  # turns per kind, the kinds alternating
# Ours against Odoo's own, p95 latency in the same run: a regression guard, not a target (the
# figures are what the issue reports).
RATIO_BOUND = 2.0
STOCK_SECRET = 'whsec_stock'


@pytest.fixture(scope='module')
def shop():
    with StripeServer() as stripe_fake:
        shop = running_shop(
            'throughput', stripe_fake, singles=2 * CONFIRMATIONS, multiworker=True,
            modules='invoicecloud_payments,payment_stripe',
        )  # fmt: skip
        with shop as (odoo, data):
            stock_invoices = [invoice['id'] for invoice in data['single'][CONFIRMATIONS:]]
            data['stock'] = odoo.run_result(
                'stock_stripe_shop', secret=STOCK_SECRET, ids=stock_invoices, count=CONFIRMATIONS
            )
            stripe_fake.drop_webhooks = True
            yield odoo, data, stripe_fake


def _load(calls):
    """Run the calls from CLIENTS threads at once; (requests per second, latencies, statuses)."""

    def timed(call):
        start = time.perf_counter()
        status = call()
        return time.perf_counter() - start, status

    start = time.perf_counter()
    with ThreadPoolExecutor(CLIENTS) as pool:
        results = list(pool.map(timed, calls))
    wall = time.perf_counter() - start
    return len(calls) / wall, [latency for latency, _status in results], [status for _latency, status in results]


def _interleaved(calls_by_kind):
    """Deliver each kind's calls in ROUNDS turns, the kinds taking turns, after a warm-up of
    WARM_UP calls each: neither side gets the cold workers nor a quieter moment of the machine.
    Figures per kind, the warm-up left out."""
    latencies = {kind: [] for kind in calls_by_kind}
    walls = dict.fromkeys(calls_by_kind, 0.0)
    for kind, calls in calls_by_kind.items():
        _rate, _latencies, statuses = _load(calls[:WARM_UP])
        assert set(statuses) == {200}, kind
    for turn in range(ROUNDS):
        for kind, calls in calls_by_kind.items():
            measured = calls[WARM_UP:]
            chunk = measured[turn * len(measured) // ROUNDS : (turn + 1) * len(measured) // ROUNDS]
            rate, chunk_latencies, statuses = _load(chunk)
            assert set(statuses) == {200}, kind
            latencies[kind] += chunk_latencies
            walls[kind] += len(chunk) / rate
    return {kind: _figures(len(latencies[kind]) / walls[kind], latencies[kind]) for kind in calls_by_kind}


def _figures(rate, latencies):
    return {
        'requests': len(latencies),
        'per_second': round(rate, 1),
        'median_ms': round(statistics.median(latencies) * 1000, 1),
        'p95_ms': round(statistics.quantiles(latencies, n=20)[-1] * 1000, 1),
    }


def _get(session, url):
    return lambda: session.get(url, timeout=60).status_code


def test_invoice_pages_side_by_side(shop):
    odoo, data, _stripe_fake = shop
    ours = [f"{odoo.url}/invoicecloud/{invoice['token']}" for invoice in data['single']]
    stock = [odoo.url + path for path in data['stock']['pages']]
    session = requests.Session()
    figures = {}
    for kind, urls in (('warm-up', ours[:10] + stock[:10]), ('ours', ours), ('odoo', stock)):
        calls = [_get(session, urls[i % len(urls)]) for i in range(PAGE_VIEWS if kind != 'warm-up' else 20)]
        rate, latencies, statuses = _load(calls)
        assert set(statuses) == {200}, kind
        figures[kind] = _figures(rate, latencies)
    figures.pop('warm-up')
    figures['p95_ratio_ours_to_odoo'] = round(figures['ours']['p95_ms'] / figures['odoo']['p95_ms'], 2)
    figures['rate_ratio_ours_to_odoo'] = round(figures['ours']['per_second'] / figures['odoo']['per_second'], 2)
    record('throughput, invoice page', figures)
    assert figures['p95_ratio_ours_to_odoo'] < RATIO_BOUND
    assert not worker_trouble(odoo.log)


def _stock_event(tx):
    event = {
        'id': f"evt_stock_{tx['reference']}",
        'object': 'event',
        'type': 'payment_intent.succeeded',
        'data': {'object': {
            'id': f"pi_stock_{tx['reference']}", 'object': 'payment_intent', 'description': tx['reference'],
            'amount': tx['cents'], 'currency': 'eur', 'status': 'succeeded',
            'payment_method': {'id': 'pm_stock', 'type': 'card', 'card': {'brand': 'visa'}},
        }},
    }  # fmt: skip
    return json.dumps(event)


def _post_signed(url, payload, secret):
    header = stripe.WebhookSignature.generate_signature_header(payload, secret)
    headers = {'Stripe-Signature': header, 'Content-Type': 'application/json'}
    return lambda: requests.post(url, data=payload.encode(), headers=headers, timeout=60).status_code


def test_confirmations_side_by_side(shop):
    odoo, data, stripe_fake = shop
    customer, ledger = Customer(odoo), Ledger(odoo)
    ours_invoices = data['single'][:CONFIRMATIONS]
    events = [paid_without_webhook(stripe_fake, customer, invoice) for invoice in ours_invoices]
    ours = [_post_signed(webhook_url(odoo, data), event, WEBHOOK_SECRET) for event in events]
    stock = [_post_signed(f'{odoo.url}/payment/stripe/webhook', _stock_event(tx), STOCK_SECRET)
             for tx in data['stock']['txs']]  # fmt: skip
    stripe_calls_before = len(stripe_fake.requests)
    figures = _interleaved({'ours': ours, 'odoo': stock})
    figures['p95_ratio_ours_to_odoo'] = round(figures['ours']['p95_ms'] / figures['odoo']['p95_ms'], 2)
    figures['rate_ratio_ours_to_odoo'] = round(figures['ours']['per_second'] / figures['odoo']['per_second'], 2)
    figures['stripe_api_calls'] = len(stripe_fake.requests) - stripe_calls_before
    stock_done = "SELECT count(*) FROM payment_transaction WHERE reference LIKE 'STOCK-%%' AND state = 'done'"
    figures['odoo_transactions_done'] = ledger.query(stock_done)[0][0]
    figures['our_transactions_done'] = sum(ledger.transactions(i['id'])[-1][1] == 'done' for i in ours_invoices)
    figures['recording'] = odoo.record_payments()
    figures['our_invoices_paid'] = sum(ledger.payment_state(i['id']) in ('paid', 'in_payment') for i in ours_invoices)
    figures['our_payments'] = sum(len(ledger.payments(i['id'])) for i in ours_invoices)
    record('throughput, confirmations', figures)
    assert figures['our_transactions_done'] == CONFIRMATIONS
    assert figures['our_payments'] == figures['our_invoices_paid'] == CONFIRMATIONS
    assert figures['recording']['payments'] == 2 * CONFIRMATIONS, "ours and Odoo's, by the same cron"
    assert figures['odoo_transactions_done'] == CONFIRMATIONS, "Odoo's own webhook was driven correctly"
    assert figures['p95_ratio_ours_to_odoo'] < RATIO_BOUND
    assert figures['stripe_api_calls'] == 0, "a signed paid session needs no call back to Stripe"
    assert not worker_trouble(odoo.log)
