"""What the providers' webhooks share: the body's size, the provider of the URL, the answer."""

from odoo import http
from odoo.http import request

from odoo.addons.payment.logging import get_payment_logger

from ..const import MAX_RECORD_ID, SENSITIVE_KEYS, WEBHOOK_MAX_BYTES
from ..gateways import ProviderError

_logger = get_payment_logger(__name__, sensitive_keys=SENSITIVE_KEYS)


def webhook_route(route):
    """The route of a provider's webhooks, `route`/<provider id>: public, POST only, no CSRF (the
    provider cannot hold a token), no session saved, bodies over WEBHOOK_MAX_BYTES refused."""
    return http.route(
        f'{route}/<int:provider_id>',
        type='http',
        auth='public',
        methods=['POST'],
        csrf=False,
        save_session=False,
        max_content_length=WEBHOOK_MAX_BYTES,
    )


class InvoicecloudWebhookController(http.Controller):
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
