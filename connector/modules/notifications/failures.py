"""What failed in a time window, grouped for one summary (read-only queries).

Reads ``inbound_messages`` (status failed, ``finished_at`` in the window), ``sync_runs``
(status failed, ``finished_at``) and ``outbound_deliveries`` (store/outbox.py). Groups
by (route | module | target, error kind); the kind is the exception class at the head
of the stored error (``PermanentError: ...`` -> ``PermanentError``), else the error's
first words with digits masked. Pure grouping (``group``) is separate from the queries.

NOTE: the two queries of inbound_messages/sync_runs belong in connector/store
(messages.py, runs.py); they live here until those files grow a ``failed_between``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select

from connector.models import InboundMessage, SyncRun
from connector.store import outbox
from connector.store.db import Store

ROW_LIMIT = 5000
_CLASS = re.compile(r"^((?:[A-Za-z_]\w*\.)*[A-Z]\w*):\s")


def error_kind(error: str | None) -> str:
    """A short, stable name for an error text (see module docstring)."""
    if not error or not error.strip():
        return "unknown error"
    first = error.strip().splitlines()[0]
    match = _CLASS.match(first)
    if match:
        return match.group(1).rsplit(".", 1)[-1]
    masked = re.sub(r"\d+", "#", first)
    masked = re.sub(r"'[^']*'|\"[^\"]*\"", "'…'", masked)
    return masked[:60]


@dataclass
class Group:
    area: str  # messages | runs | deliveries
    key: str  # route, module or target
    kind: str
    count: int = 0
    sample_id: int | None = None
    sample: str = ""


@dataclass
class FailureReport:
    groups: list[Group] = field(default_factory=list)
    totals: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.totals.values())


def group(area: str, rows: Iterable[tuple[int, str | None, str | None]]) -> list[Group]:
    """(id, key, error) rows -> groups, biggest first."""
    groups: dict[tuple[str, str], Group] = {}
    for row_id, key, error in rows:
        name = key or "(no route)"
        kind = error_kind(error)
        item = groups.get((name, kind))
        if item is None:
            first = (error or "").strip().splitlines()[0] if error else ""
            item = groups[(name, kind)] = Group(area, name, kind, 0, row_id, first)
        item.count += 1
    return sorted(groups.values(), key=lambda g: (-g.count, g.key, g.kind))


def collect(store: Store, since: datetime, until: datetime) -> FailureReport:
    """Everything that failed in (since, until]."""
    report = FailureReport()
    msg_where = (
        InboundMessage.status == "failed",
        InboundMessage.finished_at > since,
        InboundMessage.finished_at <= until,
    )
    run_where = (
        SyncRun.status == "failed",
        SyncRun.finished_at > since,
        SyncRun.finished_at <= until,
    )
    with store.session() as session:
        report.totals["messages"] = session.execute(
            select(func.count()).select_from(InboundMessage).where(*msg_where)
        ).scalar_one()
        msg_rows = session.execute(
            select(InboundMessage.id, InboundMessage.route, InboundMessage.last_error)
            .where(*msg_where)
            .order_by(InboundMessage.finished_at)
            .limit(ROW_LIMIT)
        ).all()
        report.totals["runs"] = session.execute(
            select(func.count()).select_from(SyncRun).where(*run_where)
        ).scalar_one()
        run_rows = session.execute(
            select(SyncRun.id, SyncRun.module, SyncRun.error)
            .where(*run_where)
            .order_by(SyncRun.finished_at)
            .limit(ROW_LIMIT)
        ).all()
    deliveries, report.totals["deliveries"] = outbox.failed_between(
        store, since, until, limit=ROW_LIMIT
    )
    report.groups = [
        *group("messages", [(r[0], r[1], r[2]) for r in msg_rows]),
        *group("runs", [(r[0], r[1], r[2]) for r in run_rows]),
        *group("deliveries", [(d.id, d.target, d.last_error) for d in deliveries]),
    ]
    return report
