"""The ``external_out.send`` handler: put one signed POST into the outbox.

The handler only shapes the payload and inserts an ``outbound_deliveries`` row keyed
by ``<target>:<source>:<message id>`` (a replayed or redelivered message finds its row
and sends nothing twice), then asks for an immediate attempt. Sending, retries and
giving up live in deliver.py. ``queue_delivery`` lets other code use a named target.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from connector.context import HandlerContext, Services
from connector.errors import ConfigError, PermanentError
from connector.modules.external_out.options import resolve_target
from connector.modules.external_out.template import context_for, render
from connector.store import outbox

log = logging.getLogger(__name__)

DELIVER_TASK = "external_out.deliver"


def dedupe_key(target: str, source: str, message_id: str) -> str:
    key = f"{target}:{source}:{message_id}"
    if len(key) <= 255:
        return key
    return f"{target[:100]}:sha256:{hashlib.sha256(key.encode()).hexdigest()}"


def queue_delivery(
    runtime: Services,
    target: str,
    payload: dict[str, Any] | list[Any],
    key: str,
    *,
    inbound_message_id: int | None = None,
) -> dict[str, Any]:
    """Insert a delivery of ``payload`` (already shaped) to ``target``; dedupe on key."""
    resolved = resolve_target(runtime, target)
    body = payload if isinstance(payload, dict) else {"items": payload}
    row_id, created = outbox.insert(
        runtime.store,
        target=target,
        url=resolved.url,
        dedupe_key=key,
        payload=body,
        inbound_message_id=inbound_message_id,
    )
    row = outbox.get(runtime.store, row_id)
    if row is not None and row.status == "pending":
        runtime.enqueue(DELIVER_TASK, queue="default", delivery_id=row_id)
    log.info(
        "external_out.delivery.queued",
        extra={"delivery_id": row_id, "target": target, "new_row": created},
    )
    return {"delivery_id": row_id, "created": created}


def send(ctx: HandlerContext) -> dict[str, Any]:
    """Handler of routes whose target is an external URL (route options)."""
    message = ctx.message
    try:
        target = resolve_target(ctx.services, ctx.route.name)
        if target.template is None:
            payload: Any = ctx.payload
        else:
            meta = {
                "source": message.source,
                "name": message.name,
                "message_id": message.message_id,
                "route": ctx.route.name,
            }
            payload = render(target.template, context_for(ctx.payload, meta))
    except ConfigError as exc:
        raise PermanentError(str(exc)) from None
    return queue_delivery(
        ctx.services,
        ctx.route.name,
        payload,
        dedupe_key(ctx.route.name, message.source, message.message_id),
        inbound_message_id=message.id,
    )
