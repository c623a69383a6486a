"""What real Stripe refuses, for the fake Stripe to refuse it too.

Two sources, each rule naming its own:

* the parameters of every operation the fake implements, in ``stripe_params.py``: a table written
  by hand for this project from Stripe's API description (stripe/openapi, ``openapi/spec3.yaml``)
  and API reference pages (its docstring says which), giving names, types, required parameters,
  enums and maximum lengths; anything it does not list is refused as unknown;
* the rules Stripe documents outside the parameter schemas (amount limits per currency,
  ``expires_at`` window, e-mail addresses, metadata limits...), each with a comment naming its
  documentation page.

``refusal(method, path, params, now)`` returns the first `Refusal` of a request or None. ``params``
are the request's form parameters as the fake parses them (``parse_form``): every leaf is a string,
which Stripe coerces ("123" to an integer, "true" to a boolean).
"""

import re
from dataclasses import dataclass
from decimal import Decimal

from .stripe_params import OPERATIONS

DOCS = 'https://docs.stripe.com'


@dataclass
class Refusal:
    """An error answer in Stripe's shape (https://docs.stripe.com/api/errors)."""

    message: str
    param: str | None = None
    code: str | None = None
    status: int = 400
    kind: str = 'invalid_request_error'

    def body(self):
        error = {'type': self.kind, 'message': self.message}
        if self.param:
            error['param'] = self.param
        if self.code:
            error['code'] = self.code
            # https://docs.stripe.com/error-codes: errors with a code link to its page
            error['doc_url'] = f"{DOCS}/error-codes/{self.code.replace('_', '-')}"
        return {'error': error}

    def answer(self):
        return self.status, self.body()


def operation(method, path):
    """The `OPERATIONS` key (``POST /v1/checkout/sessions/{session}/expire``) of a request, or None."""
    parts = path.rstrip('/').split('/')
    for key in OPERATIONS:
        op_method, template = key.split(' ')
        names = template.split('/')
        if (
            op_method == method
            and len(names) == len(parts)
            and all(name == part or name.startswith('{') for name, part in zip(names, parts, strict=True))
        ):
            return key
    return None


# --- the parameter schemas (stripe_params) --------------------------------------------------------

INTEGER = re.compile(r'-?\d+\Z')
NUMBER = re.compile(r'-?(\d+\.?\d*|\.\d+)\Z')


def check(value, schema, param):
    """The first Refusal of ``value`` (a parsed form value) against a `stripe_params` schema, or None."""
    if 'anyOf' in schema:
        return _check_any(value, schema['anyOf'], param)
    if value == '' and '' not in schema.get('enum', ()):
        # Stripe reads an empty value as "unset"; a parameter that cannot be unset is refused
        # (https://docs.stripe.com/error-codes/parameter-invalid-empty).
        return Refusal(
            f"You passed an empty string for '{param}'. We assume empty values are an attempt to unset a "
            f"parameter; however '{param}' cannot be unset. You should remove '{param}' from your request or "
            "supply a non-empty value.",
            param,
            'parameter_invalid_empty',
        )
    kind = schema.get('type')
    if kind == 'object' or 'properties' in schema:
        return _check_object(value, schema, param)
    if kind == 'array':
        return _check_array(value, schema, param)
    if isinstance(value, (dict, list)):
        return Refusal(f'Invalid {kind or "value"}', param)
    return _check_scalar(value, schema, param)


def _check_any(value, alternatives, param):
    refusals = [check(value, alternative, param) for alternative in alternatives]
    if None in refusals:
        return None
    # The refusal of the alternative of the value's own shape says the most.
    shape = 'object' if isinstance(value, dict) else 'array' if isinstance(value, list) else None
    for alternative, refused in zip(alternatives, refusals, strict=True):
        if alternative.get('type') == shape:
            return refused
    return refusals[0]


