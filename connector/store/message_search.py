"""Operator queries of `inbound_messages` (ops API and console): filtered listing with
keyset paging, the ids a bulk replay selects, per-hour outcome counts for the chart and
the outbound deliveries a message caused (its timeline).

Newest first by id; a page ends with the id to continue below (``before_id``), so a page
stays correct while new messages arrive.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from connector.models import InboundMessage, OutboundDelivery
from connector.store.db import Store

REPLAYABLE = ("failed", "received", "queued", "retrying")


@dataclass(frozen=True)
class MessageFilter:
    status: str | None = None
    source: str | None = None
    route: str | None = None
    since: datetime | None = None  # received_at >= since
    until: datetime | None = None  # received_at < until

    def where(self) -> list[Any]:
        clauses: list[Any] = []
        if self.status:
            clauses.append(InboundMessage.status == self.status)
        if self.source:
            clauses.append(InboundMessage.source == self.source)
        if self.route:
            clauses.append(InboundMessage.route == self.route)
        if self.since:
            clauses.append(InboundMessage.received_at >= self.since)
        if self.until:
            clauses.append(InboundMessage.received_at < self.until)
        return clauses


def page(
    store: Store, flt: MessageFilter, *, before_id: int | None = None, limit: int = 50
) -> tuple[list[InboundMessage], int | None]:
    """Up to ``limit`` rows newest first, and the cursor of the next page (or None)."""
    stmt = select(InboundMessage).where(*flt.where())
    if before_id is not None:
        stmt = stmt.where(InboundMessage.id < before_id)
    stmt = stmt.order_by(InboundMessage.id.desc()).limit(limit + 1)
    with store.session() as session:
        rows = list(session.execute(stmt).scalars())
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (rows[-1].id if more and rows else None)


def count(store: Store, flt: MessageFilter) -> int:
    stmt = select(func.count()).select_from(InboundMessage).where(*flt.where())
    with store.session() as session:
        return int(session.execute(stmt).scalar_one())


def replay_selection(
    store: Store, flt: MessageFilter, *, limit: int
) -> tuple[list[int], int]:
    """The oldest ``limit`` replayable rows matching ``flt`` (status defaults to failed)
    and how many match in all."""
    status = flt.status or "failed"
    where = [
        *MessageFilter(None, flt.source, flt.route, flt.since, flt.until).where(),
        InboundMessage.status == status,
        InboundMessage.status.in_(REPLAYABLE),
    ]
    with store.session() as session:
        total = session.execute(
            select(func.count()).select_from(InboundMessage).where(*where)
        ).scalar_one()
        ids = session.execute(
            select(InboundMessage.id)
            .where(*where)
            .order_by(InboundMessage.id)
            .limit(limit)
        ).scalars()
        return list(ids), int(total)


def _hour(store: Store) -> Any:
    if store.engine.dialect.name == "postgresql":
        return func.to_char(
            func.date_trunc("hour", func.timezone("UTC", InboundMessage.finished_at)),
            "YYYY-MM-DD HH24",
        )
    return func.strftime("%Y-%m-%d %H", InboundMessage.finished_at)


def hourly_outcomes(
    store: Store, now: datetime, hours: int = 24
) -> list[tuple[datetime, int, int]]:
    """(hour start, done, failed) for each of the last ``hours`` hours (UTC), oldest
    first, by the time a message finished; one grouped query."""
    end = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    start = end - timedelta(hours=hours)
    hour = _hour(store).label("hour")
    stmt = (
        select(hour, InboundMessage.status, func.count())
        .where(
            InboundMessage.finished_at >= start,
            InboundMessage.status.in_(("done", "failed")),
        )
        .group_by(hour, InboundMessage.status)
    )
    with store.session() as session:
        rows = session.execute(stmt).all()
    counts: dict[tuple[str, str], int] = {(h, s): int(n) for h, s, n in rows}
    buckets = []
    for i in range(hours):
        at = start + timedelta(hours=i)
        key = at.strftime("%Y-%m-%d %H")
        buckets.append(
            (at, counts.get((key, "done"), 0), counts.get((key, "failed"), 0))
        )
    return buckets


def deliveries_of(store: Store, row_id: int, limit: int = 20) -> list[OutboundDelivery]:
    """Outbound deliveries (external_out) caused by one inbound message."""
    stmt = (
        select(OutboundDelivery)
        .where(OutboundDelivery.inbound_message_id == row_id)
        .order_by(OutboundDelivery.id)
        .limit(limit)
    )
    with store.session() as session:
        return list(session.execute(stmt).scalars())
