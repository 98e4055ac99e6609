"""commercetools Money -> amounts for Fluent. Pure.

Rules: an amount is ``centAmount / 10**fractionDigits`` computed in Decimal, never
assuming two digits (JPY has 0, KWD 3). ``fractionDigits`` missing (hand-built payloads)
falls back to the currency's ISO 4217 minor unit. HighPrecisionMoney uses
``preciseAmount`` with its own ``fractionDigits``. Per-unit amounts are divided in
Decimal and rounded half-even to the currency's digits. Fluent takes Floats, so the
Decimal becomes a float only at the very end (``as_float``).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

# ISO 4217 minor units that differ from 2.
MINOR_UNITS = {
    "BHD": 3,
    "BIF": 0,
    "CLP": 0,
    "DJF": 0,
    "GNF": 0,
    "IQD": 3,
    "ISK": 0,
    "JOD": 3,
    "JPY": 0,
    "KMF": 0,
    "KRW": 0,
    "KWD": 3,
    "LYD": 3,
    "OMR": 3,
    "PYG": 0,
    "RWF": 0,
    "TND": 3,
    "UGX": 0,
    "VND": 0,
    "VUV": 0,
    "XAF": 0,
    "XOF": 0,
    "XPF": 0,
}

Money = Mapping[str, Any]


def digits(money: Money) -> int:
    """Fraction digits of a (cent-precision) Money."""
    value = money.get("fractionDigits")
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    return MINOR_UNITS.get(str(money.get("currencyCode", "")).upper(), 2)


def currency_digits(money: Money) -> int:
    """Digits of the currency itself (for rounding per-unit amounts)."""
    if money.get("type") == "highPrecision":
        return MINOR_UNITS.get(str(money.get("currencyCode", "")).upper(), 2)
    return digits(money)


def amount(money: Money | None) -> Decimal | None:
    """The exact amount of a Money, or None when absent."""
    if not money:
        return None
    if money.get("type") == "highPrecision" and money.get("preciseAmount") is not None:
        return Decimal(int(money["preciseAmount"])).scaleb(-digits(money))
    cents = money.get("centAmount")
    if cents is None:
        return None
    if money.get("type") == "highPrecision":
        return Decimal(int(cents)).scaleb(-currency_digits(money))
    return Decimal(int(cents)).scaleb(-digits(money))


def quantize(value: Decimal, places: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)


def per_unit(total: Decimal | None, quantity: int, places: int) -> Decimal | None:
    """``total / quantity`` rounded half-even to ``places``."""
    if total is None or quantity <= 0:
        return None
    return quantize(total / quantity, places)


def as_float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def gross_and_tax(
    total: Money | None,
    taxed: Mapping[str, Any] | None,
    tax_rate: Mapping[str, Any] | None = None,
) -> tuple[Decimal | None, Decimal | None]:
    """(gross amount, tax amount) of a priced thing.

    ``taxed`` (TaxedPrice / TaxedItemPrice) wins: totalGross, and totalTax or
    gross - net. Without it a ``tax_rate`` ({amount, includedInPrice}) derives the tax
    from ``total``; without either the tax is unknown (None) and ``total`` is used as is.
    """
    if taxed and taxed.get("totalGross"):
        gross = amount(taxed["totalGross"])
        tax = amount(taxed.get("totalTax"))
        if tax is None and taxed.get("totalNet") and gross is not None:
            net = amount(taxed["totalNet"])
            tax = gross - net if net is not None else None
        return gross, tax
    value = amount(total)
    if value is None or not tax_rate or tax_rate.get("amount") is None:
        return value, None
    rate = Decimal(str(tax_rate["amount"]))
    places = currency_digits(total or {})
    if tax_rate.get("includedInPrice", True):
        tax = quantize(value - value / (1 + rate), places)
        return value, tax
    tax = quantize(value * rate, places)
    return value + tax, tax
