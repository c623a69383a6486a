import ipaddress
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.fields import Domain

from odoo.addons.payment import utils as payment_utils
from odoo.addons.payment.logging import get_payment_logger

from ..amounts import iso_decimals, mollie_minor_units, to_mollie_value
from ..const import (
    MOLLIE_CANCELABLE_PENDING_METHODS,
    MOLLIE_CODE,
    MOLLIE_CONFIRM_WINDOW_DAYS,
    MOLLIE_DESCRIPTION_MAX_LENGTH,
    MOLLIE_LOCALES,
    MOLLIE_METHODS,
    MOLLIE_REFUND_CONFIRM_WINDOW_DAYS,
    MOLLIE_REFUND_DESCRIPTION_MAX_LENGTH,
    MOLLIE_REFUND_STATUS_MAPPING,
    MOLLIE_STATUS_MAPPING,
    SENSITIVE_KEYS,
)
from ..gateways import ProviderError

_logger = get_payment_logger(__name__, sensitive_keys=SENSITIVE_KEYS)


class PaymentTransaction(models.Model):
    _inherit = 'payment.transaction'

    invoicecloud_transfer_details = fields.Json(
        string="Bank Transfer Instructions", help="What Mollie asks the customer to transfer, and where.", readonly=True
    )

    # === Payment framework hooks === #

    @api.model
    def _extract_reference(self, provider_code, payment_data):
        if provider_code != MOLLIE_CODE:
            return super()._extract_reference(provider_code, payment_data)
        metadata = payment_data.get('metadata')
        return metadata.get('reference') if isinstance(metadata, dict) else None

    def _extract_amount_data(self, payment_data):
        """A payment's or refund's `amount` ({'currency', 'value'}), in minor units (ISO 4217's,
        as Mollie counts them; None if it is not a valid amount of the currency)."""
        if self.provider_code != MOLLIE_CODE:
            return super()._extract_amount_data(payment_data)
        amount = payment_data.get('amount') if isinstance(payment_data.get('amount'), dict) else {}
        minor = self._invoicecloud_mollie_minor_units(amount)
        decimals = iso_decimals(self.currency_id.name, self.currency_id.decimal_places)
        return {
            'amount': minor / 10**decimals if minor is not None else None,
            'currency_code': str(amount.get('currency') or ''),
            'precision_digits': decimals,
            'minor_units': minor,  # ours: compared as an integer (see `_validate_amount`)
        }

    def _apply_updates(self, payment_data):
        if self.provider_code != MOLLIE_CODE or self.invoicecloud_flag:
            return super()._apply_updates(payment_data)
        if self.operation == 'refund':
            self._invoicecloud_mollie_apply_refund(payment_data)
            return
        status = payment_data.get('status')
        details = payment_data.get('details')
        if self.payment_method_code == 'bank_transfer' and isinstance(details, dict):
            keys = ('bankName', 'bankAccount', 'bankBic', 'transferReference')
            self.invoicecloud_transfer_details = {key: str(details[key]) for key in keys if details.get(key)}
        if status == 'open' and self.payment_method_code == 'bank_transfer':
            status = 'pending'  # A bank transfer stays `open` until the money arrives, days later.
        if status in MOLLIE_STATUS_MAPPING['done']:
            now = fields.Datetime.now()
            if not self.invoicecloud_paid_at:
                self.invoicecloud_paid_at = min(_mollie_datetime(payment_data.get('paidAt')) or now, now)
            self._set_done()
        elif status in MOLLIE_STATUS_MAPPING['authorized']:
            self._set_authorized()
        elif status in MOLLIE_STATUS_MAPPING['pending']:
            self._set_pending()
        elif status in MOLLIE_STATUS_MAPPING['error']:
            self._set_error(self.env._("The payment failed at Mollie."), extra_allowed_states=('pending',))
        elif status in MOLLIE_STATUS_MAPPING['cancel']:
            if status == 'expired':
                self._set_canceled(self.env._("The payment was not completed in time."))
            else:
                self._set_canceled(self.env._("The payment was canceled at Mollie."))

    def _send_refund_request(self):
        """Refund through Mollie. Under the paid transaction's lock, so that the webhook Mollie
        sends for this refund waits until the refund transaction exists (and is not mistaken for
        a refund made in the dashboard)."""
        if self.provider_code != MOLLIE_CODE:
            return super()._send_refund_request()
        source = self.source_transaction_id
        source._invoicecloud_lock()
        currency = self.currency_id
        payload = {
            'amount': {
                'currency': currency.name,
                'value': to_mollie_value(-self.amount, currency.name, currency.decimal_places),
            },
            'description': self._invoicecloud_numbers(MOLLIE_REFUND_DESCRIPTION_MAX_LENGTH),
            'metadata': {'reference': self.reference},
        }
        try:
            refund = self.provider_id._invoicecloud_mollie_gateway().create_refund(
                source.provider_reference, payload, payment_utils.generate_idempotency_key(self)
            )
        except ProviderError as error:
            raise ValidationError(self.env._("Mollie did not accept the refund: %(error)s", error=error)) from error
        self.provider_reference = refund.get('id')
        self._process(MOLLIE_CODE, refund)
        self._post_process()

    # === Invoicecloud hooks (see payment_transaction.py) === #

    def _invoicecloud_minor_units(self, amount):
        if self.provider_code != MOLLIE_CODE:
            return super()._invoicecloud_minor_units(amount)
        currency = self.currency_id
        value = to_mollie_value(amount, currency.name, currency.decimal_places)
        return mollie_minor_units(value, currency.name, currency.decimal_places)

    @api.model
    def _invoicecloud_confirm_window(self, now):
        """A bank transfer stays open for days at Mollie, and a refund takes a business day or
        more: the cron keeps asking about them longer."""
        window = super()._invoicecloud_confirm_window(now)
        for method_code, days in MOLLIE_CONFIRM_WINDOW_DAYS.items():
            window |= (
                Domain('provider_code', '=', MOLLIE_CODE)
                & Domain('payment_method_id.code', '=', method_code)
                & Domain('create_date', '>=', now - timedelta(days=days))
            )
        return window | (
            Domain('provider_code', '=', MOLLIE_CODE)
            & Domain('operation', '=', 'refund')
            & Domain('create_date', '>=', now - timedelta(days=MOLLIE_REFUND_CONFIRM_WINDOW_DAYS))
        )

    def _invoicecloud_create_checkout(self):
        if self.provider_code != MOLLIE_CODE:
            return super()._invoicecloud_create_checkout()
        payment = self.provider_id._invoicecloud_mollie_gateway().create_payment(
            self._invoicecloud_mollie_payload(), payment_utils.generate_idempotency_key(self)
        )
        checkout_url = (payment.get('_links') or {}).get('checkout', {}).get('href')
        return payment['id'], checkout_url, _mollie_datetime(payment.get('expiresAt'))

    def _invoicecloud_read_back(self, signed_data=None):
        """Fetch the payment by the id we stored (never one a webhook names: Mollie's webhooks
        are not signed) and apply it; a paid payment is fetched again later to record refunds
        and chargebacks, which Mollie reports on the payment itself."""
        if self.provider_code != MOLLIE_CODE:
            return super()._invoicecloud_read_back(signed_data)
        if self.operation == 'refund':
            self._invoicecloud_mollie_read_back_refund()
            return
        unfinished = self._invoicecloud_unfinished()
        if not unfinished and not (self.state == 'done' and self.provider_reference):
            return
        payment = self.provider_id._invoicecloud_mollie_gateway().get_payment(self.provider_reference)
        if not self._invoicecloud_mollie_is_ours(payment):
            return
        if unfinished:
            self._process(MOLLIE_CODE, payment)
        if self.state == 'done':
            self._invoicecloud_mollie_record_reversals(payment)
            # Mollie calls the payment's webhook when one of its refunds moves on.
            for refund_tx in self.child_transaction_ids.filtered(
                lambda tx: tx.operation == 'refund' and tx._invoicecloud_unfinished()
            ):
                refund_tx._invoicecloud_confirm()

    def _invoicecloud_pending_replaceable(self):
        """A bank transfer Mollie is still waiting for may be canceled: the customer is told not
        to send it then."""
        if self.provider_code != MOLLIE_CODE:
            return super()._invoicecloud_pending_replaceable()
        return self.payment_method_code in MOLLIE_CANCELABLE_PENDING_METHODS

    def _invoicecloud_end_checkout(self):
        """Only some methods let an open payment be canceled; the others expire by themselves."""
        if self.provider_code != MOLLIE_CODE:
            return super()._invoicecloud_end_checkout()
        gateway = self.provider_id._invoicecloud_mollie_gateway()
        if gateway.get_payment(self.provider_reference).get('isCancelable'):
            payment = gateway.cancel_payment(
                self.provider_reference, payment_utils.generate_idempotency_key(self, scope='cancel')
            )
            self._process(MOLLIE_CODE, payment)

    # === Mollie's own === #

    def _invoicecloud_mollie_payload(self):
        """The Mollie payment, built from the transaction only (amount from the server)."""
        self.ensure_one()
        currency = self.currency_id
        lang = self.partner_lang or ''
        same_language = (locale for locale in MOLLIE_LOCALES if locale[:2] == lang[:2])
        payload = {
            'amount': {
                'currency': currency.name,
                'value': to_mollie_value(self.amount, currency.name, currency.decimal_places),
            },
            'description': self._invoicecloud_numbers(MOLLIE_DESCRIPTION_MAX_LENGTH),
            'redirectUrl': self._invoicecloud_status_url(),
            'cancelUrl': self._invoicecloud_status_url(cancelled=1),
            'locale': lang if lang in MOLLIE_LOCALES else next(same_language, 'en_US'),
            'metadata': {'reference': self.reference},
            'method': [MOLLIE_METHODS[self.payment_method_code]],
        }
        webhook_url = self.provider_id._invoicecloud_webhook_url()
        if _is_public(webhook_url):
            # Mollie refuses a webhook it cannot reach; then the return page and the cron confirm.
            payload['webhookUrl'] = webhook_url
        return payload

    def _invoicecloud_mollie_read_back_refund(self):
        if not self._invoicecloud_unfinished():
            return
        refund = self.provider_id._invoicecloud_mollie_gateway().get_refund(
            self.source_transaction_id.provider_reference, self.provider_reference
        )
        if self._invoicecloud_mollie_is_ours(refund):
            self._process(MOLLIE_CODE, refund)

    def _invoicecloud_mollie_is_ours(self, payment_or_refund):
        """Whether Mollie answered with the object we asked for, made for this transaction."""
        if (
            payment_or_refund.get('id') != self.provider_reference
            or self._extract_reference(MOLLIE_CODE, payment_or_refund) != self.reference
        ):
            _logger.warning("Mollie returned another object for transaction %s", self.reference)
            return False
        return True

    def _invoicecloud_mollie_apply_refund(self, refund):
        status = refund.get('status')
        if status in MOLLIE_REFUND_STATUS_MAPPING['done']:
            self._set_done()
        elif status in MOLLIE_REFUND_STATUS_MAPPING['pending']:
            self._set_pending()
        elif status in MOLLIE_REFUND_STATUS_MAPPING['error'] + MOLLIE_REFUND_STATUS_MAPPING['cancel']:
            message = self.env._(
                "Mollie did not make refund %(ref)s (status: %(status)s). The customer has not been refunded.",
                ref=self.reference,
                status=status,
            )
            if status in MOLLIE_REFUND_STATUS_MAPPING['error']:
                self._set_error(message, extra_allowed_states=('pending',))
            else:
                self._set_canceled(message)
            self._invoicecloud_tell_accountant(self.env._("Refund %(ref)s not made", ref=self.reference), message)

    def _invoicecloud_mollie_minor_units(self, amount):
        """A Mollie amount's value ({'currency', 'value'}) in minor units, as ISO 4217 (and Mollie)
        count them for this transaction's currency; None if it is no valid amount of it."""
        currency = self.currency_id
        return mollie_minor_units(amount.get('value'), currency.name, currency.decimal_places)

    def _invoicecloud_mollie_amount(self, amount):
        """A Mollie amount ({'currency', 'value'}) in this transaction's currency, as a float, or 0."""
        currency = self.currency_id
        if not isinstance(amount, dict) or amount.get('currency') != currency.name:
            return 0
        minor = self._invoicecloud_mollie_minor_units(amount)
        return (minor or 0) / 10 ** iso_decimals(currency.name, currency.decimal_places)

    def _invoicecloud_mollie_record_reversals(self, payment):
        """Mollie keeps a refunded or charged-back payment `paid` and reports the totals on it."""
        if refunded := self._invoicecloud_mollie_amount(payment.get('amountRefunded')):
            self._invoicecloud_record_refund(refunded)
        charged_back = payment.get('amountChargedBack')
        if self._invoicecloud_mollie_amount(charged_back):
            self._invoicecloud_record_dispute(
                f"chargeback {charged_back['value']} {charged_back['currency']}", 'chargeback'
            )


def _mollie_datetime(value):
    """Mollie's ISO 8601 time (`2026-11-30T10:15:00+00:00`) as Odoo's naive UTC, or False."""
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return False
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def _is_public(url):
    """Whether a provider on the internet can reach this URL (not localhost, not a private network)."""
    host = urlsplit(url).hostname or ''
    if host == 'localhost' or host.endswith(('.localhost', '.local', '.internal')):
        return False
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return '.' in host
    return address.is_global
