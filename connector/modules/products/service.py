"""Event handler of the products module: one CT product message -> Fluent now.

Create/publish/update messages: fetch the product projection the batch sync reads
(``current`` by default) and sync it through the stream's prepare/plan/write and the
fingerprint store (unchanged -> no Fluent call). No projection (e.g. a product created
unpublished) -> nothing to do. ``ProductUnpublished`` (``on_unpublish``) and
``ProductDeleted`` / ``ResourceDeleted`` (``on_delete``) with ``deactivate`` set the
standard product and its variants INACTIVE: mapped from the product's last current data
when CT still has it (or the message carries ``currentProjection``), else by ref with
the variants Fluent lists under it. A write Fluent rejects fails the message.
"""

from __future__ import annotations

from typing import Any

from connector.catalogue.apply import apply_records, result
from connector.catalogue.mapping import INACTIVE
from connector.context import HandlerContext
from connector.errors import PermanentError
from connector.store import fingerprints
from connector.sync.stats import SyncStats

from .mapping import standard_key
from .stream import MODULE, RESOURCE, ProductStream, build

UNPUBLISHED = ("ProductUnpublished",)
DELETED = ("ProductDeleted", "ResourceDeleted")


def handle_event(ctx: HandlerContext) -> dict[str, Any]:
    stream = build(ctx.services)
    product_id = ctx.message.resource_id
    if not product_id:
        raise PermanentError("message has no resource id")
    name = ctx.message.name
    if name in UNPUBLISHED + DELETED:
        policy = (
            stream.opts.on_unpublish if name in UNPUBLISHED else stream.opts.on_delete
        )
        if policy != "deactivate":
            return {"status": "ignored", "reason": f"{name} ({policy})"}
        return _deactivate(ctx, stream, product_id)
    projection = stream.ct.get_or_none(
        f"{RESOURCE}/{product_id}", params=stream.query_extra
    )
    if projection is None:
        return {
            "status": "skipped",
            "reason": f"no {stream.opts.projection} projection",
        }
    stats = apply_records(ctx.services.store, stream, stream.prepare([projection]))
    return _finish(stats, "synced")


def _deactivate(
    ctx: HandlerContext, stream: ProductStream, product_id: str
) -> dict[str, Any]:
    store = ctx.services.store
    stream.status = INACTIVE
    projection = ctx.payload.get("currentProjection")
    if not isinstance(projection, dict):
        product = stream.ct.get_or_none(f"products/{product_id}")
        if product is not None and stream.opts.projection in product.get(
            "masterData", {}
        ):
            data = product["masterData"][stream.opts.projection]
            projection = {"id": product["id"], "key": product.get("key"), **data}
    if isinstance(projection, dict):
        records = stream.prepare([projection])
    else:
        stored = fingerprints.lookup(store, MODULE, [standard_key(product_id)])
        ids = ctx.payload.get("resourceUserProvidedIdentifiers") or {}
        known = stored.get(standard_key(product_id))
        ref = (known.target_ref if known else None) or ids.get("key") or product_id
        records = stream.prepare_deleted(product_id, ref)
    stats = apply_records(store, stream, records)
    return _finish(stats, "deactivated")


def _finish(stats: SyncStats, status: str) -> dict[str, Any]:
    if stats.failed:
        errors = "; ".join(f"{f['key']}: {f['error']}" for f in stats.failures)
        raise PermanentError(f"Fluent rejected the product: {errors}")
    return result(stats, status=status)
