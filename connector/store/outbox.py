"""Queries of `outbound_deliveries`: the external_out outbox.

Row life: ``pending`` (``next_attempt_at`` = when it is due) -> ``delivered`` or
``failed``. A delivery is claimed atomically (due, still pending): the claim bumps
``attempts`` and pushes ``next_attempt_at`` out by a lease, so two workers never send
the same row at once and a worker that dies mid-send leaves a row that is due again
after the lease. For a ``failed`` row ``next_attempt_at`` holds the time it failed
(nothing is due any more): the notification flush reads failures by that time.
``dedupe_key`` is unique: inserting the same key twice keeps the first row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update

from connector.models import OutboundDelivery, utcnow
from connector.store.db import Store
from connector.store.upsert import insert_for

MAX_ERROR_CHARS = 2000


def insert(
    store: Store,
    *,
    target: str,
    url: str,
    dedupe_key: str,
    payload: dict[str, Any],
    inbound_message_id: int | None = None,
) -> tuple[int, bool]:
    """Add a pending delivery; returns (row id, created). An existing key wins."""
    now = utcnow()
    with store.session() as session:
        row_id = session.execute(
            insert_for(session, OutboundDelivery.__table__)
            .values(
                target=target[:200],
                url=url,
                dedupe_key=dedupe_key[:255],
                payload=payload,
                status="pending",
                attempts=0,
                inbound_message_id=inbound_message_id,
                created_at=now,
                next_attempt_at=now,
            )
            .on_conflict_do_nothing(index_elements=["dedupe_key"])
            .returning(OutboundDelivery.id)
        ).scalar_one_or_none()
        if row_id is not None:
            return row_id, True
        existing = session.execute(
            select(OutboundDelivery.id).where(
                OutboundDelivery.dedupe_key == dedupe_key[:255]
            )
        ).scalar_one()
        return existing, False


def claim(
    store: Store, delivery_id: int, *, lease_seconds: float, grace: float = 0.0
) -> OutboundDelivery | None:
    """Take a due pending row for one attempt; None if not due, done or taken."""
    now = utcnow()
    with store.session() as session:
        result = session.execute(
            update(OutboundDelivery)
            .where(
                OutboundDelivery.id == delivery_id,
                OutboundDelivery.status == "pending",
                OutboundDelivery.next_attempt_at <= now + timedelta(seconds=grace),
            )
            .values(
                attempts=OutboundDelivery.attempts + 1,
                next_attempt_at=now + timedelta(seconds=lease_seconds),
            )
        )
        if not result.rowcount:  # type: ignore[attr-defined]
            return None
        return session.get(OutboundDelivery, delivery_id)


def due_ids(store: Store, *, limit: int = 100) -> list[int]:
    """Pending rows whose next attempt is due, oldest first."""
    with store.session() as session:
        return list(
            session.execute(
                select(OutboundDelivery.id)
                .where(
                    OutboundDelivery.status == "pending",
                    OutboundDelivery.next_attempt_at <= utcnow(),
                )
                .order_by(OutboundDelivery.next_attempt_at, OutboundDelivery.id)
                .limit(limit)
            ).scalars()
        )


def _set(store: Store, delivery_id: int, **values: Any) -> None:
    if values.get("last_error"):
        values["last_error"] = values["last_error"][:MAX_ERROR_CHARS]
    with store.session() as session:
        session.execute(
            update(OutboundDelivery)
            .where(OutboundDelivery.id == delivery_id)
            .values(**values)
        )


def mark_delivered(store: Store, delivery_id: int, response_status: int) -> None:
    _set(
        store,
        delivery_id,
        status="delivered",
        response_status=response_status,
        delivered_at=utcnow(),
        next_attempt_at=None,
    )


def reschedule(
    store: Store,
    delivery_id: int,
    *,
    delay: float,
    error: str,
    response_status: int | None,
) -> datetime:
    """Keep the row pending, due again after ``delay`` seconds; returns that time."""
    due = utcnow() + timedelta(seconds=delay)
    _set(
        store,
        delivery_id,
        next_attempt_at=due,
        last_error=error,
        response_status=response_status,
    )
    return due


def mark_failed(
    store: Store, delivery_id: int, *, error: str, response_status: int | None
) -> None:
    """Give up on a row; ``next_attempt_at`` records when (see module docstring)."""
    _set(
        store,
        delivery_id,
        status="failed",
        last_error=error,
        response_status=response_status,
        next_attempt_at=utcnow(),
    )


def get(store: Store, delivery_id: int) -> OutboundDelivery | None:
    with store.session() as session:
        return session.get(OutboundDelivery, delivery_id)


@dataclass(frozen=True)
class TargetStatus:
    """Per-target detail for ``connector status``."""

    target: str
    counts: dict[str, int]
    oldest_pending_at: datetime | None
    last_error: str | None


def status_by_target(store: Store) -> list[TargetStatus]:
    with store.session() as session:
        rows = session.execute(
            select(
                OutboundDelivery.target, OutboundDelivery.status, func.count()
            ).group_by(OutboundDelivery.target, OutboundDelivery.status)
        ).all()
        oldest = dict(
            session.execute(
                select(OutboundDelivery.target, func.min(OutboundDelivery.created_at))
                .where(OutboundDelivery.status == "pending")
                .group_by(OutboundDelivery.target)
            ).all()
        )
        errors: dict[str, str | None] = {}
        for target in {r[0] for r in rows}:
            errors[target] = session.execute(
                select(OutboundDelivery.last_error)
                .where(
                    OutboundDelivery.target == target,
                    OutboundDelivery.last_error.is_not(None),
                )
                .order_by(OutboundDelivery.id.desc())
                .limit(1)
            ).scalar_one_or_none()
    counts: dict[str, dict[str, int]] = {}
    for target, status, count in rows:
        counts.setdefault(target, {})[status] = count
    return [
        TargetStatus(t, counts[t], oldest.get(t), errors.get(t)) for t in sorted(counts)
    ]


def failed_between(
    store: Store, since: datetime, until: datetime, *, limit: int = 5000
) -> tuple[list[OutboundDelivery], int]:
    """Rows that failed in (since, until]: up to ``limit`` rows, and the total count."""
    where = (
        OutboundDelivery.status == "failed",
        OutboundDelivery.next_attempt_at > since,
        OutboundDelivery.next_attempt_at <= until,
    )
    with store.session() as session:
        total = session.execute(
            select(func.count()).select_from(OutboundDelivery).where(*where)
        ).scalar_one()
        rows = list(
            session.execute(
                select(OutboundDelivery)
                .where(*where)
                .order_by(OutboundDelivery.next_attempt_at)
                .limit(limit)
            ).scalars()
        )
    return rows, int(total)
