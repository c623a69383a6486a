"""From the link in the invoice email Odoo sends to the customer pages, in Chromium, desktop and phone."""

import csv
import io
import re
import uuid
from datetime import date, timedelta
from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect, sync_playwright
from pypdf import PdfReader

from chromium import CHROMIUM, CHROMIUM_ARGS
from odoo_server import OdooServer

pytestmark = pytest.mark.slow

VIEWPORTS = {'desktop': {'width': 1280, 'height': 900}, 'phone': {'width': 360, 'height': 740}}


@pytest.fixture(scope='module')
def server():
    odoo = OdooServer('browser')
    odoo.create()
    data = odoo.run_result('browser_shop', url=odoo.url)
    odoo.start()
    yield odoo, data
    odoo.stop()
    odoo.drop()


@pytest.fixture(scope='module')
def browser():
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.mark.parametrize('viewport', VIEWPORTS)
def test_customer_reads_downloads_questions_and_reviews_history(server, browser, viewport, output_dir, axe_audit):
    odoo, data = server
    shots = output_dir / 'browser'
    shots.mkdir(exist_ok=True)
    link = re.search(r'<a href="([^"]+)">betaal uw factuur online</a>', data['body'])
    assert link, "the email carries the Dutch #LINK anchor"
    url = link.group(1)
    assert url.startswith(f'{odoo.url}/invoicecloud/')

    context = browser.new_context(viewport=VIEWPORTS[viewport], accept_downloads=True)
    page = context.new_page()
    foreign_hosts = set()
    page.on('request', lambda r: urlparse(r.url).hostname not in ('127.0.0.1', None) and foreign_hosts.add(r.url))

    # "Viewed": the page's beacon, after two seconds on screen; never the link being opened.
    with odoo.connect() as conn, conn.cursor() as cr:
        cr.execute('SELECT first_viewed_at FROM invoicecloud_invoice_followup WHERE move_id = %s', [data['invoice_id']])
        viewed_before = cr.fetchall()
    with page.expect_request('**/invoicecloud/beacon/view', timeout=15000) as beacon:
        response = page.goto(url)
    assert response.status == 200
    assert data['invoice'] not in beacon.value.url and '/invoicecloud/beacon/view' in beacon.value.url
    assert beacon.value.response().status == 204
    with odoo.connect() as conn, conn.cursor() as cr:
        cr.execute('SELECT first_viewed_at FROM invoicecloud_invoice_followup WHERE move_id = %s', [data['invoice_id']])
        [(viewed,)] = cr.fetchall()
    assert viewed, "the beacon recorded the view"
    assert viewed_before in ([], [(viewed,)]), "a view is recorded once, the first one kept"
    assert response.headers['referrer-policy'] == 'no-referrer'
    assert response.headers['cache-control'] == 'no-store'
    expect(page.locator('h1')).to_contain_text(data['invoice'])
    expect(page.locator('body')).to_contain_text('Te betalen')
    expect(page.locator('.o_invoicecloud_lines')).to_contain_text('Remblokken')
    page.screenshot(path=shots / f'{viewport}-1-invoice.png', full_page=True)
    if viewport == 'desktop':  # axe checks each page at both widths
        axe_audit.check(page, 'invoice-open')
    if viewport == 'phone':
        overflow = page.evaluate('document.documentElement.scrollWidth - window.innerWidth')
        assert overflow <= 0, f"the page is {overflow}px wider than a 360px screen"

    with page.expect_download() as download_info:
        page.click('.o_invoicecloud_pdf')
    pdf = download_info.value.path().read_bytes()
    (shots / f'{viewport}-invoice.pdf').write_bytes(pdf)
    assert pdf.startswith(b'%PDF')
    assert len(PdfReader(io.BytesIO(pdf)).pages) >= 1
    # wkhtmltopdf embeds its fonts without a text layer, so the invoice is told by the file name.
    assert download_info.value.suggested_filename.startswith(data['invoice'].replace('/', '_'))

    remark = f"Mag ik in twee keer betalen? {uuid.uuid4().hex[:8]}"
    page.fill('#invoicecloud_remark', remark)
    page.click('.o_invoicecloud_remark_form button[type=submit]')
    expect(page.locator('.o_invoicecloud_remark_result')).to_contain_text('Bedankt')
    page.screenshot(path=shots / f'{viewport}-2-remark-sent.png', full_page=True)
    if viewport == 'desktop':
        axe_audit.check(page, 'invoice-remark-sent')
        _promise_and_dispute(page, odoo, data, shots, axe_audit)
    with odoo.connect() as conn, conn.cursor() as cr:
        cr.execute(
            "SELECT author_id FROM mail_message WHERE model = 'account.move' AND res_id = %s AND body LIKE %s",
            [data['invoice_id'], f'%{remark}%'],
        )
        assert cr.fetchall() == [(data['partner_id'],)], "the remark is in the chatter, written by the customer"

    page.click('.o_invoicecloud_history_link')
    rows = page.locator('.o_invoicecloud_history_row')
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text(data['invoice'])
    expect(rows.last).to_contain_text(data['old'])
    expect(rows.last.locator('.o_invoicecloud_status')).to_have_text('Vervallen')
    expect(page.locator('.o_invoicecloud_total_overdue')).to_contain_text('120,00')
    page.screenshot(path=shots / f'{viewport}-3-history.png', full_page=True)
    if viewport == 'desktop':
        axe_audit.check(page, 'history')
        _download_statements(page, odoo, data, shots)
        assert page.goto(f'{odoo.url}/invoicecloud/{"x" * 43}').status == 404
        axe_audit.check(page, 'not-found')
    if viewport == 'phone':
        assert page.evaluate('document.documentElement.scrollWidth - window.innerWidth') <= 0

    assert not foreign_hosts, f"third-party requests: {foreign_hosts}"
    context.close()
    if viewport == 'desktop':
        axe_audit.assert_clean()


