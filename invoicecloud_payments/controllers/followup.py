from odoo.http import request

from ..const import DISPUTE_REQUEST_MAX_BYTES, ROUTE_PREFIX
from ..urls import page_path
from .invoicecloud import InvoicecloudController, customer_route


class InvoicecloudFollowupController(InvoicecloudController):
    """From an open invoice's page, the customer promises to pay it by a date, or disputes it.
    Each answers back on the page (`?promise=` / `?dispute=` and a result code), as remarks do."""

    @customer_route(f'{ROUTE_PREFIX}/<string:token>/promise', ['POST'])
    def invoicecloud_promise(self, token, promise_date=None, **kwargs):
        invoice_sudo = self._invoice_from_token(token)
        if not invoice_sudo:
            return self._not_found()
        result = self._in_customer_lang(invoice_sudo, invoice_sudo.partner_id)._invoicecloud_promise(promise_date)
        return request.redirect(f'{page_path(token)}?promise={result}#followup', local=True)

    # A file may come with it: the request may be larger than Odoo's default limit, never larger
    # than the file allowed (Odoo answers 413 before reading more).
    @customer_route(f'{ROUTE_PREFIX}/<string:token>/dispute', ['POST'], max_content_length=DISPUTE_REQUEST_MAX_BYTES)
    def invoicecloud_dispute(self, token, reason=None, explanation='', attachment=None, **kwargs):
        invoice_sudo = self._invoice_from_token(token)
        if not invoice_sudo:
            return self._not_found()
        invoice_sudo = self._in_customer_lang(invoice_sudo, invoice_sudo.partner_id)
        result = invoice_sudo._invoicecloud_dispute(str(reason or ''), str(explanation or ''), attachment)
        return request.redirect(f'{page_path(token)}?dispute={result}#followup', local=True)
