from decimal import Decimal

from odoo import Command, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools.misc import format_amount

from odoo.addons.payment import utils as payment_utils

from ..amounts import stripe_refusal
from ..const import (
    INVOICECLOUD_CODES,
    MOLLIE_API_ENDPOINT_PARAM,
    MOLLIE_CODE,
    MOLLIE_CURRENCIES,
    MOLLIE_METHODS,
    MOLLIE_NEVER,
    MOLLIE_TIMEOUT,
    STRIPE_API_BASE_PARAM,
    STRIPE_CODE,
    STRIPE_HANDLED_EVENTS,
    STRIPE_MAX_NETWORK_RETRIES,
    STRIPE_TIMEOUT,
)
from ..gateways import ProviderError
from ..gateways.mollie_gateway import MollieGateway
from ..gateways.stripe_gateway import StripeGateway

WEBHOOK_ROUTE = '/invoicecloud/webhook'


class PaymentProvider(models.Model):
    _inherit = 'payment.provider'

    code = fields.Selection(
        selection_add=[(STRIPE_CODE, "Stripe (Invoicecloud)"), (MOLLIE_CODE, "Mollie (Invoicecloud)")],
        ondelete={STRIPE_CODE: 'set default', MOLLIE_CODE: 'set default'},
    )
    invoicecloud_mollie_api_key = fields.Char(
        string="Mollie API Key (Invoicecloud)",
        help="test_... or live_..., from Mollie's dashboard (Developers > API keys).",
        required_if_provider=MOLLIE_CODE,
        copy=False,
        groups='base.group_system',
    )
    invoicecloud_mollie_limits = fields.Json(
        string="Mollie Amount Limits",
        help="Per payment method code: [minimum, maximum, currency], as Mollie reported them.",
        readonly=True,
        copy=False,
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
                provider._invoicecloud_webhook_url()
                if provider.code in (STRIPE_CODE, MOLLIE_CODE) and provider.id
                else False
            )

    @api.constrains(
        'invoicecloud_stripe_secret_key',
        'invoicecloud_stripe_publishable_key',
        'invoicecloud_stripe_webhook_secret',
        'invoicecloud_mollie_api_key',
    )
    def _check_invoicecloud_keys(self):
        prefixes = {
            'invoicecloud_stripe_secret_key': ('sk_', 'rk_'),
            'invoicecloud_stripe_publishable_key': ('pk_',),
            'invoicecloud_stripe_webhook_secret': ('whsec_',),
            'invoicecloud_mollie_api_key': ('test_', 'live_'),
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

    @api.model
    def _get_compatible_providers(self, *args, report=None, **kwargs):
        """Our providers are offered on Invoicecloud pages only (context `invoicecloud_checkout`).
        Odoo's other flows (sales orders in the portal, /payment/pay links, eCommerce) make
        transactions without an Invoicecloud page to come back to, nor invoices to report refunds
        and disputes on: they keep Odoo's own providers."""
        providers = super()._get_compatible_providers(*args, report=report, **kwargs)
        if self.env.context.get('invoicecloud_checkout'):
            return providers
        ours = providers.filtered(lambda provider: provider.code in INVOICECLOUD_CODES)
        payment_utils.add_to_report(report, ours, available=False, reason=self.env._("Invoicecloud pages only"))
        return providers - ours

    def _compute_feature_support_fields(self):
        """A Mollie payment can be refunded from Odoo (from a credit note, or the payment's Refund
        button), in part or in full."""
        result = super()._compute_feature_support_fields()
        self.filtered(lambda provider: provider.code == MOLLIE_CODE).support_refund = 'partial'
        return result

    def _get_default_payment_method_codes(self):
        """Cards through Stripe; Mollie's own methods (never cards) through Mollie."""
        self.ensure_one()
        if self.code == STRIPE_CODE:
            return {'card', 'visa', 'mastercard', 'amex'}
        if self.code == MOLLIE_CODE:
            # Once synced, what the Mollie profile has activated; Odoo activates these methods
            # when the provider is enabled (`_activate_default_pms`).
            return set(self.invoicecloud_mollie_limits or ()) or {'ideal', 'bancontact', 'paypal', 'bank_transfer'}
        return super()._get_default_payment_method_codes()

    def _invoicecloud_own_methods(self, payment_methods):
        """Among Odoo's compatible methods, those of this provider the customer may choose: through
        Mollie only Mollie's own methods (never cards)."""
        self.ensure_one()
        own = payment_methods.filtered(lambda m: self in m.provider_ids)
        if self.code == MOLLIE_CODE:
            own = own.filtered(lambda m: m.code in MOLLIE_METHODS)
        return own

    def _invoicecloud_amount_refusal(self, payment_method, amount, currency):
        """Why this provider would refuse `amount` with this method, in words for the customer,
        or None: the method is then not offered, and the page says why."""
        self.ensure_one()
        if self.code == STRIPE_CODE:
            reason, limit = stripe_refusal(amount, currency.name, currency.decimal_places) or (None, None)
            limit = limit is not None and (limit, currency)
        elif self.code == MOLLIE_CODE:
            reason, limit = self._invoicecloud_mollie_refusal(payment_method, amount, currency)
        else:
            return None
        if reason == 'decimals':
            return self.env._(
                "%(method)s does not take amounts in %(currency)s with this many decimals.",
                method=payment_method.name,
                currency=currency.name,
            )
        if reason == 'currency':
            return self.env._(
                "%(method)s does not take payments in %(currency)s.", method=payment_method.name, currency=currency.name
            )
        if reason in ('minimum', 'maximum'):
            limit_text = format_amount(self.env, float(limit[0]), limit[1])
            if reason == 'minimum':
                return self.env._("%(method)s takes %(limit)s or more.", method=payment_method.name, limit=limit_text)
            return self.env._("%(method)s takes at most %(limit)s.", method=payment_method.name, limit=limit_text)
        return None

    # === Mollie === #

    def _invoicecloud_mollie_gateway(self):
        self.ensure_one()
        api_endpoint = self.env['ir.config_parameter'].sudo().get_param(MOLLIE_API_ENDPOINT_PARAM) or None
        return MollieGateway(self.sudo().invoicecloud_mollie_api_key, api_endpoint=api_endpoint, timeout=MOLLIE_TIMEOUT)

    def action_invoicecloud_mollie_sync_methods(self):
        """Offer the methods activated on the Mollie profile, cards excepted (they are Stripe's).

        Only this provider's list changes; a matching Odoo method is never archived (other
        providers may use it). Odoo enables a method only once a provider that offers it is
        enabled: the methods are linked first, and activated now if the provider is enabled, else
        when it is (a business syncs before it enables: key, sync, then enable). Mollie methods
        Odoo has no record for are left out.
        """
        self.ensure_one()
        self.check_access('write')  # callable over RPC: the provider's own rights first
        try:
            mollie_methods = self._invoicecloud_mollie_gateway().list_methods()
        except ProviderError as error:
            raise UserError(self.env._("Mollie did not answer: %(reason)s", reason=str(error))) from error
        by_mollie_id = {mollie_id: code for code, mollie_id in MOLLIE_METHODS.items()}
        limits = {}
        for method in mollie_methods:
            code = by_mollie_id.get(method.get('id'))
            if code:
                minimum, maximum = method.get('minimumAmount') or {}, method.get('maximumAmount') or {}
                limits[code] = [minimum.get('value'), maximum.get('value'), minimum.get('currency')]
        payment_methods = (
            self.env['payment.method'].with_context(active_test=False).search([('code', 'in', list(limits))])
        )
        self.write({'payment_method_ids': [Command.set(payment_methods.ids)], 'invoicecloud_mollie_limits': limits})
        if self.state != 'disabled':
            self._activate_default_pms()
        skipped = sorted({m.get('id') for m in mollie_methods} & set(MOLLIE_NEVER))
        message = self.env._("%(count)s Mollie methods are offered: %(names)s.", count=len(payment_methods),
                             names=', '.join(payment_methods.mapped('name')))  # fmt: skip
        if skipped:
            message += ' ' + self.env._("Cards are left out: card payments go through Stripe.")
        return self._invoicecloud_notification(message)

    def _invoicecloud_mollie_refusal(self, payment_method, amount, currency):
        """(reason, (limit, currency)) if Mollie would refuse `amount` with this method, else
        (None, None). Mollie reports each method's limits in one currency (the profile's, EUR):
        another currency is compared at Odoo's rate of the day, and Mollie refuses other
        currencies for the methods its multicurrency guide does not list them for."""
        if currency.name not in MOLLIE_CURRENCIES.get(MOLLIE_METHODS.get(payment_method.code), {'EUR'}):
            return 'currency', None
        minimum, maximum, limit_currency_name = (self.invoicecloud_mollie_limits or {}).get(payment_method.code) or (
            [None] * 3
        )
        limit_currency = (
            self.env['res.currency']
            .with_context(active_test=False)
            .search([('name', '=', limit_currency_name or '')], limit=1)
        )
        if not limit_currency or not self._invoicecloud_rates_known(currency, limit_currency):
            return None, None  # Mollie's own answer will tell
        in_limit_currency = currency._convert(amount, limit_currency, self.company_id, fields.Date.context_today(self))
        if minimum and limit_currency.compare_amounts(in_limit_currency, float(minimum)) < 0:
            return 'minimum', self._invoicecloud_limit(minimum, limit_currency, currency)
        if maximum and limit_currency.compare_amounts(in_limit_currency, float(maximum)) > 0:
            return 'maximum', self._invoicecloud_limit(maximum, limit_currency, currency)
        return None, None

    def _invoicecloud_rates_known(self, *currencies):
        """Whether Odoo has a rate for each currency but the company's own: without one, Odoo
        converts at 1:1, and a comparison with Mollie's limits would mean nothing."""
        company_currency = (self.company_id or self.env.company).currency_id
        return all(
            self.env['res.currency.rate'].sudo().search_count([('currency_id', '=', currency.id)], limit=1)
            for currency in currencies
            if currency != company_currency
        )

    def _invoicecloud_limit(self, value, limit_currency, currency):
        """Mollie's limit, told in the invoice's currency (at Odoo's rate) for the customer."""
        converted = limit_currency._convert(float(value), currency, self.company_id, fields.Date.context_today(self))
        return Decimal(str(converted)), currency

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

    def _invoicecloud_webhook_url(self):
        kind = 'stripe' if self.code == STRIPE_CODE else 'mollie'
        return f'{self.get_base_url()}{WEBHOOK_ROUTE}/{kind}/{self.id}'

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

    def _invoicecloud_notification(self, message):
        return {
            'type': 'ir.actions.client',
            'tag': 'display_notification',
            'params': {'message': message, 'type': 'success', 'sticky': False},
        }