def _check_object(value, schema, param):
    if not isinstance(value, dict):
        return Refusal('Invalid object', param)
    properties = schema.get('properties', {})
    extra = schema.get('additionalProperties')
    for key in value:
        if key not in properties and not isinstance(extra, dict):
            name = _name(param, key)
            return Refusal(f'Received unknown parameter: {name}', name, 'parameter_unknown')
    for key, item in value.items():
        if key not in properties and item == '':
            continue  # https://docs.stripe.com/api/metadata: "unset by posting an empty value"
        if refused := check(item, properties.get(key, extra), _name(param, key)):
            return refused
    for key in schema.get('required', ()):
        if key not in value:
            name = _name(param, key)
            return Refusal(f'Missing required param: {name}.', name, 'parameter_missing')
    return None


def _check_array(value, schema, param):
    if not isinstance(value, list):
        return Refusal('Invalid array', param)
    for index, item in enumerate(value):
        if refused := check(item, schema.get('items', {}), f'{param}[{index}]'):
            return refused
    return None


def _check_scalar(value, schema, param):
    kind = schema.get('type')
    if kind == 'integer' and not INTEGER.match(value):
        return Refusal(f'Invalid integer: {value}', param, 'parameter_invalid_integer')
    if kind == 'number' and not NUMBER.match(value):
        return Refusal(f'Invalid decimal: {value}', param)
    if kind == 'boolean' and value not in ('true', 'false'):
        return Refusal(f'Invalid boolean: {value}', param)
    if 'enum' in schema and value not in schema['enum']:
        return Refusal(f'Invalid {param}: must be one of {_one_of(schema["enum"])}', param)
    if 'maxLength' in schema and len(value) > schema['maxLength']:
        shown = value if len(value) <= 20 else f'{value[:10]}...{value[-10:]}'
        return Refusal(f'Invalid string: {shown}; must be at most {schema["maxLength"]} characters', param)
    return None


def _name(param, key):
    return f'{param}[{key}]' if param else key


def _one_of(values):
    values = [value for value in values if value]
    return ', '.join(values[:-1]) + f', or {values[-1]}' if len(values) > 1 else values[0]


# --- documented rules outside the parameter schemas ----------------------------------------------

# https://docs.stripe.com/currencies#minimum-and-maximum-charge-amounts: the minimum charge amount
# per currency, in that currency's minor units (as Stripe defines them: JPY has none, so 50 is 50 yen).
# For any other currency Stripe converts the amount and requires the equivalent of 0.50 USD, which
# the fake cannot know: it checks only the currencies of this table. (The minimum applies to the
# settlement currency; the fake assumes the charge is settled in its own currency.)
MINIMUM_CHARGE = {
    'usd': 50, 'aed': 200, 'aud': 50, 'bgn': 100, 'brl': 50, 'cad': 50, 'chf': 50, 'czk': 1500,
    'dkk': 250, 'eur': 50, 'gbp': 30, 'hkd': 400, 'huf': 17500, 'inr': 50, 'jpy': 50, 'mxn': 1000,
    'myr': 200, 'nok': 300, 'nzd': 50, 'pln': 200, 'ron': 200, 'sek': 300, 'sgd': 50, 'thb': 1000,
}  # fmt: skip
# Same page: "The amount value supports up to eight digits".
MAXIMUM_CHARGE = 99_999_999
# https://docs.stripe.com/currencies#zero-decimal: amounts in these are whole units.
ZERO_DECIMAL = {
    'bif', 'clp', 'djf', 'gnf', 'jpy', 'kmf', 'krw', 'mga', 'pyg', 'rwf', 'ugx', 'vnd', 'vuv', 'xaf', 'xof', 'xpf'
}  # fmt: skip
# https://docs.stripe.com/currencies#three-decimal: amounts in thousandths whose last digit must be 0
# ("5.124 KWD must be rounded to 5120 or 5130").
THREE_DECIMAL = {'bhd', 'jod', 'kwd', 'omr', 'tnd'}
# https://docs.stripe.com/api/checkout/sessions/create#create_checkout_session-expires_at:
# "anywhere from 30 minutes to 24 hours after Checkout Session creation".
EXPIRES_AT_MIN, EXPIRES_AT_MAX = 30 * 60, 24 * 3600
# https://docs.stripe.com/api/metadata: up to 50 keys, key names up to 40 characters long and
# values up to 500 characters long.
METADATA_KEYS, METADATA_KEY_LENGTH, METADATA_VALUE_LENGTH = 50, 40, 500
# https://docs.stripe.com/api/events/list#list_events-limit: "Limit can range between 1 and 100".
LIST_LIMIT = range(1, 101)
# One address: no list, no display name, a dot in the domain. Stripe's own check is unpublished;
# this refuses what it is known to refuse ("a@b, c@d", "x@localhost", "name <a@b.c>", " a@b.c").
EMAIL = re.compile(r'[^@\s,;<>()\[\]"]+@[^@\s,;<>()\[\]"]+\.[^@\s,;<>()\[\]".]+\Z')


