from werkzeug.exceptions import NotFound

from odoo import http
from odoo.http import content_disposition, request
from odoo.tools import format_date

from odoo.addons.portal.controllers.portal import pager as portal_pager

from ..const import (
    CUSTOMER_MOVE_TYPES,
    DISPUTE_RESULTS,
    HISTORY_FILTERS,
    HISTORY_PAGE_SIZE,
    HISTORY_PREFIX,
    PAY_PROBLEMS,
    PROMISE_RESULTS,
    REMARK_MAX_LENGTH,
    REMARK_RESULTS,
    ROUTE_PREFIX,
)
from ..urls import page_path

# Pages opened by a secret link: the secret must not leak through a Referer header, a shared
# cache or a crawler.
SECURITY_HEADERS = {
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-store',
    'X-Robots-Tag': 'noindex, nofollow',
}


def customer_route(paths, methods, readonly=False, **routing):
    """The route of a customer page: public, a website page (with website, its layout and
    language prefixes), never in the sitemap. `readonly`: it only reads, and Odoo serves it from
    a read replica when one is configured (--db_replica_host). `routing`: more of http.route's
    options (max_content_length)."""
    return http.route(
        paths, type='http', auth='public', website=True, methods=methods, sitemap=False, readonly=readonly, **routing
    )


