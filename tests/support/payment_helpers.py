"""An Odoo server with the providers pointed at the fakes, and a customer that speaks HTTP."""

import json
import re
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from html import unescape

import requests

from fakes.mollie_server import MollieServer
from fakes.stripe_server import StripeServer
from odoo_server import OdooServer, load_addon_module, multiworker_options
from public_host import public_url


def _addon_timeouts():
    """(connect, read) timeouts of the addon's SDK calls, per provider, from its const.py: an
    outage test hangs a fake longer than the addon waits."""
    const = load_addon_module('invoicecloud_const', 'const.py')
    return {'stripe': const.STRIPE_TIMEOUT, 'mollie': const.MOLLIE_TIMEOUT}


# Seconds a hanging fake holds a call: twice what the addon waits for it.
HANG_SECONDS = {provider: 2 * sum(timeout) for provider, timeout in _addon_timeouts().items()}

WEBHOOK_SECRET = 'whsec_fake'
SECRET_KEY = 'sk_test_fake'


@contextmanager
def running_shop(
    name, fake, singles=20, mollie=None, multiworker=False, own_log_check=False, modules=None,
    server_options=(), before_start=None,
):  # fmt: skip
    """A served database with the providers pointed at the fakes and the customers of support/shell/shop.py; yields
    (server, data), then stops the server and drops the database, whatever the test did.
    `multiworker`: Odoo as in production, two worker processes (see `multiworker_options`).
    `server_options`: more options for the server; `before_start(server)`: runs once the data is
    loaded, before the server starts (a replica is cloned then)."""
    odoo = OdooServer(
        name, modules=modules or 'invoicecloud_payments', own_log_check=own_log_check,
        options=[*(multiworker_options() if multiworker else ()), *server_options],
    )  # fmt: skip
    odoo.create()
    data = odoo.run_result(
        'shop',
        url=public_url(odoo),
        loopback_url=odoo.url,
        stripe=fake.base_url,
        mollie=mollie.base_url if mollie else '',
        mollie_key=mollie.api_key if mollie else '',
        secret_key=SECRET_KEY,
        webhook_secret=WEBHOOK_SECRET,
        singles=singles,
    )
    fake.webhook_urls = [webhook_url(odoo, data)]
    if mollie:
        mollie.tunnels = {public_url(odoo): odoo.url}
    try:
        if before_start:
            before_start(odoo)
        odoo.start()
        yield odoo, data
    finally:
        odoo.stop()
        odoo.drop()


@contextmanager
def shop_and_fakes(name, singles, **options):
    """A fake Stripe, a fake Mollie and a running shop pointed at both (options: `running_shop`'s);
    yields (server, data, stripe fake, mollie fake)."""
    with (
        StripeServer() as stripe_fake,
        MollieServer() as mollie_fake,
        running_shop(name, stripe_fake, singles=singles, mollie=mollie_fake, **options) as (odoo, data),
    ):
        yield odoo, data, stripe_fake, mollie_fake


class Customer:
    """What a customer's browser does, without the browser: GET pages, POST forms."""

    def __init__(self, odoo):
        self.odoo = odoo
        self.http = requests.Session()

    def get(self, path, **params):
        response = self.http.get(f'{self.odoo.url}{path}', params=params, timeout=60)
        return response

    def form(self, html, form_class):
        """(csrf token, method radio values) of the form with this class."""
        form = re.search(rf'<form[^>]*class="[^"]*{form_class}[^"]*"[^>]*>(.*?)</form>', html, re.S).group(1)
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
        methods = re.findall(r'name="method"[^>]*value="([^"]+)"', form)
        return csrf, methods

    def _choice(self, page, method_code):
        """(csrf token, value of the method radio): the first method, or the one of this code."""
        csrf, methods = self.form(page, 'o_invoicecloud_pay_form')
        if not method_code:
            return csrf, methods[0]
        return csrf, re.search(rf'data-method="{method_code}" value="([^"]+)"', page).group(1)

    def pay_invoice(self, token, method_code=None, **extra):
        """Click Pay on the invoice page (first method, or the one of this code); returns the
        response (303 to the checkout, or back to the page)."""
        csrf, method = self._choice(self.get(f'/invoicecloud/{token}').text, method_code)
        data = {'csrf_token': csrf, 'method': method, **extra}
        return self.http.post(f'{self.odoo.url}/invoicecloud/{token}/pay', data=data, allow_redirects=False, timeout=60)

    def review(self, history_token, invoice_ids):
        return self.get(f'/invoicecloud/history/{history_token}/pay', invoice_ids=invoice_ids)

    def pay_several(self, history_token, invoice_ids, method_code=None):
        csrf, method = self._choice(self.review(history_token, invoice_ids).text, method_code)
        data = {'csrf_token': csrf, 'method': method, 'invoice_ids': invoice_ids}
        url = f'{self.odoo.url}/invoicecloud/history/{history_token}/pay'
        return self.http.post(url, data=data, allow_redirects=False, timeout=60)

    def checkout(self, checkout_url, outcome, follow=True):
        """Act on the fake's hosted page; with `follow`, come back to Odoo as the browser would."""
        response = self.http.post(checkout_url, data={'outcome': outcome}, allow_redirects=False, timeout=60)
        if follow and response.status_code == 303:
            return self.http.get(response.headers['Location'], timeout=60)
        return response


