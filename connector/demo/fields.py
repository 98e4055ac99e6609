"""What the demo prints about the commercetools custom fields the connector wrote
(the field profile's names: connector.ct_fields)."""

from __future__ import annotations

from typing import Any


def _names(resources: list[dict[str, Any]]) -> str:
    found = {
        name
        for resource in resources
        for name in ((resource.get("custom") or {}).get("fields") or {})
    }
    return ", ".join(sorted(found)) or "-"


def custom_names(
    orders: list[dict[str, Any]] | None = None,
    channels: list[dict[str, Any]] | None = None,
) -> tuple[str, str, str]:
    """Field names on (line items, deliveries, parcels) of ``orders``, or on
    ``channels`` first when given."""
    if channels is not None:
        return _names(channels), "-", "-"
    orders = orders or []
    deliveries = [
        dl
        for order in orders
        for dl in (order.get("shippingInfo") or {}).get("deliveries") or []
    ]
    lines = [li for order in orders for li in order.get("lineItems", [])]
    parcels = [p for dl in deliveries for p in dl.get("parcels") or []]
    return _names(lines), _names(deliveries), _names(parcels)
