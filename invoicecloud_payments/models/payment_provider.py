from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools.misc import format_amount

from odoo.addons.payment import utils as payment_utils

from ..const import INVOICECLOUD_CODES


class PaymentProvider(models.Model):
    _inherit = 'payment.provider'

    invoicecloud_webhook_url = fields.Char(
        string="Webhook URL",
        compute='_compute_invoicecloud_webhook_url',
        help="Paste this URL into Stripe (Developers > Webhooks), or let Odoo create the endpoint.",
    )

    @api.depends('code')
    def _compute_invoicecloud_webhook_url(self):
        for provider in self:
            provider.invoicecloud_webhook_url = (
                provider._invoicecloud_webhook_url() if provider.code in INVOICECLOUD_CODES and provider.id else False
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

    # === What each provider's file gives (payment_provider_stripe.py, _mollie.py) === #

    def _invoicecloud_webhook_route(self):
        """The route of this provider's webhooks (the provider's id follows it)."""
        raise NotImplementedError(self.code)

    def _invoicecloud_refusal(self, payment_method, amount, currency):
        """(reason, (limit, currency) or None) if the provider would refuse `amount` with this
        method, else (None, None). Reasons: 'decimals', 'currency', 'minimum', 'maximum'."""
        return None, None

    def _invoicecloud_own_methods(self, payment_methods):
        """Among Odoo's compatible methods, those of this provider the customer may choose."""
        self.ensure_one()
        return payment_methods.filtered(lambda method: self in method.provider_ids)

    # === Common === #

    def _invoicecloud_webhook_url(self):
        self.ensure_one()
        return f'{self.get_base_url()}{self._invoicecloud_webhook_route()}/{self.id}'

    def _invoicecloud_linked_method_codes(self):
        """The methods this provider can offer once installed (its list in const.py)."""
        return self._get_default_payment_method_codes()

    def _invoicecloud_link_methods(self):
        """At install: link each provider to the methods it can offer."""
        for provider in self:
            codes = list(provider._invoicecloud_linked_method_codes())
            methods = self.env['payment.method'].with_context(active_test=False).search([('code', 'in', codes)])
            provider.payment_method_ids = [fields.Command.set(methods.ids)]

    def _invoicecloud_amount_refusal(self, payment_method, amount, currency):
        """Why this provider would refuse `amount` with this method, in words for the customer,
        or None: the method is then not offered, and the page says why."""
        self.ensure_one()
        reason, limit = self._invoicecloud_refusal(payment_method, amount, currency)
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

    def _invoicecloud_check_key_prefixes(self, prefixes):
        """Refuse a key that cannot be right: `prefixes` maps a field to the starts it allows."""
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

    def _invoicecloud_notification(self, message):
        return {
            'type': 'ir.actions.client',
            'tag': 'display_notification',
            'params': {'message': message, 'type': 'success', 'sticky': False},
        }
