from odoo import api, fields, models
from odoo.exceptions import UserError

from ..amounts import stripe_refusal
from ..const import (
    STRIPE_API_BASE_PARAM,
    STRIPE_CODE,
    STRIPE_DEFAULT_METHOD_CODES,
    STRIPE_HANDLED_EVENTS,
    STRIPE_MAX_NETWORK_RETRIES,
    STRIPE_TIMEOUT,
    STRIPE_WEBHOOK_ROUTE,
)
from ..gateways import ProviderError
from ..gateways.stripe_gateway import StripeGateway


class PaymentProvider(models.Model):
    _inherit = 'payment.provider'

    code = fields.Selection(
        selection_add=[(STRIPE_CODE, "Stripe (Invoicecloud)")], ondelete={STRIPE_CODE: 'set default'}
    )
    invoicecloud_stripe_secret_key = fields.Char(
        string="Stripe Secret Key",
        help="sk_test_... or sk_live_... (a restricted key rk_... works too).",
        required_if_provider=STRIPE_CODE,
        copy=False,
        groups='base.group_system',
    )
    invoicecloud_stripe_webhook_secret = fields.Char(
        string="Stripe Webhook Signing Secret",
        help="whsec_...: without it every webhook is refused.",
        copy=False,
        groups='base.group_system',
    )

    @api.constrains('invoicecloud_stripe_secret_key', 'invoicecloud_stripe_webhook_secret')
    def _check_invoicecloud_stripe_keys(self):
        self._invoicecloud_check_key_prefixes(
            {
                'invoicecloud_stripe_secret_key': ('sk_', 'rk_'),
                'invoicecloud_stripe_webhook_secret': ('whsec_',),
            }
        )

    # === Payment framework hooks === #

    def _get_default_payment_method_codes(self):
        """Cards, and only cards: the other methods are Mollie's."""
        self.ensure_one()
        if self.code != STRIPE_CODE:
            return super()._get_default_payment_method_codes()
        return set(STRIPE_DEFAULT_METHOD_CODES)

    # === Invoicecloud hooks (see payment_provider.py) === #

    def _invoicecloud_webhook_route(self):
        if self.code != STRIPE_CODE:
            return super()._invoicecloud_webhook_route()
        return STRIPE_WEBHOOK_ROUTE

    def _invoicecloud_refusal(self, payment_method, amount, currency):
        if self.code != STRIPE_CODE:
            return super()._invoicecloud_refusal(payment_method, amount, currency)
        reason, limit = stripe_refusal(amount, currency.name, currency.decimal_places) or (None, None)
        return reason, limit is not None and (limit, currency)

    # === Stripe's own === #

    def _invoicecloud_stripe_gateway(self):
        self.ensure_one()
        api_base = self.env['ir.config_parameter'].sudo().get_param(STRIPE_API_BASE_PARAM) or None
        return StripeGateway(
            self.sudo().invoicecloud_stripe_secret_key,
            api_base=api_base,
            timeout=STRIPE_TIMEOUT,
            max_network_retries=STRIPE_MAX_NETWORK_RETRIES,
        )

    def action_invoicecloud_stripe_check_keys(self):
        """Check the secret key with a live call to Stripe and say what came back."""
        self.ensure_one()
        self.check_access('write')  # callable over RPC: the provider's own rights first
        try:
            self._invoicecloud_stripe_gateway().retrieve_balance()
        except ProviderError as error:
            raise UserError(self.env._("Stripe refused the key: %(reason)s", reason=str(error))) from error
        return self._invoicecloud_notification(self.env._("Stripe accepted the secret key."))

    def action_invoicecloud_stripe_create_webhook(self):
        """Create the webhook endpoint at Stripe and keep its signing secret."""
        self.ensure_one()
        self.check_access('write')  # callable over RPC: the provider's own rights first
        try:
            endpoint = self._invoicecloud_stripe_gateway().create_webhook_endpoint(
                self._invoicecloud_webhook_url(), STRIPE_HANDLED_EVENTS
            )
        except ProviderError as error:
            raise UserError(self.env._("Stripe did not create the webhook: %(reason)s", reason=str(error))) from error
        self.sudo().invoicecloud_stripe_webhook_secret = endpoint['secret']
        return self._invoicecloud_notification(
            self.env._("Stripe now sends its events to %(url)s.", url=endpoint['url'])
        )
