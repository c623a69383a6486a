"""Issue 5, case 5: webhooks are lost, and Odoo itself is down for a while.

The fakes mark payments paid and drop every webhook: the confirmation cron marks the invoices Paid
within two runs. Then Odoo stops; customers pay at the providers meanwhile (the webhooks find
nobody); Odoo starts again and the cron recovers every payment.
"""

import pytest

from payment_helpers import Customer, Ledger, shop_and_fakes
from suite_figures import record

PER_PROVIDER = 5
PAID = ('paid', 'in_payment')


@pytest.fixture(scope='module')
def shop():
    with shop_and_fakes('lost', singles=4 * PER_PROVIDER, multiworker=True) as shop:
        _odoo, _data, stripe_fake, mollie_fake = shop
        stripe_fake.drop_webhooks = mollie_fake.drop_webhooks = True
        yield shop


def _checkouts(customer, invoices):
    """Start a card checkout for the first half and an iDEAL one for the second; the URLs."""
    half = len(invoices) // 2
    return [
        customer.pay_invoice(invoice['token'], method_code='card' if i < half else 'ideal').headers['Location']
        for i, invoice in enumerate(invoices)
    ]


def _pay_at_the_providers(customer, checkout_urls, stripe_fake):
    for url in checkout_urls:
        customer.checkout(url, 'pay' if url.startswith(stripe_fake.base_url) else 'paid', follow=False)


def _cron_runs_until_paid(odoo, ledger, invoices, most=2):
    for run in range(1, most + 1):
        odoo.checks_due()
        odoo.run_cron()
        if all(ledger.payment_state(invoice['id']) in PAID for invoice in invoices):
            return run
    return None


def test_dropped_webhooks_are_recovered_by_the_cron_within_two_runs(shop):
    odoo, data, stripe_fake, _mollie_fake = shop
    customer, ledger = Customer(odoo), Ledger(odoo)
    invoices = data['single'][: 2 * PER_PROVIDER]
    _pay_at_the_providers(customer, _checkouts(customer, invoices), stripe_fake)
    assert all(ledger.payment_state(invoice['id']) == 'not_paid' for invoice in invoices)
    runs = _cron_runs_until_paid(odoo, ledger, invoices)
    record('lost webhooks', {'invoices': len(invoices), 'cron_runs_until_paid': runs})
    assert runs is not None
    assert all(len(ledger.payments(invoice['id'])) == 1 for invoice in invoices)


def test_payments_made_while_odoo_is_down_are_recovered_after_restart(shop):
    odoo, data, stripe_fake, _mollie_fake = shop
    customer, ledger = Customer(odoo), Ledger(odoo)
    invoices = data['single'][2 * PER_PROVIDER : 4 * PER_PROVIDER]
    checkout_urls = _checkouts(customer, invoices)
    stripe_fake.drop_webhooks = False  # Stripe tries to deliver: nobody answers
    odoo.stop()
    try:
        _pay_at_the_providers(customer, checkout_urls, stripe_fake)
        stripe_fake.wait_for_webhooks()
    finally:
        stripe_fake.drop_webhooks = True
        odoo.start()
    assert [status for _event, status in stripe_fake.deliveries[-PER_PROVIDER:]] == [0] * PER_PROVIDER
    runs = _cron_runs_until_paid(odoo, ledger, invoices)
    record('Odoo down', {'payments_made_meanwhile': len(invoices), 'cron_runs_until_paid': runs})
    assert runs is not None
    assert all(len(ledger.payments(invoice['id'])) == 1 for invoice in invoices)
