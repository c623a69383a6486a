"""Stripe through its official SDK: Checkout Sessions, payment intents, webhooks, key checks."""

import json
import time

import stripe

from .errors import ProviderError, ProviderRefused, ProviderUnavailable


class StripeGateway:
    """The calls the addon makes to Stripe. Returns plain dicts (Stripe's JSON)."""

    def __init__(self, secret_key, *, api_base=None, timeout=(3, 15), max_network_retries=2):
        if not secret_key:
            raise ProviderRefused("No Stripe secret key is configured.")
        self._client = stripe.StripeClient(
            secret_key,
            base_addresses={'api': api_base} if api_base else None,
            http_client=stripe.RequestsClient(timeout=timeout),
            max_network_retries=max_network_retries,
        )

    def _call(self, method, *args, **kwargs):
        try:
            return method(*args, **kwargs).to_dict()
        except (stripe.APIConnectionError, stripe.RateLimitError) as error:
            raise ProviderUnavailable(str(error.user_message or error)) from error
        except stripe.StripeError as error:
            if error.http_status is None or error.http_status >= 500 or error.http_status == 409:
                raise ProviderUnavailable(str(error.user_message or error)) from error
            raise ProviderRefused(str(error.user_message or error)) from error

    # --- Checkout Sessions ------------------------------------------------------------------

    def create_checkout_session(self, params, idempotency_key):
        """Create a Checkout Session; the same key always gives back the same session.

        The customer is waiting: no retry here, so a hanging Stripe costs at most the connect and
        read timeouts (18 s) before the customer is told. The key makes the next click safe.
        """
        options = {'idempotency_key': idempotency_key, 'max_network_retries': 0}
        return self._call(self._client.v1.checkout.sessions.create, params, options)

    def retrieve_checkout_session(self, session_id):
        return self._call(self._client.v1.checkout.sessions.retrieve, session_id)

    def expire_checkout_session(self, session_id):
        return self._call(self._client.v1.checkout.sessions.expire, session_id)

    def retrieve_payment_intent(self, payment_intent_id):
        return self._call(self._client.v1.payment_intents.retrieve, payment_intent_id)

    def retrieve_charge(self, charge_id):
        return self._call(self._client.v1.charges.retrieve, charge_id)

    # --- Account and webhook endpoints --------------------------------------------------------

    def retrieve_balance(self):
        """A harmless authenticated call: proves the secret key works."""
        return self._call(self._client.v1.balance.retrieve)

    def create_webhook_endpoint(self, url, events):
        """Returns the endpoint, whose `secret` is shown only in this answer."""
        return self._call(self._client.v1.webhook_endpoints.create, {'url': url, 'enabled_events': list(events)})


def parse_webhook_event(payload, signature_header, secret, tolerance):
    """Verify a webhook with the SDK and return the event as a dict.

    Stripe signs ``timestamp.body`` with every active secret (several ``v1`` signatures while a
    secret is rotated); the SDK accepts any of them and refuses timestamps older than
    ``tolerance``. We also refuse timestamps further in the future than ``tolerance``, which the
    SDK lets through. Any problem raises ``ProviderError``: the caller answers 400.
    """
    if not secret:
        raise ProviderRefused("No webhook signing secret is configured.")
    try:
        # The signature only: building the SDK's Event object from a signed but malformed body
        # raises whatever its field coercion raises (decimal.InvalidOperation, ...).
        stripe.WebhookSignature.verify_header(payload, signature_header, secret, tolerance)
        data = json.loads(payload)
        timestamp = _signature_timestamp(signature_header)
    except (stripe.SignatureVerificationError, ValueError, TypeError, AttributeError, RecursionError) as error:
        raise ProviderRefused(f"Invalid webhook: {error.__class__.__name__}") from error
    if timestamp > time.time() + tolerance:
        raise ProviderRefused("Invalid webhook: timestamp in the future")
    if not isinstance(data, dict):
        raise ProviderRefused("Invalid webhook: not an event")
    envelope = data.get('data')
    data_object = envelope.get('object') if isinstance(envelope, dict) else None
    if not (isinstance(data.get('id'), str) and isinstance(data.get('type'), str) and isinstance(data_object, dict)):
        raise ProviderRefused("Invalid webhook: not an event")
    return {'id': data['id'], 'type': data['type'], 'object': data_object}


def _signature_timestamp(signature_header):
    """The ``t=`` value of a Stripe-Signature header (already verified by the SDK)."""
    for item in signature_header.split(','):
        key, _sep, value = item.partition('=')
        if key.strip() == 't':
            return int(value)
    raise ValueError("no timestamp")


__all__ = ['ProviderError', 'StripeGateway', 'parse_webhook_event']
