"""``notifications.flush``: one grouped summary of everything that failed since the
last flush.

The store is the buffer. Each run takes the checkpoint lease of
("notifications", "failures"), reads the window (checkpoint, now - settle] (first run:
the last ``first_lookback_seconds``), groups the failures (failures.py) and sends ONE
notification of kind ``failures``. The checkpoint moves to the window's end only when
the summary was taken by at least one channel (or there is nothing to send, or no
channel is configured), so a Slack outage delays the summary instead of losing it.
Options (YAML ``notifications``): ``settle_seconds`` (default 2: rows committed late
are not skipped), ``first_lookback_seconds`` (3600), ``max_groups`` (25),
``include_samples`` (true: one shortened error text per group).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from connector.context import Services
from connector.models import utcnow
from connector.modules.notifications.failures import FailureReport, collect
from connector.notify import Notification
from connector.store import checkpoints

log = logging.getLogger(__name__)

MODULE = "notifications"
SCOPE = "failures"
LEASE_SECONDS = 300.0
AREA_TITLES = {
    "messages": "Failed messages (route · error × count)",
    "runs": "Failed sync runs (module · error × count)",
    "deliveries": "Failed outbound deliveries (target · error × count)",
}


def options(runtime: Services) -> Mapping[str, Any]:
    section = runtime.config.extra.get("notifications")
    return section if isinstance(section, Mapping) else {}


def build_notification(
    report: FailureReport,
    since: datetime,
    until: datetime,
    *,
    max_groups: int = 25,
    include_samples: bool = True,
) -> Notification:
    """The summary text (pure: tested without a store)."""
    totals = report.totals
    parts = [
        f"{totals[a]} {label}"
        for a, label in (
            ("messages", "messages"),
            ("runs", "sync runs"),
            ("deliveries", "deliveries"),
        )
        if totals.get(a)
    ]
    title = (
        f"Connector: {', '.join(parts)} failed between "
        f"{since:%Y-%m-%d %H:%M:%S} and {until:%H:%M:%S} UTC"
    )
    lines: list[str] = []
    shown = 0
    for area in ("messages", "runs", "deliveries"):
        groups = [g for g in report.groups if g.area == area]
        if not groups:
            continue
        lines.append(AREA_TITLES[area])
        for item in groups:
            if shown >= max_groups:
                break
            shown += 1
            line = f"  {item.key} · {item.kind} × {item.count}"
            if include_samples and item.sample:
                line += f" (e.g. #{item.sample_id}: {item.sample[:120]})"
            lines.append(line)
    hidden = len(report.groups) - shown
    if hidden > 0:
        lines.append(f"… and {hidden} more groups")
    if totals.get("messages"):
        lines.append("Replay: connector messages replay --route <route>")
    return Notification(title, tuple(lines), "failures", report.total)


def _parse(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def flush(runtime: Services) -> dict[str, Any]:
    """Send one summary of new failures; returns what happened (small dict)."""
    opts = options(runtime)
    store = runtime.store
    owner = f"flush:{uuid.uuid4().hex[:12]}"
    cp = checkpoints.acquire(store, MODULE, SCOPE, owner, LEASE_SECONDS)
    if cp is None:
        return {"status": "busy"}
    try:
        until = utcnow() - timedelta(seconds=float(opts.get("settle_seconds", 2.0)))
        since = _parse((cp.cursor or {}).get("since")) or until - timedelta(
            seconds=float(opts.get("first_lookback_seconds", 3600))
        )
        if until <= since:
            return {"status": "nothing", "failures": 0}
        report = collect(store, since, until)
        if report.total == 0:
            checkpoints.save(
                store, MODULE, SCOPE, owner, {"since": until.isoformat()}, LEASE_SECONDS
            )
            return {"status": "nothing", "failures": 0}
        notification = build_notification(
            report,
            since,
            until,
            max_groups=int(opts.get("max_groups", 25)),
            include_samples=bool(opts.get("include_samples", True)),
        )
        sent = runtime.notifier.send(notification)
        if not sent.ok:
            log.warning(
                "notifications.flush.unsent",
                extra={"failures": report.total, "channels": sent.failed},
            )
            return {"status": "unsent", "failures": report.total}
        checkpoints.save(
            store, MODULE, SCOPE, owner, {"since": until.isoformat()}, LEASE_SECONDS
        )
        log.info(
            "notifications.flush.sent",
            extra={"failures": report.total, "groups": len(report.groups)},
        )
        return {
            "status": "sent",
            "failures": report.total,
            "groups": len(report.groups),
            "channels": sent.sent,
        }
    finally:
        checkpoints.release(store, MODULE, SCOPE, owner)
