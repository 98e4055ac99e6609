"""Event handler of the categories module: one CT category message -> Fluent now.

Fetches the current category from CT (messages are only a trigger, so a stale or
replayed message writes the current state) and syncs it through the batch stream's
prepare/plan/write and the fingerprint store. A category CT no longer has (404, or a
``ResourceDeleted`` notification) is deactivated when ``on_delete: deactivate``.
A write Fluent rejects fails the message with Fluent's error text (replayable).
"""

from __future__ import annotations

from typing import Any

from connector.catalogue.apply import apply_records, result
from connector.context import HandlerContext
from connector.errors import PermanentError
from connector.store import fingerprints
from connector.sync.stats import SyncStats

from .stream import EXPAND, MODULE, build

DELETED = ("ResourceDeleted",)


def handle_event(ctx: HandlerContext) -> dict[str, Any]:
    runtime = ctx.services
    stream = build(runtime)
    category_id = ctx.message.resource_id
    if not category_id:
        raise PermanentError("message has no resource id")
    category = None
    if ctx.message.name not in DELETED:
        params = [("expand", e) for e in EXPAND]
        category = stream.ct.get_or_none(f"categories/{category_id}", params)
    if category is None:
        if stream.opts.on_delete != "deactivate":
            return {"status": "ignored", "reason": "deleted (on_delete: ignore)"}
        stored = fingerprints.lookup(runtime.store, MODULE, [category_id])
        key = (ctx.payload.get("resourceUserProvidedIdentifiers") or {}).get("key")
        ref = stored[category_id].target_ref if category_id in stored else None
        records = stream.prepare_deleted([(category_id, ref or key or category_id)])
        stats = apply_records(runtime.store, stream, records)
        return _finish(stats, "deactivated")
    stats = apply_records(runtime.store, stream, stream.prepare([category]))
    return _finish(stats, "synced")


def _finish(stats: SyncStats, status: str) -> dict[str, Any]:
    if stats.failed:
        errors = "; ".join(f"{f['key']}: {f['error']}" for f in stats.failures)
        raise PermanentError(f"Fluent rejected the category: {errors}")
    return result(stats, status=status)
