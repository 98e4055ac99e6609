"""Stage 2 of an inbound message: claim the row, run its handler, record the outcome.

Called by the ``*.handle_event`` tasks. Never raises for handler failures: it returns an
``Outcome`` telling the task whether to retry (and after how long).
"""

from __future__ import annotations

import logging
import traceback
from dataclasses import dataclass
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded

from connector.backoff import backoff_delay
from connector.clients.errors import ApiError
from connector.context import HandlerContext
from connector.errors import ConfigError, PermanentError, TransientError
from connector.fluent_connect.effective import refresh
from connector.models import InboundMessage
from connector.runtime import Runtime
from connector.store import leases, messages

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    status: str  # done | failed | retry | skipped | busy (another run holds the lease)
    retry_in: float = 0.0
    error: str | None = None
    result: dict[str, Any] | None = None


def _is_transient(exc: BaseException) -> bool:
    # the soft time limit interrupted a slow call: handlers are safe to run again
    if isinstance(exc, (TransientError, SoftTimeLimitExceeded)):
        return True
    return isinstance(exc, ApiError) and exc.transient


def process(runtime: Runtime, message_id: int) -> Outcome:
    store = runtime.store
    policy = runtime.config.retry
    row = messages.claim(store, message_id, lease=policy.lease_seconds)
    if row is None:
        # a redelivery (e.g. after its worker child died) while the row's lease is live,
        # or a duplicate (re-published by the sweeper) of a row still in its backoff:
        # look again when the lease or the backoff ends, never run it twice at once
        left = leases.lease_left(store, message_id, lease=policy.lease_seconds)
        if left is not None:
            return Outcome("busy", retry_in=left + 0.5)
        return Outcome("skipped")
    if row.deliveries > policy.max_deliveries:
        error = f"delivered {row.deliveries} times without finishing (worker lost?)"
        return _fail(runtime, row, error)
    route = runtime.registry.route(row.route or "")
    if route is None or row.handler is None:
        return _fail(runtime, row, f"route {row.route!r} is no longer configured")
    try:
        refresh(runtime)  # Fluent's connector settings under the env (cached briefly)
        handler = runtime.registry.handler(row.handler)
        keeper = runtime.caches.get(
            "inbound.lease_keeper",
            lambda: leases.LeaseKeeper(store, policy.lease_seconds),
        )
        with keeper.hold(row.id):
            result = handler(HandlerContext(runtime, row, route))
    except Exception as exc:  # classify every failure; nothing escapes unrecorded
        text = f"{type(exc).__name__}: {exc}"
        if _is_transient(exc) and row.attempts <= policy.max_retries:
            delay = backoff_delay(
                row.attempts, policy, getattr(exc, "retry_after", None)
            )
            messages.finish(store, row.id, "retrying", error=text, retry_in=delay)
            log.info(
                "message.retry",
                extra={
                    "message_row": row.id,
                    "route": row.route,
                    "attempt": row.attempts,
                    "delay": delay,
                },
            )
            return Outcome("retry", retry_in=delay, error=text)
        if not _is_transient(exc) and not isinstance(
            exc, (PermanentError, ApiError, ConfigError)
        ):
            text += "\n" + "".join(traceback.format_exception(exc, limit=-3))[-1500:]
        return _fail(runtime, row, text)
    result_dict = result if isinstance(result, dict) else None
    messages.finish(store, row.id, "done", result=result_dict)
    return Outcome("done", result=result_dict)


def _fail(runtime: Runtime, row: InboundMessage, error: str) -> Outcome:
    messages.finish(runtime.store, row.id, "failed", error=error)
    runtime.notifier.message_failed(message_id=row.id, route=row.route, error=error)
    return Outcome("failed", error=error)
