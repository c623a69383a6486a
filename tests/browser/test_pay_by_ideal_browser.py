"""From the emailed #LINK to Paid by iDEAL, in Dutch, in Chromium, through the fake Mollie's checkout,
with the keyboard alone: Tab, the arrow keys and Enter, the focus seen at every step."""

import re

import pytest
from keyboard import arrow_to, tab_to
from playwright.sync_api import expect, sync_playwright

from chromium import CHROMIUM, CHROMIUM_ARGS, FAKE_CHECKOUT
from fakes.mollie_server import MollieServer
from fakes.stripe_server import StripeServer
from payment_helpers import Ledger, emailed_link, running_shop

pytestmark = pytest.mark.slow


def test_from_the_email_link_to_paid_by_ideal_in_dutch(output_dir, axe_audit):
    with (
        StripeServer() as stripe_fake,
        MollieServer() as mollie_fake,
        running_shop('ideal_browser', stripe_fake, singles=0, mollie=mollie_fake) as (odoo, data),
    ):
        invoice = data['dutch']
        link, text = emailed_link(odoo, invoice['id'])
        assert text == 'betaal uw factuur online'
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(locale='nl-NL')
            page.goto(link)
            expect(page.locator('.o_invoicecloud_number')).to_have_text(invoice['name'])
            expect(page.locator('#pay h2')).to_have_text('Online betalen')
            tab_to(page, 'input[name="method"]')  # into the methods: Card, chosen first
            arrow_to(page, 'input[data-method="ideal"]')
            page.screenshot(path=output_dir / 'ideal-1-invoice.png', full_page=True)
            axe_audit.check(page, 'invoice-method-chosen-nl')
            tab_to(page, '.o_invoicecloud_pay_button')
            page.keyboard.press('Enter')
            amount_shown, pay_button = FAKE_CHECKOUT['mollie']
            expect(page.locator(amount_shown)).to_contain_text(f"{invoice['residual']:.2f}")
            page.screenshot(path=output_dir / 'ideal-2-checkout.png', full_page=True)
            tab_to(page, pay_button, check_focus=False)  # the fake's page, not ours
            page.keyboard.press('Enter')
            expect(page.locator('.o_invoicecloud_payment_status')).to_have_attribute('data-state', 'paid')
            expect(page.locator('.o_invoicecloud_payment_status h1')).to_have_text('Bedankt, uw betaling is ontvangen')
            page.screenshot(path=output_dir / 'ideal-3-paid.png', full_page=True)
            axe_audit.check(page, 'status-paid-by-ideal-nl')
            tab_to(page, '.o_invoicecloud_back')
            page.keyboard.press('Enter')
            expect(page.locator('.o_invoicecloud_status')).to_have_class(re.compile('text-bg-success'))
            browser.close()
        axe_audit.assert_clean()
        assert Ledger(odoo).payment_state(invoice['id']) in ('paid', 'in_payment')
        assert len(Ledger(odoo).payments(invoice['id'])) == 1