def minor_units_name(currency):
    """How the fake's messages show an amount: Stripe's minor units of that currency."""
    return 'whole units' if currency in ZERO_DECIMAL else 'thousandths' if currency in THREE_DECIMAL else 'cents'


def _metadata(value, param):
    """Metadata limits, wherever a ``metadata`` hash is sent."""
    if not isinstance(value, dict):
        return None
    if len(value) > METADATA_KEYS:
        return Refusal(f'Invalid {param}: metadata can have at most {METADATA_KEYS} keys', param)
    for key, item in value.items():
        if len(key) > METADATA_KEY_LENGTH:
            return Refusal(f'Invalid key: {key} must be at most {METADATA_KEY_LENGTH} characters', param)
        if isinstance(item, str) and len(item) > METADATA_VALUE_LENGTH:
            return Refusal(
                f'Invalid value for {key}: must be at most {METADATA_VALUE_LENGTH} characters', f'{param}[{key}]'
            )
    return None


def _all_metadata(params, param=''):
    if not isinstance(params, dict):
        return None
    for key, value in params.items():
        name = _name(param, key)
        if refused := (_metadata(value, name) if key == 'metadata' else _all_metadata(value, name)):
            return refused
    for key, value in params.items():
        if isinstance(value, list):
            for index, item in enumerate(value):
                if refused := _all_metadata(item, f'{_name(param, key)}[{index}]'):
                    return refused
    return None


def _line_item(item, index):
    """A `price_data` line item: the amount rules of https://docs.stripe.com/currencies."""
    prefix = f'line_items[{index}][price_data]'
    price = item.get('price_data')
    if not isinstance(price, dict):
        if 'price' not in item:
            return Refusal(f'Missing required param: line_items[{index}][price].', f'line_items[{index}][price]',
                           'parameter_missing')  # fmt: skip
        return None
    # https://docs.stripe.com/api/checkout/sessions/create#create_checkout_session-line_items-price_data:
    # product or product_data, and unit_amount or unit_amount_decimal, are required conditionally.
    if 'product' not in price and 'product_data' not in price:
        return Refusal(f'Missing required param: {prefix}[product_data].', f'{prefix}[product_data]',
                       'parameter_missing')  # fmt: skip
    if 'unit_amount' not in price and 'unit_amount_decimal' not in price:
        return Refusal(f'Missing required param: {prefix}[unit_amount].', f'{prefix}[unit_amount]',
                       'parameter_missing')  # fmt: skip
    currency = price['currency']
    amount = _unit_amount(price)
    if currency in THREE_DECIMAL and amount % 10:
        return Refusal(
            f'Invalid amount: {amount}. Amounts in {currency.upper()} (a three-decimal currency) must have 0 as '
            f'their last digit; see {DOCS}/currencies#three-decimal',
            f'{prefix}[unit_amount]',
        )
    if amount > MAXIMUM_CHARGE:
        return Refusal(
            f'Invalid {prefix}[unit_amount]: must be at most {MAXIMUM_CHARGE}', f'{prefix}[unit_amount]',
            'amount_too_large',
        )  # fmt: skip
    return None


def _unit_amount(price):
    if 'unit_amount' in price:
        return int(price['unit_amount'])
    return int(Decimal(price.get('unit_amount_decimal') or 0))


