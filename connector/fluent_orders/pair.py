"""The Fluent order a webhook is about, and its commercetools order."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connector.context import Services
from connector.errors import PermanentError
from connector.fluent_orders.ct_orders import find_ct_order, ref_prefix
from connector.fluent_orders.fetch import fetch_order, order_key


def load_order_pair(
    runtime: Services, payload: Mapping[str, Any], **parts: bool
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(Fluent order, CT order) for a webhook payload; ``parts`` are ``fetch_order``'s
    flags (``fulfilments``, ``consignments``). Either one missing is a permanent error:
    retrying cannot make it appear, a replay after the fix can."""
    key = order_key(payload)
    order = fetch_order(runtime.fluent(), key, **parts)
    if order is None:
        raise PermanentError(f"Fluent has no order with {key.describe()}")
    ct_order = find_ct_order(runtime.ct(), order["ref"], ref_prefix(runtime.config))
    if ct_order is None:
        raise PermanentError(
            f"no commercetools order for Fluent order {order['ref']} "
            "(orderNumber without modules.orders.ref_prefix, or order id)"
        )
    return order, ct_order
