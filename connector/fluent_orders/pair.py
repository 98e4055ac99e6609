"""The Fluent order a webhook is about and its commercetools order, under that order's
write lock: read, or what the previous handler of the order left (``order_cache``)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy.exc import DBAPIError

from connector.clients.commercetools import CommercetoolsClient
from connector.clients.errors import NotFound
from connector.context import Services
from connector.errors import PermanentError
from connector.fluent_orders.ct_orders import find_ct_order, ref_prefix
from connector.fluent_orders.ct_types import CtSetup, update_order
from connector.fluent_orders.fetch import OrderKey, fetch_order, order_key
from connector.fluent_orders.order_cache import Copies, Parts, order_cache
from connector.models import InboundMessage
from connector.store.locks import resource_lock
from connector.store.messages import sequence_mark

T = TypeVar("T")
log = logging.getLogger(__name__)


class CtOrderHandle:
    """The CT order a ``with_order`` block decides on, and its one way to write.

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


def with_order(
    runtime: Services,
    message: InboundMessage,
    work: Callable[[dict[str, Any], CtOrderHandle], T],
    *,
    fulfilments: bool = False,
    consignments: bool = False,
) -> T:
    """Run ``work(fluent_order, handle)`` for the order a Fluent webhook is about,
    under that order's write lock; ``fulfilments``/``consignments`` are the parts of
    the Fluent order ``work`` needs (``fetch_order``'s flags).

    The lock (``store.locks``, named by the order ref the webhook carries) makes the
    handlers of one order's webhooks (fulfilment, consignment, status: sent together)
    take turns instead of racing into 409s, each starting from what the one before
    left. With the lock held and Redis there (``order_cache``) that is:

    - the Fluent order the previous handler read, when that read started after this
      message was stored (``Copies.fluent_for``: it shows what this webhook
      announced) and has the parts asked for, and this message has not failed or been
      retried before; else it is read, with the parts every enabled order module
      needs, so the next handler can use it;
    - the CT order as the previous update returned it. Every update carries its
      version, so a copy someone has changed since gets a 409 and is re-read; a
      block that ends without a versioned write (nothing to change, an early return)
      or meets a 404 runs once more on a fresh read, so no decision rests on the copy
      alone. ``work`` must therefore be safe to run twice: it reads, decides and
      writes only through ``handle.update``.

    A webhook that names the order only by id is read first (the lock's name is its
    ref). No Fluent order, or no CT order, is a permanent error.
    """
    key = order_key(message.payload)
    wanted: Parts = (fulfilments, consignments)
    early = None
    if key.ref:
        ref = key.ref
    else:
        early = _load(runtime, key, wanted)
        ref = str(early["ref"])
    with resource_lock(runtime.store, f"ct-order:{ref}") as held:
        cache = order_cache(runtime) if held else None
        copies = cache.get(ref) if cache is not None else Copies()
        # a message that failed or was retried before reads Fluent afresh: an
        # operator may have fixed the order before replaying it
        first_try = message.last_error is None and message.finished_at is None
        order = early or (copies.fluent_for(message.id, wanted) if first_try else None)
        if order is None:
            parts = _shared_parts(runtime, wanted) if cache is not None else wanted
            mark = _mark(runtime) if cache is not None else None
            order = _load(runtime, key, parts)
            copies.fluent, copies.fluent_parts, copies.fluent_mark = order, parts, mark
        fluent_order = order
        try:
            handle, result = _on_ct_order(
                runtime, str(order["ref"]), copies.ct, lambda h: work(fluent_order, h)
            )
        except BaseException:
            if cache is not None:
                cache.drop(ref)
            raise
        if cache is not None:
            copies.ct = handle.body
            cache.put(ref, copies)
        return result


def _on_ct_order(
    runtime: Services,
    fluent_ref: str,
    copy: dict[str, Any] | None,
    work: Callable[[CtOrderHandle], T],
) -> tuple[CtOrderHandle, T]:
    ct = runtime.ct()
    prefix = ref_prefix(runtime.config)
    if copy is not None:
        handle = CtOrderHandle(ct, copy, is_copy=True)
        try:
            result = work(handle)
        except NotFound:
            if not handle.is_copy:
                raise
            handle.settled = False  # the copy's order is gone: read again
        if handle.settled:
            return handle, result
    handle = CtOrderHandle(ct, _read(ct, fluent_ref, prefix), is_copy=False)
    return handle, work(handle)


def _load(runtime: Services, key: OrderKey, parts: Parts) -> dict[str, Any]:
    """The Fluent order. Missing is a permanent error: retrying cannot make it
    appear, a replay after the fix can."""
    order = fetch_order(
        runtime.fluent(), key, fulfilments=parts[0], consignments=parts[1]
    )
    if order is None:
        raise PermanentError(f"Fluent has no order with {key.describe()}")
    return order


def _mark(runtime: Services) -> int | None:
    """``messages.sequence_mark``, or None (the read then serves no other webhook)
    when the store cannot tell: never a reason to fail the handler."""
    try:
        return sequence_mark(runtime.store)
    except DBAPIError as exc:
        log.warning("fluent_orders.mark.failed", extra={"error": str(exc.orig)[:200]})
        return None


def _shared_parts(runtime: Services, wanted: Parts) -> Parts:
    """The parts any enabled order module needs: one read can serve them all."""
    enabled = set(runtime.config.modules)
    return (
        wanted[0] or "fulfilments" in enabled or "consignments" in enabled,
        wanted[1] or "consignments" in enabled,
    )


def _read(ct: CommercetoolsClient, ref: str, prefix: str) -> dict[str, Any]:
    ct_order = find_ct_order(ct, ref, prefix)
    if ct_order is None:
        raise PermanentError(
            f"no commercetools order for Fluent order {ref} "
            "(orderNumber without modules.orders.ref_prefix, or order id)"
        )
    return ct_order
