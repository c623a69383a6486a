"""Issue 5: the whole story, in Chromium, for a French, a Dutch and an English customer.

The business sends three invoices by email with #LINK (Odoo's send wizard; the mail is caught by
a local SMTP sink, not read from the database). The customer opens the link from the email, sees
the history with a two-year-old unpaid invoice, pays two invoices by card through the fake
Stripe and the third by iDEAL through the fake Mollie, and sees them Paid. The accountant, logged
into Odoo's backend, sees each invoice paid and its payment posted and reconciled. Screenshots of
every step go to tests/output/story/.
"""

import re

import pytest
from playwright.sync_api import expect, sync_playwright

from chromium import CHROMIUM, CHROMIUM_ARGS, pay_through_the_fake
from fakes.mollie_server import MollieServer
from fakes.smtp_sink import SmtpSink
from fakes.stripe_server import StripeServer
from payment_helpers import Ledger, running_shop

pytestmark = pytest.mark.slow

CUSTOMERS = {
    'fr_FR': ('Boulangerie Leroy', 'payez votre facture en ligne', 'fr-FR'),
    'nl_NL': ('Drukkerij Maes', 'betaal uw factuur online', 'nl-NL'),
    'en_US': ('Harbour Books Ltd', 'pay your invoice online', 'en-US'),
}


@pytest.fixture(scope='module')
def story():
    with (
        StripeServer() as stripe_fake,
        MollieServer() as mollie_fake,
        SmtpSink() as sink,
        running_shop('story', stripe_fake, singles=0, mollie=mollie_fake) as (odoo, _data),
    ):
        customers = [(lang, name) for lang, (name, _label, _locale) in CUSTOMERS.items()]
        data = odoo.run_result('story', smtp_port=sink.port, customers=customers)
        yield odoo, data, sink


def _link_in_email(sink, address, invoice_name, label):
    """The #LINK anchor of the email that carried this invoice."""
    for html in sink.html_to(address):
        if invoice_name.replace('/', '_') in html or invoice_name in html:
            anchor = re.search(r'<a href="([^"]+/invoicecloud/[^"]+)"[^>]*>([^<]+)</a>', html)
            if anchor:
                assert anchor.group(2) == label
                return anchor.group(1)
    raise AssertionError(f'no email with the link of {invoice_name} to {address}')


@pytest.mark.parametrize('lang', list(CUSTOMERS))
def test_the_whole_story(story, lang, output_dir, axe_audit):
    odoo, data, sink = story
    _name, label, locale = CUSTOMERS[lang]
    customer, shots = data[lang], output_dir / 'story'
    shots.mkdir(exist_ok=True)
    first, second, third = customer['sent']
    assert len(sink.html_to(customer['email'])) == 3, "three emails reached the SMTP sink"
    link = _link_in_email(sink, customer['email'], first['name'], label)

    def path(step):
        return shots / f'{lang}-{step}.png'

    def shot(page, step):
        page.screenshot(path=path(step), full_page=True)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(locale=locale)
        page.goto(link)
        expect(page.locator('.o_invoicecloud_number')).to_have_text(first['name'])
        shot(page, '1-invoice-from-email')
        page.locator('.o_invoicecloud_history_link').click()
        expect(page.locator('.o_invoicecloud_history_row', has_text=customer['old']['name'])).to_have_count(1)
        shot(page, '2-history-with-old-invoice')
        page.locator(f"#select_{first['id']}").check()
        page.locator(f"#select_{second['id']}").check()
        page.locator('.o_invoicecloud_pay_selected').click()
        page.locator('input[data-method="card"]').check()
        shot(page, '3-review-two-invoices')
        axe_audit.check(page, f'review-two-invoices-{lang}')
        amount = first['residual'] + second['residual']
        pay_through_the_fake(page, 'stripe', amount, (path('4-stripe-checkout'), path('5-paid-by-card')))

        page.goto(_link_in_email(sink, customer['email'], third['name'], label))
        page.locator('input[data-method="ideal"]').check()
        pay_through_the_fake(page, 'mollie', third['residual'], (path('6-mollie-checkout'), path('7-paid-by-ideal')))
        page.locator('.o_invoicecloud_back').click()
        page.locator('.o_invoicecloud_history_link').click()
        for invoice in customer['sent']:
            row = page.locator('.o_invoicecloud_history_row', has_text=invoice['name'])
            expect(row.locator('.o_invoicecloud_status')).to_have_class(re.compile('text-bg-success'))
        shot(page, '8-history-all-paid')
        axe_audit.check(page, f'history-all-paid-{lang}')

        # The accountant, in Odoo's backend.
        backend = browser.new_page(locale='en-US')
        backend.goto(f'{odoo.url}/web/login')
        backend.locator('input[name="login"]').fill('admin')
        backend.locator('input[name="password"]').fill('admin')
        backend.locator('button[type="submit"]').click()
        backend.wait_for_url(re.compile(r'/odoo'))
        for invoice in customer['sent']:
            backend.goto(f"{odoo.url}/odoo/action-account.action_move_out_invoice_type/{invoice['id']}")
            expect(backend.locator('.o_form_view .ribbon')).to_contain_text(re.compile('Paid|In Payment'))
        shot(backend, '9-accountant-sees-paid')
        browser.close()
    axe_audit.assert_clean()

    ledger = Ledger(odoo)
    payments = {p for invoice in customer['sent'] for p in ledger.payments(invoice['id'])}
    assert len(payments) == 2, "one card payment for two invoices, one iDEAL payment"
    assert all(state in ('paid', 'in_process') for _id, _amount, state in payments)
    assert all(ledger.payment_state(invoice['id']) in ('paid', 'in_payment') for invoice in customer['sent'])
    assert ledger.payment_state(customer['old']['id']) == 'not_paid'


def test_the_reminder_email_opens_the_history(story, output_dir, axe_audit):
    """After the story, each customer still owes the two-year-old invoice: the reminder run mails
    them once (through Odoo's mail queue, to the SMTP sink), in their language, and the email's
    link opens their history in Chromium. A second run mails nothing."""
    odoo, data, sink = story
    odoo.run_cron('invoicecloud_payments.cron_send_reminders', times=2)
    odoo.run_cron('mail.ir_cron_mail_scheduler_action')
    labels = {
        'fr_FR': 'voir et payer vos factures en ligne',
        'nl_NL': 'uw facturen online bekijken en betalen',
        'en_US': 'see and pay your invoices online',
    }
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for lang, label in labels.items():
            customer = data[lang]
            reminders = [html for html in sink.html_to(customer['email']) if customer['old']['name'] in html]
            assert len(reminders) == 1, f"one reminder to {customer['email']}, with the old invoice"
            anchor = re.search(r'<a href="([^"]+/invoicecloud/history/[^"]+)"[^>]*>([^<]+)</a>', reminders[0])
            assert anchor and anchor.group(2) == label, anchor and anchor.groups()
            page = browser.new_page(locale=CUSTOMERS[lang][2])
            assert page.goto(anchor.group(1)).status == 200
            row = page.locator('.o_invoicecloud_history_row', has_text=customer['old']['name'])
            expect(row.locator('.o_invoicecloud_select')).to_be_visible()  # still to pay, from here
            page.screenshot(path=output_dir / 'story' / f'{lang}-10-history-from-the-reminder.png', full_page=True)
            if lang == 'fr_FR':
                axe_audit.check(page, 'history-from-the-reminder-fr_FR')
            page.close()
        browser.close()
    axe_audit.assert_clean()
