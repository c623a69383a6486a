from datetime import UTC, datetime, timedelta

from odoo import api, fields, models
from odoo.tools.mail import email_normalize

from odoo.addons.payment import utils as payment_utils
from odoo.addons.payment.logging import get_payment_logger

from ..amounts import from_stripe_minor_units, stripe_decimals, to_stripe_minor_units
from ..const import (
    SENSITIVE_KEYS,
    STRIPE_CODE,
    STRIPE_DESCRIPTION_MAX_LENGTH,
    STRIPE_FAILED_INTENT_STATUSES,
    STRIPE_LOCALES,
    STRIPE_NAME_MAX_LENGTH,
    STRIPE_PAID_STATUS,
    STRIPE_SESSION_LIFETIME,
    STRIPE_SESSION_MIN_LIFETIME,
    STRIPE_STATUS_MAPPING,
)
from ..gateways import ProviderRefused

_logger = get_payment_logger(__name__, sensitive_keys=SENSITIVE_KEYS)


class PaymentTransaction(models.Model):
    _inherit = 'payment.transaction'

    invoicecloud_payment_intent = fields.Char(
        string="Stripe Payment Intent", readonly=True, copy=False, index='btree_not_null'
    )

    # === Payment framework hooks === #

    @api.model
    def _extract_reference(self, provider_code, payment_data):
        if provider_code != STRIPE_CODE:
            return super()._extract_reference(provider_code, payment_data)
        return payment_data.get('client_reference_id')

    def _extract_amount_data(self, payment_data):
        """A Checkout Session's `amount_total`, in Stripe's minor units (an integer, or None)."""
        if self.provider_code != STRIPE_CODE:
            return super()._extract_amount_data(payment_data)
        minor = payment_data.get('amount_total')
        if not isinstance(minor, int) or isinstance(minor, bool):
            minor = None
        currency_code = str(payment_data.get('currency') or '').upper()
        return {
            'amount': float(from_stripe_minor_units(minor, currency_code)) if minor is not None else None,
            'currency_code': currency_code,
            'precision_digits': stripe_decimals(currency_code),
            'minor_units': minor,  # ours: compared as an integer (see `_validate_amount`)
        }

    def _apply_updates(self, payment_data):
        if self.provider_code != STRIPE_CODE or self.invoicecloud_flag:
            return super()._apply_updates(payment_data)
        payment_intent = payment_data.get('payment_intent')
        if isinstance(payment_intent, str):
            self.invoicecloud_payment_intent = payment_intent
        status = _stripe_status(payment_data)
        if status in STRIPE_STATUS_MAPPING['done']:
            if not self.invoicecloud_paid_at:
                self.invoicecloud_paid_at = self._invoicecloud_stripe_paid_at(payment_intent)
            self._set_done()
        elif status in STRIPE_STATUS_MAPPING['error']:
            self._set_error(self.env._("The payment failed at Stripe."), extra_allowed_states=('pending',))
        elif status in STRIPE_STATUS_MAPPING['pending']:
            # A slow method (bank debit) is still running: Stripe sends async_payment_succeeded
            # or async_payment_failed later.
            self._set_pending()
        elif status in STRIPE_STATUS_MAPPING['cancel']:
            self._set_canceled(self.env._("The payment was not completed in time."))

    # === Invoicecloud hooks (see payment_transaction.py) === #

    def _invoicecloud_minor_units(self, amount):
        if self.provider_code != STRIPE_CODE:
            return super()._invoicecloud_minor_units(amount)
        return to_stripe_minor_units(amount, self.currency_id.name, self.currency_id.decimal_places)

    def _invoicecloud_create_checkout(self):
        """Key and body come from the transaction alone: a request Odoo retries, whenever it does,
        sends both unchanged, and Stripe gives back the session it created."""
        if self.provider_code != STRIPE_CODE:
            return super()._invoicecloud_create_checkout()
        session = self.provider_id._invoicecloud_stripe_gateway().create_checkout_session(
            self._invoicecloud_stripe_session_params(), payment_utils.generate_idempotency_key(self)
        )
        return session['id'], session['url'], _stripe_datetime(session.get('expires_at'))

    def _invoicecloud_read_back(self, signed_data=None):
        """A session from a signed event is Stripe's own word: when it states an outcome that
        nothing can change any more (paid, expired) it is applied as it is, with the same checks
        of id, reference, amount and currency; Stripe is asked otherwise."""
        if self.provider_code != STRIPE_CODE:
            return super()._invoicecloud_read_back(signed_data)
        if not self._invoicecloud_unfinished():
            return
        if _stripe_final(signed_data):
            session = signed_data  # no call to Stripe, not even a client (a key may be missing)
        else:
            session = self.provider_id._invoicecloud_stripe_gateway().retrieve_checkout_session(self.provider_reference)
        if (
            session.get('id') != self.provider_reference
            or self._extract_reference(STRIPE_CODE, session) != self.reference
        ):
            _logger.warning("Stripe returned another session for transaction %s", self.reference)
            return
        slow = session.get('status') == 'complete' and session.get('payment_status') != STRIPE_PAID_STATUS
        if slow and isinstance(session.get('payment_intent'), str):
            # A slow method: only its payment intent tells whether it failed meanwhile.
            gateway = self.provider_id._invoicecloud_stripe_gateway()
            intent = gateway.retrieve_payment_intent(session['payment_intent'])
            session = {**session, 'payment_intent_status': intent.get('status')}
        self._process(STRIPE_CODE, session)

    def _invoicecloud_end_checkout(self):
        """Expire the session: Stripe lets an open session be ended at any time."""
        if self.provider_code != STRIPE_CODE:
            return super()._invoicecloud_end_checkout()
        session = self.provider_id._invoicecloud_stripe_gateway().expire_checkout_session(self.provider_reference)
        self._process(STRIPE_CODE, session)

    # === Stripe's own === #

    def _invoicecloud_stripe_paid_at(self, payment_intent):
        """When the customer paid, as far as it matters. A session tells it only by its end: no
        payment is made once it has ended, so a confirmation that comes late (webhook lost, the
        cron asking hours later) counts from there, not from now. When that is too late for an
        early payment discount the payment asks for (a session opened in the discount day's last
        minutes ends after midnight), the charge that paid tells: its payment intent's latest
        charge, created when the customer's successful attempt was made (not the intent, created
        at the first attempt, declined ones included). Two calls to Stripe, made only then.

        If Stripe is down, the confirmation waits, as any of ours does when the provider cannot
        be asked (ProviderUnavailable: the webhook answers 503, the cron asks again). If Stripe
        has no such charge, the session's end stands."""
        now = fields.Datetime.now()
        expires_at = self.invoicecloud_checkout_expires_at
        paid_at = min(now, expires_at - timedelta(seconds=1)) if expires_at else now
        if not isinstance(payment_intent, str) or not self.invoicecloud_line_ids._invoicecloud_discount_ended_by(
            paid_at
        ):
            return paid_at
        gateway = self.provider_id._invoicecloud_stripe_gateway()
        try:
            charge_id = gateway.retrieve_payment_intent(payment_intent).get('latest_charge')
            charge = gateway.retrieve_charge(charge_id) if isinstance(charge_id, str) else {}
        except ProviderRefused as error:
            _logger.warning("Stripe cannot tell when %s was paid: %s", self.reference, error)
            return paid_at
        charged_at = charge.get('paid') is True and _stripe_datetime(charge.get('created'))
        return min(paid_at, charged_at) if charged_at else paid_at

    def _invoicecloud_stripe_session_params(self):
        """The Checkout Session, built from the transaction only (amounts from the server).

        Stripe's default lifetime (24 hours) applies, a new attempt expires the previous session
        anyway, unless an early payment discount ends sooner (`_invoicecloud_stripe_expires_at`).
        """
        self.ensure_one()
        currency = self.currency_id
        lang = (self.partner_lang or '').split('_')[0]
        params = {
            'mode': 'payment',
            'payment_method_types': ['card'],
            'line_items': [
                {
                    'quantity': 1,
                    'price_data': {
                        'currency': currency.name.lower(),
                        'unit_amount': self._invoicecloud_minor_units(self.amount),
                        'product_data': {'name': self._invoicecloud_numbers(STRIPE_NAME_MAX_LENGTH)},
                    },
                }
            ],
            'client_reference_id': self.reference,
            'locale': lang if lang in STRIPE_LOCALES else 'auto',
            'success_url': self._invoicecloud_status_url(),
            'cancel_url': self._invoicecloud_status_url(cancelled=1),
            'metadata': {'reference': self.reference},
            'payment_intent_data': {
                'description': self._invoicecloud_numbers(STRIPE_DESCRIPTION_MAX_LENGTH),
                'metadata': {'reference': self.reference},
            },
        }
        if expires_at := self._invoicecloud_stripe_expires_at():
            params['expires_at'] = expires_at
        # Stripe refuses anything but one valid address (a field holding two, say): then Checkout
        # asks the customer for it.
        if email := email_normalize(self.partner_email or '', strict=True):
            params['customer_email'] = email
        return params

    def _invoicecloud_stripe_expires_at(self):
        """A checkout that asks for an early payment discount closes when the discount's last
        day ends: a card payment is then made in time. Opened in the last minutes of that day,
        it closes Stripe's shortest lifetime after the day's end (a payment made then is late:
        the discount is not granted, the rest stays due). None when Stripe's default lifetime
        ends first.

        Only the discount date chooses the time, not the clock (but for the two thresholds): a
        request Odoo retries sends the same body under the same idempotency key."""
        discount_dates = [day for day in self.invoicecloud_line_ids.mapped('discount_date') if day]
        if not discount_dates:
            return None
        day_end = self.company_id._invoicecloud_day_end(min(discount_dates))
        now = fields.Datetime.now()
        if day_end >= now + STRIPE_SESSION_LIFETIME:
            return None
        if day_end < now + STRIPE_SESSION_MIN_LIFETIME:
            day_end += STRIPE_SESSION_MIN_LIFETIME
        return int(day_end.replace(tzinfo=UTC).timestamp())

    @api.model
    def _invoicecloud_stripe_handle_event(self, provider, event):
        """Act once on a verified Stripe event. A session in a final state (paid, expired) is
        applied as signed; any other state, refunds and disputes are read back from Stripe
        (session, charge) before anything is recorded.

        A session event needs no registry of events seen: under the transaction's row lock, a
        repeated one finds the transaction's state moved on and does nothing. Refunds and
        disputes are recorded once per event, through the registry."""
        data_object = event['object']
        if event['type'].startswith('checkout.session.'):
            tx = self._invoicecloud_find(provider, [('provider_reference', '=', data_object.get('id'))], lock=True)
            if tx:
                tx._invoicecloud_confirm(record_later=True, signed_data=data_object, locked=True)
            return
        if not self.env['invoicecloud.payment.event']._invoicecloud_register(provider, event['id'], event['type']):
            return
        payment_intent = data_object.get('payment_intent')
        gateway = provider._invoicecloud_stripe_gateway()
        tx = self._invoicecloud_find(provider, [('invoicecloud_payment_intent', '=', payment_intent)])
        if not tx and isinstance(payment_intent, str) and payment_intent:
            # The refund or dispute arrived before the session's own events: the payment intent
            # (read back from Stripe) names the transaction, which learns its state first.
            metadata = gateway.retrieve_payment_intent(payment_intent).get('metadata')
            reference = metadata.get('reference') if isinstance(metadata, dict) else None
            tx = self._invoicecloud_find(provider, [('reference', '=', reference)])
            if tx:
                tx._invoicecloud_confirm(record_later=True)
        if not tx or tx.invoicecloud_payment_intent != payment_intent:
            return
        if event['type'] == 'charge.refunded':
            charge = gateway.retrieve_charge(data_object.get('id'))
            currency = str(charge.get('currency')).upper()
            if charge.get('payment_intent') == tx.invoicecloud_payment_intent and currency == tx.currency_id.name:
                refunded = from_stripe_minor_units(charge.get('amount_refunded') or 0, currency)
                tx._invoicecloud_record_refund(float(refunded))
        elif event['type'] == 'charge.dispute.created':
            charge = gateway.retrieve_charge(data_object.get('charge'))
            if charge.get('payment_intent') == tx.invoicecloud_payment_intent and charge.get('disputed'):
                tx._invoicecloud_record_dispute(str(data_object.get('id')), data_object.get('reason'))


def _stripe_status(session):
    """One word for where a Checkout Session stands, the keys of STRIPE_STATUS_MAPPING: Stripe
    tells it through three fields (the session's status, its payment status, and for a slow
    method the payment intent's status, read back by `_invoicecloud_read_back`)."""
    status, payment_status = session.get('status'), session.get('payment_status')
    if status == 'expired':
        return 'expired'
    if status != 'complete':
        return 'open'
    if payment_status == STRIPE_PAID_STATUS:
        return 'paid'
    if session.get('payment_intent_status') in STRIPE_FAILED_INTENT_STATUSES:
        return 'failed'
    return 'processing'


def _stripe_final(session):
    """Whether a Checkout Session states an outcome nothing changes any more: paid, or expired
    (https://docs.stripe.com/api/checkout/sessions/object#checkout_session_object-status)."""
    return isinstance(session, dict) and _stripe_status(session) in ('paid', 'expired')


def _stripe_datetime(value):
    """Stripe's Unix time as Odoo's naive UTC, or False."""
    if not isinstance(value, int) or isinstance(value, bool):
        return False
    return datetime.fromtimestamp(value, UTC).replace(tzinfo=None)
