"""What Mollie refuses, as its API reference says, for the fake Mollie (``mollie_server``).

Each check returns None or Mollie's answer, ``(status, error body)``; each names the page of
docs.mollie.com it follows. Where the reference gives no wording, the detail is ours (the
addon must never match on it: Mollie says so in https://docs.mollie.com/overview/handling-errors).
"""

import ipaddress
import re
from decimal import Decimal
from urllib.parse import urlsplit

HANDLING_ERRORS = 'https://docs.mollie.com/overview/handling-errors'
CREATE_PAYMENT = 'https://docs.mollie.com/reference/create-payment'
CANCEL_PAYMENT = 'https://docs.mollie.com/reference/cancel-payment'
LIST_METHODS = 'https://docs.mollie.com/reference/list-methods'
RATE_LIMITING = 'https://docs.mollie.com/reference/rate-limiting'

# https://docs.mollie.com/docs/multicurrency: the currencies Mollie takes, with their decimals
# ("Make sure to send the right amount of decimals", create-payment, amount.value). ISK and JPY
# have none; HUF has two at Mollie.
CURRENCY_DECIMALS = {
    'AED': 2, 'AUD': 2, 'BRL': 2, 'CAD': 2, 'CHF': 2, 'CZK': 2, 'DKK': 2, 'EUR': 2, 'GBP': 2, 'HKD': 2,
    'HUF': 2, 'ILS': 2, 'ISK': 0, 'JPY': 0, 'MXN': 2, 'MYR': 2, 'NOK': 2, 'NZD': 2, 'PHP': 2, 'PLN': 2,
    'RON': 2, 'SEK': 2, 'SGD': 2, 'THB': 2, 'TWD': 2, 'USD': 2,
}  # fmt: skip
# Same page: "For PayPal, all currencies supported by PayPal are also supported by Mollie"; cards
# take most. Every other method here takes EUR only (iDEAL, Bancontact, SEPA Bank Transfer, KBC/CBC,
# Belfius: each method's page on docs.mollie.com/docs, "Supported currencies").
PAYPAL_CURRENCIES = (
    'AUD', 'BRL', 'CAD', 'CHF', 'CZK', 'DKK', 'EUR', 'GBP', 'HKD', 'HUF', 'ILS', 'JPY', 'MXN', 'MYR', 'NOK',
    'NZD', 'PHP', 'PLN', 'SEK', 'SGD', 'THB', 'TWD', 'USD',
)  # fmt: skip
CARD_CURRENCIES = tuple(sorted(set(CURRENCY_DECIMALS) - {'BRL', 'MXN', 'MYR'}))
METHOD_CURRENCIES = {'paypal': PAYPAL_CURRENCIES, 'creditcard': CARD_CURRENCIES}

# https://docs.mollie.com/reference/create-payment (locale): Mollie's enum.
LOCALES = frozenset((
    'ca_ES', 'cs_CZ', 'da_DK', 'de_AT', 'de_CH', 'de_DE', 'de_LU', 'en_BE', 'en_GB', 'en_NL', 'en_US', 'es_ES',
    'fi_FI', 'fr_BE', 'fr_FR', 'fr_LU', 'hu_HU', 'is_IS', 'it_IT', 'lt_LT', 'lv_LV', 'nb_NO', 'nl_BE', 'nl_NL',
    'pl_PL', 'pt_PT', 'sk_SK', 'sv_SE',
))  # fmt: skip

# https://docs.mollie.com/reference/create-payment (webhookUrl): "The webhookUrl must be reachable
# from Mollie's point of view, so you cannot use localhost ... use a tool like ngrok". Names
# reserved for local use never resolve on the internet either (RFC 6761, RFC 8375): Mollie refused
# https://dancefloor.test/... (github.com/mollie/laravel-mollie/issues/138). The fake's `tunnels`
# make such an origin reachable, as ngrok would.
LOCAL_NAMES = ('localhost', 'local', 'internal', 'test', 'example', 'invalid', 'home.arpa', 'lan')
UNREACHABLE_WEBHOOK = "The webhook URL is invalid because it is unreachable from Mollie's point of view."

VALUE = re.compile(r'^(0|[1-9][0-9]*)(\.[0-9]+)?$')


def error(status, title, detail, field=None, documentation=HANDLING_ERRORS):
    """Mollie's error object (https://docs.mollie.com/overview/handling-errors)."""
    body = {'status': status, 'title': title, 'detail': detail}
    if field:
        body['field'] = field
    body['_links'] = {'documentation': {'href': documentation, 'type': 'text/html'}}
    return status, body


def rate_limited():
    """https://docs.mollie.com/reference/rate-limiting: 429 Too Many Requests, on every endpoint
    (docs.mollie.com/changelog/document-429-too-many-requests-on-all-endpoints)."""
    return error(429, 'Too Many Requests', 'You have exceeded the rate limit; retry later', None, RATE_LIMITING)


def unprocessable(detail, field=None, documentation=CREATE_PAYMENT):
    return error(422, 'Unprocessable Entity', detail, field, documentation)


