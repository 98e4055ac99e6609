"""Engine and session factory for PostgreSQL (production) or SQLite (embedded default)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import CursorResult, Engine, create_engine, event, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

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

    def execute_autocommit(self, statement: Any, params: dict[str, Any]) -> Any:
        """Run one statement in autocommit mode and return its first scalar.

        The ingress hot path: one round trip on a connection kept per thread (no pool
        checkout, no pre-ping, no BEGIN/COMMIT). A connection found dead is replaced
        once; a single INSERT is atomic, so nothing can be half-written.
        """
        return self.autocommit(statement, params, lambda result: result.scalar())

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
        an INSERT ... ON CONFLICT). Only for threads that live long (request threads,
        the task thread of a pool process): each keeps one connection until
        ``dispose``.
        """
        for attempt in (1, 2):
            conn = getattr(self._local, "conn", None)
            if conn is None or conn.closed or conn.invalidated:
                conn = self.engine.connect().execution_options(
                    isolation_level="AUTOCOMMIT"
                )
                self._local.conn = conn
            try:
                if isinstance(statement, str):  # raw SQL: no compile, simple protocol
                    return take(conn.exec_driver_sql(statement))
                return take(conn.execute(statement, params))
            except DBAPIError as exc:
                self._local.conn = None
                if exc.connection_invalidated and attempt == 1:
                    continue
                conn.close()
                raise
            except BaseException:
                # interrupted mid-statement (a soft time limit, a signal): the
                # connection's state is unknown, so it is never used again
                self._local.conn = None
                conn.invalidate()
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
