"""The sweeper: the store, not the broker, is the source of truth (DESIGN.md §8).

Re-publishes rows left `received` (broker down at ingress), rows `queued`/`retrying`
untouched for too long (broker lost them) and rows `processing` whose worker died; a
row redelivered more than ``max_deliveries`` times is failed instead of looped.
"""

from __future__ import annotations

import logging
from typing import Any

from connector.inbound.dispatch import STALE_PROCESSING_SECONDS
from connector.runtime import Runtime
from connector.store import messages

log = logging.getLogger(__name__)


def sweep(runtime: Runtime) -> dict[str, Any]:
    config = runtime.config
    rows = messages.sweep_candidates(
        runtime.store,
        received_after=config.sweep_after_seconds,
        queued_after=config.requeue_after_seconds,
        processing_after=STALE_PROCESSING_SECONDS,
    )
    published, failed, unroutable = [], 0, 0
    for row in rows:
        if row.deliveries >= config.retry.max_deliveries:
            error = f"delivered {row.deliveries} times without finishing (worker lost?)"
            messages.finish(runtime.store, row.id, "failed", error=error)
            runtime.notifier.message_failed(
                message_id=row.id, route=row.route, error=error
            )
            failed += 1
            continue
        route = runtime.registry.route(row.route or "")
        if route is None:
            unroutable += 1
            messages.finish(
                runtime.store,
                row.id,
                "failed",
                error=f"route {row.route!r} is no longer configured",
            )
            continue
        # Mark before publishing, so a fast worker's outcome is never overwritten.
        if not messages.set_status(
            runtime.store, row.id, "queued", only_from=(row.status,)
        ):
            continue  # the row moved on meanwhile
        if not runtime.enqueue(
            runtime.registry.task_for(route), queue=route.queue, message_id=row.id
        ):
            messages.set_status(
                runtime.store, row.id, "received", only_from=("queued",)
            )
            break  # broker still down: try again next sweep
        published.append(row.id)
    if published or failed:
        log.info(
            "messages.sweep.done",
            extra={"republished": len(published), "failed": failed},
        )
    return {"republished": len(published), "failed": failed, "unroutable": unroutable}
