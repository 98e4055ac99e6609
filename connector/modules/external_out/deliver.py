"""Send outbox rows: one signed POST per attempt, backoff with jitter, bounded attempts.

``deliver_one`` claims a due row (atomically; the claim is a lease), signs the stored
payload with the target's secret (signing.py: ``v1`` HMAC-SHA256 over
``<timestamp>.<body>``; the timestamp is the time of THIS attempt) and POSTs it through
``WebhookClient`` with the SSRF policy. 2xx -> delivered. Timeouts, 408/425/429 and 5xx
-> pending again after ``backoff_base * 2^(attempt-1)`` (capped, full jitter, never
below Retry-After) until ``max_attempts``; then, or on any other error (4xx, refused
address, missing secret) -> failed, which the notification flush reports.
``deliver_due`` (beat) fans the due rows out as one task each.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from dataclasses import dataclass
from typing import Any

from connector import signing
from connector.backoff import backoff_delay
from connector.clients.errors import ApiError
from connector.clients.webhook import AddressPolicy, WebhookClient
from connector.context import Caches, Services
from connector.errors import ConfigError
from connector.modules.external_out.options import module_settings, resolve_target
from connector.modules.external_out.service import DELIVER_TASK
from connector.store import outbox

log = logging.getLogger(__name__)

LEASE_MARGIN_SECONDS = 30.0
CLAIM_GRACE_SECONDS = 0.5
USER_AGENT = "ct-fluent-connector/external_out"

_clients_lock = threading.Lock()


def client_for(caches: Caches, policy: AddressPolicy) -> WebhookClient:
    """One client (connection pool) per policy, kept in the services' caches."""
    clients: dict[AddressPolicy, WebhookClient] = caches.get(
        "external_out.clients", dict
    )
    with _clients_lock:
        if policy not in clients:
            clients[policy] = WebhookClient(policy=policy)
        return clients[policy]


@dataclass(frozen=True)
class Attempt:
    status: str  # delivered | retry | failed | skipped
    retry_in: float = 0.0
    error: str | None = None


def body_bytes(payload: Any) -> bytes:
    """The exact bytes that are signed and sent (compact, sorted keys, UTF-8)."""
    return json.dumps(
        payload, separators=(",", ":"), sort_keys=True, ensure_ascii=False
    ).encode("utf-8")


def deliver_one(runtime: Services, delivery_id: int) -> Attempt:
    store = runtime.store
    settings = module_settings(runtime)
    lease = settings.timeout_seconds + LEASE_MARGIN_SECONDS
    row = outbox.claim(
        store, delivery_id, lease_seconds=lease, grace=CLAIM_GRACE_SECONDS
    )
    if row is None:
        return Attempt("skipped")
    extra = {"delivery_id": row.id, "target": row.target, "attempt": row.attempts}
    try:
        target = resolve_target(runtime, row.target)
        secrets = target.secrets()
    except ConfigError as exc:
        return _give_up(runtime, row.id, f"ConfigError: {exc}", None, extra)
    body = body_bytes(row.payload)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        **target.headers,
        signing.DELIVERY_HEADER: hashlib.sha256(row.dedupe_key.encode()).hexdigest()[
            :32
        ],
        **signing.sign(secrets, body),
    }
    try:
        result = client_for(runtime.caches, settings.policy).post(
            row.url, data=body, headers=headers, timeout=target.timeout_seconds
        )
    except ApiError as exc:
        error = f"{type(exc).__name__}: {exc}"
        if exc.transient and row.attempts < target.max_attempts:
            delay = backoff_delay(row.attempts, settings.backoff, exc.retry_after)
            outbox.reschedule(
                store, row.id, delay=delay, error=error, response_status=exc.status
            )
            log.info(
                "external_out.delivery.retry",
                extra={**extra, "delay": round(delay, 3), "status": exc.status},
            )
            return Attempt("retry", retry_in=delay, error=error)
        return _give_up(runtime, row.id, error, exc.status, extra)
    outbox.mark_delivered(store, row.id, result.status)
    log.info(
        "external_out.delivery.delivered", extra={**extra, "status": result.status}
    )
    return Attempt("delivered")


def _give_up(
    runtime: Services,
    delivery_id: int,
    error: str,
    status: int | None,
    extra: dict[str, Any],
) -> Attempt:
    outbox.mark_failed(runtime.store, delivery_id, error=error, response_status=status)
    log.error("external_out.delivery.failed", extra={**extra, "status": status})
    return Attempt("failed", error=error)


def deliver_due(runtime: Services) -> dict[str, Any]:
    """Enqueue one attempt per due row (beat safety net and retry clock)."""
    settings = module_settings(runtime)
    ids = outbox.due_ids(runtime.store, limit=settings.batch_size)
    published = 0
    for delivery_id in ids:
        if not runtime.enqueue(DELIVER_TASK, queue="default", delivery_id=delivery_id):
            break
        published += 1
    return {"due": len(ids), "enqueued": published}
