from odoo.http import request

from ..const import HISTORY_PREFIX, INVOICECLOUD_CODES, MAX_RECORD_ID, ROUTE_PREFIX
from .invoicecloud import InvoicecloudController, customer_route


class InvoicecloudReceiptController(InvoicecloudController):
    """The receipt (PDF) of a payment to or from the customer, from any of their pages: the
    status page of an online payment, the invoice page and the history (for every payment Odoo
    has, online or registered by the accountant, and refunds)."""

    # Not read-only, as the invoice PDF: Odoo's report engine may write while it draws.
    @customer_route(f'{ROUTE_PREFIX}/<string:token>/receipt/<int:payment_id>', ['GET'])
    def invoicecloud_invoice_receipt(self, token, payment_id, **kwargs):
        """The receipts of this document's own payments, and of the payments started from its
        page, in any state of the document, as its status page: a payment made for an invoice
        reset to draft since keeps its receipt. Not the customer's others: those are the
        history's, and a draft may be on its way to another customer."""
        document_sudo = request.env['account.move']._invoicecloud_from_token(token)

        def of_this_page(payment_sudo):
            tx_sudo = payment_sudo.payment_transaction_id
            return payment_sudo in document_sudo._invoicecloud_receipts()[document_sudo.id] or (
                tx_sudo.provider_code in INVOICECLOUD_CODES and tx_sudo._invoicecloud_page_token() == token
            )

        return self._receipt(document_sudo.commercial_partner_id.filtered('active'), payment_id, of_this_page)

    @customer_route(f'{HISTORY_PREFIX}/<string:token>/receipt/<int:payment_id>', ['GET'])
    def invoicecloud_history_receipt(self, token, payment_id, **kwargs):
        return self._receipt(self._partner_from_token(token), payment_id)

    def _receipt(self, partner_sudo, payment_id, of_this_page=None):
        """The receipt of payment `payment_id` if it is one of this customer's (and `of_this_page`
        says so), else the plain 404 of every bad link (whether the payment exists is nobody
        else's business)."""
        if not partner_sudo or payment_id > MAX_RECORD_ID:
            return self._not_found()
        payment_sudo = request.env['account.payment'].sudo().browse(payment_id).exists()
        if not payment_sudo._invoicecloud_is_receipt_of(partner_sudo) or (
            of_this_page and not of_this_page(payment_sudo)
        ):
            return self._not_found()
        payment_sudo = self._in_customer_lang(payment_sudo, partner_sudo)
        return self._pdf_response(*payment_sudo._invoicecloud_receipt_pdf())
