"""The sweeper: the store, not the broker, is the source of truth (DESIGN.md §8).

Re-publishes rows left `received` (broker down at ingress), rows `queued`/`retrying`
untouched for too long (broker lost them) and rows `processing` whose lease expired
(their worker died); a row redelivered more than ``max_deliveries`` times is failed
instead of looped.

A Redis broker that restarted without its data is detected by its epoch key (set by the
sweeper; gone after such a restart): then every `queued`/`retrying` row is re-published
at once instead of after ``requeue_after_seconds``. RabbitMQ (durable quorum queues) and
the embedded broker keep their messages, so they need no epoch.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from connector.models import utcnow
from connector.runtime import Runtime
from connector.store import messages

log = logging.getLogger(__name__)


EPOCH_KEY = "connector:broker-epoch"
BATCH = 500  # rows per sweep query


def broker_lost_messages(runtime: Runtime) -> bool:
    """True when a Redis broker has no epoch key: it (re)started empty (or this is the
    first sweep ever). Sets a new epoch. False for other brokers or when unreachable."""
    config = runtime.config
    if config.embedded_broker or not config.broker_url.startswith(("redis", "rediss")):
        return False
    import redis

    try:
        client = redis.Redis.from_url(
            config.broker_url, socket_timeout=3, socket_connect_timeout=3
        )
        try:
            created = client.set(
                config.redis_key_prefix + EPOCH_KEY, uuid.uuid4().hex, nx=True
            )
        finally:
            client.close()
    except redis.RedisError as exc:
        log.warning("broker.epoch.unreadable", extra={"error": str(exc)[:200]})
        return False
    if created:
        log.warning("broker.epoch.new", extra={"requeue": "all queued rows"})
    return bool(created)


def sweep(runtime: Runtime) -> dict[str, Any]:
    config = runtime.config
    # a broker that lost its data: every row queued before now is re-published (in
    # batches until none is left); duplicates of rows the new broker holds are harmless
    # (the claim is atomic, a finished row is skipped)
    lost_at = utcnow() if broker_lost_messages(runtime) else None
    totals = {"republished": 0, "failed": 0, "unroutable": 0}
    while True:
        queued_after = config.requeue_after_seconds
        if lost_at is not None:
            queued_after = max(0.0, (utcnow() - lost_at).total_seconds())
        rows = messages.sweep_candidates(
            runtime.store,
            received_after=config.sweep_after_seconds,
            queued_after=queued_after,
            processing_after=config.retry.lease_seconds,
            limit=BATCH,
        )
        result, broker_down = _republish(runtime, rows)
        for key, value in result.items():
            totals[key] += value
        if lost_at is None or broker_down or len(rows) < BATCH:
            break
    if totals["republished"] or totals["failed"]:
        log.info("messages.sweep.done", extra=totals)
    return totals


def _republish(runtime: Runtime, rows: list[Any]) -> tuple[dict[str, int], bool]:
    config = runtime.config
    published, failed, unroutable = 0, 0, 0
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
            return _counts(published, failed, unroutable), True  # next sweep
        published += 1
    return _counts(published, failed, unroutable), False


def _counts(published: int, failed: int, unroutable: int) -> dict[str, int]:
    return {"republished": published, "failed": failed, "unroutable": unroutable}
