"""A running connector for integration tests: Flask app, store, broker and a real
Celery worker thread consuming every queue.

Backends: ``sqlite`` (SQLite store + embedded SQLite broker), ``postgres``
(PostgreSQL store + Redis broker) and ``rabbitmq`` (PostgreSQL store + RabbitMQ broker,
quorum queues named with the session prefix). Tables are emptied between tests.
"""

from __future__ import annotations

import faulthandler
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from celery.contrib.testing.worker import start_worker
from flask import Flask
from flask.testing import FlaskClient
from kombu.asynchronous import set_event_loop
from sqlalchemy import text

from connector import create_app
from connector.config import Config
from connector.models import Base, InboundMessage
from connector.runtime import Runtime
from connector.store import migrate
from tests.support import services

BASE_ENV = {
    "FLUENT_ACCOUNT_ID": "SANDBOX",
    "FLUENT_RETAILER_ID": "1",
    "CONNECTOR_API_TOKENS": "test-token-1,test-token-2",
    "CONNECTOR_RETRY_BASE_SECONDS": "0.05",
    "CONNECTOR_RETRY_MAX_SECONDS": "0.5",
    "CONNECTOR_MAX_RETRIES": "4",
    "CONNECTOR_SWEEP_AFTER_SECONDS": "0",
}


@dataclass
class Stack:
    backend: str
    env: dict[str, str]
    app: Flask
    config: Config
    runtime: Runtime
    client: FlaskClient
    extra: dict[str, Any] = field(default_factory=dict)

    def wait_for(
        self,
        row_id: int,
        statuses: tuple[str, ...] = ("done", "failed"),
        timeout: float = 20.0,
    ) -> InboundMessage:
        from connector.store import messages

        deadline = time.monotonic() + timeout
        while True:
            row = messages.get(self.runtime.store, row_id)
            if row is not None and row.status in statuses:
                return row
            if time.monotonic() > deadline:
                # where the worker's threads are (a stuck worker shows here)
                faulthandler.dump_traceback(file=sys.__stderr__, all_threads=True)
                raise AssertionError(
                    f"message {row_id} still {row.status if row else None}"
                    f" after {timeout}s (wanted {statuses})"
                )
            time.sleep(0.05)

    def clean(self) -> None:
        self.runtime.caches.clear()  # the sandboxes were reset: cached ids are gone
        with self.runtime.store.engine.begin() as conn:
            for table in reversed(Base.metadata.sorted_tables):
                conn.execute(text(f"DELETE FROM {table.name}"))
        if self.backend in ("postgres", "rabbitmq"):
            services.flush_redis(
                self.env["REDIS_URL"], self.env["CONNECTOR_REDIS_PREFIX"]
            )


def backend_env(backend: str, tmp: Path) -> tuple[dict[str, str], Any]:
    """Env for a backend plus a cleanup callable."""
    env = {"CONNECTOR_DATA_DIR": str(tmp)}
    if backend == "sqlite":
        env["DATABASE_URL"] = f"sqlite:///{tmp / 'connector.db'}"
        return env, lambda: None
    if backend == "rabbitmq":
        env["CELERY_BROKER_URL"] = services.amqp_url()
    url, name = services.create_pg_database()
    env["DATABASE_URL"] = url
    env["REDIS_URL"] = services.redis_url()
    # one prefix per stack: two stacks alive at once (foundation and connected) must
    # not consume each other's queues
    env["CONNECTOR_REDIS_PREFIX"] = f"{services.SESSION_PREFIX}{tmp.name}:"
    services.flush_redis(env["REDIS_URL"], env["CONNECTOR_REDIS_PREFIX"])

    def cleanup() -> None:
        services.drop_pg_database(name)
        if backend == "rabbitmq":
            services.delete_amqp_queues(
                env["CELERY_BROKER_URL"], env["CONNECTOR_REDIS_PREFIX"]
            )

    return env, cleanup


@contextmanager
def running_stack(backend: str, tmp: Path, env: Mapping[str, str]) -> Iterator[Stack]:
    """Migrate, build the app and start a worker thread; stop it all afterwards."""
    full_env, cleanup = backend_env(backend, tmp)
    full_env = {**BASE_ENV, **full_env, **env}
    try:
        migrate.upgrade(full_env["DATABASE_URL"])
        config = Config.from_env(full_env)
        app = create_app(config)
        runtime: Runtime = app.extensions["connector"]
        celery = app.extensions["celery"]
        stack = Stack(backend, full_env, app, config, runtime, app.test_client())
        # Celery's worker takes kombu's process-wide event loop if one is set: a
        # second in-process worker (the foundation stack beside the connected one)
        # would run its loop on the first worker's hub, two threads polling and
        # reading one set of sockets (lost deliveries, reads that block for ever).
        # Each stack's worker gets a hub of its own.
        set_event_loop(None)
        try:
            with start_worker(
                celery,
                pool="threads",
                concurrency=4,
                perform_ping_check=False,
                queues=["events", "batch", "default"],
                shutdown_timeout=30,
                loglevel="WARNING",
            ) as worker:
                stack.extra["worker"] = worker
                yield stack
        finally:
            # start_worker leaves Celery's process-wide "terminate" flag set when the
            # worker did not stop in time: every later worker would stop at once and
            # the next stack would wait for ever for its worker to start
            from celery.worker import state

            state.should_terminate = None
        runtime.store.dispose()
    finally:
        cleanup()


def module_names() -> list[str]:
    """Every module package shipped under connector/modules."""
    import pkgutil

    import connector.modules as pkg

    return sorted(m.name for m in pkgutil.iter_modules(pkg.__path__) if m.ispkg)


@dataclass
class Connected:
    """A connector served over HTTP with both sandboxes (for module integration tests).

    ``stack`` is the running connector; ``url`` its HTTP address (the sandboxes send
    webhooks there); ``ct_url``/``fluent_url`` the sandboxes.
    """

    stack: Stack
    url: str
    ct_url: str
    fluent_url: str

    @property
    def runtime(self) -> Runtime:
        return self.stack.runtime

    @property
    def client(self) -> FlaskClient:
        return self.stack.client

    @property
    def env(self) -> dict[str, str]:
        return self.stack.env

    def wait_for(self, row_id: int, **kw: Any) -> InboundMessage:
        return self.stack.wait_for(row_id, **kw)

    def run_sync(
        self, module: str, *, full: bool = False, dry_run: bool = False
    ) -> Any:
        """Run a module's batch sync in the foreground (as `connector sync` does)."""
        from connector.sync.runner import run_sync

        return run_sync(self.runtime, module, full=full, dry_run=dry_run, trigger="cli")

    def wait_until(
        self,
        predicate: Any,
        timeout: float = 20.0,
        interval: float = 0.1,
        message: str = "condition",
    ) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"{message} not met within {timeout}s")
            time.sleep(interval)
