from odoo.http import request

from ..const import HISTORY_PREFIX, MAX_RECORD_ID, ROUTE_PREFIX
from .invoicecloud import InvoicecloudController, customer_route


class InvoicecloudReceiptController(InvoicecloudController):
    """The receipt (PDF) of a payment to or from the customer, from any of their pages: the
    status page of an online payment, the invoice page and the history (for every payment Odoo
    has, online or registered by the accountant, and refunds)."""

    # Not read-only, as the invoice PDF: Odoo's report engine may write while it draws.
    @customer_route(f'{ROUTE_PREFIX}/<string:token>/receipt/<int:payment_id>', ['GET'])
    def invoicecloud_invoice_receipt(self, token, payment_id, **kwargs):
        # Any state of the document, as its status page: a payment made for an invoice reset to
        # draft since keeps its receipt (`_invoicecloud_page_offers_receipt`).
        document_sudo = request.env['account.move']._invoicecloud_from_token(token)
        if not document_sudo.commercial_partner_id.active:
            return self._not_found()
        payment_sudo = self._payment(payment_id)
        if not (payment_sudo and document_sudo._invoicecloud_page_offers_receipt(payment_sudo, token)):
            return self._not_found()
        return self._receipt_response(payment_sudo, document_sudo.partner_id)

    @customer_route(f'{HISTORY_PREFIX}/<string:token>/receipt/<int:payment_id>', ['GET'])
    def invoicecloud_history_receipt(self, token, payment_id, **kwargs):
        partner_sudo = self._partner_from_token(token)
        payment_sudo = self._payment(payment_id) if partner_sudo else None
        if not (payment_sudo and payment_sudo._invoicecloud_is_receipt_of(partner_sudo)):
            return self._not_found()
        return self._receipt_response(payment_sudo, partner_sudo)

    @staticmethod
    def _payment(payment_id):
        """The payment of an id from the URL (sudo'd, checked by the caller), or None."""
        if payment_id > MAX_RECORD_ID:
            return None
        return request.env['account.payment'].sudo().browse(payment_id).exists() or None

    def _receipt_response(self, payment_sudo, reader_sudo):
        """The PDF, in the language of the page's reader (as the page itself)."""
        payment_sudo = self._in_customer_lang(payment_sudo, reader_sudo)
        return self._file_response(*payment_sudo._invoicecloud_receipt_pdf())