class InvoicecloudController(http.Controller):
    # --- helpers ----------------------------------------------------------------------------

    def _in_customer_lang(self, record_sudo, partner):
        """Render in the customer's language: the page's texts and the values Odoo computes
        (tax totals, country names) alike."""
        if partner.lang:
            request.update_context(lang=partner.lang)
            return record_sudo.with_context(lang=partner.lang)
        return record_sudo

    def _render_page(self, template, values):
        response = request.render(template, values)
        response.headers.update(SECURITY_HEADERS)
        return response

    def _invoice_from_token(self, token):
        """The invoice of this token, or an empty recordset (the route answers `_not_found`)."""
        invoice_sudo = request.env['account.move']._invoicecloud_from_token(token)
        # Only what the customer received: posted, or cancelled after posting. A document put back
        # to draft is being edited and is not shown until it is posted again.
        # An archived customer's links are closed, as their history link is.
        if (
            not invoice_sudo
            or invoice_sudo.move_type not in CUSTOMER_MOVE_TYPES
            or invoice_sudo.state == 'draft'
            or not invoice_sudo.commercial_partner_id.active
        ):
            return invoice_sudo.browse()
        return invoice_sudo

    def _partner_from_token(self, token):
        """The customer of this history token, or an empty recordset (archived: closed)."""
        partner_sudo = request.env['res.partner']._invoicecloud_from_token(token)
        return partner_sudo if partner_sudo.active else partner_sudo.browse()

    @staticmethod
    def _not_found():
        """The same plain 404 for every bad link, returned, not raised: with website installed, a
        raised 404 goes to website's fallback (its pages, redirects and attachments by URL), which
        is no answer for a secret link and fails on some paths (a NUL answers 500)."""
        body = NotFound().get_body()
        headers = {**SECURITY_HEADERS, 'Content-Type': 'text/html; charset=utf-8'}
        return request.make_response(body, headers=list(headers.items()), status=404)

    @staticmethod
    def _file_response(content, filename, content_type='application/pdf'):
        """A file to download (a PDF by default), never cached nor referred."""
        headers = {
            **SECURITY_HEADERS,
            'Content-Type': content_type,
            'Content-Length': len(content),
            'Content-Disposition': content_disposition(filename),
        }
        return request.make_response(content, headers=list(headers.items()))

    # --- invoice ----------------------------------------------------------------------------

    @customer_route(f'{ROUTE_PREFIX}/<string:token>', ['GET'], readonly=True)
    def invoicecloud_invoice(self, token, remark=None, payment=None, promise=None, dispute=None, **kwargs):
        invoice_sudo = self._invoice_from_token(token)
        if not invoice_sudo:
            return self._not_found()
        invoice_sudo = self._in_customer_lang(invoice_sudo, invoice_sudo.partner_id)
        values = self._invoicecloud_invoice_values(invoice_sudo, token, remark=remark, payment=payment)
        values.update(self._invoicecloud_followup_values(invoice_sudo, token, promise=promise, dispute=dispute))
        return self._render_page('invoicecloud_payments.invoice_page', values)

    def _invoicecloud_invoice_values(self, invoice_sudo, token, remark=None, payment=None):
        """What the invoice page shows (as `account_payment`'s `_invoice_get_page_view_values`)."""
        payable = bool(invoice_sudo._invoicecloud_payable())
        terms = invoice_sudo._invoicecloud_terms() if payable else None
        amount_due = terms['due_now'] if payable else 0.0
        # The methods for any amount the form offers (the one chosen is checked when paying).
        pay_options, withheld_methods = invoice_sudo._invoicecloud_pay_choices(
            *invoice_sudo._invoicecloud_offered_amounts()
        )
        in_progress = bool(invoice_sudo._invoicecloud_in_progress())
        awaited_transfers = invoice_sudo._invoicecloud_awaited_transfers()
        return {
            'transfer': invoice_sudo._invoicecloud_transfer(),
            'terms': terms,
            'schedule': invoice_sudo._invoicecloud_schedule(),
            'custom_bounds': payable and invoice_sudo._invoicecloud_custom_bounds(),
            'pay_options': pay_options,
            'withheld_methods': withheld_methods,
            'invoice': invoice_sudo,
            'status': invoice_sudo._invoicecloud_status(),
            'history_url': page_path(invoice_sudo.commercial_partner_id.invoicecloud_token, history=True),
            'pdf_url': page_path(token, 'pdf'),
            'receipts': invoice_sudo._invoicecloud_receipts()[invoice_sudo.id],
            'receipt_path': page_path(token, 'receipt'),
            'remark_url': page_path(token, 'remark'),
            'remark_result': remark if remark in REMARK_RESULTS else None,
            'remark_max_length': REMARK_MAX_LENGTH,
            'brand_company': invoice_sudo.company_id,
            'payable': payable,
            'amount_due': amount_due,
            'in_progress': in_progress,
            'awaited_transfers': awaited_transfers,
            'pay_url': page_path(token, 'pay'),
            'problem': payment if payment in PAY_PROBLEMS else None,
        }

    def _invoicecloud_followup_values(self, invoice_sudo, token, promise=None, dispute=None):
        """What the promise to pay and dispute block shows."""
        promise_min, promise_max = invoice_sudo._invoicecloud_promise_bounds() or (None, None)
        followup = invoice_sudo.invoicecloud_followup_ids[:1]
        env = invoice_sudo.env
        return {
            'followup': followup,
            'view_ticket': invoice_sudo._invoicecloud_view_ticket(),
            'promise_notice': followup.promise_state == 'open'
            and env._("You promised to pay by %(date)s.", date=format_date(env, followup.promise_date)),
            'promise_range': promise_min
            and env._(
                "Please choose a date from %(first)s to %(last)s.",
                first=format_date(env, promise_min),
                last=format_date(env, promise_max),
            ),
            'promise_url': page_path(token, 'promise'),
            'promise_result': promise if promise in PROMISE_RESULTS else None,
            'promise_min': promise_min,
            'promise_max': promise_max,
            'dispute_url': page_path(token, 'dispute'),
            'dispute_result': dispute if dispute in DISPUTE_RESULTS else None,
            'dispute_reasons': invoice_sudo._invoicecloud_dispute_reasons(),
        }

    # Not read-only: rendering an invoice report writes to the invoice (Odoo's account).
    @customer_route(f'{ROUTE_PREFIX}/<string:token>/pdf', ['GET'])
    def invoicecloud_invoice_pdf(self, token, **kwargs):
        invoice_sudo = self._invoice_from_token(token)
        if not invoice_sudo:
            return self._not_found()
        return self._file_response(*invoice_sudo._invoicecloud_pdf())

    @customer_route(f'{ROUTE_PREFIX}/<string:token>/remark', ['POST'])
    def invoicecloud_invoice_remark(self, token, remark='', **kwargs):
        invoice_sudo = self._invoice_from_token(token)
        if not invoice_sudo:
            return self._not_found()
        result = invoice_sudo._invoicecloud_post_remark(str(remark))
        return request.redirect(f'{page_path(token)}?remark={result}#remark', local=True)

    # --- history ----------------------------------------------------------------------------

    @customer_route(
        [f'{HISTORY_PREFIX}/<string:token>', f'{HISTORY_PREFIX}/<string:token>/page/<int:page>'], ['GET'], readonly=True
    )
    def invoicecloud_history(self, token, page=1, state='all', **kwargs):
        partner_sudo = self._partner_from_token(token)
        if not partner_sudo:
            return self._not_found()
        partner_sudo = self._in_customer_lang(partner_sudo, partner_sudo)
        values = self._invoicecloud_history_values(partner_sudo, token, page=page, state=state)
        return self._render_page('invoicecloud_payments.history_page', values)

    def _invoicecloud_history_values(self, partner_sudo, token, page=1, state='all'):
        """What the history page shows: one page of the customer's documents, and their totals."""
        state = state if state in HISTORY_FILTERS else 'all'
        pager = portal_pager(
            url=page_path(token, history=True),
            url_args={'state': state},
            total=partner_sudo._invoicecloud_history_count(state),
            page=page,
            step=HISTORY_PAGE_SIZE,
        )
        invoices_sudo = partner_sudo._invoicecloud_history_page(state, pager['offset'])
        companies_sudo = partner_sudo._invoicecloud_history_companies()
        payable_sudo = invoices_sudo._invoicecloud_payable()
        statement_from, statement_to = (companies_sudo[:1] or request.env.company)._invoicecloud_statement_period()
        return {
            'terms': {invoice.id: invoice._invoicecloud_terms() for invoice in payable_sudo},
            'partner': partner_sudo,
            'invoices': invoices_sudo,
            'payable': payable_sudo,
            'in_progress': invoices_sudo._invoicecloud_in_progress(),
            'receipts': invoices_sudo._invoicecloud_receipts(),
            'receipt_path': page_path(token, 'receipt', history=True),
            'totals': partner_sudo._invoicecloud_totals(),
            'several_companies': len(companies_sudo) > 1,
            # The newest document's company; on an empty page, one of the history's.
            'brand_company': invoices_sudo.company_id[:1] or companies_sudo[:1] or request.env.company,
            'pager': pager,
            'state': state,
            'review_url': page_path(token, 'pay', history=True),
            'page_path': page_path,
            'statement_path': page_path(token, 'statement', history=True),
            'statement_companies': companies_sudo,
            'statement_from': statement_from,
            'statement_to': statement_to,
        }
