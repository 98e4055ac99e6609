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

import functools
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


Dims = tuple[str | None, str | None, str | None]  # the values of DIMENSIONS
Entry = tuple[Any, Dims, Mapping[str, Any]]  # (currency code, dims, price)
NO_DIMS: Dims = (None, None, None)


@functools.lru_cache(maxsize=256)
def _targets(
    customer_group: str | None, channel: str | None, country: str | None
) -> tuple[Dims, ...]:
    """The dims a matching price must have, in selection order: for each scope of
    ``ORDER`` the rule asks all parts of, the wanted values on the scope's dimensions
    and None on the others ("must not carry parts the scope lacks")."""
    wanted = dict(zip(DIMENSIONS, (customer_group, channel, country), strict=True))
    return tuple(
        (
            wanted["customerGroup"] if "customerGroup" in scope else None,
            wanted["channel"] if "channel" in scope else None,
            wanted["country"] if "country" in scope else None,
        )
        for scope in ORDER
        if all(wanted[d] is not None for d in scope)
    )


def _dims(price: Mapping[str, Any]) -> Dims:
    if (
        "customerGroup" not in price
        and "channel" not in price
        and "country" not in price
    ):
        return NO_DIMS  # the common base price
    return (
        _dimension(price, "customerGroup"),
        _dimension(price, "channel"),
        _dimension(price, "country"),
    )


def _entries(prices: Sequence[Mapping[str, Any]], now: datetime) -> list[Entry]:
    """The prices valid at ``now`` with their currency and dims, each read once (the
    selection then compares tuples instead of re-reading every price per scope).
    The usual price (no validity dates, no dims) costs no function call."""
    out: list[Entry] = []
    for p in prices:
        if ("validFrom" in p or "validUntil" in p) and not _valid(p, now):
            continue
        if "customerGroup" in p or "channel" in p or "country" in p:
            dims = _dims(p)
        else:
            dims = NO_DIMS
        out.append(((p.get("value") or {}).get("currencyCode"), dims, p))
    return out


def _first(
    entries: Sequence[Entry], currency: str, targets: Sequence[Dims]
) -> Mapping[str, Any] | None:
    for target in targets:
        for code, dims, price in entries:
            if dims == target and code == currency:
                return price
    return None


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
    targets = _targets(customer_group_id, channel_id, country)
    return _first(_entries(prices, now), currency, targets)


def select_prices(
    prices: Sequence[Mapping[str, Any]] | None,
    rules: Sequence[PriceRule],
    now: datetime,
) -> list[dict[str, Any]]:
    """Fluent prices of one variant by the configured rules."""
    entries = _entries(prices or [], now)
    # a currency with no valid price yields nothing, so the valid ones are enough
    present = sorted({code for code, _, _ in entries if isinstance(code, str)})
    out: list[dict[str, Any]] = []
    filled: set[tuple[str, str]] = set()
    for rule in rules:
        targets = _targets(rule.customer_group_id, rule.channel_id, rule.country)
        for currency in [rule.currency] if rule.currency else present:
            if (rule.type, currency) in filled:
                continue
            price = _first(entries, currency, targets)
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
