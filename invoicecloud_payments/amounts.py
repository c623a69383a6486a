"""Exact amounts in the providers' minor units: Decimal, never float arithmetic."""

from decimal import Decimal

from odoo.tools import float_repr

from odoo.addons.payment.const import CURRENCY_MINOR_UNITS

from .const import (
    STRIPE_MAXIMUM_MINOR_UNITS,
    STRIPE_MINIMUM_AMOUNTS,
    STRIPE_THREE_DECIMAL_CURRENCIES,
    STRIPE_THREE_DECIMAL_STEP,
    STRIPE_ZERO_DECIMAL_CURRENCIES,
)


def stripe_decimals(currency_name):
    """How many decimals Stripe's minor unit has for this currency (not always ISO 4217's)."""
    if currency_name in STRIPE_ZERO_DECIMAL_CURRENCIES:
        return 0
    if currency_name in STRIPE_THREE_DECIMAL_CURRENCIES:
        return 3
    return 2


def to_stripe_minor_units(amount, currency_name, decimal_places):
    """``amount`` (an Odoo float stored with ``decimal_places``) in Stripe's minor units.

    Raises ValueError if the amount has more decimals than Stripe takes (0.5 JPY).
    """
    value = Decimal(float_repr(amount, decimal_places)).scaleb(stripe_decimals(currency_name))
    if value != value.to_integral_value():
        raise ValueError(f"{amount} {currency_name} has more decimals than Stripe accepts")
    return int(value)


def stripe_refusal(amount, currency_name, decimal_places):
    """Why Stripe would refuse to charge ``amount``, as ``(reason, limit)``, or None.

    reason: ``'decimals'`` (finer than Stripe takes the currency: 0.50 MGA, 5.124 KWD),
    ``'minimum'`` or ``'maximum'`` (``limit``: the bound, a Decimal in major units).
    """
    try:
        minor = to_stripe_minor_units(amount, currency_name, decimal_places)
    except ValueError:
        return 'decimals', None
    if currency_name in STRIPE_THREE_DECIMAL_CURRENCIES and minor % STRIPE_THREE_DECIMAL_STEP:
        return 'decimals', None
    minimum = STRIPE_MINIMUM_AMOUNTS.get(currency_name)
    if minimum and minor < to_stripe_minor_units(float(minimum), currency_name, decimal_places):
        return 'minimum', Decimal(minimum)
    if minor > STRIPE_MAXIMUM_MINOR_UNITS:
        return 'maximum', from_stripe_minor_units(STRIPE_MAXIMUM_MINOR_UNITS, currency_name)
    return None


def from_stripe_minor_units(minor_amount, currency_name):
    """Stripe's integer amount back to a Decimal in major units."""
    return Decimal(int(minor_amount)).scaleb(-stripe_decimals(currency_name))


def iso_decimals(currency_name, decimal_places):
    """The decimals of the currency's minor unit as ISO 4217 (and Mollie) count them."""
    return CURRENCY_MINOR_UNITS.get(currency_name, decimal_places)


def to_mollie_value(amount, currency_name, decimal_places):
    """``amount`` as the string Mollie wants ("10.00", "1000" for JPY), exactly."""
    digits = iso_decimals(currency_name, decimal_places)
    value = Decimal(float_repr(amount, decimal_places))
    if value != value.quantize(Decimal(1).scaleb(-digits)):
        raise ValueError(f"{amount} {currency_name} has more decimals than the currency")
    return f'{value:.{digits}f}'


def mollie_minor_units(value, currency_name, decimal_places):
    """A Mollie amount string in minor units, or None if it is not a valid amount of the currency."""
    try:
        amount = Decimal(str(value)).scaleb(iso_decimals(currency_name, decimal_places))
    except ArithmeticError:
        return None
    if not amount.is_finite() or amount != amount.to_integral_value():
        return None
    return int(amount)
