"""Pure price selection: CT embedded variant prices -> Fluent ``PriceInput`` list.

Rule (documented in the README): each configured price rule yields at most one Fluent
price per currency (the rule's currency, or every currency the variant has), of the
rule's ``type`` (default ``DEFAULT``). Among the variant's prices in that currency that
are valid at sync time (``validFrom``/``validUntil``), the first match in commercetools'
price-selection order wins: customer group + channel + country, customer group +
channel, customer group + country, customer group, channel + country, channel, country,
then the price without any of them. A scope only counts if the rule asks for all of its
parts, and the matching price must not carry parts the scope lacks. ``discounted: true``
uses the price's discounted value when present. Value = centAmount / 10^fractionDigits
(``preciseAmount`` for high-precision money). A (type, currency) already filled by an
earlier rule is not overwritten. Must not do I/O.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from .options import PriceRule

DIMENSIONS = ("customerGroup", "channel", "country")
ORDER: tuple[tuple[str, ...], ...] = (
    ("customerGroup", "channel", "country"),
    ("customerGroup", "channel"),
    ("customerGroup", "country"),
    ("customerGroup",),
    ("channel", "country"),
    ("channel",),
    ("country",),
    (),
)


def money_value(value: Mapping[str, Any]) -> float | None:
    """Decimal amount of a CT Money (cent precision or high precision)."""
    digits = value.get("fractionDigits", 2)
    if not isinstance(digits, int) or digits < 0:
        return None
    amount = value.get("centAmount")
    if value.get("type") == "highPrecision" and isinstance(
        value.get("preciseAmount"), int
    ):
        amount = value["preciseAmount"]
    if not isinstance(amount, int) or isinstance(amount, bool):
        return None
    return round(amount / 10**digits, digits)


def _parse(stamp: Any) -> datetime | None:
    if not isinstance(stamp, str):
        return None
    try:
        return datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return None


def _valid(price: Mapping[str, Any], now: datetime) -> bool:
    if "validFrom" not in price and "validUntil" not in price:
        return True
    start, end = _parse(price.get("validFrom")), _parse(price.get("validUntil"))
    return (start is None or start <= now) and (end is None or now < end)


def _dimension(price: Mapping[str, Any], name: str) -> str | None:
    value = price.get(name)
    if isinstance(value, Mapping):
        return value.get("id")
    return value if isinstance(value, str) else None


def select_price(
    prices: Sequence[Mapping[str, Any]],
    currency: str,
    *,
    now: datetime,
    country: str | None = None,
    channel_id: str | None = None,
    customer_group_id: str | None = None,
) -> Mapping[str, Any] | None:
    """The price commercetools' selection order picks, or None."""
    wanted = {
        "customerGroup": customer_group_id,
        "channel": channel_id,
        "country": country,
    }
    candidates = [
        p
        for p in prices
        if (p.get("value") or {}).get("currencyCode") == currency and _valid(p, now)
    ]
    for scope in ORDER:
        if any(wanted[d] is None for d in scope):
            continue
        for price in candidates:
            if all(_dimension(price, d) == wanted[d] for d in scope) and all(
                _dimension(price, d) is None for d in DIMENSIONS if d not in scope
            ):
                return price
    return None


def select_prices(
    prices: Sequence[Mapping[str, Any]] | None,
    rules: Sequence[PriceRule],
    now: datetime,
) -> list[dict[str, Any]]:
    """Fluent prices of one variant by the configured rules."""
    prices = list(prices or [])
    present = sorted(
        {
            p["value"]["currencyCode"]
            for p in prices
            if isinstance((p.get("value") or {}).get("currencyCode"), str)
        }
    )
    out: list[dict[str, Any]] = []
    filled: set[tuple[str, str]] = set()
    for rule in rules:
        for currency in [rule.currency] if rule.currency else present:
            if (rule.type, currency) in filled:
                continue
            price = select_price(
                prices,
                currency,
                now=now,
                country=rule.country,
                channel_id=rule.channel_id,
                customer_group_id=rule.customer_group_id,
            )
            if price is None:
                continue
            value = price["value"]
            discounted = price.get("discounted")
            if rule.discounted and isinstance(discounted, Mapping):
                value = discounted.get("value") or value
            amount = money_value(value)
            if amount is None:
                continue
            out.append({"type": rule.type, "currency": currency, "value": amount})
            filled.add((rule.type, currency))
    return out