def status_of(html):
    match = re.search(r'o_invoicecloud_payment_status" data-state="(\w+)"', html)
    return match and match.group(1)


def problem_of(html):
    match = re.search(r'data-problem="(\w+)"', html)
    return match and match.group(1)


def text_of(html):
    return unescape(re.sub(r'<[^>]+>', ' ', html))


class Ledger:
    """Reads what the accountant would see, straight from PostgreSQL."""

    def __init__(self, odoo):
        self.odoo = odoo

    def query(self, sql, params=()):
        with self.odoo.connect() as conn, conn.cursor() as cr:
            cr.execute(sql, params)
            return cr.fetchall()

    def payment_state(self, invoice_id):
        return self.query('SELECT payment_state FROM account_move WHERE id = %s', [invoice_id])[0][0]

    def payments(self, invoice_id):
        """The posted account.payment records linked to transactions of this invoice."""
        return self.query(
            """
            SELECT p.id, p.amount, p.state FROM account_payment p
              JOIN payment_transaction t ON t.payment_id = p.id
              JOIN account_invoice_transaction_rel r ON r.transaction_id = t.id
             WHERE r.invoice_id = %s
            """,
            [invoice_id],
        )

    def transactions(self, invoice_id):
        return self.query(
            """
            SELECT t.reference, t.state, t.invoicecloud_flag, t.amount, t.provider_reference,
                   t.invoicecloud_refunded_amount, t.invoicecloud_dispute_ref
              FROM payment_transaction t
              JOIN account_invoice_transaction_rel r ON r.transaction_id = t.id
             WHERE r.invoice_id = %s ORDER BY t.id
            """,
            [invoice_id],
        )

    def messages(self, invoice_id, like):
        return self.query(
            "SELECT count(*) FROM mail_message WHERE model = 'account.move' AND res_id = %s AND body::text LIKE %s",
            [invoice_id, f'%{like}%'],
        )[0][0]

    def activities(self, invoice_id):
        return self.query(
            "SELECT count(*) FROM mail_activity WHERE res_model = 'account.move' AND res_id = %s", [invoice_id]
        )[0][0]


def webhook_url(odoo, data, provider='stripe'):
    provider_id = data['provider_id'] if provider == 'stripe' else data['mollie_provider_id']
    return f'{odoo.url}/invoicecloud/webhook/{provider}/{provider_id}'


def mollie_payment_id(checkout_response):
    """The id of the Mollie payment a checkout redirected to (the fake's checkout URL ends with it)."""
    return checkout_response.headers['Location'].rstrip('/').rsplit('/', 1)[1]


def mollie_webhook(odoo, data, payment_id):
    """Post what Mollie posts, `id` only; returns the status code."""
    return requests.post(webhook_url(odoo, data, 'mollie'), data={'id': payment_id}, timeout=60).status_code


def paid_at_mollie(customer, invoice, come_back=False, method_code='ideal'):
    """The customer pays through Mollie, then comes back to Odoo or (by default) closes the tab;
    returns the payment id, the one Mollie posts to the webhook."""
    response = customer.pay_invoice(invoice['token'], method_code=method_code)
    customer.checkout(response.headers['Location'], 'paid', follow=come_back)
    return mollie_payment_id(response)


def check_one_payment_from_concurrent_deliveries(odoo, invoice, deliver, times=20):
    """`deliver()` (one provider's report that the invoice is paid) from `times` threads at once:
    all answered 200, the transaction confirmed once, and once the cron the webhooks triggered has
    run, one payment and the invoice Paid."""
    ledger = Ledger(odoo)
    assert concurrently(deliver, times) == [200] * times
    assert [row[1] for row in ledger.transactions(invoice['id'])] == ['done']
    assert ledger.payments(invoice['id']) == [], "the accounts are the triggered cron's work"
    odoo.record_payments()
    assert len(ledger.payments(invoice['id'])) == 1
    assert ledger.payment_state(invoice['id']) in ('paid', 'in_payment')


def concurrently(call, times):
    """`call()` from `times` threads at once; the answers, in order."""
    with ThreadPoolExecutor(times) as pool:
        return list(pool.map(lambda _i: call(), range(times)))


def paid_without_webhook(fake, customer, invoice):
    """The customer pays at the fake and closes the tab; no webhook leaves the fake. Returns the
    `checkout.session.completed` event Stripe would have sent, as the JSON body to send."""
    fake.drop_webhooks = True
    checkout_url = customer.pay_invoice(invoice['token'], method_code='card').headers['Location']
    customer.checkout(checkout_url, 'pay', follow=False)
    return json.dumps(fake.events[-1])


def emailed_link(odoo, invoice_id):
    """(address, text) of the #LINK anchor in the invoice email, as Odoo sends it with the stock
    template once the settings button has added #LINK to it (the shell rolls the sending back)."""
    body = odoo.run_result('emailed_invoice', invoice_id=invoice_id)
    anchor = re.search(r'<a href="([^"]+/invoicecloud/[^"]+)"[^>]*>([^<]+)</a>', body)
    return anchor.group(1), anchor.group(2)
