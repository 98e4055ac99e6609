"""SQLAlchemy statements compiled once into the driver's SQL, for ``Store.driver_autocommit``.

The event path's statements (claim, finish, the order lock, the order watermark) are
still written as SQLAlchemy constructs against the models, so their columns and
conditions stay the model's; on PostgreSQL with psycopg each is compiled once per store
into psycopg's SQL (``%(name)s`` parameters) and then sent without SQLAlchemy's per-call
work. The caller adapts what SQLAlchemy's types would (JSON values as ``Jsonb``) and
converts what it reads with ``row_reader``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from sqlalchemy import Column

from connector.store.db import Store

Compiled = tuple[str, dict[str, Any]]
T = TypeVar("T")


def compiled(
    store: Store, statement: Any, columns: tuple[str, ...] | None = None
) -> Compiled:
    """``statement`` in the store's driver SQL and its bound defaults (the values the
    statement carries itself, e.g. constants), built once per store and statement
    object (statements come from module-level caches: one object each). ``columns``:
    an INSERT's column keys (the parameters each call passes). Expanding parameters
    (``in_`` of a list of plain values) are not supported: list ``literal()`` values."""
    cache: dict[Any, Compiled] = store.__dict__.setdefault("_driver_sql", {})
    found = cache.get((statement, columns))
    if found is None:
        sql = statement.compile(
            dialect=store.engine.dialect,
            column_keys=list(columns) if columns is not None else None,
        )
        text = str(sql)
        if "POSTCOMPILE" in text:
            raise ValueError(f"an expanding parameter in a driver statement: {text}")
        defaults = {
            name: bind.effective_value
            for name, bind in sql.binds.items()
            if not bind.required
        }
        found = cache[(statement, columns)] = (text, defaults)
    return found


def run(
    store: Store,
    statement: Any,
    params: dict[str, Any],
    take: Callable[[Any], T],
    *,
    adapt: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
) -> T:
    """Run ONE autocommit statement; return ``take(result)``.

    On PostgreSQL with psycopg the statement is compiled once (``compiled``; an
    INSERT's columns are ``params``' keys, the same every call) and sent as a
    server-prepared statement (``Store.driver_autocommit``); elsewhere SQLAlchemy runs
    it (``Store.autocommit``). ``take`` reads what both results give: ``fetchone()``
    (a row indexable by position) and ``rowcount``. ``adapt`` turns the parameters
    into what the driver needs where SQLAlchemy's types would do it (JSON as
    ``Jsonb``)."""
    if not store.driver_statements():
        return store.autocommit(statement, params, take)
    columns = tuple(params) if getattr(statement, "is_insert", False) else None
    sql, defaults = compiled(store, statement, columns)
    values = adapt(params) if adapt is not None else params
    return store.driver_autocommit(
        sql, {**defaults, **values} if defaults else values, take
    )


def first_column(result: Any) -> Any:
    """A ``take`` for ``run``: the first column of the first row, or None."""
    row = result.fetchone()
    return row[0] if row is not None else None


def row_reader(
    store: Store, columns: Sequence[Column[Any]]
) -> Callable[[Sequence[Any]], dict[str, Any]]:
    """Turns a driver row of ``columns`` into ``{name: value}`` as SQLAlchemy reads
    it (the columns' result processors, e.g. timestamps re-tagged UTC)."""
    dialect = store.engine.dialect
    names = [c.key for c in columns]
    procs = [
        c.type.dialect_impl(dialect).result_processor(dialect, None) for c in columns
    ]
    if not any(procs):
        return lambda row: dict(zip(names, row, strict=True))
    pairs = list(zip(names, procs, strict=True))

    def read(row: Sequence[Any]) -> dict[str, Any]:
        return {
            name: (proc(value) if proc is not None and value is not None else value)
            for (name, proc), value in zip(pairs, row, strict=True)
        }

    return read
