"""The commercetools side of a Fluent order: finding the CT order and its line items.

The orders module (CT -> Fluent) creates the Fluent order with ``ref = ref_prefix +
orderNumber`` (option ``modules.orders.ref_prefix``, default ""), so the CT order is found
by ``orderNumber`` = Fluent ref without the prefix; when no order has that number and the
rest looks like a CT order id, by id (e.g. Orium's ``HD_<order id>`` pattern with
``ref_prefix: HD_``).

Fluent order items are matched to CT line items by, in this order: item ref = line item
id, item ref = line item key, then product ref = variant SKU (first unmatched line).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote

from connector.clients.commercetools import CommercetoolsClient
from connector.config import Config

_UUID = re.compile(
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
    r"[0-9a-fA-F]{12}$"
)


def ref_prefix(config: Config) -> str:
    """The orders module's ``ref_prefix`` (shared so both directions agree)."""
    value = config.options("orders").get("ref_prefix") or ""
    return str(value)


def order_number_for(fluent_ref: str, prefix: str) -> str:
    if prefix and fluent_ref.startswith(prefix):
        return fluent_ref[len(prefix) :]
    return fluent_ref


def find_ct_order(
    ct: CommercetoolsClient, fluent_ref: str, prefix: str = ""
) -> dict[str, Any] | None:
    """The CT order of a Fluent order ref: by orderNumber, else by id; None if absent."""
    number = order_number_for(fluent_ref, prefix)
    if not number:
        return None
    order = ct.get_or_none(f"orders/order-number={quote(number, safe='')}")
    if order is None and _UUID.match(number):
        order = ct.get_or_none(f"orders/{number}")
    return order


def order_path(order: Mapping[str, Any]) -> str:
    return f"orders/{order['id']}"


def match_line_items(
    ct_order: Mapping[str, Any], items: Iterable[Mapping[str, Any]]
) -> dict[str, str]:
    """Fluent order item id -> CT line item id for every item that matches."""
    lines = list(ct_order.get("lineItems") or [])
    by_id = {line["id"]: line for line in lines}
    by_key = {line["key"]: line for line in lines if line.get("key")}
    matched: dict[str, str] = {}
    used: set[str] = set()
    pending = []
    for item in items:
        ref = item.get("ref")
        line = (by_id.get(ref) or by_key.get(ref)) if ref else None
        if line is not None and line["id"] not in used:
            matched[str(item["id"])] = line["id"]
            used.add(line["id"])
        else:
            pending.append(item)
    for item in pending:
        sku = item.get("productRef")
        if not sku:
            continue
        for line in lines:
            if line["id"] not in used and (line.get("variant") or {}).get("sku") == sku:
                matched[str(item["id"])] = line["id"]
                used.add(line["id"])
                break
    return matched


def custom_fields(resource: Mapping[str, Any]) -> dict[str, Any]:
    return dict(((resource.get("custom") or {}).get("fields")) or {})


def custom_type_id(resource: Mapping[str, Any]) -> str | None:
    return ((resource.get("custom") or {}).get("type") or {}).get("id")
