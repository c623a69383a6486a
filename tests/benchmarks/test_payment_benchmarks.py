"""Figures of issues 3 and 4, on a real Odoo server with the real SDKs and the fake providers.

- Webhook-to-Paid: server time of 200 Stripe `checkout.session.completed` deliveries and 200
  Mollie webhook calls, interleaved, each confirming a payment, beside 400 views of an invoice
  page in the same run (the machine is noisy: compare the ratios); then the time the cron they
  triggered takes to record the 400 payments in the accounts, per payment.
- Concurrent duplicates: 50 deliveries of the same webhook for each of 10 invoices, all at once,
  for each provider.
- Fuzz: generated requests to both webhook routes; 5xx answers and state changes counted.

Results go to tests/output/benchmarks.json under `payments`.
"""

import json
import random
import re
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from functools import partial

import pytest
import requests
import stripe

from fakes.mollie_server import MollieServer
from fakes.stripe_server import StripeServer
from payment_helpers import (
    WEBHOOK_SECRET,
    Customer,
    Ledger,
    mollie_webhook,
    paid_at_mollie,
    paid_without_webhook,
    running_shop,
    webhook_url,
)

pytestmark = pytest.mark.slow

CONFIRMATIONS = 200
DUPLICATED_INVOICES, DUPLICATES = 10, 50
FUZZ_REQUESTS = 2000
ACCESS_RE = re.compile(
    r'"(?P<method>GET|POST) (?P<path>\S+) HTTP/1.1" (?P<status>\d+) - \d+ (?P<sql>[\d.]+) (?P<other>[\d.]+)'
)


def _server_times(log, offset, method, path_prefix):
    time.sleep(0.5)  # the access log is written after the response
    with log.open() as f:
        f.seek(offset)
        found = [m for m in ACCESS_RE.finditer(f.read()) if m['method'] == method and m['path'].startswith(path_prefix)]
    return [float(m['sql']) + float(m['other']) for m in found], [int(m['status']) for m in found]


def _summary(times):
    return {
        'count': len(times),
        'median_ms': round(statistics.median(times) * 1000, 1),
        'p95_ms': round(statistics.quantiles(times, n=20)[-1] * 1000, 1),
    }


PER_PROVIDER = CONFIRMATIONS + DUPLICATED_INVOICES


@pytest.fixture(scope='module')
def bench(output_dir):
    with StripeServer() as fake, MollieServer() as mollie:
        results = {}
        try:
            with running_shop('payment_bench', fake, singles=2 * PER_PROVIDER + 1, mollie=mollie) as (odoo, data):
                mollie.drop_webhooks = True  # the benchmark delivers them, measured
                yield fake, odoo, data, results
        finally:
            path = output_dir / 'benchmarks.json'
            previous = json.loads(path.read_text()) if path.exists() else {}
            path.write_text(json.dumps({**previous, 'payments': results}, indent=2))


def test_webhook_to_paid_server_time(bench):
    fake, odoo, data, results = bench
    customer, ledger = Customer(odoo), Ledger(odoo)
    stripe_invoices = data['single'][:CONFIRMATIONS]
    mollie_invoices = data['single'][PER_PROVIDER : PER_PROVIDER + CONFIRMATIONS]
    events = [paid_without_webhook(fake, customer, invoice) for invoice in stripe_invoices]
    payment_ids = [paid_at_mollie(customer, invoice) for invoice in mollie_invoices]
    url = webhook_url(odoo, data)
    baseline_page = f"/invoicecloud/{data['single'][-1]['token']}"
    for _warm in range(3):
        customer.get(baseline_page)
    offset = odoo.log.stat().st_size
    for event, payment_id in zip(events, payment_ids, strict=True):
        assert fake.send_webhook(url, event) == 200
        customer.get(baseline_page)
        assert mollie_webhook(odoo, data, payment_id) == 200
        customer.get(baseline_page)
    stripe_times, _statuses = _server_times(odoo.log, offset, 'POST', '/invoicecloud/webhook/stripe/')
    mollie_times, _statuses = _server_times(odoo.log, offset, 'POST', '/invoicecloud/webhook/mollie/')
    page, _statuses = _server_times(odoo.log, offset, 'GET', '/invoicecloud/<token>')
    recording = odoo.record_payments()  # the cron the webhooks triggered
    paid = {
        name: sum(ledger.payment_state(invoice['id']) in ('paid', 'in_payment') for invoice in invoices)
        for name, invoices in (('stripe', stripe_invoices), ('mollie', mollie_invoices))
    }
    results['webhook_to_paid'] = {
        'stripe': _summary(stripe_times),
        'mollie': _summary(mollie_times),
        'recording_in_the_accounts': recording,
        'invoice_page_baseline': _summary(page),
        'stripe_to_page_median_ratio': round(statistics.median(stripe_times) / statistics.median(page), 2),
        'mollie_to_page_median_ratio': round(statistics.median(mollie_times) / statistics.median(page), 2),
        'mollie_to_stripe_median_ratio': round(statistics.median(mollie_times) / statistics.median(stripe_times), 2),
        'invoices_paid': paid,
    }
    print(f"\nwebhook to Paid: {results['webhook_to_paid']}")
    assert paid == {'stripe': CONFIRMATIONS, 'mollie': CONFIRMATIONS}
    assert len(stripe_times) == len(mollie_times) == CONFIRMATIONS


