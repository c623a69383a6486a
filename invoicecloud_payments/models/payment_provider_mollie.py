from decimal import Decimal

from odoo import Command, api, fields, models
from odoo.exceptions import UserError

from ..const import (
    MOLLIE_API_ENDPOINT_PARAM,
    MOLLIE_CODE,
    MOLLIE_CURRENCIES,
    MOLLIE_DEFAULT_METHOD_CODES,
    MOLLIE_LINKED_METHOD_CODES,
    MOLLIE_METHODS,
    MOLLIE_NEVER,
    MOLLIE_TIMEOUT,
    MOLLIE_WEBHOOK_ROUTE,
)
from ..gateways import ProviderError
from ..gateways.mollie_gateway import MollieGateway


class PaymentProvider(models.Model):
    _inherit = 'payment.provider'

    code = fields.Selection(
        selection_add=[(MOLLIE_CODE, "Mollie (Invoicecloud)")], ondelete={MOLLIE_CODE: 'set default'}
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

    @api.constrains('invoicecloud_mollie_api_key')
    def _check_invoicecloud_mollie_key(self):
        self._invoicecloud_check_key_prefixes({'invoicecloud_mollie_api_key': ('test_', 'live_')})

    # === Payment framework hooks === #

    def _compute_feature_support_fields(self):
        """A Mollie payment can be refunded from Odoo (from a credit note, or the payment's Refund
        button), in part or in full."""
        result = super()._compute_feature_support_fields()
        self.filtered(lambda provider: provider.code == MOLLIE_CODE).support_refund = 'partial'
        return result

    def _get_default_payment_method_codes(self):
        """Once synced, what the Mollie profile has activated (Odoo activates these methods when
        the provider is enabled, `_activate_default_pms`); Mollie's usual methods before that.
        Never cards."""
        self.ensure_one()
        if self.code != MOLLIE_CODE:
            return super()._get_default_payment_method_codes()
        return set(self.invoicecloud_mollie_limits or ()) or set(MOLLIE_DEFAULT_METHOD_CODES)

    # === Invoicecloud hooks (see payment_provider.py) === #

    def _invoicecloud_webhook_route(self):
        if self.code != MOLLIE_CODE:
            return super()._invoicecloud_webhook_route()
        return MOLLIE_WEBHOOK_ROUTE

    def _invoicecloud_linked_method_codes(self):
        if self.code != MOLLIE_CODE:
            return super()._invoicecloud_linked_method_codes()
        return set(MOLLIE_LINKED_METHOD_CODES)

    def _invoicecloud_own_methods(self, payment_methods):
        """Through Mollie, only Mollie's own methods: never cards."""
        own = super()._invoicecloud_own_methods(payment_methods)
        if self.code != MOLLIE_CODE:
            return own
        return own.filtered(lambda method: method.code in MOLLIE_METHODS)

    def _invoicecloud_refusal(self, payment_method, amount, currency):
        """Mollie reports each method's limits in one currency (the profile's, EUR): another
        currency is compared at Odoo's rate of the day, and Mollie refuses other currencies for
        the methods its multicurrency guide does not list them for."""
        if self.code != MOLLIE_CODE:
            return super()._invoicecloud_refusal(payment_method, amount, currency)
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

    # === Mollie's own === #

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
