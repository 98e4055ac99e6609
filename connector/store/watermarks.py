"""Order-status watermarks: per Fluent order, the newest status (and its ``updatedOn``)
applied to the commercetools order, so an older message never moves it backwards."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from connector.models import OrderWatermark, utcnow
from connector.store.db import Store
from connector.store.upsert import dialect_insert


@dataclass(frozen=True)
class StoredMark:
    fluent_ref: str
    ct_order_id: str | None
    status: str | None
    updated_on: str | None


def lookup(store: Store, fluent_ref: str) -> StoredMark | None:
    """The stored watermark of a Fluent order (one autocommit SELECT)."""
    table = OrderWatermark.__table__
    row: Any = store.autocommit(
        select(table.c.ct_order_id, table.c.status, table.c.fluent_updated_on).where(
            table.c.fluent_ref == fluent_ref
        ),
        {},
        lambda result: result.first(),
    )
    if row is None:
        return None
    return StoredMark(fluent_ref, row[0], row[1], row[2])


def save(store: Store, mark: StoredMark) -> None:
    """Upsert the watermark of ``mark.fluent_ref`` (one autocommit INSERT ... ON
    CONFLICT DO UPDATE: atomic, and the same result when sent twice)."""
    table = OrderWatermark.__table__
    stmt = dialect_insert(store.dialect, table).values(
        fluent_ref=mark.fluent_ref,
        ct_order_id=mark.ct_order_id,
        status=mark.status,
        fluent_updated_on=mark.updated_on,
        applied_at=utcnow(),
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=["fluent_ref"],
        set_={
            "ct_order_id": stmt.excluded.ct_order_id,
            "status": stmt.excluded.status,
            "fluent_updated_on": stmt.excluded.fluent_updated_on,
            "applied_at": stmt.excluded.applied_at,
        },
    )
    store.autocommit(stmt, {}, lambda result: result.rowcount)
