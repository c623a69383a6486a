"""Issue 5, case 3: Odoo retries a request after a serialization failure; the provider still
sees one checkout per transaction.

PostgreSQL is made to fail (SQLSTATE 40001, what a concurrent update causes) the first time a
checkout's provider reference is written, after the provider has answered. Odoo rolls back and
runs the whole request again: the transaction gets the same reference, so the same idempotency key
and body, and the provider answers with the session or payment it already made.
"""

import re
from collections import Counter

import pytest

from payment_helpers import Customer, Ledger, shop_and_fakes
from suite_figures import record

ATTEMPTS = 3  # per provider
MARKER = 'invoicecloud injected fault'
FAULT_SQL = f"""
CREATE SEQUENCE invoicecloud_fault_seq;
CREATE FUNCTION invoicecloud_fault() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.provider_reference IS NOT NULL AND OLD.provider_reference IS NULL
       AND nextval('invoicecloud_fault_seq') % 2 = 1 THEN
        RAISE EXCEPTION '{MARKER}' USING ERRCODE = 'serialization_failure';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER invoicecloud_fault BEFORE UPDATE ON payment_transaction
    FOR EACH ROW EXECUTE FUNCTION invoicecloud_fault();
"""


@pytest.fixture(scope='module')
def shop():
    with shop_and_fakes('retries', singles=2 * ATTEMPTS, multiworker=True, own_log_check=True) as shop:
        with shop[0].connect() as conn, conn.cursor() as cr:
            cr.execute(FAULT_SQL)
        yield shop


def _keys(fake, method, path):
    """How many calls the fake received to create a checkout, per idempotency key."""
    return Counter(key for call_method, call_path, key in fake.requests if (call_method, call_path) == (method, path))


def test_a_retried_checkout_creation_makes_one_session_or_payment_per_transaction(shop):
    odoo, data, stripe_fake, mollie_fake = shop
    customer, ledger = Customer(odoo), Ledger(odoo)
    invoices = {'card': data['single'][:ATTEMPTS], 'ideal': data['single'][ATTEMPTS : 2 * ATTEMPTS]}
    for method_code, batch in invoices.items():
        for invoice in batch:
            response = customer.pay_invoice(invoice['token'], method_code=method_code)
            assert response.status_code == 303, "the retried request went through"
            outcome = 'pay' if method_code == 'card' else 'paid'
            customer.checkout(response.headers['Location'], outcome)

    log = odoo.log.read_text()
    retries = re.findall(r'SERIALIZATION_FAILURE, \d+ tries left', log)
    creations = {
        'stripe': _keys(stripe_fake, 'POST', '/v1/checkout/sessions'),
        'mollie': _keys(mollie_fake, 'POST', '/v2/payments'),
    }
    record('Odoo retries', {
        'requests_retried': len(retries),
        'creation_calls_per_key': {provider: sorted(calls.values()) for provider, calls in creations.items()},
    })  # fmt: skip
    assert log.count(f'ERROR: {MARKER}') == 2 * ATTEMPTS, "one injected failure per checkout"
    assert len(retries) >= 2 * ATTEMPTS  # more when a webhook and the customer's return raced
    for provider, calls in creations.items():
        assert list(calls.values()) == [2] * ATTEMPTS, f"{provider}: the retry sent the same key"
    sessions = Counter(s['client_reference_id'] for s in stripe_fake.sessions.values())
    payments = Counter(p['metadata']['reference'] for p in mollie_fake.payments.values())
    assert list(sessions.values()) == [1] * ATTEMPTS and list(payments.values()) == [1] * ATTEMPTS
    for invoice in invoices['card'] + invoices['ideal']:
        assert len(ledger.payments(invoice['id'])) == 1
        assert ledger.payment_state(invoice['id']) in ('paid', 'in_payment')
    problems = [line for line in log.splitlines() if re.search(r' (WARNING|ERROR|CRITICAL) ', line)]
    assert len(problems) == 2 * ATTEMPTS, "every ERROR is one the test injected"
    assert all('bad query' in line and 'UPDATE "payment_transaction"' in line for line in problems)
