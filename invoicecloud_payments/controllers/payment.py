import ipaddress
from decimal import Decimal

from odoo.http import request
from odoo.tools.misc import hmac

from ..const import (
    AMOUNT_MAX_LENGTH,
    CHECKOUT_RATE_WINDOW_MINUTES,
    HISTORY_PREFIX,
    MAX_RECORD_ID,
    MAX_SELECTED_INVOICES,
    PAY_PART_CHOICES,
    PAY_PROBLEMS,
    PAY_TOO_MANY,
    ROUTE_PREFIX,
    STATUS_REFRESH_SECONDS,
)
from ..urls import page_path
from .invoicecloud import InvoicecloudController, customer_route


def _record_id(value):
    """A record id sent by the browser, or None: ASCII digits within PostgreSQL's integer."""
    value = str(value or '')
    if value.isascii() and value.isdigit() and 0 < int(value) <= MAX_RECORD_ID:
        return int(value)
    return None


def _amount(value, currency):
    """An amount typed by the customer ("12.50", "12,50"), as a float of the currency, or None:
    not a number, not positive, or finer than the currency's smallest unit."""
    text = str(value or '').strip().replace(',', '.')
    if not text or len(text) > AMOUNT_MAX_LENGTH or not (text.isascii() and text.replace('.', '', 1).isdigit()):
        return None
    amount = Decimal(text)
    if amount <= 0 or amount != amount.quantize(Decimal(1).scaleb(-currency.decimal_places)):
        return None
    return float(amount)


