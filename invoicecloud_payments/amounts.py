"""Exact amounts in the providers' minor units: Decimal, never float arithmetic."""

from decimal import Decimal

from odoo.tools import float_repr

from .const import STRIPE_THREE_DECIMAL_CURRENCIES, STRIPE_ZERO_DECIMAL_CURRENCIES


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


def from_stripe_minor_units(minor_amount, currency_name):
    """Stripe's integer amount back to a Decimal in major units."""
    return Decimal(int(minor_amount)).scaleb(-stripe_decimals(currency_name))
