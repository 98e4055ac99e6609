"""What a module gets from the process: ``Services`` and the ``HandlerContext``.

Modules, streams and handlers are written against these types, never against
``connector.runtime`` (which builds them) or ``connector.inbound.dispatch`` (which calls
them). ``Services`` is what the process offers: config, store, the two API clients, the
notifier, the broker, the enabled specs and routes, and ``caches`` whose lifetime is the
services' own (one per ``Runtime``: two runtimes in one process share nothing).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from connector.config import Config
from connector.models import InboundMessage
from connector.settings_file import Route
from connector.specs import ModuleSpec
from connector.store import Store

if TYPE_CHECKING:
    from connector.clients.commercetools import CommercetoolsClient
    from connector.clients.fluent import FluentClient
    from connector.inbound.routing import Registry
    from connector.notify import Notifier

T = TypeVar("T")


class Caches:
    """Named caches with the lifetime of their owner (a ``Runtime``), thread-safe.

    ``get(name, factory)`` returns the cache object stored under ``name``, creating it
    with ``factory()`` on first use; ``clear()`` forgets them all.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: dict[str, Any] = {}

    def get(self, name: str, factory: Callable[[], T]) -> T:
        with self._lock:
            if name not in self._items:
                self._items[name] = factory()
            return self._items[name]  # type: ignore[no-any-return]

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


class Services(Protocol):
    """What the process offers a module (``connector.runtime.Runtime`` implements it)."""

    config: Config
    env_config: Config  # the config from the environment alone (before Fluent settings)
    caches: Caches

    @property
    def store(self) -> Store: ...

    @property
    def notifier(self) -> Notifier: ...

    @property
    def specs(self) -> list[ModuleSpec]: ...

    @property
    def registry(self) -> Registry: ...

    def ct(self) -> CommercetoolsClient: ...

    def fluent(self) -> FluentClient: ...

    def enqueue(self, task: str, *, queue: str, **kwargs: Any) -> bool: ...


@dataclass
class HandlerContext:
    """What a handler gets: the message row (detached), its route and the services."""

    services: Services
    message: InboundMessage
    route: Route

    @property
    def payload(self) -> dict[str, Any]:
        return self.message.payload

    @property
    def config(self) -> Config:
        return self.services.config

    @property
    def store(self) -> Store:
        return self.services.store

    @property
    def caches(self) -> Caches:
        return self.services.caches

    def ct(self) -> CommercetoolsClient:
        return self.services.ct()

    def fluent(self) -> FluentClient:
        return self.services.fluent()
