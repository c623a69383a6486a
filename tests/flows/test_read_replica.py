"""Issue 11: a read replica. Odoo 19 serves the routes declared read-only from a PostgreSQL
replica (--db_replica_host); the customer pages that only read are declared so. The test clones
a streaming replica of the test cluster on loopback, points Odoo at it, and reads the replica's
own statement log: which requests reached it, and with what.

- The invoice page, its PDF, the history and the review of a multi-invoice payment are served by
  the replica.
- Pay, remark, the status page and the webhooks do their work on the primary: the replica sees
  nothing of them but Odoo's own routing check (the registry's signaling sequences), which Odoo
  runs on a read-only cursor for every request before it knows the route.
"""

import re

import pytest

from odoo_server import worker_trouble
from payment_helpers import Customer, Ledger, shop_and_fakes, status_of
from replica import StreamingReplica
from suite_figures import record

# What the work of a request reads or writes: the tables of invoices, partners, payments, mail.
BUSINESS_RE = re.compile(
    r'\b(account_move|res_partner|payment_transaction|payment_provider|mail_message|invoicecloud_\w+)\b'
)
VIEWS = 5  # of each page


@pytest.fixture(scope='module')
def shop():
    replica = StreamingReplica()
    try:
        with shop_and_fakes(
            'replica', singles=2, server_options=replica.odoo_options(), before_start=lambda _odoo: replica.__enter__()
        ) as (odoo, data, stripe_fake, _mollie_fake):
            yield odoo, data, stripe_fake, replica
    finally:
        replica.stop_and_remove()


def test_read_only_pages_come_from_the_replica_and_payments_never_reach_it(shop):
    odoo, data, stripe_fake, replica = shop
    customer, ledger = Customer(odoo), Ledger(odoo)
    invoice, history = data['single'][0], data['history_token']
    several = [item['id'] for item in data['several'][:2]]
    replica.caught_up(odoo.db)

    replica.mark(odoo.db, 'pages')
    pages = [
        f"/invoicecloud/{invoice['token']}",
        f"/invoicecloud/{invoice['token']}/pdf",
        f'/invoicecloud/history/{history}',
    ]
    answers = [customer.get(path) for path in pages * VIEWS] + [customer.review(history, several)]
    served = replica.statements(odoo.db, 'pages')
    assert {answer.status_code for answer in answers} == {200}
    assert [statement for statement in served if BUSINESS_RE.search(statement)], "the pages read from the replica"
    csrf, method = customer._choice(answers[0].text, 'card')

    replica.mark(odoo.db, 'writes')
    stripe_fake.drop_webhooks = False
    url = f"{odoo.url}/invoicecloud/{invoice['token']}"
    paid = customer.http.post(
        f'{url}/pay', data={'csrf_token': csrf, 'method': method}, allow_redirects=False, timeout=60
    )
    assert paid.status_code == 303
    back = customer.checkout(paid.headers['Location'], 'pay')  # the fake delivers its webhook first
    assert status_of(back.text) == 'paid'
    remark = customer.http.post(
        f'{url}/remark', data={'csrf_token': csrf, 'remark': 'Thanks'}, allow_redirects=False, timeout=60
    )
    assert remark.status_code == 303
    during_writes = replica.statements(odoo.db, 'writes')
    business = [statement for statement in during_writes if BUSINESS_RE.search(statement)]
    record('read replica', {
        'page_requests': len(answers),
        'replica_statements_for_pages': len(served),
        'write_phase_requests': 'pay (POST), the webhook, the status page, a remark (POST)',
        'replica_statements_in_write_phase': len(during_writes),
        'replica_business_statements_in_write_phase': len(business),
    })  # fmt: skip
    assert ledger.payment_state(invoice['id']) in ('paid', 'in_payment')
    assert business == [], "pay, webhook, status and remark work on the primary only"
    assert 'retrying with a read/write cursor' not in odoo.log.read_text(errors='replace')
    assert not worker_trouble(odoo.log)
