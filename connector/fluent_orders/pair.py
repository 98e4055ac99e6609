"""The Fluent order a webhook is about, and its commercetools order read under that
order's write lock."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from connector.context import Services
from connector.errors import PermanentError
from connector.fluent_orders.ct_orders import find_ct_order, ref_prefix
from connector.fluent_orders.fetch import fetch_order, order_key
from connector.store.locks import resource_lock


def load_fluent_order(
    runtime: Services, payload: Mapping[str, Any], **parts: bool
) -> dict[str, Any]:
    """The Fluent order of a webhook payload; ``parts`` are ``fetch_order``'s flags
    (``fulfilments``, ``consignments``). Missing is a permanent error: retrying cannot
    make it appear, a replay after the fix can."""
    key = order_key(payload)
    order = fetch_order(runtime.fluent(), key, **parts)
    if order is None:
        raise PermanentError(f"Fluent has no order with {key.describe()}")
    return order


@contextmanager
def locked_ct_order(runtime: Services, order: Mapping[str, Any]) -> Iterator[dict]:
    """``with locked_ct_order(runtime, order) as ct_order:`` read, decide and write.

    The block runs holding the write lock of the Fluent order's CT order
    (``store.locks``), and ``ct_order`` is read after the lock is taken: the handlers
    of one order's webhooks (fulfilment, consignment, status: sent together) take
    turns from read to write instead of racing into 409s, each reading what the one
    before wrote. The lock only saves work; the CT version on every update still
    guards the write (a 409 re-reads and rebuilds). No order is a permanent error.
    """
    with resource_lock(runtime.store, f"ct-order:{order['ref']}"):
        ct_order = find_ct_order(runtime.ct(), order["ref"], ref_prefix(runtime.config))
        if ct_order is None:
            raise PermanentError(
                f"no commercetools order for Fluent order {order['ref']} "
                "(orderNumber without modules.orders.ref_prefix, or order id)"
            )
        yield ct_order
