"""Queries of `sync_runs`: one row per batch sync run with its counts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update

from connector.models import SyncRun, utcnow
from connector.store.db import Store


def start(
    store: Store,
    module: str,
    scope: str,
    *,
    trigger: str,
    full: bool,
    dry_run: bool,
    app_version: str,
    status: str = "running",
) -> int:
    with store.session() as session:
        run = SyncRun(
            module=module,
            scope=scope,
            trigger=trigger,
            full=full,
            dry_run=dry_run,
            status=status,
            counts={},
            app_version=app_version,
            started_at=utcnow(),
        )
        session.add(run)
        session.flush()
        return run.id


def mark_running(store: Store, run_id: int, scope: str) -> None:
    """A `pending` run (created by the jobs API) starts now."""
    with store.session() as session:
        session.execute(
            update(SyncRun)
            .where(SyncRun.id == run_id)
            .values(status="running", scope=scope, started_at=utcnow())
        )


def update_counts(store: Store, run_id: int, counts: dict[str, Any]) -> None:
    with store.session() as session:
        session.execute(
            update(SyncRun).where(SyncRun.id == run_id).values(counts=counts)
        )


def finish(
    store: Store,
    run_id: int,
    status: str,
    counts: dict[str, Any],
    error: str | None = None,
) -> None:
    with store.session() as session:
        session.execute(
            update(SyncRun)
            .where(SyncRun.id == run_id)
            .values(status=status, counts=counts, error=error, finished_at=utcnow())
        )


def get(store: Store, run_id: int) -> SyncRun | None:
    with store.session() as session:
        return session.get(SyncRun, run_id)


def latest_per_module(store: Store) -> list[SyncRun]:
    """The newest run of each (module, scope)."""
    with store.session() as session:
        newest = (
            select(func.max(SyncRun.id))
            .group_by(SyncRun.module, SyncRun.scope)
            .subquery()
        )
        return list(
            session.execute(
                select(SyncRun)
                .where(SyncRun.id.in_(select(newest)))
                .order_by(SyncRun.module)
            ).scalars()
        )


def recent(store: Store, module: str | None = None, limit: int = 20) -> list[SyncRun]:
    stmt = select(SyncRun).order_by(SyncRun.id.desc()).limit(limit)
    if module:
        stmt = stmt.where(SyncRun.module == module)
    with store.session() as session:
        return list(session.execute(stmt).scalars())


def failed_between(
    store: Store, since: datetime, until: datetime, *, limit: int = 5000
) -> tuple[list[tuple[int, str, str | None]], int]:
    """Runs that failed in (since, until]: up to ``limit`` (id, module, error) rows,
    oldest first, and the total count."""
    where = (
        SyncRun.status == "failed",
        SyncRun.finished_at > since,
        SyncRun.finished_at <= until,
    )
    with store.session() as session:
        total = session.execute(
            select(func.count()).select_from(SyncRun).where(*where)
        ).scalar_one()
        rows = session.execute(
            select(SyncRun.id, SyncRun.module, SyncRun.error)
            .where(*where)
            .order_by(SyncRun.finished_at)
            .limit(limit)
        ).all()
    return [(r[0], r[1], r[2]) for r in rows], int(total)


def page(
    store: Store,
    *,
    module: str | None = None,
    status: str | None = None,
    before_id: int | None = None,
    limit: int = 50,
) -> tuple[list[SyncRun], int | None]:
    """Runs newest first (optionally of one module / status) and the next page's cursor."""
    stmt = select(SyncRun).order_by(SyncRun.id.desc()).limit(limit + 1)
    if module:
        stmt = stmt.where(SyncRun.module == module)
    if status:
        stmt = stmt.where(SyncRun.status == status)
    if before_id is not None:
        stmt = stmt.where(SyncRun.id < before_id)
    with store.session() as session:
        rows = list(session.execute(stmt).scalars())
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (rows[-1].id if more and rows else None)
