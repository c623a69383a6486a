from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..const import (
    STRIPE_API_BASE_PARAM,
    STRIPE_CODE,
    STRIPE_HANDLED_EVENTS,
    STRIPE_MAX_NETWORK_RETRIES,
    STRIPE_TIMEOUT,
)
from ..gateways import ProviderError
from ..gateways.stripe_gateway import StripeGateway

WEBHOOK_ROUTE = '/invoicecloud/webhook/stripe'


class PaymentProvider(models.Model):
    _inherit = 'payment.provider'

    code = fields.Selection(
        selection_add=[(STRIPE_CODE, "Stripe (Invoicecloud)")],
        ondelete={STRIPE_CODE: 'set default'},
    )
    invoicecloud_stripe_secret_key = fields.Char(
        string="Stripe Secret Key",
        help="sk_test_... or sk_live_... (a restricted key rk_... works too).",
        required_if_provider=STRIPE_CODE,
        copy=False,
        groups='base.group_system',
    )
    invoicecloud_stripe_publishable_key = fields.Char(
        string="Stripe Publishable Key",
        help="pk_test_... or pk_live_...",
        copy=False,
        groups='base.group_system',
    )
    invoicecloud_stripe_webhook_secret = fields.Char(
        string="Stripe Webhook Signing Secret",
        help="whsec_...: without it every webhook is refused.",
        copy=False,
        groups='base.group_system',
    )
    invoicecloud_webhook_url = fields.Char(
        string="Webhook URL",
        compute='_compute_invoicecloud_webhook_url',
        help="Paste this URL into Stripe (Developers > Webhooks), or let Odoo create the endpoint.",
    )

    @api.depends('code')
    def _compute_invoicecloud_webhook_url(self):
        for provider in self:
            provider.invoicecloud_webhook_url = (
                provider._invoicecloud_stripe_webhook_url() if provider.code == STRIPE_CODE and provider.id else False
            )

    @api.constrains(
        'invoicecloud_stripe_secret_key', 'invoicecloud_stripe_publishable_key', 'invoicecloud_stripe_webhook_secret'
    )
    def _check_invoicecloud_stripe_keys(self):
        prefixes = {
            'invoicecloud_stripe_secret_key': ('sk_', 'rk_'),
            'invoicecloud_stripe_publishable_key': ('pk_',),
            'invoicecloud_stripe_webhook_secret': ('whsec_',),
        }
        for provider in self.sudo():
            for field_name, allowed in prefixes.items():
                value = provider[field_name]
                if value and not value.startswith(allowed):
                    raise ValidationError(
                        self.env._(
                            "%(field)s should start with %(prefixes)s.",
                            field=provider._fields[field_name].string,
                            prefixes=" / ".join(allowed),
                        )
                    )

    # === Payment framework hooks === #

    def _get_default_payment_method_codes(self):
        """Cards only: the other methods are Mollie's."""
        self.ensure_one()
        if self.code != STRIPE_CODE:
            return super()._get_default_payment_method_codes()
        return {'card', 'visa', 'mastercard', 'amex'}

    # === Stripe === #

    def _invoicecloud_stripe_gateway(self):
        self.ensure_one()
        api_base = self.env['ir.config_parameter'].sudo().get_param(STRIPE_API_BASE_PARAM) or None
        return StripeGateway(
            self.sudo().invoicecloud_stripe_secret_key,
            api_base=api_base,
            timeout=STRIPE_TIMEOUT,
            max_network_retries=STRIPE_MAX_NETWORK_RETRIES,
        )

    def _invoicecloud_stripe_webhook_url(self):
        return f'{self.get_base_url()}{WEBHOOK_ROUTE}/{self.id}'

    def action_invoicecloud_stripe_check_keys(self):
        """Check the secret key with a live call to Stripe and say what came back."""
        self.ensure_one()
        try:
            self._invoicecloud_stripe_gateway().retrieve_balance()
        except ProviderError as error:
            raise UserError(self.env._("Stripe refused the key: %(reason)s", reason=str(error))) from error
        return self._invoicecloud_notification(self.env._("Stripe accepted the secret key."))

    def action_invoicecloud_stripe_create_webhook(self):
        """Create the webhook endpoint at Stripe and keep its signing secret."""
        self.ensure_one()
        try:
            endpoint = self._invoicecloud_stripe_gateway().create_webhook_endpoint(
                self._invoicecloud_stripe_webhook_url(), STRIPE_HANDLED_EVENTS
            )
        except ProviderError as error:
            raise UserError(self.env._("Stripe did not create the webhook: %(reason)s", reason=str(error))) from error
        self.sudo().invoicecloud_stripe_webhook_secret = endpoint['secret']
        return self._invoicecloud_notification(
            self.env._("Stripe now sends its events to %(url)s.", url=endpoint['url'])
        )

    def _invoicecloud_notification(self, message):
        return {
            'type': 'ir.actions.client',
            'tag': 'display_notification',
            'params': {'message': message, 'type': 'success', 'sticky': False},
        }
