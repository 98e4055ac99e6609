"""Order-status watermarks: per Fluent order, the newest status (and its ``updatedOn``)
applied to the commercetools order, so an older message never moves it backwards."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from connector.models import OrderWatermark, utcnow
from connector.store.db import Store
from connector.store.upsert import insert_for


@dataclass(frozen=True)
class StoredMark:
    fluent_ref: str
    ct_order_id: str | None
    status: str | None
    updated_on: str | None


def lookup(store: Store, fluent_ref: str) -> StoredMark | None:
    with store.session() as session:
        row = session.execute(
            select(
                OrderWatermark.ct_order_id,
                OrderWatermark.status,
                OrderWatermark.fluent_updated_on,
            ).where(OrderWatermark.fluent_ref == fluent_ref)
        ).first()
    if row is None:
        return None
    return StoredMark(fluent_ref, row[0], row[1], row[2])


def save(store: Store, mark: StoredMark) -> None:
    """Upsert the watermark of ``mark.fluent_ref``."""
    with store.session() as session:
        stmt = insert_for(session, OrderWatermark.__table__).values(
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
        session.execute(stmt)
