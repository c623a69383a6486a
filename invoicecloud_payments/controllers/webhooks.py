import logging
import re
from functools import partial

from odoo import http
from odoo.http import request

from ..const import (
    MAX_RECORD_ID,
    MOLLIE_CODE,
    STRIPE_CODE,
    STRIPE_HANDLED_EVENTS,
    STRIPE_WEBHOOK_TOLERANCE,
    WEBHOOK_MAX_BYTES,
)
from ..gateways import ProviderError
from ..gateways.stripe_gateway import parse_webhook_event

_logger = logging.getLogger(__name__)

WEBHOOK_ROUTE = '/invoicecloud/webhook'
# https://docs.mollie.com/reference/v2/payments-api/get-payment: ids look like tr_7UhSN1zuXS.
MOLLIE_PAYMENT_ID_RE = re.compile(r'tr_[A-Za-z0-9]{1,64}')


class InvoicecloudWebhookController(http.Controller):
    @http.route(
        f'{WEBHOOK_ROUTE}/stripe/<int:provider_id>',
        type='http',
        auth='public',
        methods=['POST'],
        csrf=False,
        save_session=False,
        max_content_length=WEBHOOK_MAX_BYTES,
    )
    def invoicecloud_stripe_webhook(self, provider_id, **kwargs):
        """Stripe's events for one provider record (each has its own signing secret).

        Nothing in the body is trusted before the signature is checked. A signed session that is
        paid or expired is applied as Stripe sent it (the same checks of id, reference, amount
        and currency apply); any other state, refunds and disputes are read back from Stripe.
        Every refusal is the same 400, whether the provider or the transaction exists or not.
        """
        payload = self._webhook_body()
        if payload is None:
            return request.make_response('', status=413)
        provider_sudo = self._provider(provider_id, ['code', 'invoicecloud_stripe_webhook_secret'])
        secret = provider_sudo.invoicecloud_stripe_webhook_secret if provider_sudo.code == STRIPE_CODE else None
        try:
            event = parse_webhook_event(
                payload, request.httprequest.headers.get('Stripe-Signature'), secret, STRIPE_WEBHOOK_TOLERANCE
            )
        except ProviderError as error:
            _logger.info("Refused a Stripe webhook: %s", error)
            return request.make_response('', status=400)
        if event['type'] not in STRIPE_HANDLED_EVENTS:
            return request.make_response('', status=200)
        tx_model_sudo = request.env['payment.transaction'].sudo()
        return self._acknowledge(lambda: tx_model_sudo._invoicecloud_stripe_handle_event(provider_sudo, event))

    @http.route(
        f'{WEBHOOK_ROUTE}/mollie/<int:provider_id>',
        type='http',
        auth='public',
        methods=['POST'],
        csrf=False,
        save_session=False,
        max_content_length=WEBHOOK_MAX_BYTES,
    )
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

    # --- helpers ----------------------------------------------------------------------------

    @staticmethod
    def _provider(provider_id, field_names):
        """The provider of the URL, its `field_names` read in the same query; empty for an id
        no record can have (the URL's <int:> takes any number; PostgreSQL's integer does not)."""
        providers = request.env['payment.provider'].sudo()
        if not 0 < provider_id <= MAX_RECORD_ID:
            return providers
        return providers.search_fetch([('id', '=', provider_id)], field_names)

    @staticmethod
    def _announced_too_large():
        """Whether the request announces a body over WEBHOOK_MAX_BYTES (refused before reading)."""
        return (request.httprequest.content_length or 0) > WEBHOOK_MAX_BYTES

    @staticmethod
    def _webhook_body():
        """The raw body, or None when it is over WEBHOOK_MAX_BYTES: refused on its announced
        length before it is read. The route's `max_content_length` refuses bodies over the limit
        as they are read with werkzeug 3, and form bodies (Mollie's) with werkzeug 2.2 as well;
        a chunked raw body under werkzeug 2.2 (Debian's, Odoo's pin on Python 3.11), which Odoo
        lets us read only whole, is refused after reading (a reverse proxy's body limit bounds
        it in production). `get_data` caches: a request Odoo retries reads it again."""
        if InvoicecloudWebhookController._announced_too_large():
            return None
        body = request.httprequest.get_data()
        return body if len(body) <= WEBHOOK_MAX_BYTES else None

    @staticmethod
    def _acknowledge(process):
        """Run `process` and answer the provider: 200 when done, 503 when the provider could not
        be asked. Then nothing is recorded (the whole transaction is rolled back, event and
        locks included): the provider delivers again, the cron asks meanwhile."""
        try:
            process()
        except ProviderError as error:
            request.env.cr.rollback()
            _logger.info("Webhook not processed yet: %s", error)
            return request.make_response('', status=503)
        return request.make_response('', status=200)
