"""PostgreSQL and Redis for the tests: found on loopback, or skipped — unless
CONNECTOR_TEST_SERVICES=required, which turns their absence into a failure (CI)."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

PG_HOST = os.environ.get("CONNECTOR_TEST_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("CONNECTOR_TEST_PG_PORT", "5432"))
PG_USER = os.environ.get("CONNECTOR_TEST_PG_USER", "postgres")
REDIS_URL = os.environ.get("CONNECTOR_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
AMQP_URL = os.environ.get(
    "CONNECTOR_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672//"
)


def required() -> bool:
    return os.environ.get("CONNECTOR_TEST_SERVICES", "").lower() == "required"


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def need(service: str, host: str, port: int) -> None:
    if _reachable(host, port):
        return
    message = f"{service} is not reachable on {host}:{port}"
    if required():
        pytest.fail(message + " (CONNECTOR_TEST_SERVICES=required)", pytrace=False)
    pytest.skip(message)


def create_pg_database() -> tuple[str, str]:
    """Create a fresh database; returns (sqlalchemy url, name)."""
    import psycopg

    need("PostgreSQL", PG_HOST, PG_PORT)
    name = f"connector_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(
        host=PG_HOST, port=PG_PORT, user=PG_USER, dbname="postgres", autocommit=True
    ) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"postgresql+psycopg://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}", name


def drop_pg_database(name: str) -> None:
    import psycopg

    with psycopg.connect(
        host=PG_HOST, port=PG_PORT, user=PG_USER, dbname="postgres", autocommit=True
    ) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def migrated_store(kind: str, tmp_path: Path) -> Iterator[Any]:
    """A ``Store`` on a migrated SQLite file (``kind="sqlite"``) or a fresh PostgreSQL
    database (``"postgres"``, dropped afterwards)."""
    from connector.store import migrate
    from connector.store.db import Store

    if kind == "sqlite":
        url, name = f"sqlite:///{tmp_path / 'store.db'}", None
    else:
        url, name = create_pg_database()
    migrate.upgrade(url)
    store = Store(url)
    try:
        yield store
    finally:
        store.dispose()
        if name:
            drop_pg_database(name)


def redis_url() -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(REDIS_URL)
    need("Redis", parts.hostname or "127.0.0.1", parts.port or 6379)
    return REDIS_URL


# One key prefix per test session: sessions running at the same time share Redis
# without taking each other's tasks.
SESSION_PREFIX = f"connector-test-{uuid.uuid4().hex[:8]}:"


def flush_redis(url: str, prefix: str = SESSION_PREFIX) -> None:
    """Delete this session's keys (never another session's).

    kombu's exchange bindings (``_kombu.binding.*``) are kept: they are declared once
    when the worker starts, and without them a published task is routed nowhere.
    """
    import redis

    client = redis.Redis.from_url(url)
    keys = [
        k
        for k in client.scan_iter(match=f"{prefix}*", count=1000)
        if b"_kombu.binding" not in k
    ]
    for start in range(0, len(keys), 500):
        client.delete(*keys[start : start + 500])


def amqp_url() -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(AMQP_URL)
    need("RabbitMQ", parts.hostname or "127.0.0.1", parts.port or 5672)
    return AMQP_URL


def delete_amqp_queues(url: str, prefix: str = SESSION_PREFIX) -> None:
    """Delete this session's queues and exchanges (never another session's)."""
    from kombu import Connection

    from connector.extensions import QUEUES

    with Connection(url, connect_timeout=3) as conn:
        channel = conn.default_channel
        for name in QUEUES:
            channel.queue_delete(prefix + name)
            channel.exchange_delete(prefix + name)
