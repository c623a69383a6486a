"""Mollie through its official SDK (mollie-api-python): payments, refunds and methods."""

import logging

from mollie.api.client import Client
from mollie.api.error import Error as MollieError
from mollie.api.error import IdentifierError, RequestError, ResponseError, ResponseHandlingError
from mollie.api.objects.payment import Payment
from mollie.api.resources.refunds import PaymentRefunds

from .errors import ProviderRefused, ProviderUnavailable

_logger = logging.getLogger(__name__)


class _ReplayedNotice(logging.Filter):
    """The SDK warns on the root logger when Mollie replays an idempotent request. A replay is
    what the idempotency key is for (Odoo retried the request): keep it, as information."""

    def filter(self, record):
        if str(record.msg).startswith("The 'Idempotent-Replayed' header was set"):
            _logger.info("Mollie replayed an idempotent request (the request was retried)")
            return False
        return True


if not any(isinstance(f, _ReplayedNotice) for f in logging.getLogger().filters):
    logging.getLogger().addFilter(_ReplayedNotice())


class MollieGateway:
    """The calls the addon makes to Mollie. Returns plain dicts (Mollie's JSON)."""

    def __init__(self, api_key, *, api_endpoint=None, timeout=(3, 15)):
        if not api_key:
            raise ProviderRefused("No Mollie API key is configured.")
        self._client = Client(timeout=timeout, retry=1)  # retries connect errors only
        if api_endpoint:
            self._client.set_api_endpoint(api_endpoint)
        try:
            self._client.set_api_key(api_key)
        except MollieError as error:
            # The SDK's message quotes the key: redacted here, and not chained into a traceback.
            raise ProviderRefused(str(error)) from None

    def _call(self, method, *args, **kwargs):
        try:
            result = method(*args, **kwargs)
        except ResponseError as error:
            if error.status is None or error.status >= 500 or error.status in (409, 429):
                raise ProviderUnavailable(str(error)) from error
            raise ProviderRefused(str(error)) from error
        except IdentifierError as error:
            raise ProviderRefused(str(error)) from error
        except (RequestError, ResponseHandlingError) as error:
            raise ProviderUnavailable(str(error)) from error
        return dict(result)

    # --- payments ---------------------------------------------------------------------------

    def create_payment(self, payload, idempotency_key):
        """Create a payment; the same key and body give back the same payment."""
        return self._call(self._client.payments.create, payload, idempotency_key=idempotency_key)

    def get_payment(self, payment_id):
        return self._call(self._client.payments.get, payment_id)

    def cancel_payment(self, payment_id, idempotency_key):
        return self._call(self._client.payments.delete, payment_id, idempotency_key=idempotency_key)

    # --- refunds ---------------------------------------------------------------------------

    def _refunds(self, payment_id):
        return PaymentRefunds(self._client, Payment({'id': payment_id}, self._client))

    def create_refund(self, payment_id, payload, idempotency_key):
        """Refund (part of) a paid payment; the same key and body give back the same refund."""
        return self._call(self._refunds(payment_id).create, payload, idempotency_key=idempotency_key)

    def get_refund(self, payment_id, refund_id):
        return self._call(self._refunds(payment_id).get, refund_id)

    # --- methods ----------------------------------------------------------------------------

    def list_methods(self):
        """Every method activated on the profile, with names, images and amount limits."""
        result = self._call(self._client.methods.list, include='pricing')
        return result.get('_embedded', {}).get('methods', [])
