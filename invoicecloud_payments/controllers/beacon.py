from odoo import http
from odoo.http import request
from odoo.tools.misc import verify_hash_signed

from ..const import ROUTE_PREFIX, VIEW_TICKET_SCOPE


class InvoicecloudBeaconController(http.Controller):
    """The invoice page's "viewed" beacon (static/src/interactions/invoice_viewed.js): a person's
    browser tells that the page was on screen. It answers 204 whatever it was sent, so that it
    tells nothing; it records only a valid ticket, sent by the page itself (same origin, with the
    session's CSRF token), and never a visit of an internal user (an accountant checking the
    link is not the customer)."""

    @http.route(f'{ROUTE_PREFIX}/beacon/view', type='http', auth='public', methods=['POST'], csrf=True, website=False)
    def invoicecloud_beacon_view(self, ticket=None, **kwargs):
        if (
            isinstance(ticket, str)
            and len(ticket) < 200
            and request.httprequest.headers.get('Sec-Fetch-Site') == 'same-origin'
            and not request.env.user._is_internal()
        ):
            try:
                values = verify_hash_signed(request.env(su=True), VIEW_TICKET_SCOPE, ticket)
            except (ValueError, TypeError):
                values = None
            if isinstance(values, int):
                request.env['account.move'].sudo()._invoicecloud_record_view(values)
        return request.make_response('', status=204)
