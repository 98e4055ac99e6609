"""Queries of `entity_fingerprints`: the hash of what was last written per entity.

A batch sync compares the hash of each freshly mapped payload with the stored one and
writes only what changed. Lookups and upserts are done per batch, never per entity.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select

from connector.models import EntityFingerprint, utcnow
from connector.store.db import Store
from connector.store.upsert import insert_for

LOOKUP_CHUNK = 500


def fingerprint(payload: Any) -> str:
    """Stable SHA-256 of a JSON-serialisable payload (key order does not matter)."""
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Stored:
    source_key: str
    target_ref: str | None
    hash: str


def lookup(store: Store, module: str, keys: Iterable[str]) -> dict[str, Stored]:
    """Stored fingerprints of ``keys`` (missing keys are absent from the result)."""
    wanted = list(dict.fromkeys(keys))
    found: dict[str, Stored] = {}
    with store.session() as session:
        for start in range(0, len(wanted), LOOKUP_CHUNK):
            chunk = wanted[start : start + LOOKUP_CHUNK]
            rows = session.execute(
                select(
                    EntityFingerprint.source_key,
                    EntityFingerprint.target_ref,
                    EntityFingerprint.hash,
                ).where(
                    EntityFingerprint.module == module,
                    EntityFingerprint.source_key.in_(chunk),
                )
            ).all()
            for key, ref, digest in rows:
                found[key] = Stored(key, ref, digest)
    return found


def save(store: Store, module: str, items: Sequence[Stored]) -> None:
    """Upsert fingerprints in one transaction."""
    if not items:
        return
    now = utcnow()
    with store.session() as session:
        table = EntityFingerprint.__table__
        for start in range(0, len(items), LOOKUP_CHUNK):
            chunk = items[start : start + LOOKUP_CHUNK]
            stmt = insert_for(session, table).values(
                [
                    {
                        "module": module,
                        "source_key": item.source_key,
                        "target_ref": item.target_ref,
                        "hash": item.hash,
                        "synced_at": now,
                    }
                    for item in chunk
                ]
            )
            stmt = stmt.on_conflict_do_update(
                index_elements=["module", "source_key"],
                set_={
                    "target_ref": stmt.excluded.target_ref,
                    "hash": stmt.excluded.hash,
                    "synced_at": stmt.excluded.synced_at,
                },
            )
            session.execute(stmt)


def entries(store: Store, module: str, prefix: str | None = None) -> list[Stored]:
    """Every fingerprint of ``module`` (for small sets, e.g. a deletion sweep over
    categories: at most 10,000 per commercetools project); ``prefix`` narrows the
    source keys (``p:`` = standard products)."""
    stmt = select(
        EntityFingerprint.source_key,
        EntityFingerprint.target_ref,
        EntityFingerprint.hash,
    ).where(EntityFingerprint.module == module)
    if prefix:
        stmt = stmt.where(EntityFingerprint.source_key.startswith(prefix))
    with store.session() as session:
        rows = session.execute(stmt).all()
    return [Stored(key, ref, digest) for key, ref, digest in rows]


def count(store: Store, module: str, prefix: str | None = None) -> int:
    """How many fingerprints ``module`` has (source keys starting with ``prefix``)."""
    stmt = (
        select(func.count())
        .select_from(EntityFingerprint)
        .where(EntityFingerprint.module == module)
    )
    if prefix:
        stmt = stmt.where(EntityFingerprint.source_key.startswith(prefix))
    with store.session() as session:
        return int(session.execute(stmt).scalar_one())


def forget(store: Store, module: str, keys: Iterable[str] | None = None) -> int:
    """Drop fingerprints (all of the module when ``keys`` is None); returns the count."""
    with store.session() as session:
        stmt = delete(EntityFingerprint).where(EntityFingerprint.module == module)
        if keys is not None:
            stmt = stmt.where(EntityFingerprint.source_key.in_(list(keys)))
        return int(session.execute(stmt).rowcount)  # type: ignore[attr-defined]
