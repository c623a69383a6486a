"""Debian's Chromium, as the browser tests launch it, and what they do in it."""

from playwright.sync_api import expect

from public_host import CHROMIUM_RESOLVER_ARG

CHROMIUM = '/usr/bin/chromium'
# Without these, Chromium calls Google services, which this machine's closed network refuses.
CHROMIUM_ARGS = [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    CHROMIUM_RESOLVER_ARG,  # the test shops' public-looking name, to loopback
]

# The fakes' hosted checkout pages: where each shows the amount asked, and the button that pays.
FAKE_CHECKOUT = {
    'stripe': ('#fake-stripe-amount', '#fake-stripe-pay'),
    'mollie': ('#fake-mollie-amount', '#fake-mollie-paid'),
}


def pay_through_the_fake(page, provider, amount, screenshots):
    """From our page, method chosen, to our status page saying paid: click Pay, check the amount
    the fake's checkout asks, pay there. `screenshots`: (of the checkout, of the paid page)."""
    amount_shown, pay_button = FAKE_CHECKOUT[provider]
    page.locator('.o_invoicecloud_pay_button').click()
    expect(page.locator(amount_shown)).to_contain_text(f'{amount:.2f}')
    page.screenshot(path=screenshots[0], full_page=True)
    page.locator(pay_button).click()
    expect(page.locator('.o_invoicecloud_payment_status')).to_have_attribute('data-state', 'paid')
    page.screenshot(path=screenshots[1], full_page=True)