def _promise_and_dispute(page, odoo, data, shots, axe_audit):
    """A promise to pay in ten days, then a dispute with a PDF, from the invoice page (in Dutch);
    both in the chatter as the customer, the file attached to the dispute."""
    day = (date.today() + timedelta(days=10)).isoformat()
    page.fill('#invoicecloud_promise_date', day)
    page.click('.o_invoicecloud_promise_form button[type=submit]')
    expect(page.locator('.o_invoicecloud_promise_result')).to_contain_text('Bedankt')
    expect(page.locator('.o_invoicecloud_promise_current')).to_contain_text('U beloofde uiterlijk op')
    axe_audit.check(page, 'invoice-promise-sent')
    page.select_option('#invoicecloud_dispute_reason', 'not_received')
    page.fill('#invoicecloud_dispute_explanation', 'De fiets is nooit geleverd.')
    pdf = shots / 'dispute-evidence.pdf'
    pdf.write_bytes(b'%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n')
    page.set_input_files('#invoicecloud_dispute_attachment', str(pdf))
    page.click('.o_invoicecloud_dispute_form button[type=submit]')
    expect(page.locator('.o_invoicecloud_dispute_result')).to_contain_text('Bedankt, uw betwisting is verstuurd')
    expect(page.locator('.o_invoicecloud_dispute_current')).to_be_visible()
    page.screenshot(path=shots / 'desktop-2b-promise-and-dispute.png', full_page=True)
    axe_audit.check(page, 'invoice-disputed')
    with odoo.connect() as conn, conn.cursor() as cr:
        cr.execute(
            """
            SELECT m.body, array_agg(a.name) FILTER (WHERE a.id IS NOT NULL)
              FROM mail_message m
              LEFT JOIN message_attachment_rel r ON r.message_id = m.id
              LEFT JOIN ir_attachment a ON a.id = r.attachment_id
             WHERE m.model = 'account.move' AND m.res_id = %s AND m.author_id = %s
               AND (m.body LIKE %s OR m.body LIKE %s)
             GROUP BY m.id ORDER BY m.id
            """,
            [data['invoice_id'], data['partner_id'], '%uiterlijk op%', '%betwist deze factuur%'],
        )
        (_promise, no_files), (dispute, files) = cr.fetchall()
    assert no_files is None and files == ['dispute-evidence.pdf'], (no_files, files)
    assert 'De fiets is nooit geleverd.' in dispute


def _download_statements(page, odoo, data, shots):
    """The statement of account, from the history page's form, as PDF and CSV (in Dutch): its
    closing balance is what the ledger holds for the customer; the two-year-old invoice is in the
    opening balance of the last 12 months."""
    with page.expect_download() as pdf_info:
        page.click('.o_invoicecloud_statement_pdf')
    pdf = pdf_info.value.path().read_bytes()
    (shots / 'statement.pdf').write_bytes(pdf)
    assert pdf.startswith(b'%PDF') and len(PdfReader(io.BytesIO(pdf)).pages) >= 1
    assert pdf_info.value.suggested_filename.startswith('Rekeninguittreksel ')
    with page.expect_download() as csv_info:
        page.click('.o_invoicecloud_statement_csv')
    rows = list(csv.reader(io.StringIO(csv_info.value.path().read_text(encoding='utf-8-sig'))))
    (shots / 'statement.csv').write_text('\n'.join(map(','.join, rows)))
    assert rows[0][:3] == ['Datum', 'Document', 'Soort']
    assert rows[1][2:] == ['Beginsaldo', '', '', '', '', '120.00'], rows[1]
    closing = next(row for row in rows if row[2:3] == ['Eindsaldo'])
    with odoo.connect() as conn, conn.cursor() as cr:
        cr.execute(
            """
            SELECT SUM(l.balance) FROM account_move_line l JOIN account_account a ON a.id = l.account_id
             WHERE l.partner_id = %s AND l.parent_state = 'posted' AND a.account_type = 'asset_receivable'
            """,
            [data['partner_id']],
        )
        [(ledger,)] = cr.fetchall()
    assert closing[7] == f'{ledger:.2f}', (closing, ledger)


def test_access_log_holds_no_token(server, browser):
    odoo, data = server
    link = re.search(r'href="([^"]+/invoicecloud/[^"]+)"', data['body']).group(1)
    page = browser.new_page()
    assert page.goto(link).status == 200
    assert page.goto(f'{odoo.url}/invoicecloud/{"x" * 43}').status == 404
    page.close()
    with odoo.connect() as conn, conn.cursor() as cr:
        cr.execute(
            "SELECT invoicecloud_token FROM account_move WHERE invoicecloud_token IS NOT NULL"
            " UNION ALL SELECT invoicecloud_token FROM res_partner WHERE invoicecloud_token IS NOT NULL"
        )
        tokens = [row[0] for row in cr.fetchall()]
    log = odoo.log.read_text()
    assert 'GET /invoicecloud/<token> HTTP' in log, "the access log shows the redacted path"
    assert 'POST /invoicecloud/beacon/view HTTP' in log, "the beacon's path carries no token"
    assert tokens and not [t for t in tokens if t in log]
    assert 'x' * 43 not in log, "bad tokens are redacted too"
