"""Queries of `sync_checkpoints`: the cursor of each (module, scope) and its run lease.

The lease makes a batch sync exclusive: ``acquire`` succeeds for one owner until the
lease expires or is released; the owner renews it after each batch.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update

from connector.models import SyncCheckpoint, utcnow
from connector.store.db import Store
from connector.store.upsert import insert_for


def _ensure(store: Store, module: str, scope: str) -> None:
    with store.session() as session:
        session.execute(
            insert_for(session, SyncCheckpoint.__table__)
            .values(module=module, scope=scope, cursor={}, updated_at=utcnow())
            .on_conflict_do_nothing(index_elements=["module", "scope"])
        )


def acquire(
    store: Store, module: str, scope: str, owner: str, ttl: float
) -> SyncCheckpoint | None:
    """Take the lease of (module, scope) for ``ttl`` seconds; None if someone holds it."""
    _ensure(store, module, scope)
    now = utcnow()
    with store.session() as session:
        result = session.execute(
            update(SyncCheckpoint)
            .where(SyncCheckpoint.module == module, SyncCheckpoint.scope == scope)
            .where(
                or_(
                    SyncCheckpoint.lease_owner.is_(None),
                    SyncCheckpoint.lease_expires_at < now,
                    SyncCheckpoint.lease_owner == owner,
                )
            )
            .values(
                lease_owner=owner,
                lease_expires_at=now + timedelta(seconds=ttl),
                last_started_at=now,
                updated_at=now,
            )
        )
        if not result.rowcount:  # type: ignore[attr-defined]
            return None
        return session.execute(
            select(SyncCheckpoint).where(
                SyncCheckpoint.module == module, SyncCheckpoint.scope == scope
            )
        ).scalar_one()


def save(
    store: Store,
    module: str,
    scope: str,
    owner: str,
    cursor: dict[str, Any],
    ttl: float,
) -> bool:
    """Store the cursor and renew the lease; False if the lease was lost to another run."""
    now = utcnow()
    with store.session() as session:
        result = session.execute(
            update(SyncCheckpoint)
            .where(
                SyncCheckpoint.module == module,
                SyncCheckpoint.scope == scope,
                SyncCheckpoint.lease_owner == owner,
            )
            .values(
                cursor=cursor,
                lease_expires_at=now + timedelta(seconds=ttl),
                updated_at=now,
            )
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]


def release(store: Store, module: str, scope: str, owner: str) -> None:
    with store.session() as session:
        session.execute(
            update(SyncCheckpoint)
            .where(
                SyncCheckpoint.module == module,
                SyncCheckpoint.scope == scope,
                SyncCheckpoint.lease_owner == owner,
            )
            .values(lease_owner=None, lease_expires_at=None, updated_at=utcnow())
        )


def get(store: Store, module: str, scope: str) -> SyncCheckpoint | None:
    with store.session() as session:
        return session.execute(
            select(SyncCheckpoint).where(
                SyncCheckpoint.module == module, SyncCheckpoint.scope == scope
            )
        ).scalar_one_or_none()


def last_started(store: Store, module: str, scope: str) -> datetime | None:
    row = get(store, module, scope)
    return row.last_started_at if row else None


def all_checkpoints(store: Store) -> list[SyncCheckpoint]:
    with store.session() as session:
        return list(
            session.execute(
                select(SyncCheckpoint).order_by(
                    SyncCheckpoint.module, SyncCheckpoint.scope
                )
            ).scalars()
        )


def reset(store: Store, module: str, scope: str) -> None:
    """Forget the cursor (the next run is a full one)."""
    with store.session() as session:
        session.execute(
            update(SyncCheckpoint)
            .where(SyncCheckpoint.module == module, SyncCheckpoint.scope == scope)
            .values(cursor={}, updated_at=utcnow())
        )
