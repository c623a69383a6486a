"""From the emailed #LINK to Paid, in Chromium, through the fake Stripe's hosted checkout page."""

import re

import pytest
from playwright.sync_api import expect, sync_playwright

from chromium import CHROMIUM, CHROMIUM_ARGS, pay_through_the_fake
from fakes.stripe_server import StripeServer
from payment_helpers import Ledger, emailed_link, running_shop

pytestmark = pytest.mark.slow


def test_from_the_email_link_to_paid(output_dir, axe_audit):
    with StripeServer() as fake, running_shop('card_browser', fake, singles=1) as (odoo, data):
        invoice = data['single'][0]
        link, _text = emailed_link(odoo, invoice['id'])
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(locale='fr-FR')
            page.goto(link)
            expect(page.locator('.o_invoicecloud_number')).to_have_text(invoice['name'])
            page.screenshot(path=output_dir / 'card-1-invoice.png', full_page=True)
            axe_audit.check(page, 'invoice-with-methods')
            screenshots = (output_dir / 'card-2-checkout.png', output_dir / 'card-3-paid.png')
            pay_through_the_fake(page, 'stripe', invoice['residual'], screenshots)
            axe_audit.check(page, 'status-paid')
            # The receipt, drawn by Odoo's report engine (wkhtmltopdf), from the status page.
            with page.expect_download() as download:
                page.locator('.o_invoicecloud_receipt a').click()
            receipt = output_dir / 'card-4-receipt.pdf'
            download.value.save_as(receipt)
            assert receipt.read_bytes().startswith(b'%PDF-')
            page.locator('.o_invoicecloud_back').click()
            expect(page.locator('.o_invoicecloud_status')).to_have_class(re.compile('text-bg-success'))
            expect(page.locator('.o_invoicecloud_pay_form')).to_have_count(0)
            axe_audit.check(page, 'invoice-paid')
            browser.close()
        axe_audit.assert_clean()
        fake.wait_for_webhooks()
        assert Ledger(odoo).payment_state(invoice['id']) in ('paid', 'in_payment')
        assert len(Ledger(odoo).payments(invoice['id'])) == 1
        # The receipt by email: one message on the payment, to the customer, the PDF attached.
        odoo.run_cron('invoicecloud_payments.cron_send_receipts')
        [(payment_id, _amount, _state)] = Ledger(odoo).payments(invoice['id'])
        mails = Ledger(odoo).query(
            """
            SELECT a.mimetype, a.name FROM mail_message m
              JOIN message_attachment_rel r ON r.message_id = m.id
              JOIN ir_attachment a ON a.id = r.attachment_id
             WHERE m.model = 'account.payment' AND m.res_id = %s AND m.message_type = 'comment'
            """,
            [payment_id],
        )
        assert [mimetype for mimetype, _name in mails] == ['application/pdf'], mails
