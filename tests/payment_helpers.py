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

# Two customers: Peeters pays several invoices at once from the history page (one is two years
# old); Dubois has one fresh invoice per test, so the tests do not share state.
DATA = """
import json
from datetime import timedelta
from odoo import Command, fields
for lang in ('fr_FR', 'nl_NL'):
    env['res.lang']._activate_lang(lang)
env['ir.module.module']._load_module_terms(
    ['invoicecloud_payments', 'account', 'web', 'portal', 'payment'], ['fr_FR', 'nl_NL']
)
env['ir.config_parameter'].set_param('web.base.url', %(url)r)
env['ir.config_parameter'].set_param('web.base.url.freeze', 'True')
# wkhtmltopdf, run by Odoo, fetches the report's assets from Odoo: on loopback, not the public name.
env['ir.config_parameter'].set_param('report.url', %(loopback_url)r)
env['ir.config_parameter'].set_param('invoicecloud_payments.stripe_api_base', %(stripe)r)
# Every test customer pays from 127.0.0.1: one address starting hundreds of checkouts.
env['ir.config_parameter'].set_param('invoicecloud_payments.checkout_limit_per_address', 100000)
provider = env.ref('invoicecloud_payments.payment_provider_stripe')
provider.write({
    'state': 'test',
    'is_published': True,
    'invoicecloud_stripe_secret_key': %(secret_key)r,
    'invoicecloud_stripe_webhook_secret': %(webhook_secret)r,
    'journal_id': env['account.journal'].search([('type', '=', 'bank')], limit=1).id,
})
mollie_endpoint = %(mollie)r
mollie = env.ref('invoicecloud_payments.payment_provider_mollie')
if mollie_endpoint:
    env['ir.config_parameter'].set_param('invoicecloud_payments.mollie_api_endpoint', mollie_endpoint)
    mollie.write({
        'state': 'test',
        'is_published': True,
        'invoicecloud_mollie_api_key': %(mollie_key)r,
        'journal_id': env['account.journal'].search([('type', '=', 'bank')], limit=1).id,
    })
    mollie.action_invoicecloud_mollie_sync_methods()
def customer(name, lang):
    return env['res.partner'].create({'name': name, 'is_company': True, 'lang': lang, 'email': 'pay@example.com'})
# A Belgian business invoices in euros (iDEAL, Bancontact and most Mollie methods take only EUR).
eur = env.ref('base.EUR')
eur.active = True
def invoice(partner, days_ago, price):
    move = env['account.move'].create({
        'move_type': 'out_invoice', 'partner_id': partner.id, 'currency_id': eur.id,
        'invoice_date': fields.Date.today() - timedelta(days=days_ago),
        'invoice_date_due': fields.Date.today() - timedelta(days=days_ago - 30),
        'invoice_line_ids': [Command.create({'name': 'Service', 'quantity': 1, 'price_unit': price, 'tax_ids': []})],
    })
    move.action_post()
    return move
peeters, dubois = customer('Fietsen Peeters BV', 'en_US'), customer('Dubois SPRL', 'fr_FR')
several = [invoice(peeters, 730, 120.0), invoice(peeters, 40, 80.5), invoice(peeters, 1, 33.33)]
single = [invoice(dubois, 1, 100.0 + i) for i in range(%(singles)d)]
jansen = customer('Bakkerij Jansen', 'nl_NL')
dutch = invoice(jansen, 3, 64.2)
def described(m):
    return {'id': m.id, 'name': m.name, 'token': m.invoicecloud_token, 'residual': m.amount_residual}
env.cr.commit()
print('RESULT=' + json.dumps({
    'provider_id': provider.id,
    'mollie_provider_id': mollie.id,
    'history_token': peeters.invoicecloud_token,
    'several': [described(m) for m in several],
    'single': [described(m) for m in single],
    'dutch': described(dutch),
}))
"""


@contextmanager
def running_shop(
    name, fake, singles=20, mollie=None, multiworker=False, own_log_check=False, modules=None,
    server_options=(), before_start=None,
):  # fmt: skip
    """A served database with the providers pointed at the fakes and the customers of DATA; yields
    (server, data), then stops the server and drops the database, whatever the test did.
    `multiworker`: Odoo as in production, two worker processes (see `multiworker_options`).
    `server_options`: more options for the server; `before_start(server)`: runs once the data is
    loaded, before the server starts (a replica is cloned then)."""
    odoo = OdooServer(
        name, modules=modules or 'invoicecloud_payments', own_log_check=own_log_check,
        options=[*(multiworker_options() if multiworker else ()), *server_options],
    )  # fmt: skip
    odoo.create()
    script = DATA % {
        'url': public_url(odoo),
        'loopback_url': odoo.url,
        'stripe': fake.base_url,
        'mollie': mollie.base_url if mollie else '',
        'mollie_key': mollie.api_key if mollie else '',
        'secret_key': SECRET_KEY,
        'webhook_secret': WEBHOOK_SECRET,
        'singles': singles,
    }
    data = odoo.shell_result(script)
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


EMAIL = """
import json
invoice = env['account.move'].browse(%(invoice_id)d)
invoice.partner_id.email = invoice.partner_id.email or 'customer@example.com'
env['res.config.settings'].create({}).action_invoicecloud_add_link_to_invoice_template()
template = env.ref('account.email_template_edi_invoice')
message = invoice.message_post_with_source(template, message_type='comment', subtype_xmlid='mail.mt_comment')
body = env['mail.mail'].search([('mail_message_id', '=', message.id)], limit=1).body_html
print('RESULT=' + json.dumps(str(body)))
"""


def emailed_link(odoo, invoice_id):
    """(address, text) of the #LINK anchor in the invoice email, as Odoo sends it with the stock
    template once the settings button has added #LINK to it (the shell rolls the sending back)."""
    body = odoo.shell_result(EMAIL % {'invoice_id': invoice_id})
    anchor = re.search(r'<a href="([^"]+/invoicecloud/[^"]+)"[^>]*>([^<]+)</a>', body)
    return anchor.group(1), anchor.group(2)
