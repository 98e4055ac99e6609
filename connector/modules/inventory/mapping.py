"""Fluent virtual (ATS) position -> the quantity of a commercetools inventory entry.

Quantity semantics: a position of the aggregate virtual catalogue holds Fluent's
available-to-sell ``quantity`` of one SKU (``productRef``) over the catalogue's network.
It becomes the ``quantityOnStock`` of the CT entry (sku = productRef, supplyChannel = the
configured channel), set absolutely with ``changeQuantity``; CT derives
``availableQuantity`` from it minus its own reservations. A negative quantity is written
as 0, and a position whose status is one of ``inactive_statuses`` (default INACTIVE)
counts as 0 (not sellable). Pure; no I/O.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from connector.sync.stream import Planned, Skip


@dataclass(frozen=True)
class InventoryRules:
    channel_key: str
    inactive_statuses: tuple[str, ...] = ("INACTIVE",)


def quantity_on_stock(position: Mapping[str, Any], rules: InventoryRules) -> int | None:
    """The CT quantityOnStock of a position (None when it carries no quantity)."""
    quantity = position.get("quantity")
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        return None
    if position.get("status") in rules.inactive_statuses:
        return 0
    return max(quantity, 0)


def plan_position(
    position: Mapping[str, Any], rules: InventoryRules
) -> Iterator[Planned | Skip]:
    sku = position.get("productRef")
    if not isinstance(sku, str) or not sku.strip():
        yield Skip(str(position.get("ref") or position.get("id")), "no productRef")
        return
    quantity = quantity_on_stock(position, rules)
    if quantity is None:
        yield Skip(sku, "no quantity")
        return
    payload = {"sku": sku, "quantityOnStock": quantity, "channel": rules.channel_key}
    yield Planned(key=sku, payload=payload, target_ref=sku)


MISSING_POLICIES = ("zero", "delete", "ignore")  # ``on_missing``
MISSING_LABELS = {"zero": "set quantity 0 of", "delete": "delete entry"}


def gone_payload(sku: str, channel_key: str, policy: str) -> dict[str, Any]:
    """A SKU whose position left the catalogue: its entry zeroed or deleted."""
    payload: dict[str, Any] = {"sku": sku, "channel": channel_key, "_gone": policy}
    if policy == "zero":
        payload["quantityOnStock"] = 0
    return payload
