"""Payment terms on the customer's side, in Chromium: an early payment discount and an instalment
paid together from the history, by card through the fake Stripe's hosted checkout; then scan to
pay, its QR code read from the page as a banking app's camera reads it."""

import io
import re

import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import expect, sync_playwright

from chromium import CHROMIUM, CHROMIUM_ARGS, pay_through_the_fake
from fakes.stripe_server import StripeServer
from payment_helpers import Ledger, running_shop

pytestmark = pytest.mark.slow


def test_a_discount_and_an_instalment_paid_together_from_the_history(output_dir, axe_audit):
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
            axe_audit.check(page, 'invoice-discount')

            page.goto(f"{odoo.url}/invoicecloud/{instalments['token']}")
            expect(page.locator('.o_invoicecloud_instalment')).to_have_count(2)
            expect(page.locator('#part_instalment')).to_be_checked()
            expect(page.locator('label[for=part_instalment]')).to_contain_text('300,00')
            page.screenshot(path=output_dir / 'parts-2-instalments.png', full_page=True)
            axe_audit.check(page, 'invoice-instalments')

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
            axe_audit.check(page, 'review-parts')
            pay_through_the_fake(
                page, 'stripe', 790.0, (output_dir / 'parts-4-checkout.png', output_dir / 'parts-5-paid.png')
            )
            page.goto(f"{odoo.url}/invoicecloud/{instalments['token']}")
            expect(page.locator('.o_invoicecloud_status')).to_have_class(re.compile('text-bg-warning'))
            expect(page.locator('.o_invoicecloud_amount_due')).to_contain_text('700,00')
            expect(page.locator('.o_invoicecloud_instalment[data-state=paid]')).to_have_count(1)
            page.screenshot(path=output_dir / 'parts-6-partially-paid.png', full_page=True)
            axe_audit.check(page, 'invoice-partially-paid')

            # Scan to pay: the QR code as the browser draws it, read as a banking app's camera does.
            scan = odoo.run_result('scan_to_pay', enabled=True)
            page.goto(f"{odoo.url}/invoicecloud/{scan['token']}")
            transfer = page.locator('.o_invoicecloud_transfer')
            expect(transfer.locator('.o_invoicecloud_transfer_account')).to_have_text('BE71 0961 2345 6769')
            expect(transfer.locator('.o_invoicecloud_transfer_amount')).to_contain_text(re.compile(r'1\D?250\D00'))
            qr = transfer.locator('img.o_invoicecloud_qr')
            expect(qr).to_be_visible()
            reference = transfer.locator('.o_invoicecloud_transfer_reference').inner_text()
            [text] = {code.text for code in zxingcpp.read_barcodes(Image.open(io.BytesIO(qr.screenshot())))}
            fields = text.split('\n')
            assert fields[:4] == ['BCD', '002', '1', 'SCT'], fields
            assert fields[6:8] == ['BE71096123456769', 'EUR1250.0'], fields
            assert reference.replace(' ', '') in fields[9:11], (reference, fields)
            page.screenshot(path=output_dir / 'parts-7-scan-to-pay.png', full_page=True)
            axe_audit.check(page, 'invoice-scan-to-pay')
            browser.close()
        axe_audit.assert_clean()
        fake.wait_for_webhooks()
        ledger = Ledger(odoo)
        assert ledger.payment_state(discounted['id']) in ('paid', 'in_payment')
        assert ledger.payment_state(instalments['id']) == 'partial'
        [(_payment_id, amount, _state)] = ledger.payments(discounted['id'])
        assert amount == 790.0
        [(residual,)] = ledger.query('SELECT amount_residual FROM account_move WHERE id = %s', [instalments['id']])
        assert residual == 700.0
