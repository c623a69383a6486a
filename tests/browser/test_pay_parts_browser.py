"""Payment terms on the customer's side, in Chromium: an early payment discount and an instalment
paid together from the history, by card through the fake Stripe's hosted checkout."""

import re

import pytest
from playwright.sync_api import expect, sync_playwright

from chromium import CHROMIUM, CHROMIUM_ARGS, pay_through_the_fake
from fakes.stripe_server import StripeServer
from payment_helpers import Ledger, running_shop

pytestmark = pytest.mark.slow


def test_a_discount_and_an_instalment_paid_together_from_the_history(output_dir):
    with StripeServer() as fake, running_shop('parts_browser', fake, singles=0) as (odoo, data):
        discounted, instalments = data['discounted'], data['instalments']
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(locale='fr-FR')
            page.goto(f"{odoo.url}/invoicecloud/{discounted['token']}")
            # The customer reads French: 490.00 instead of 500.00 with the 2% discount.
            discount = page.locator('.o_invoicecloud_discount')
            expect(discount).to_contain_text('Escompte pour paiement anticipé')
            expect(page.locator('.o_invoicecloud_discounted')).to_contain_text('490,00')
            expect(page.locator('.o_invoicecloud_pay_button')).to_contain_text('490,00')
            page.screenshot(path=output_dir / 'parts-1-discount.png', full_page=True)

            page.goto(f"{odoo.url}/invoicecloud/{instalments['token']}")
            expect(page.locator('.o_invoicecloud_instalment')).to_have_count(2)
            expect(page.locator('#part_instalment')).to_be_checked()
            expect(page.locator('label[for=part_instalment]')).to_contain_text('300,00')
            page.screenshot(path=output_dir / 'parts-2-instalments.png', full_page=True)

            page.locator('.o_invoicecloud_history_link').click()
            row = page.locator('.o_invoicecloud_history_row', has_text=instalments['name'])
            expect(row.locator('.o_invoicecloud_next_instalment')).to_contain_text('Prochain versement')
            page.locator(f"#select_{discounted['id']}").check()
            page.locator(f"#select_{instalments['id']}").check()
            page.locator('.o_invoicecloud_pay_selected').click()
            expect(page.locator('.o_invoicecloud_pay_total')).to_contain_text('790,00')  # 490 + 300
            # The whole of the instalments' invoice instead: the total follows, then back.
            page.locator(f"#part_{instalments['id']}").select_option('full')
            page.locator('.o_invoicecloud_update_total').click()
            expect(page.locator('.o_invoicecloud_pay_total')).to_contain_text(re.compile(r'1\s*490,00'))
            page.locator(f"#part_{instalments['id']}").select_option('instalment')
            page.locator('.o_invoicecloud_update_total').click()
            expect(page.locator('.o_invoicecloud_pay_total')).to_contain_text('790,00')
            page.locator('input[data-method="card"]').check()
            page.screenshot(path=output_dir / 'parts-3-review.png', full_page=True)
            pay_through_the_fake(
                page, 'stripe', 790.0, (output_dir / 'parts-4-checkout.png', output_dir / 'parts-5-paid.png')
            )
            page.goto(f"{odoo.url}/invoicecloud/{instalments['token']}")
            expect(page.locator('.o_invoicecloud_status')).to_have_class(re.compile('text-bg-warning'))
            expect(page.locator('.o_invoicecloud_amount_due')).to_contain_text('700,00')
            expect(page.locator('.o_invoicecloud_instalment[data-state=paid]')).to_have_count(1)
            page.screenshot(path=output_dir / 'parts-6-partially-paid.png', full_page=True)
            browser.close()
        fake.wait_for_webhooks()
        ledger = Ledger(odoo)
        assert ledger.payment_state(discounted['id']) in ('paid', 'in_payment')
        assert ledger.payment_state(instalments['id']) == 'partial'
        [(_payment_id, amount, _state)] = ledger.payments(discounted['id'])
        assert amount == 790.0
        [(residual,)] = ledger.query('SELECT amount_residual FROM account_move WHERE id = %s', [instalments['id']])
        assert residual == 700.0
