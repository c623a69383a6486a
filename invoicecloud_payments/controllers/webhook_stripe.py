from odoo.http import request

from odoo.addons.payment.logging import get_payment_logger

from ..const import (
    SENSITIVE_KEYS,
    STRIPE_CODE,
    STRIPE_HANDLED_EVENTS,
    STRIPE_WEBHOOK_ROUTE,
    STRIPE_WEBHOOK_TOLERANCE,
)
from ..gateways import ProviderError
from ..gateways.stripe_gateway import parse_webhook_event
from .webhooks import InvoicecloudWebhookController, webhook_route

_logger = get_payment_logger(__name__, sensitive_keys=SENSITIVE_KEYS)


class InvoicecloudStripeWebhookController(InvoicecloudWebhookController):
    @webhook_route(STRIPE_WEBHOOK_ROUTE)
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
