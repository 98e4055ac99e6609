"""The Fluent order a webhook is about, and its commercetools order under that order's
write lock (read, or the copy the previous update of the order left)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from connector.clients.commercetools import CommercetoolsClient
from connector.clients.errors import NotFound
from connector.context import Services
from connector.errors import PermanentError
from connector.fluent_orders.ct_orders import find_ct_order, ref_prefix
from connector.fluent_orders.ct_types import CtSetup, update_order
from connector.fluent_orders.fetch import fetch_order, order_key
from connector.fluent_orders.order_cache import order_cache
from connector.store.locks import resource_lock

T = TypeVar("T")


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


class CtOrderHandle:
    """The CT order a ``with_ct_order`` block decides on, and its one way to write.

    ``body`` is the order: a fresh read, or the copy the previous update of this order
    left (``is_copy``). ``update(build, setup)`` is ``ct_types.update_order`` on it;
    afterwards ``body`` is the order as commercetools answered (current, not a copy).
    """

    def __init__(self, ct: CommercetoolsClient, body: dict[str, Any], is_copy: bool):
        self.ct = ct
        self.body = body
        self.is_copy = is_copy
        # a decision on a copy stands only once a versioned write (or a fresh read)
        # has confirmed it
        self.settled = not is_copy

    def update(
        self, build: Callable[[dict[str, Any]], list[dict[str, Any]]], setup: CtSetup
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        updated, applied = update_order(
            self.ct, self.body, build, setup, is_copy=self.is_copy
        )
        self.body, self.is_copy, self.settled = updated, False, True
        return updated, applied


def with_ct_order(
    runtime: Services,
    order: Mapping[str, Any],
    work: Callable[[CtOrderHandle], T],
) -> T:
    """Run ``work(handle)`` on the Fluent order's CT order under its write lock.

    The lock (``store.locks``) makes the handlers of one order's webhooks (fulfilment,
    consignment, status: sent together) take turns from read to write instead of
    racing into 409s, each starting from what the one before wrote. That is either a
    fresh read or, when the lock is held and Redis is there, the copy the previous
    update returned (``order_cache``): one commercetools read fewer. The copy is safe
    because every update carries its version (a stale copy gets a 409 and is re-read);
    a block that ends without a versioned write (nothing to change, an early return)
    or meets a 404 runs once more on a fresh read, so no decision rests on the copy
    alone. ``work`` must therefore be safe to run twice: it reads, decides and writes
    only through ``handle.update``. No order is a permanent error.
    """
    ct = runtime.ct()
    ref = str(order["ref"])
    prefix = ref_prefix(runtime.config)
    with resource_lock(runtime.store, f"ct-order:{ref}") as held:
        cache = order_cache(runtime) if held else None
        copy = cache.get(ref) if cache is not None else None
        try:
            if copy is not None:
                handle = CtOrderHandle(ct, copy, is_copy=True)
                try:
                    result = work(handle)
                except NotFound:
                    if not handle.is_copy:
                        raise
                    handle.settled = False  # the copy's order is gone: read again
                if not handle.settled:
                    handle = CtOrderHandle(ct, _read(ct, ref, prefix), is_copy=False)
                    result = work(handle)
            else:
                handle = CtOrderHandle(ct, _read(ct, ref, prefix), is_copy=False)
                result = work(handle)
        except BaseException:
            if cache is not None:
                cache.drop(ref)
            raise
        if cache is not None:
            cache.put(ref, handle.body)
        return result


def _read(ct: CommercetoolsClient, ref: str, prefix: str) -> dict[str, Any]:
    ct_order = find_ct_order(ct, ref, prefix)
    if ct_order is None:
        raise PermanentError(
            f"no commercetools order for Fluent order {ref} "
            "(orderNumber without modules.orders.ref_prefix, or order id)"
        )
    return ct_order
