"""``event_errors.summarize``: Fluent's FAILED events since the checkpoint -> ONE summary.

Reads ``GET /api/v4.1/event`` (``FluentClient.iter_events``) with ``eventStatus=FAILED``
for each configured ``eventType`` (default ``ORCHESTRATION_AUDIT``) in the window
[checkpoint - overlap, now] (``to`` fixed at the start, so paging is stable), drops the
event ids already reported (kept in the checkpoint for the overlap), groups the rest
(grouping.py) and sends one notification of kind ``event_errors``. The checkpoint
advances only after a channel took the summary (or nothing failed). Options
(``modules.event_errors``): ``event_types``, ``overlap_seconds`` (120),
``first_lookback_seconds`` (3600), ``max_events`` (10000 per run), ``max_groups`` (25).
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta
from typing import Any

from connector.context import Services
from connector.models import utcnow
from connector.modules.event_errors.grouping import (
    build_summary,
    group_events,
    parse_generated_on,
)
from connector.modules.event_errors.options import EventErrorsOptions
from connector.store import checkpoints
from connector.sync.windows import fluent_time

log = logging.getLogger(__name__)

MODULE = "event_errors"
LEASE_SECONDS = 600.0


def summarize(runtime: Services) -> dict[str, Any]:
    opts = EventErrorsOptions.from_section(runtime.config.options(MODULE))
    client = runtime.fluent()
    store = runtime.store
    scope = f"fluent:{client.account_id}:{client.retailer_id}"
    owner = f"event_errors:{uuid.uuid4().hex[:12]}"
    cp = checkpoints.acquire(store, MODULE, scope, owner, LEASE_SECONDS)
    if cp is None:
        return {"status": "busy"}
    try:
        cursor = cp.cursor or {}
        until = utcnow()
        last = parse_generated_on(cursor.get("since"))
        since = (
            last - timedelta(seconds=opts.overlap)
            if last
            else until - timedelta(seconds=opts.lookback)
        )
        seen = set(cursor.get("seen") or [])
        fresh: list[dict[str, Any]] = []
        times: dict[str, datetime | None] = {}
        truncated = False
        for event_type in opts.event_types:
            filters = {
                "eventType": event_type,
                "eventStatus": "FAILED",
                "from": fluent_time(since),
                "to": fluent_time(until),
            }
            for event in client.iter_events(filters, page_size=opts.page_size):
                event_id = str(event.get("id") or "")
                if not event_id or event_id in times:
                    continue
                times[event_id] = parse_generated_on(event.get("generatedOn"))
                if event_id in seen:
                    continue
                if len(fresh) >= opts.max_events:
                    truncated = True
                    continue
                fresh.append(event)
        # Ids the next run's overlap can return again: remember them, skip them then.
        edge = until - timedelta(seconds=opts.overlap)
        keep = [i for i, t in times.items() if t is None or t >= edge]
        new_cursor = {"since": until.isoformat(), "seen": keep[-5000:]}
        if not fresh:
            checkpoints.save(store, MODULE, scope, owner, new_cursor, LEASE_SECONDS)
            return {"status": "nothing", "events": 0}
        groups = group_events(fresh)
        notification = build_summary(groups, since, until, max_groups=opts.max_groups)
        if truncated:
            notification = type(notification)(
                notification.title + f" (first {opts.max_events} shown)",
                notification.lines,
                notification.kind,
                notification.total,
            )
        sent = runtime.notifier.send(notification)
        if not sent.ok:
            log.warning(
                "event_errors.summary.unsent",
                extra={"events": len(fresh), "channels": sent.failed},
            )
            return {"status": "unsent", "events": len(fresh)}
        checkpoints.save(store, MODULE, scope, owner, new_cursor, LEASE_SECONDS)
        log.info(
            "event_errors.summary.sent",
            extra={"events": len(fresh), "groups": len(groups)},
        )
        return {"status": "sent", "events": len(fresh), "groups": len(groups)}
    finally:
        checkpoints.release(store, MODULE, scope, owner)
