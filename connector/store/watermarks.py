"""Order-status watermarks: per Fluent order, the newest status (and its ``updatedOn``)
applied to the commercetools order, so an older message never moves it backwards."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam, select

from connector.models import OrderWatermark, utcnow
from connector.store import driver
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
    row = driver.run(
        store, _lookup_statement(), {"ref": fluent_ref}, lambda r: r.fetchone()
    )
    if row is None:
        return None
    return StoredMark(fluent_ref, row[0], row[1], row[2])


def save(store: Store, mark: StoredMark) -> None:
    """Upsert the watermark of ``mark.fluent_ref`` (one autocommit INSERT ... ON
    CONFLICT DO UPDATE: atomic, and the same result when sent twice)."""
    params = {
        "fluent_ref": mark.fluent_ref,
        "ct_order_id": mark.ct_order_id,
        "status": mark.status,
        "fluent_updated_on": mark.updated_on,
        "applied_at": utcnow(),
    }
    driver.run(store, _save_statement(store.dialect), params, lambda r: r.rowcount)


_TABLE: Any = OrderWatermark.__table__


@lru_cache(maxsize=1)
def _lookup_statement() -> Any:
    c = _TABLE.c
    return select(c.ct_order_id, c.status, c.fluent_updated_on).where(
        c.fluent_ref == bindparam("ref")
    )


@lru_cache(maxsize=2)
def _save_statement(dialect: str) -> Any:
    """The upsert, built once per dialect; the row's values are bound parameters."""
    stmt = dialect_insert(dialect, _TABLE)
    stmt = stmt.on_conflict_do_update(
        index_elements=["fluent_ref"],
        set_={
            "ct_order_id": stmt.excluded.ct_order_id,
            "status": stmt.excluded.status,
            "fluent_updated_on": stmt.excluded.fluent_updated_on,
            "applied_at": stmt.excluded.applied_at,
        },
    )
    return stmt
