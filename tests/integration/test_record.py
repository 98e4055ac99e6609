"""``messages.record`` on PostgreSQL: the prepared driver-level INSERT of the ingress.

One row per (source, message id), committed when it returns; a connection the server
dropped is replaced once; other driver errors surface as SQLAlchemy's exceptions (the
web answers them 503 / 400 as before).
"""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest
from sqlalchemy import exc as sa_exc

from connector.models import utcnow
from connector.store import driver, messages, migrate
from connector.store.db import Store
from connector.store.messages import NewMessage, _row
from tests.support import services


@pytest.fixture
def store() -> Iterator[Store]:
    url, name = services.create_pg_database()
    migrate.upgrade(url)
    s = Store(url)
    yield s
    s.dispose()
    services.drop_pg_database(name)


def message(message_id: str, **over) -> NewMessage:
    payload = {"id": message_id, "nested": {"list": [1, 2.5, None, True]}, "é": "ü"}
    return NewMessage(
        **{
            "source": "fluent",
            "message_id": message_id,
            "name": "order.updated",
            "payload": payload,
            "resource_type": "ORDER",
            "resource_id": "O-1",
            "route": "r",
            "handler": "h",
            **over,
        }
    )


def _committed_elsewhere(store: Store, row_id: int) -> tuple:
    dsn = store.url.replace("postgresql+psycopg", "postgresql")
    with psycopg.connect(dsn) as conn:
        return conn.execute(
            "SELECT source, message_id, status, payload, received_at"
            " FROM inbound_messages WHERE id = %s",
            (row_id,),
        ).fetchone()


def test_record_commits_once_per_message_id(store):
    assert store.driver_statements()  # the prepared path
    row = _row(message("m"), utcnow())
    sql, _ = driver.compiled(store, messages._insert_statement(store), tuple(row))
    assert all(f"%({column})s" in sql for column in row)  # every column of _row
    first = messages.record(store, message("m-1"))
    assert isinstance(first, int)
    row = _committed_elsewhere(store, first)  # visible to another connection
    assert row[:3] == ("fluent", "m-1", "queued")
    assert row[3] == message("m-1").payload
    assert row[4].tzinfo is not None
    assert messages.record(store, message("m-1")) is None  # duplicate: no row
    second = messages.record(store, message("m-2", status="ignored"))
    assert second is not None and second > first
    stored = messages.get(store, second)
    assert stored.status == "ignored" and stored.payload == message("m-2").payload


def test_dropped_connection_is_replaced_once(store):
    first = messages.record(store, message("m-1"))
    pid = store._local.conn.connection.driver_connection.info.backend_pid
    dsn = store.url.replace("postgresql+psycopg", "postgresql")
    with psycopg.connect(dsn, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
    second = messages.record(store, message("m-2"))
    assert second is not None and second > first
    assert _committed_elsewhere(store, second)[1] == "m-2"


def test_driver_errors_are_sqlalchemy_errors_and_the_next_insert_works(store):
    # PostgreSQL refuses a NUL in JSONB text (the parser refuses it before this)
    with pytest.raises(sa_exc.DataError):
        messages.record(store, message("m-1", payload={"a": "x\u0000y"}))
    assert messages.record(store, message("m-1")) is not None


def test_store_down_is_an_operational_error():
    down = Store("postgresql+psycopg://postgres@127.0.0.1:1/none")  # refused
    with pytest.raises(sa_exc.OperationalError):
        messages.record(down, message("m-1"))
    down.dispose()
