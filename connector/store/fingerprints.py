"""Queries of `entity_fingerprints`: the hash of what was last written per entity.

A batch sync compares the hash of each freshly mapped payload with the stored one and
writes only what changed. Lookups and upserts are done per batch, never per entity.

On PostgreSQL both send the keys (rows) as one JSON array parameter: ``source_key =
ANY(ARRAY(SELECT json_array_elements_text(...)))`` and one ``INSERT ... SELECT FROM
json_array_elements(...) ON CONFLICT`` per call. The statement text is the same for
every call (psycopg parses and caches it once; an ``IN`` list of 500 placeholders was
re-parsed on every call and rendered by SQLAlchemy per key), a save of 2,000 rows is
one statement, not 2,000 executions, and the parameter is made by orjson (psycopg
dumps a Python list as an array element by element in Python: 6x slower than the C
JSON encoder, itself ~5x slower than orjson); the lookup's rows come from psycopg's
``fetchall`` (SQLAlchemy's per-row result processing cost a third of its CPU).
SQLite keeps the portable ``IN`` lists and executemany upserts.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import delete, func, select, text

from connector.models import EntityFingerprint, utcnow
from connector.store.db import Store
from connector.store.upsert import insert_for

LOOKUP_CHUNK = 500  # keys per IN list (SQLite)
ARRAY_CHUNK = 5000  # keys per JSON array parameter (PostgreSQL)
ENTRIES_PAGE = 5000
ANALYZE_FIRST = 5000  # fingerprints upserted before the first ANALYZE
_analyze_lock = threading.Lock()


def fingerprint(payload: Any) -> str:
    """Stable SHA-256 of a JSON-serialisable payload (key order does not matter)."""
    return hashlib.sha256(canonical(payload)).hexdigest()


def canonical_json(payload: Any) -> bytes:
    """The canonical text the stored hashes were made of: sorted keys, no spaces,
    ASCII only, ``str()`` of what JSON has no type for."""
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return text.encode("ascii")


_ORJSON = (
    orjson.OPT_SORT_KEYS
    | orjson.OPT_PASSTHROUGH_DATETIME
    | orjson.OPT_PASSTHROUGH_DATACLASS
    | orjson.OPT_PASSTHROUGH_SUBCLASS
)
# where orjson's text differs from json.dumps': ``null`` (also NaN and Infinity), floats
# below 1e-4 in fixed notation (json: 1e-05), one-digit negative exponents (json: e-06)
_SHORT_EXPONENT = re.compile(rb"e-[1-9](?![0-9])")
_NOT_ASCII = re.compile("[\x7f-\U0010ffff]")


def _ascii_escape(match: re.Match[str]) -> str:
    """``json.dumps``' escape of a character (``ensure_ascii``: ``\\uXXXX``, lower-case
    hex, a surrogate pair above U+FFFF)."""
    code = ord(match.group())
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 | (code >> 10):04x}\\u{0xDC00 | (code & 0x3FF):04x}"


def canonical(payload: Any) -> bytes:
    """``canonical_json(payload)``, made by orjson (6x faster) when it gives the same
    bytes, so hashes stored by earlier versions still match.

    orjson (sorted keys, compact) writes JSON data the way ``json.dumps`` does except:
    non-ASCII characters and DEL as UTF-8 (json: ``\\uXXXX`` escapes; re-escaped here,
    only when present), NaN/Infinity (orjson: ``null``), floats below 1e-4 (fixed
    notation) and one-digit negative exponents (``e-6``; json: ``e-06``): the text
    ``null``, ``.0000`` or ``e-<digit>`` anywhere sends the payload to ``json.dumps``
    (a string holding it too, which only costs time). Types beyond JSON's (datetimes, dataclasses, subclasses of str/int/dict/list,
    Decimal, bytes...) make orjson raise here (no ``default``) and go to
    ``json.dumps`` and its ``str()``. orjson serialises a plain ``enum.Enum`` member by
    value where json writes ``str(member)``: payloads are JSON data (decoded API answers
    and mapped strings and numbers; an Enum could not be sent to the APIs either).
    tests/unit/test_fingerprints.py compares both on generated payloads.
    """
    try:
        out = orjson.dumps(payload, option=_ORJSON)
    except TypeError:  # orjson.JSONEncodeError: a type or value orjson leaves to json
        return canonical_json(payload)
    if (
        b"null" in out
        or b".0000" in out
        or (b"e-" in out and _SHORT_EXPONENT.search(out) is not None)
    ):
        return canonical_json(payload)
    if not out.isascii() or b"\x7f" in out:
        text = _NOT_ASCII.sub(_ascii_escape, out.decode("utf-8"))
        return text.encode("ascii")
    return out


@dataclass(frozen=True)
class Stored:
    source_key: str
    target_ref: str | None
    hash: str


def lookup(store: Store, module: str, keys: Iterable[str]) -> dict[str, Stored]:
    """Stored fingerprints of ``keys`` (missing keys are absent from the result)."""
    wanted = list(dict.fromkeys(keys))
    found: dict[str, Stored] = {}
    if not wanted:
        return found
    with store.session() as session:
        if session.get_bind().dialect.name == "postgresql":
            connection = session.connection()
            for start in range(0, len(wanted), ARRAY_CHUNK):
                keys_json = _json_text(wanted[start : start + ARRAY_CHUNK])
                rows = connection.exec_driver_sql(
                    _PG_LOOKUP, {"module": module, "keys": keys_json}
                ).fetchall()
                for key, ref, digest in rows:
                    found[key] = Stored(key, ref, digest)
            return found
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


# run as the driver's own statement (``exec_driver_sql``, psycopg's parameter style)
_PG_LOOKUP = (
    "SELECT source_key, target_ref, hash FROM entity_fingerprints "
    "WHERE module = %(module)s AND source_key = "
    "ANY(ARRAY(SELECT json_array_elements_text(CAST(%(keys)s AS json))))"
)


def _json_text(value: Any) -> str:
    """A JSON array parameter (strings, None): orjson's text, or json's for what
    orjson refuses (a lone surrogate). PostgreSQL reads the same values from both."""
    try:
        return orjson.dumps(value).decode()
    except TypeError:  # orjson.JSONEncodeError
        return json.dumps(value)


# One statement per save: the rows as a JSON array of [key, ref, hash]. A key given
# twice keeps its last row (``save`` dedupes first: ON CONFLICT cannot update one row
# twice in one statement).
_PG_SAVE = text(
    "INSERT INTO entity_fingerprints (module, source_key, target_ref, hash, synced_at) "
    "SELECT :module, r->>0, r->>1, r->>2, :now "
    "FROM json_array_elements(CAST(:rows AS json)) AS r "
    "ON CONFLICT (module, source_key) DO UPDATE SET target_ref = EXCLUDED.target_ref, "
    "hash = EXCLUDED.hash, synced_at = EXCLUDED.synced_at"
)


def _upsert(session: Any) -> Any:
    """INSERT ... ON CONFLICT (module, source_key) DO UPDATE with bound parameters,
    built once per dialect: executed with a list of rows it is compiled once (SQLAlchemy
    caches it) and sent as an executemany / insertmanyvalues, where ``.values(rows)``
    would compile 5 parameters per row on every call."""
    table = EntityFingerprint.__table__
    stmt = insert_for(session, table)
    return stmt.on_conflict_do_update(
        index_elements=["module", "source_key"],
        set_={
            "target_ref": stmt.excluded.target_ref,
            "hash": stmt.excluded.hash,
            "synced_at": stmt.excluded.synced_at,
        },
    )


_UPSERTS: dict[str, Any] = {}


def save(store: Store, module: str, items: Sequence[Stored]) -> None:
    """Upsert fingerprints in one transaction (a key given twice: the last one)."""
    if not items:
        return
    now = utcnow()
    with store.session() as session:
        dialect = session.get_bind().dialect.name
        if dialect == "postgresql":
            rows = list({item.source_key: item for item in items}.values())
            for start in range(0, len(rows), ARRAY_CHUNK):
                chunk = _json_text(
                    [
                        (item.source_key, item.target_ref, item.hash)
                        for item in rows[start : start + ARRAY_CHUNK]
                    ]
                )
                session.execute(_PG_SAVE, {"module": module, "now": now, "rows": chunk})
            if _stale_statistics(store, len(rows)):
                session.execute(text("ANALYZE entity_fingerprints"))
            return
        stmt = _UPSERTS.get(dialect)
        if stmt is None:
            stmt = _UPSERTS[dialect] = _upsert(session)
        for start in range(0, len(items), LOOKUP_CHUNK):
            session.execute(
                stmt,
                [
                    {
                        "module": module,
                        "source_key": item.source_key,
                        "target_ref": item.target_ref,
                        "hash": item.hash,
                        "synced_at": now,
                    }
                    for item in items[start : start + LOOKUP_CHUNK]
                ],
            )


def _stale_statistics(store: Store, written: int) -> bool:
    """True when this process has upserted as many fingerprints since the last
    ANALYZE as before it (from ``ANALYZE_FIRST`` on: a geometric series, so a run of
    400,000 entities analyzes ~7 times). A big sync fills the table much faster than
    autovacuum (shared by every database of the server) refreshes its statistics; with
    statistics of a nearly empty table PostgreSQL answers ``module = ... AND
    source_key IN (500 keys)`` by filtering every row of the module (40 ms per lookup
    at 200,000 rows, 2 ms with fresh statistics)."""
    with _analyze_lock:
        seen = getattr(store, "_fingerprints_written", (0, ANALYZE_FIRST))
        total, next_at = seen[0] + written, seen[1]
        due = total >= next_at
        store._fingerprints_written = (  # type: ignore[attr-defined]
            total,
            max(next_at, 2 * total) if due else next_at,
        )
    return due


def entries(
    store: Store, module: str, prefix: str | None = None, page: int = ENTRIES_PAGE
) -> Iterator[Stored]:
    """Every fingerprint of ``module`` in ``source_key`` order (``prefix`` narrows the
    source keys: ``p:`` = standard products), read ``page`` rows per query (keyset
    pages), so a full run's deletion sweep over 100,000 products holds one page."""
    after: str | None = None
    while True:
        stmt = (
            select(
                EntityFingerprint.source_key,
                EntityFingerprint.target_ref,
                EntityFingerprint.hash,
            )
            .where(EntityFingerprint.module == module)
            .order_by(EntityFingerprint.source_key)
            .limit(page)
        )
        if prefix:
            stmt = stmt.where(EntityFingerprint.source_key.startswith(prefix))
        if after is not None:
            stmt = stmt.where(EntityFingerprint.source_key > after)
        with store.session() as session:
            rows = session.execute(stmt).all()
        for key, ref, digest in rows:
            yield Stored(key, ref, digest)
        if len(rows) < page:
            return
        after = rows[-1][0]


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
