"""Price selection (``prices.select_prices``, each price read once and scopes matched
as tuples) picks what the scope-by-scope reading of commercetools' order picks: the
reference below is the earlier implementation, kept as the oracle."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from connector.modules.products.options import PriceRule
from connector.modules.products.prices import (
    DIMENSIONS,
    ORDER,
    _dimension,
    _valid,
    money_value,
    select_prices,
)

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def reference_select(
    prices: Sequence[Mapping[str, Any]], currency: str, rule: PriceRule
) -> Mapping[str, Any] | None:
    wanted = {
        "customerGroup": rule.customer_group_id,
        "channel": rule.channel_id,
        "country": rule.country,
    }
    candidates = [
        p
        for p in prices
        if (p.get("value") or {}).get("currencyCode") == currency and _valid(p, NOW)
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


def reference(prices: list[dict[str, Any]], rules: list[PriceRule]) -> list[dict]:
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
            price = reference_select(prices, currency, rule)
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


maybe = lambda values: st.none() | st.sampled_from(values)  # noqa: E731
money = st.fixed_dictionaries(
    {
        "currencyCode": st.sampled_from(["EUR", "USD", "GBP"]),
        "centAmount": st.integers(0, 10**6),
        "fractionDigits": st.sampled_from([0, 2, 3]),
    }
)


@st.composite
def price(draw: st.DrawFn) -> dict[str, Any]:
    out: dict[str, Any] = {"value": draw(money)}
    for name, values in (
        ("country", ["DE", "AT"]),
        ("channel", ["ch-1", "ch-2"]),
        ("customerGroup", ["vip", "b2b"]),
    ):
        value = draw(maybe(values))
        if value is not None:
            as_ref = name != "country" and draw(st.booleans())
            out[name] = {"typeId": name, "id": value} if as_ref else value
    if draw(st.booleans()):
        out["validFrom"] = draw(
            st.sampled_from(["2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z"])
        )
    if draw(st.booleans()):
        out["validUntil"] = draw(
            st.sampled_from(["2026-03-01T00:00:00Z", "2028-01-01T00:00:00Z"])
        )
    if draw(st.booleans()):
        out["discounted"] = {"value": draw(money)}
    return out


rule = st.builds(
    PriceRule,
    type=st.sampled_from(["DEFAULT", "RRP"]),
    currency=maybe(["EUR", "USD"]),
    country=maybe(["DE", "AT"]),
    channel_id=maybe(["ch-1", "ch-2"]),
    customer_group_id=maybe(["vip", "b2b"]),
    discounted=st.booleans(),
)


@settings(max_examples=500, deadline=None)
@given(st.lists(price(), max_size=8), st.lists(rule, min_size=1, max_size=4))
def test_same_prices_as_the_scope_by_scope_selection(prices, rules) -> None:
    assert select_prices(prices, rules, NOW) == reference(prices, rules)
