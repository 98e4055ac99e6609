"""Route and handler registry: which handler (and which task) gets an inbound message.

Routes come from the enabled modules' specs, replaced or extended by the YAML file.
Handlers are registered names from the specs or dotted paths to a partner's function.
Every route's handler is checked when the registry is built, so a typo fails at start.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from connector.errors import ConfigError
from connector.settings_file import Route
from connector.specs import ModuleSpec, import_path

GENERIC_TASK = "messages.handle_event"
Handler = Callable[[Any], "dict[str, Any] | None"]


class Registry:
    def __init__(self, specs: Sequence[ModuleSpec], routes: Sequence[Route]) -> None:
        self.specs = {s.name: s for s in specs}
        self._handler_paths: dict[str, str] = {}
        self._handler_module: dict[str, str] = {}
        for spec in specs:
            for name, path in spec.handlers.items():
                if name in self._handler_paths:
                    raise ConfigError(f"handler {name!r} is registered twice")
                self._handler_paths[name] = path
                self._handler_module[name] = spec.name
        merged: dict[str, Route] = {}
        for spec in specs:
            for route in spec.routes:
                merged[route.name] = route
        for route in routes:  # the YAML file replaces defaults by name
            if not route.handler:  # a Fluent-shape route keeps our route's handler
                default = merged.get(route.name)
                if default is None:
                    raise ConfigError(
                        f"route {route.name!r} ({route.origin or 'YAML'}) names no "
                        "handler of ours and we have no route of that name; set "
                        "handler: to a registered name or a dotted path"
                    )
                route = replace(route, handler=default.handler, queue=default.queue)
            merged[route.name] = route
        self.routes: tuple[Route, ...] = tuple(merged.values())
        self._by_name = dict(merged)
        self._cache: dict[str, Handler] = {}
        self._lock = threading.Lock()
        for route in self.routes:
            self._check_handler(route)

    def _check_handler(self, route: Route) -> None:
        if route.handler in self._handler_paths:
            return
        known = ", ".join(sorted(self._handler_paths)) or "none"
        problem = "not a registered name"
        if "." in route.handler or ":" in route.handler:
            try:
                handler = import_path(route.handler)
            except ConfigError as exc:
                problem = str(exc)
            else:
                if callable(handler):
                    return
                problem = "not callable"
        raise ConfigError(
            f"route {route.name!r}: unknown handler {route.handler!r} ({problem}; "
            f"registered handlers: {known}; a partner handler is a dotted path "
            "like package.module:function)"
        )

    def route_for(
        self, source: str, name: str, resource_type: str | None
    ) -> Route | None:
        """The first route accepting the message, or None (recorded as ignored)."""
        for route in self.routes:
            if route.matches(source, name, resource_type):
                return route
        return None

    def route(self, name: str) -> Route | None:
        return self._by_name.get(name)

    def handler(self, name: str) -> Handler:
        with self._lock:
            if name not in self._cache:
                path = self._handler_paths.get(name, name)
                self._cache[name] = import_path(path)
            return self._cache[name]

    def task_for(self, route: Route) -> str:
        """Task name for a route: ``<module>.handle_event`` or the generic dispatcher."""
        module = self._handler_module.get(route.handler)
        return f"{module}.handle_event" if module else GENERIC_TASK