def test_concurrent_duplicate_deliveries_make_one_payment_each(bench):
    fake, odoo, data, results = bench
    customer, ledger = Customer(odoo), Ledger(odoo)
    stripe_invoices = data['single'][CONFIRMATIONS:PER_PROVIDER]
    mollie_invoices = data['single'][PER_PROVIDER + CONFIRMATIONS : 2 * PER_PROVIDER]
    url = webhook_url(odoo, data)
    deliveries = [
        *(partial(fake.send_webhook, url, paid_without_webhook(fake, customer, i)) for i in stripe_invoices),
        *(partial(mollie_webhook, odoo, data, paid_at_mollie(customer, i)) for i in mollie_invoices),
    ]
    deliveries = [deliver for deliver in deliveries for _copy in range(DUPLICATES)]
    random.Random(3).shuffle(deliveries)
    with ThreadPoolExecutor(25) as pool:
        statuses = list(pool.map(lambda deliver: deliver(), deliveries))
    odoo.record_payments()
    payments = [len(ledger.payments(invoice['id'])) for invoice in stripe_invoices + mollie_invoices]
    results['concurrent_duplicates'] = {
        'deliveries': len(deliveries),
        'invoices': len(payments),
        'payments_created': sum(payments),
        'answers': {str(status): statuses.count(status) for status in sorted(set(statuses))},
    }
    print(f"\nconcurrent duplicates: {results['concurrent_duplicates']}")
    assert payments == [1] * (2 * DUPLICATED_INVOICES)
    assert not [status for status in statuses if status >= 500 or status == 0]


def _fuzz_bodies(rng, event):
    """Garbage, near-misses and hostile shapes, some signed with the right secret."""
    yield rng.randbytes(rng.randint(0, 2000)), None
    yield event[: rng.randint(0, len(event))].encode(), 'sign'
    yield ('[' * rng.randint(1, 5000)).encode(), 'sign'
    yield json.dumps({'id': rng.random(), 'type': ['x'], 'data': 'y'}).encode(), 'sign'
    yield (
        json.dumps(
            {'id': 'evt_x', 'type': 'checkout.session.completed', 'data': {'object': {'id': rng.random()}}}
        ).encode(),
        'sign',
    )
    yield (
        json.dumps(
            {'id': 'evt_y', 'type': 'charge.refunded', 'data': {'object': {'payment_intent': {'$ne': 1}}}}
        ).encode(),
        'sign',
    )
    yield b'\xff\xfe' + rng.randbytes(50), 'garbage-header'
    yield event.encode(), 'stale'
    yield ('{"a": "' + 'x' * 70000 + '"}').encode(), 'sign'


def test_fuzzed_webhooks_never_5xx_and_change_nothing(bench):
    fake, odoo, data, results = bench
    ledger = Ledger(odoo)
    rng = random.Random(7)
    url = webhook_url(odoo, data)
    template = json.dumps(fake.events[-1]) if fake.events else '{}'
    before = ledger.query('SELECT count(*), sum(amount) FROM account_payment')[0]
    statuses = []
    while len(statuses) < FUZZ_REQUESTS:
        for body, how in _fuzz_bodies(rng, template):
            headers = {}
            if how == 'sign':
                headers['Stripe-Signature'] = stripe.WebhookSignature.generate_signature_header(
                    body.decode('utf-8', 'replace'), WEBHOOK_SECRET
                )
            elif how == 'stale':
                headers['Stripe-Signature'] = stripe.WebhookSignature.generate_signature_header(
                    body.decode(), WEBHOOK_SECRET, timestamp=int(time.time()) - 3600
                )
            elif how == 'garbage-header':
                headers['Stripe-Signature'] = rng.choice(
                    ['t=,v1=', 't=1,t=2', 'v1=' + 'a' * 64, ',,,', 't=99999999999999999999']
                )
            statuses.append(requests.post(url, data=body, headers=headers, timeout=60).status_code)
    mollie_url = webhook_url(odoo, data, 'mollie')
    mollie_bodies = [
        lambda: {'id': f'tr_{rng.randbytes(4).hex()}'},
        lambda: {'id': rng.randbytes(rng.randint(1, 40)).decode('latin-1')},
        lambda: {'id': ['tr_a', 'tr_b']},
        lambda: {'id': 'tr_' + 'x' * rng.randint(60, 5000)},
        lambda: rng.randbytes(rng.randint(0, 3000)),
        lambda: {'other': '1'},
    ]
    mollie_statuses = []
    while len(mollie_statuses) < FUZZ_REQUESTS // 2:
        body = rng.choice(mollie_bodies)()
        mollie_statuses.append(requests.post(mollie_url, data=body, timeout=60).status_code)
    after = ledger.query('SELECT count(*), sum(amount) FROM account_payment')[0]
    results['fuzz'] = {
        'stripe_requests': len(statuses),
        'stripe_answers': {str(status): statuses.count(status) for status in sorted(set(statuses))},
        'mollie_requests': len(mollie_statuses),
        'mollie_answers': {str(status): mollie_statuses.count(status) for status in sorted(set(mollie_statuses))},
        'server_errors': sum(status >= 500 for status in statuses + mollie_statuses),
        'payments_before_after': [before[0], after[0]],
    }
    print(f"\nfuzzed webhooks: {results['fuzz']}")
    assert results['fuzz']['server_errors'] == 0
    assert before == after
