import re
from functools import partial

from odoo.http import request

from ..const import MOLLIE_CODE, MOLLIE_PAYMENT_ID_PATTERN, MOLLIE_WEBHOOK_ROUTE
from .webhooks import InvoicecloudWebhookController, webhook_route

MOLLIE_PAYMENT_ID_RE = re.compile(MOLLIE_PAYMENT_ID_PATTERN)


class InvoicecloudMollieWebhookController(InvoicecloudWebhookController):
    @webhook_route(MOLLIE_WEBHOOK_ROUTE)
    def invoicecloud_mollie_webhook(self, provider_id, id=None, **kwargs):  # `id`: Mollie's field name
        """Mollie posts only `id=tr_...`. Nothing is read from the request but that id: the
        transaction of this provider holding it is confirmed by fetching, through the SDK, the
        payment id we stored. Every well-formed call gets 200, known id or not."""
        if self._announced_too_large():  # a body that is no form: werkzeug 2.2 lets it through
            return request.make_response('', status=413)
        if not isinstance(id, str) or not MOLLIE_PAYMENT_ID_RE.fullmatch(id):
            return request.make_response('', status=400)
        provider_sudo = self._provider(provider_id, ['code'])
        if provider_sudo.code != MOLLIE_CODE:
            return request.make_response('', status=200)
        tx_sudo = (
            request.env['payment.transaction']
            .sudo()
            ._invoicecloud_find(provider_sudo, [('provider_reference', '=', id)], lock=True)
        )
        if not tx_sudo:
            return request.make_response('', status=200)
        return self._acknowledge(partial(tx_sudo._invoicecloud_confirm, record_later=True, locked=True))
