"""The per-process runtime: config, store, registry, API clients, broker publishing,
caches. The one place that wires things together; it implements ``context.Services``,
which is all the modules see of it (they never import this file).

One ``Runtime`` is shared by the Flask app, the Celery app and the CLI of a process.
Everything expensive is created on first use, so the web process never builds API
clients and a CLI command that needs no database never opens one.
"""

from __future__ import annotations

import logging
import threading
from functools import cached_property
from typing import TYPE_CHECKING, Any

from connector.config import Config
from connector.context import Caches
from connector.inbound.routing import Registry
from connector.notify import Notifier
from connector.specs import ModuleSpec, load_specs
from connector.store import Store

if TYPE_CHECKING:
    from celery import Celery

    from connector.clients.commercetools import CommercetoolsClient
    from connector.clients.fluent import FluentClient
    from connector.publish import FastPublisher

log = logging.getLogger(__name__)


class Runtime:
    def __init__(self, config: Config) -> None:
        from connector.ct_fields import profile_of

        profile_of(config)  # a bad ct_fields / ct_field_keys stops the process at start
        self.config = config
        # the config from env + YAML only; ``config`` may add Fluent settings to it
        # (connector/fluent_connect/effective.py refreshes it before runs)
        self.env_config = config
        self.celery: Celery | None = None
        self._lock = threading.Lock()
        self._clients: dict[str, Any] = {}
        self.caches = Caches()  # the modules' caches live (and die) with this runtime
        self._fast: FastPublisher | None = None  # built on the first enqueue

    @cached_property
    def specs(self) -> list[ModuleSpec]:
        return load_specs(self.config.modules)

    @cached_property
    def registry(self) -> Registry:
        return Registry(self.specs, self.config.routes)

    @cached_property
    def store(self) -> Store:
        return Store(self.config.database_url)

    @cached_property
    def notifier(self) -> Notifier:
        return Notifier.from_config(self.config)

    # -- API clients (one per process, thread-safe sessions) -------------------------
    def ct(self) -> CommercetoolsClient:
        from connector.clients.commercetools import CommercetoolsClient

        with self._lock:
            if "ct" not in self._clients:
                self._clients["ct"] = CommercetoolsClient.from_config(self.config)
            return self._clients["ct"]

    def fluent(self) -> FluentClient:
        from connector.clients.fluent import FluentClient

        with self._lock:
            if "fluent" not in self._clients:
                self._clients["fluent"] = FluentClient.from_config(self.config)
            return self._clients["fluent"]

    def after_fork(self) -> None:
        """In a new pool process: drop what the parent process may have opened.

        Pooled database connections and HTTP sessions must never be shared between
        processes, and each process keeps its own OAuth token cache. The parent's
        connections are forgotten, not closed (closing would break them for the parent).
        """
        self._lock = threading.Lock()
        self._clients = {}
        self._fast = None
        store = self.__dict__.get("store")
        if store is not None:
            store.engine.dispose(close=False)
            store._local = threading.local()

    # -- broker -------------------------------------------------------------------------
    def _fast_publisher(self) -> FastPublisher:
        from connector.publish import FastPublisher

        fast = self._fast
        if fast is None or fast.celery is not self.celery:
            fast = self._fast = FastPublisher(self.celery)
        return fast

    def enqueue(self, task: str, *, queue: str, **kwargs: Any) -> bool:
        """Publish a task by name; False (logged) if the broker is unreachable.

        The ingress hot path: on the Redis broker ``FastPublisher`` writes the message
        ``send_task`` would, without its per-call work (``send_task`` itself otherwise);
        no kombu retry policy (one immediate second try covers a dropped connection; a
        dead broker leaves the row to the sweeper), and the task's argument repr is
        given instead of computed.
        """
        if self.celery is None:
            raise RuntimeError("no Celery app attached to this runtime")
        fast = self._fast_publisher()
        for attempt in (1, 2):
            try:
                if fast.publish(task, queue, kwargs):
                    return True
                self.celery.send_task(
                    task,
                    kwargs=kwargs,
                    queue=queue,
                    retry=False,
                    argsrepr="()",
                    kwargsrepr=repr(kwargs),
                )
                return True
            except Exception as exc:  # kombu raises many types for a dead broker
                if attempt == 2:
                    log.warning(
                        "broker.publish.failed", extra={"task": task, "error": str(exc)}
                    )
        return False
