"""Queries of `inbound_messages`: record, claim, finish, sweep, list and replay.

Status machine: received (stored, not yet on the broker) -> queued (published) ->
processing (claimed by a worker) -> done | failed; retrying (waiting for a backoff);
ignored (no route). A row is claimed atomically, so two deliveries of the same task
never run the handler concurrently.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from psycopg.types.json import Jsonb
from sqlalchemy import Table, and_, bindparam, func, literal, or_, select, text, update
from sqlalchemy.dialects import postgresql, sqlite

from connector.models import InboundMessage, utcnow
from connector.store import driver
from connector.store.db import Store

CLAIMABLE = ("received", "queued", "retrying")
STATUSES = ("received", "queued", "processing", "retrying", "done", "failed", "ignored")
MAX_ERROR_CHARS = 4000


@dataclass(frozen=True)
class NewMessage:
    source: str
    message_id: str
    name: str
    payload: dict[str, Any]
    resource_type: str | None = None
    resource_id: str | None = None
    route: str | None = None
    handler: str | None = None
    status: str = "queued"


def _insert_statement(store: Store) -> Any:
    """INSERT ... ON CONFLICT (source, message_id) DO NOTHING RETURNING id, built once."""
    cached = getattr(store, "_inbound_insert", None)
    if cached is None:
        dialect = store.engine.dialect.name
        module = postgresql if dialect == "postgresql" else sqlite
        cached = (
            module.insert(InboundMessage.__table__)
            .on_conflict_do_nothing(index_elements=["source", "message_id"])
            .returning(InboundMessage.id)
        )
        store._inbound_insert = cached  # type: ignore[attr-defined]
    return cached


def _row(msg: NewMessage, now: datetime) -> dict[str, Any]:
    return {
        "source": msg.source,
        "message_id": msg.message_id[:255],
        "name": msg.name[:255],
        "resource_type": msg.resource_type,
        "resource_id": msg.resource_id,
        "route": msg.route,
        "handler": msg.handler,
        "status": msg.status,
        "attempts": 0,
        "deliveries": 0,
        "payload": msg.payload,
        "received_at": now,
        "updated_at": now,
    }


def record(store: Store, msg: NewMessage) -> int | None:
    """Insert the message and commit; return its row id, or None if (source,
    message_id) exists. One autocommit round trip (the ingress hot path): on
    PostgreSQL a server-prepared statement on the thread's connection, with the
    payload adapted as JSONB by psycopg (what SQLAlchemy's JSONB type sends)."""
    row = _row(msg, utcnow())
    return driver.run(  # type: ignore[no-any-return]
        store, _insert_statement(store), row, driver.first_column, adapt=_jsonb_payload
    )


def _jsonb_payload(row: dict[str, Any]) -> dict[str, Any]:
    row["payload"] = Jsonb(row["payload"])  # the row is record's own
    return row


def set_status(
    store: Store, row_id: int, status: str, *, only_from: Iterable[str] = ()
) -> bool:
    """Set a row's status (optionally only from the given statuses)."""
    with store.session() as session:
        stmt = update(InboundMessage).where(InboundMessage.id == row_id)
        allowed = tuple(only_from)
        if allowed:
            stmt = stmt.where(InboundMessage.status.in_(allowed))
        result = session.execute(stmt.values(status=status, updated_at=utcnow()))
        return bool(result.rowcount)  # type: ignore[attr-defined]


_MESSAGES: Table = InboundMessage.__table__  # type: ignore[assignment]


@lru_cache(maxsize=1)
def _claim_statement() -> Any:
    """UPDATE ... WHERE claimable ... RETURNING the row: the claim in one statement,
    built once (bound parameters ``row_id``, ``now``, ``expired``). A row whose backoff
    (``retry_at``) has not ended is not claimable yet."""
    table = _MESSAGES
    c = table.c
    now = bindparam("now", type_=c.updated_at.type)
    return (
        update(table)
        .where(c.id == bindparam("row_id"))
        .where(
            or_(
                and_(
                    # listed values, not an expanding IN: compiled once for the driver
                    c.status.in_([literal(s, c.status.type) for s in CLAIMABLE]),
                    or_(c.retry_at.is_(None), c.retry_at <= now),
                ),
                and_(
                    c.status == "processing",
                    c.updated_at < bindparam("expired", type_=c.updated_at.type),
                ),
            )
        )
        .values(
            status="processing",
            started_at=now,
            updated_at=now,
            attempts=c.attempts + 1,
            deliveries=c.deliveries + 1,
            retry_at=None,
        )
        .returning(*table.c)
    )


def claim(store: Store, row_id: int, *, lease: float) -> InboundMessage | None:
    """Atomically move a row to `processing`; None if done, failed or running elsewhere.

    A running task renews its lease (``updated_at``) every few seconds (``renew``); a
    row `processing` whose lease is older than ``lease`` seconds lost its worker and can
    be claimed again. A live lease is never taken over, so one row never runs twice at
    the same time.

    One autocommit ``UPDATE ... RETURNING`` (one round trip): the WHERE clause is the
    claim's whole condition, so the row is taken or not in one atomic statement, and
    the returned row (a detached ``InboundMessage``, not attached to any session) is
    the state just written. Sent twice only when the connection was found dead; a
    claim that did commit before that then finds its own live lease and answers None
    (the task looks again when the lease expires: never two runs at once).
    """
    now = utcnow()
    params = {"row_id": row_id, "now": now, "expired": now - timedelta(seconds=lease)}
    row = driver.run(store, _claim_statement(), params, lambda r: r.fetchone())
    if row is None:
        return None
    if store.driver_statements():  # a driver tuple: SQLAlchemy's result processors
        return InboundMessage(**_claimed_row(store)(row))
    return InboundMessage(**row._mapping)


def _claimed_row(store: Store) -> Any:
    """Reads a driver row of the claim's RETURNING (every column), built per store."""
    reader = store.__dict__.get("_claimed_row")
    if reader is None:
        reader = store.__dict__["_claimed_row"] = driver.row_reader(
            store, list(_MESSAGES.c)
        )
    return reader


def finish(
    store: Store,
    row_id: int,
    status: str,
    *,
    error: str | None = None,
    result: dict[str, Any] | None = None,
    retry_in: float | None = None,
) -> None:
    """Record the outcome of one attempt: done, failed or retrying.

    ``deliveries`` counts claims that ended without an outcome (a worker lost); an
    attempt that records `retrying` resets it, so the redelivery cap never cuts the
    retry schedule short, and records when its backoff ends (``retry_in`` seconds
    from now: no delivery claims the row before). One autocommit UPDATE (safe to send
    twice).
    """
    now = utcnow()
    values: dict[str, Any] = {"status": status, "updated_at": now}
    if status == "retrying":
        values["deliveries"] = 0
        values["retry_at"] = now + timedelta(seconds=retry_in) if retry_in else None
    if status in ("done", "failed"):
        values["finished_at"] = now
    if error is not None:
        values["last_error"] = error[:MAX_ERROR_CHARS]
    if result is not None:
        values["result"] = result
    params = {f"v_{name}": value for name, value in values.items()}
    params["row_id"] = row_id
    driver.run(
        store,
        _finish_statement(tuple(values)),
        params,
        lambda r: r.rowcount,
        adapt=_jsonb_result if result is not None else None,
    )


def _jsonb_result(params: dict[str, Any]) -> dict[str, Any]:
    """The driver's parameters of ``finish``: the result as JSONB, as SQLAlchemy's
    JSON type sends it."""
    return {**params, "v_result": Jsonb(params["v_result"])}


@lru_cache(maxsize=32)
def _finish_statement(columns: tuple[str, ...]) -> Any:
    """UPDATE ... SET <columns> WHERE id = :row_id, built once per set of columns."""
    table = _MESSAGES
    return (
        update(table)
        .where(table.c.id == bindparam("row_id"))
        .values({c: bindparam(f"v_{c}", type_=table.c[c].type) for c in columns})
    )


def get(store: Store, row_id: int) -> InboundMessage | None:
    with store.session() as session:
        return session.get(InboundMessage, row_id)


def find(store: Store, source: str, message_id: str) -> InboundMessage | None:
    with store.session() as session:
        return session.execute(
            select(InboundMessage).where(
                InboundMessage.source == source, InboundMessage.message_id == message_id
            )
        ).scalar_one_or_none()


def list_messages(
    store: Store,
    *,
    status: str | None = None,
    source: str | None = None,
    route: str | None = None,
    limit: int = 50,
) -> list[InboundMessage]:
    """Newest first, optionally filtered."""
    stmt = select(InboundMessage).order_by(InboundMessage.id.desc()).limit(limit)
    if status:
        stmt = stmt.where(InboundMessage.status == status)
    if source:
        stmt = stmt.where(InboundMessage.source == source)
    if route:
        stmt = stmt.where(InboundMessage.route == route)
    with store.session() as session:
        return list(session.execute(stmt).scalars())


def counts_by_status(store: Store) -> dict[str, int]:
    with store.session() as session:
        rows = session.execute(
            select(InboundMessage.status, func.count()).group_by(InboundMessage.status)
        ).all()
    return {status: count for status, count in rows}


def prepare_replay(store: Store, ids: Sequence[int]) -> list[int]:
    """Reset failed (or stuck) rows to `queued` with a fresh retry budget; return them."""
    if not ids:
        return []
    with store.session() as session:
        rows = (
            session.execute(
                select(InboundMessage.id).where(
                    InboundMessage.id.in_(ids),
                    InboundMessage.status.in_(
                        ("failed", "received", "queued", "retrying")
                    ),
                    InboundMessage.handler.is_not(None),
                )
            )
            .scalars()
            .all()
        )
        if rows:
            session.execute(
                update(InboundMessage)
                .where(InboundMessage.id.in_(rows))
                .values(
                    status="queued",
                    attempts=0,
                    deliveries=0,
                    retry_at=None,  # an operator's replay runs now
                    updated_at=utcnow(),
                )
            )
    return list(rows)


def failed_ids(
    store: Store, *, route: str | None = None, limit: int = 1000
) -> list[int]:
    stmt = (
        select(InboundMessage.id)
        .where(InboundMessage.status == "failed")
        .order_by(InboundMessage.id)
        .limit(limit)
    )
    if route:
        stmt = stmt.where(InboundMessage.route == route)
    with store.session() as session:
        return list(session.execute(stmt).scalars())


def sweep_candidates(
    store: Store,
    *,
    received_after: float,
    queued_after: float,
    processing_after: float,
    limit: int = 500,
) -> list[InboundMessage]:
    """Rows that should be on the broker but may not be.

    - `received` older than ``received_after`` s: the broker was down at ingress;
    - `queued`/`retrying` untouched for ``queued_after`` s: the broker lost them (0 after
      a broker restart that lost its data: every such row);
    - `processing` whose lease was last renewed more than ``processing_after`` s ago:
      the worker died.
    """
    now = utcnow()

    def ago(seconds: float) -> datetime:
        return now - timedelta(seconds=seconds)

    stmt = (
        select(InboundMessage)
        .where(
            or_(
                and_(
                    InboundMessage.status == "received",
                    InboundMessage.updated_at < ago(received_after),
                ),
                and_(
                    InboundMessage.status.in_(("queued", "retrying")),
                    InboundMessage.updated_at < ago(queued_after),
                ),
                and_(
                    InboundMessage.status == "processing",
                    InboundMessage.updated_at < ago(processing_after),
                ),
            )
        )
        .order_by(InboundMessage.id)
        .limit(limit)
    )
    with store.session() as session:
        return list(session.execute(stmt).scalars())


def failed_between(
    store: Store, since: datetime, until: datetime, *, limit: int = 5000
) -> tuple[list[tuple[int, str | None, str | None]], int]:
    """Messages that failed in (since, until]: up to ``limit`` (id, route, error) rows,
    oldest first, and the total count."""
    where = (
        InboundMessage.status == "failed",
        InboundMessage.finished_at > since,
        InboundMessage.finished_at <= until,
    )
    with store.session() as session:
        total = session.execute(
            select(func.count()).select_from(InboundMessage).where(*where)
        ).scalar_one()
        rows = session.execute(
            select(InboundMessage.id, InboundMessage.route, InboundMessage.last_error)
            .where(*where)
            .order_by(InboundMessage.finished_at)
            .limit(limit)
        ).all()
    return [(r[0], r[1], r[2]) for r in rows], int(total)


# The last id the message sequence handed out, or one less before its first: an id
# up to it belongs to a message whose INSERT had started when this was read. Read
# with the sequence's own name (a serial column's, created by the first migration).
_SEQUENCE_MARK = text(
    "SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END"
    " FROM inbound_messages_id_seq"
)


def sequence_mark(store: Store) -> int | None:
    """Every message with an id up to this had been stored (or was being stored) when
    it was read: a Fluent read started after it shows what their webhooks announced
    (``fluent_orders.order_cache.Copies``). Sequences are not transactional, so this
    is the newest value whatever the snapshot; the default sequence cache of 1 keeps
    ids in the order their INSERTs ran. None on SQLite (no sequence)."""
    if store.dialect != "postgresql":
        return None
    value = driver.run(store, _SEQUENCE_MARK, {}, driver.first_column)
    return int(value) if value is not None else None
