"""What failed in a time window, grouped for one summary.

Reads failed messages, sync runs and deliveries through the store (``failed_between``).
Groups by (route | module | target, error kind); the kind is the exception class at the head
of the stored error (``PermanentError: ...`` -> ``PermanentError``), else the error's
first words with digits masked. Pure grouping (``group``) is separate from the queries.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from connector.store import messages, outbox, runs
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
    msg_rows, report.totals["messages"] = messages.failed_between(
        store, since, until, limit=ROW_LIMIT
    )
    run_rows, report.totals["runs"] = runs.failed_between(
        store, since, until, limit=ROW_LIMIT
    )
    deliveries, report.totals["deliveries"] = outbox.failed_between(
        store, since, until, limit=ROW_LIMIT
    )
    report.groups = [
        *group("messages", msg_rows),
        *group("runs", run_rows),
        *group("deliveries", [(d.id, d.target, d.last_error) for d in deliveries]),
    ]
    return report