def _client_network(address):
    """What the checkout limit counts as one client: an IPv4 address, or an IPv6 address's /64
    (one household or one server gets a whole /64, and may pick any address in it)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 6 and ip.ipv4_mapped:
        return str(ip.ipv4_mapped)
    if ip.version == 6:
        return str(ipaddress.ip_network(f'{ip}/64', strict=False))
    return str(ip)


class InvoicecloudPaymentController(InvoicecloudController):
    # --- helpers ----------------------------------------------------------------------------

    def _selected_invoices(self, partner_sudo):
        """The invoices ticked on the history page, among exactly what the history lists (its
        own domain): never a vendor bill, a draft or an entry of the same partner."""
        ids = [_record_id(value) for value in request.httprequest.values.getlist('invoice_ids')]
        ids = [record_id for record_id in ids if record_id][:MAX_SELECTED_INVOICES]
        return (
            request.env['account.move'].sudo().search([('id', 'in', ids), *partner_sudo._invoicecloud_history_domain()])
        )

    def _chosen_method(self, value):
        """`value` is "<provider id>-<method id>"; only ids are read, the rest is checked later."""
        provider_id, _sep, method_id = (_record_id(part) for part in str(value or '').partition('-'))
        if not (provider_id and method_id):
            return request.env['payment.provider'], request.env['payment.method']
        provider_sudo = request.env['payment.provider'].sudo().browse(provider_id).exists()
        method_sudo = request.env['payment.method'].sudo().browse(method_id).exists()
        return provider_sudo, method_sudo

    def _client_key(self):
        """The client's address (as Odoo sees it: behind a proxy, run Odoo with --proxy-mode;
        an IPv6 address's /64), hashed with the database secret: attempts are counted without
        storing addresses."""
        network = _client_network(request.httprequest.remote_addr or '')
        return hmac(request.env(su=True), 'invoicecloud-client-address', network)[:32]

    def _chosen_parts(self, invoices_sudo):
        """What the customer pays of each invoice: {invoice id: part}, from the `part_<id>` fields
        (history) or the `part` field (an invoice's page); the whole of it when nothing is said.
        `_invoicecloud_pay` checks that the invoice offers the part."""
        values = request.httprequest.form
        parts = {}
        for invoice in invoices_sudo:
            part = values.get(f'part_{invoice.id}') or (values.get('part') if len(invoices_sudo) == 1 else None)
            if part:
                parts[invoice.id] = part if part in PAY_PART_CHOICES else 'unknown'
        return parts

    def _start(self, invoices_sudo, method, from_history, back_url, replace_open):
        provider_sudo, method_sudo = self._chosen_method(method)
        custom_amount = None
        if len(invoices_sudo) == 1 and request.httprequest.form.get('part') == 'custom':
            custom_amount = _amount(request.httprequest.form.get('custom_amount'), invoices_sudo.currency_id)
        url, problem = invoices_sudo._invoicecloud_pay(
            provider_sudo,
            method_sudo,
            from_history,
            self._client_key(),
            replace_open=replace_open == '1',
            parts=self._chosen_parts(invoices_sudo),
            custom_amount=custom_amount,
        )
        if problem == PAY_TOO_MANY:
            return self._too_many_checkouts(invoices_sudo, back_url)
        if problem:
            separator = '&' if '?' in back_url else '?'
            return request.redirect(f'{back_url}{separator}payment={problem}#pay', local=True)
        return request.redirect(url, local=False)

    def _too_many_checkouts(self, invoices_sudo, back_url):
        partner_sudo = invoices_sudo.commercial_partner_id[:1]
        self._in_customer_lang(partner_sudo, partner_sudo)
        values = {
            'page_title': request.env._("Too many payment attempts"),
            'brand_company': invoices_sudo.company_id[:1] or request.env.company,
            'back_url': back_url,
        }
        response = self._render_page('invoicecloud_payments.too_many_checkouts_page', values)
        response.status_code = 429
        response.headers['Retry-After'] = str(CHECKOUT_RATE_WINDOW_MINUTES * 60)
        return response

    # --- pay --------------------------------------------------------------------------------

    @customer_route(f'{ROUTE_PREFIX}/<string:token>/pay', ['POST'])
    def invoicecloud_pay_invoice(self, token, method=None, replace_open=None, **kwargs):
        invoice_sudo = self._invoice_from_token(token)
        if not invoice_sudo:
            return self._not_found()
        return self._start(invoice_sudo, method, False, page_path(token), replace_open)

    @customer_route(f'{HISTORY_PREFIX}/<string:token>/pay', ['GET'], readonly=True)
    def invoicecloud_pay_history_review(self, token, payment=None, **kwargs):
        """The chosen invoices, their total and the methods (read-only: served by a replica)."""
        partner_sudo = self._partner_from_token(token)
        if not partner_sudo:
            return self._not_found()
        invoices_sudo = self._selected_invoices(partner_sudo)
        partner_sudo = self._in_customer_lang(partner_sudo, partner_sudo)
        values = self._invoicecloud_review_values(partner_sudo, invoices_sudo, token, payment=payment)
        return self._render_page('invoicecloud_payments.pay_review_page', values)

    def _invoicecloud_review_values(self, partner_sudo, invoices_sudo, token, payment=None):
        """What the review page of a payment from the history shows: the chosen invoices, their
        total and the methods."""
        invoices_sudo = invoices_sudo.with_context(lang=partner_sudo.lang)
        payable_sudo = invoices_sudo._invoicecloud_payable()
        plan = self._review_plan(payable_sudo)
        total = sum(values['amount'] for values in plan)
        pay_options, withheld_methods = invoices_sudo._invoicecloud_pay_choices(total if plan else None)
        problem = invoices_sudo._invoicecloud_payment_problem()
        awaited_transfers = invoices_sudo._invoicecloud_awaited_transfers()
        return {
            'plan': {values['move_id']: values for values in plan},
            'terms': {invoice.id: invoice._invoicecloud_terms() for invoice in payable_sudo},
            'pay_options': pay_options,
            'withheld_methods': withheld_methods,
            'partner': partner_sudo,
            'invoices': invoices_sudo,
            'problem': payment if payment in PAY_PROBLEMS else problem,
            'awaited_transfers': awaited_transfers,
            'total': total,
            'transfer': invoices_sudo._invoicecloud_transfer(),
            'currency': invoices_sudo.currency_id[:1],
            'brand_company': invoices_sudo.company_id[:1] or request.env.company,
            'history_url': page_path(token, history=True),
            'pay_url': page_path(token, 'pay', history=True),
        }

    def _review_plan(self, payable_sudo):
        """The plan of the review page: what the invoices propose, or the whole of an invoice the
        customer chose to pay whole (`part_<id>`)."""
        chosen = {invoice.id: request.httprequest.args.get(f'part_{invoice.id}') for invoice in payable_sudo}
        return payable_sudo._invoicecloud_proposed_plan(chosen)

    @customer_route(f'{HISTORY_PREFIX}/<string:token>/pay', ['POST'])
    def invoicecloud_pay_history(self, token, method=None, replace_open=None, **kwargs):
        """Pay the chosen invoices; back to their review page when the payment cannot start."""
        partner_sudo = self._partner_from_token(token)
        if not partner_sudo:
            return self._not_found()
        invoices_sudo = self._selected_invoices(partner_sudo)
        query = '&'.join(
            [f'invoice_ids={invoice.id}' for invoice in invoices_sudo]
            + [f'part_{invoice_id}={part}' for invoice_id, part in self._chosen_parts(invoices_sudo).items()]
        )
        return self._start(
            invoices_sudo, method, True, f"{page_path(token, 'pay', history=True)}?{query}", replace_open
        )

    # --- back from the provider -------------------------------------------------------------

    @customer_route(f'{ROUTE_PREFIX}/<string:token>/payment', ['GET'])
    def invoicecloud_payment_status(self, token, reference=None, **kwargs):
        # Any state: an invoice reset to draft after the customer paid still shows them their
        # payment (kept as their credit), though not the invoice.
        document_sudo = request.env['account.move']._invoicecloud_from_token(token)
        partner_sudo = document_sudo.commercial_partner_id.filtered('active')
        return self._payment_status(partner_sudo, token, reference, page_path(token))

    @customer_route(f'{HISTORY_PREFIX}/<string:token>/payment', ['GET'])
    def invoicecloud_history_payment_status(self, token, reference=None, **kwargs):
        partner_sudo = self._partner_from_token(token)
        return self._payment_status(partner_sudo, token, reference, page_path(token, history=True))

    def _payment_status(self, partner_sudo, token, reference, page_url):
        """The status page of a payment started from the page of `token` (`page_url`)."""
        if not partner_sudo:
            return self._not_found()
        # The token was checked above; the transaction must have been started from its page.
        tx_sudo = request.env['payment.transaction'].sudo()._invoicecloud_from_page(reference, token)
        if not tx_sudo:
            return self._not_found()
        tx_sudo._invoicecloud_customer_returns()  # `cancelled=1` (the provider's cancel URL) changes nothing
        partner_sudo = self._in_customer_lang(partner_sudo, partner_sudo)
        values = self._invoicecloud_status_values(tx_sudo.with_context(lang=partner_sudo.lang), page_url, partner_sudo)
        return self._render_page('invoicecloud_payments.payment_status_page', values)

    def _invoicecloud_status_values(self, tx_sudo, page_url, partner_sudo):
        """What the status page shows: where the payment stands, its receipt, and the way back."""
        customer_state = tx_sudo._invoicecloud_customer_state()
        payment_sudo = tx_sudo.payment_id
        return {
            'receipt_url': payment_sudo._invoicecloud_is_receipt_of(partner_sudo)
            and f'{page_url}/receipt/{payment_sudo.id}',
            'tx': tx_sudo,
            'customer_state': customer_state,
            'page_url': page_url,
            'brand_company': tx_sudo.company_id,
            'refresh_seconds': STATUS_REFRESH_SECONDS if customer_state == 'pending' else None,
        }
