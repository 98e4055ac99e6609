"""Engine and session factory for PostgreSQL (production) or SQLite (embedded default)."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import CursorResult, Engine, create_engine, event, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

log = logging.getLogger(__name__)
T = TypeVar("T")


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine; SQLite gets WAL mode and a busy timeout for several processes."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, connect_args={"timeout": 30, "check_same_thread": False}, **kwargs
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        return engine
    # psycopg prepares repeated statements; PostgreSQL then may switch to a generic plan,
    # which is slow for the fingerprint lookups (`IN` lists of varying keys). Custom
    # plans keep them fast as the table grows.
    kwargs.setdefault(
        "connect_args", {"options": "-c plan_cache_mode=force_custom_plan"}
    )
    kwargs.setdefault("pool_pre_ping", True)
    if "poolclass" not in kwargs:
        kwargs.setdefault("pool_size", 5)
        kwargs.setdefault("max_overflow", 10)
    return create_engine(url, **kwargs)


class Store:
    """Holds the engine and a session factory; ``session()`` is a unit of work."""

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = url
        self.engine = make_engine(url, **engine_kwargs)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._local = threading.local()
        self._engine_kwargs = engine_kwargs
        self._autocommit_engine: Engine | None = None
        self._pid = os.getpid()

    def _autocommit_source(self) -> Engine:
        """Where the per-thread autocommit connections come from.

        PostgreSQL: an engine of their own without a pool (``NullPool``): a thread's
        connection is opened once and kept by the thread, so it must not hold a slot
        of the sessions' pool (5 + 10 per process) for the thread's lifetime: a worker
        with a thread pool of 32 would exhaust it. SQLite keeps no connection per
        thread (``autocommit``); this answers the sessions' engine there.

        After a fork (a prefork pool process) the parent's connections are forgotten,
        never closed or reused: they belong to the parent.
        """
        if self._pid != os.getpid():
            self._pid = os.getpid()
            self._local = threading.local()
            if self._autocommit_engine is not None:
                self._autocommit_engine.dispose(close=False)
            self._autocommit_engine = None
        if self.engine.dialect.name != "postgresql":
            return self.engine
        if self._autocommit_engine is None:
            kwargs = {
                k: v
                for k, v in self._engine_kwargs.items()
                if k
                not in ("pool_size", "max_overflow", "pool_timeout", "pool_pre_ping")
            }
            self._autocommit_engine = make_engine(
                self.url, poolclass=NullPool, pool_pre_ping=False, **kwargs
            )
        return self._autocommit_engine

    def _thread_connection(self) -> Any:
        """This thread's autocommit connection (``_autocommit_source``), opened on
        first use and again after it was closed or invalidated."""
        source = self._autocommit_source()
        conn = getattr(self._local, "conn", None)
        if conn is None or conn.closed or conn.invalidated:
            conn = source.connect().execution_options(isolation_level="AUTOCOMMIT")
            self._local.conn = conn
        return conn

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session committed on success and rolled back on error."""
        session = self._sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def autocommit(
        self,
        statement: Any,
        params: dict[str, Any],
        take: Callable[[CursorResult[Any]], T],
    ) -> T:
        """Run ONE statement in autocommit mode; return ``take(result)``.

        For single statements that are atomic on their own (an INSERT, a conditional
        UPDATE ... RETURNING): one round trip on a connection kept per thread, no pool
        checkout, no pre-ping, no BEGIN/COMMIT. A connection found dead when the
        statement is sent is replaced and the statement sent once more, so a caller's
        statement must be safe to run twice (an UPDATE whose WHERE re-checks the state,
        an INSERT ... ON CONFLICT). Each thread keeps one connection
        (``_autocommit_source``) until it ends or ``dispose``.

        SQLite (the embedded default) checks a connection out of the sessions' pool
        for the one statement instead: kept per thread, it would hold a pool slot for
        the thread's life, and a server with a thread per connection (the demo's
        in-process web app) ran out of slots whenever the collector was slow to free
        the connections of threads that had ended.
        """
        if self.engine.dialect.name != "postgresql":
            with self.engine.connect() as pooled:
                conn = pooled.execution_options(isolation_level="AUTOCOMMIT")
                if isinstance(statement, str):
                    return take(conn.exec_driver_sql(statement))
                return take(conn.execute(statement, params))
        for attempt in (1, 2):
            conn = self._thread_connection()
            try:
                if isinstance(statement, str):  # raw SQL: no compile, simple protocol
                    return take(conn.exec_driver_sql(statement))
                return take(conn.execute(statement, params))
            except DBAPIError as exc:
                self._local.conn = None
                conn.close()
                if exc.connection_invalidated and attempt == 1:
                    continue
                raise
            except BaseException:
                # interrupted mid-statement (a soft time limit, a signal): the
                # connection's state is unknown, so it is never used again
                self._local.conn = None
                conn.invalidate()
                conn.close()
                raise
        raise AssertionError("unreachable")

    def driver_statements(self) -> bool:
        """Whether ``driver_autocommit`` can run here (PostgreSQL through psycopg)."""
        dialect = self.engine.dialect
        return dialect.name == "postgresql" and dialect.driver == "psycopg"

    def driver_autocommit(
        self, sql: str, params: Mapping[str, Any], take: Callable[[Any], T]
    ) -> T:
        """Run ONE statement in the driver's SQL (psycopg, ``%(name)s`` parameters) on
        this thread's autocommit connection, prepared by the server on first use;
        return ``take(cursor)`` (read the rows there: ``fetchone``, ``rowcount``).

        ``autocommit`` without SQLAlchemy's per-call work (compile-cache lookup, bind
        and result processing, result wrapping): the event path's claim, finish and
        lock statements. The same connection (a session-level advisory lock taken
        here is held on it) and the same rules: a connection found dead is replaced
        and the statement sent once more (it must be safe to run twice); any other
        driver error closes the connection and is raised as SQLAlchemy's
        ``DBAPIError`` subclass; an interruption (soft time limit, signal) leaves the
        connection's state unknown, so it is invalidated. The caller passes
        parameters the driver adapts as the columns need, and converts what it reads.
        """
        dialect = self.engine.dialect
        for attempt in (1, 2):
            conn = self._thread_connection()
            cursor = getattr(self._local, "cursor", None)
            if cursor is None or self._local.cursor_conn is not conn:
                driver = conn.connection.driver_connection
                assert driver is not None, "a checked-out connection has a driver"
                cursor = driver.cursor()
                self._local.cursor, self._local.cursor_conn = cursor, conn
            try:
                cursor.execute(sql, params, prepare=True)
                return take(cursor)
            except dialect.loaded_dbapi.Error as exc:
                self._local.conn = self._local.cursor = self._local.cursor_conn = None
                dead = dialect.is_disconnect(
                    exc, conn.connection.dbapi_connection, None
                )
                if dead:
                    conn.invalidate(exc)
                else:
                    conn.close()
                if dead and attempt == 1:
                    continue
                raise DBAPIError.instance(
                    sql,
                    dict(params),
                    exc,
                    dialect.loaded_dbapi.Error,
                    connection_invalidated=dead,
                    dialect=dialect,
                ) from exc
            except BaseException:
                self._local.conn = self._local.cursor = self._local.cursor_conn = None
                conn.invalidate()
                conn.close()
                raise
        raise AssertionError("unreachable")

    def ping(self) -> None:
        """Raise if the database cannot answer a trivial query."""
        with self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    def dispose(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
        self.engine.dispose()
        if self._autocommit_engine is not None:
            self._autocommit_engine.dispose()