def format_value(value, currency):
    """`value` (a Decimal) as Mollie writes it in `currency`: "10.00", "1000" for JPY."""
    return f'{Decimal(value):.{CURRENCY_DECIMALS.get(currency, 2)}f}'


def money(value, currency):
    """Mollie's amount object, or None for no value (a method without maximum, list-methods)."""
    return None if value is None else {'value': format_value(value, currency), 'currency': currency}


# --- amounts ---------------------------------------------------------------------------------


def amount_refusal(amount, status=422, documentation=CREATE_PAYMENT):
    """create-payment, amount: required; currency "an ISO 4217 currency code" Mollie supports;
    value "a string containing the exact amount ... the right amount of decimals ... Non-string
    values are not accepted". Mollie refuses zero ("The amount is lower than the minimum", quoted
    in github.com/mollie/magento2/issues/541 and umbraco/Umbraco.Commerce.Issues/issues/337)."""
    title = 'Unprocessable Entity' if status == 422 else 'Bad Request'
    if not isinstance(amount, dict) or 'value' not in amount or 'currency' not in amount:
        return error(status, title, 'The amount is required for payments', 'amount', documentation)
    currency, value = amount['currency'], amount['value']
    if not isinstance(currency, str) or currency not in CURRENCY_DECIMALS:
        return error(status, title, f'The currency {currency!r} is not supported', 'amount.currency', documentation)
    if not isinstance(value, str) or not VALUE.match(value):
        return error(status, title, 'The amount value must be a string such as "10.00"', 'amount.value', documentation)
    decimals = len(value.partition('.')[2])
    if decimals != CURRENCY_DECIMALS[currency]:
        detail = f'The amount in {currency} must have {CURRENCY_DECIMALS[currency]} decimals'
        return error(status, title, detail, 'amount.value', documentation)
    if Decimal(value) <= 0:
        return error(status, title, 'The amount is lower than the minimum', 'amount', documentation)
    return None


def method_refusal(method, amount):
    """create-payment, method: the method must be activated on the profile and take the currency
    and the amount (its minimumAmount/maximumAmount, list-methods). `method` is the fake's record."""
    if method is None or method['status'] != 'activated':
        return unprocessable('The payment method is not activated on your profile', 'method')
    if amount['currency'] not in method['currencies']:
        return unprocessable(f"The payment method does not support {amount['currency']}", 'amount.currency')
    value = Decimal(amount['value'])
    if value < Decimal(method['minimum']):
        return unprocessable('The amount is lower than the minimum', 'amount')
    if method['maximum'] is not None and value > Decimal(method['maximum']):
        return unprocessable('The amount is higher than the maximum', 'amount')
    return None


# --- the other fields of create-payment ------------------------------------------------------


def description_refusal(description):
    """create-payment, description: required. Longer than 255: "The API will not reject strings
    longer than the maximum length but it will truncate them to fit" (the fake truncates)."""
    if not isinstance(description, str) or not description.strip():
        return unprocessable('The description is required', 'description')
    return None


def redirect_refusal(body):
    """create-payment, redirectUrl: "normally required, but can be omitted for recurring
    payments (sequenceType: recurring) and for Apple Pay payments with an applePayPaymentToken"."""
    url = body.get('redirectUrl')
    if url is None and (body.get('sequenceType') == 'recurring' or body.get('applePayPaymentToken')):
        return None
    if not isinstance(url, str) or urlsplit(url).scheme not in ('http', 'https') or not urlsplit(url).hostname:
        return unprocessable('The redirect URL is required and must be a valid URL', 'redirectUrl')
    return None


def locale_refusal(locale):
    """create-payment, locale: one of Mollie's enum, or absent/null."""
    if locale is not None and locale not in LOCALES:
        return unprocessable(f'The locale {locale!r} is invalid', 'locale')
    return None


def origin(url):
    """`scheme://host[:port]` in lower case, without the scheme's default port."""
    parts = urlsplit(url)
    default = {'http': 80, 'https': 443}.get(parts.scheme)
    port = '' if parts.port in (None, default) else f':{parts.port}'
    return f'{parts.scheme}://{(parts.hostname or "").lower()}{port}'


def reachable(url, tunnels=()):
    """Whether Mollie, on the internet, could post to `url` (see LOCAL_NAMES)."""
    parts = urlsplit(url)
    host = (parts.hostname or '').lower().rstrip('.')
    if parts.scheme not in ('http', 'https') or not host:
        return False
    if origin(url) in tunnels:
        return True
    try:
        return ipaddress.ip_address(host).is_global
    except ValueError:
        pass
    if '.' not in host:
        return False
    return not any(host == name or host.endswith(f'.{name}') for name in LOCAL_NAMES)


def webhook_refusal(url, tunnels):
    """create-payment, webhookUrl: optional, but reachable from Mollie's point of view; Mollie's
    answer quoted in github.com/mollie/magento2/issues/460 and mollie/laravel-mollie/issues/138."""
    if url in (None, ''):
        return None
    if not isinstance(url, str) or not reachable(url, tunnels):
        return unprocessable(UNREACHABLE_WEBHOOK, 'webhookUrl')
    return None