def _session_total(line_items):
    """(currency, total in minor units) of the price_data line items."""
    currency, total = None, 0
    for item in line_items:
        price = item.get('price_data') or {}
        currency = currency or price.get('currency')
        total += _unit_amount(price) * int(item.get('quantity', 1))
    return currency, total


def _amount_limits(line_items):
    currency, total = _session_total(line_items)
    minimum = MINIMUM_CHARGE.get(currency)
    if minimum is not None and total < minimum:
        return Refusal(
            f"The Checkout Session's total amount due must add up to at least {minimum} "
            f'{minor_units_name(currency)} of {currency}',
            'line_items',
            'amount_too_small',
        )
    if total > MAXIMUM_CHARGE:
        return Refusal(
            f"The Checkout Session's total amount due must be at most {MAXIMUM_CHARGE} {minor_units_name(currency)}",
            'line_items',
            'amount_too_large',
        )
    return None


def _expires_at(params, now):
    if 'expires_at' not in params:
        return None
    delta = int(params['expires_at']) - int(now)
    if delta < EXPIRES_AT_MIN:
        return Refusal('The `expires_at` timestamp must be at least 30 minutes from Checkout Session creation.',
                       'expires_at')  # fmt: skip
    if delta > EXPIRES_AT_MAX:
        return Refusal('The `expires_at` timestamp must be less than 24 hours from Checkout Session creation.',
                       'expires_at')  # fmt: skip
    return None


def _checkout_session(params, now):
    # https://docs.stripe.com/api/checkout/sessions/create#create_checkout_session-success_url:
    # required for a hosted page (the default ui_mode; the 2023-08-16 spec requires it always), an
    # embedded page or elements send the customer to return_url instead.
    if params.get('ui_mode', 'hosted_page') == 'hosted_page' and 'success_url' not in params:
        return Refusal('Missing required param: success_url.', 'success_url', 'parameter_missing')
    # https://docs.stripe.com/error-codes/email-invalid; the parameter takes one address
    # (https://docs.stripe.com/api/checkout/sessions/create#create_checkout_session-customer_email).
    email = params.get('customer_email')
    if email is not None and not EMAIL.match(email):
        return Refusal(f'Invalid email address: {email}', 'customer_email', 'email_invalid')
    if refused := _expires_at(params, now):
        return refused
    line_items = params.get('line_items') or []
    # https://docs.stripe.com/api/checkout/sessions/create#create_checkout_session-line_items:
    # "Required for payment and subscription mode."
    if params.get('mode', 'payment') in ('payment', 'subscription') and not line_items:
        return Refusal('Missing required param: line_items.', 'line_items', 'parameter_missing')
    for index, item in enumerate(line_items):
        if refused := _line_item(item, index):
            return refused
    if params.get('mode', 'payment') == 'payment':
        return _amount_limits(line_items)
    return None


def _refund(params, now):
    # https://docs.stripe.com/api/refunds/create: the refund names a charge or a payment intent;
    # "amount: A positive integer".
    if 'charge' not in params and 'payment_intent' not in params:
        return Refusal('Missing required param: payment_intent.', 'payment_intent', 'parameter_missing')
    if 'amount' in params and int(params['amount']) < 1:
        return Refusal('Invalid amount: must be a positive integer', 'amount')
    return None


def _events(params, now):
    if 'limit' in params and int(params['limit']) not in LIST_LIMIT:
        return Refusal('Invalid limit: must be between 1 and 100', 'limit')
    return None


DOCUMENTED = {
    'POST /v1/checkout/sessions': _checkout_session,
    'POST /v1/refunds': _refund,
    'GET /v1/events': _events,
}


def refusal(method, path, params, now):
    """Stripe's refusal of this request (a `Refusal`), or None when Stripe would run it."""
    key = operation(method, path)
    if key is None:
        return None  # the fake answers 404 for what it does not implement
    if refused := check(params, OPERATIONS[key], '') or _all_metadata(params):
        return refused
    if rule := DOCUMENTED.get(key):
        return rule(params, now)
    return None
