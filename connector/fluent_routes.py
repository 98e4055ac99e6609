"""Routes written in Fluent's ``application-connector.yml`` shape, read from the file
``CONNECTOR_CONFIG`` points at, beside our own routes.

Accepted: list items of ``routes:`` (top level, or under ``fluent-connect:``) shaped
``{route: NAME, handler: ..., props: {name: ..., inclusion-filter: [...]}}``:

- a ``commercetools.*`` route listens to commercetools: ``props.name`` is the resource
  ``typeId`` and ``inclusion-filter`` the message/notification types;
- an ``fc.*`` route listens to Fluent webhooks named ``props.name`` (else the route name);
- ``handler``: one of our registered names or a dotted path, or one of the Java handler
  classes Fluent's connector ships (``HANDLER_ALIASES``); without one (or with a Java
  class we do not have) the route keeps the handler of our route of the same name —
  a route of a known name overrides ours. A route with no handler we can run and no
  route of ours of that name stops the process at start, naming it (routing.py).

Everything else (``priority``, ``className``, other props, ``listeners``, ``credential``,
``job-scheduler``...) is not supported: each is reported once at start (a warning naming
the file and the key; ``warnings`` lists them) and ignored.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from connector.errors import ConfigError

log = logging.getLogger(__name__)

ORIGIN = "Fluent route file"
SECTION = "fluent-connect"
ROUTE_KEYS = frozenset({"route", "handler", "props", "description"})
PROP_KEYS = frozenset({"name", "inclusion-filter"})
SECTION_KEYS = frozenset({"routes", "connector-name"})
HANDLER_ALIASES: Mapping[str, str] = {
    "CategoryUpsertHandler": "categories.upsert",
    "ProductUpsertHandler": "products.upsert",
    "CustomerCreateHandler": "customers.upsert",
    "CustomerUpsertHandler": "customers.upsert",
    "OrderCreateHandler": "orders.create",
    "OrderStatusUpdatedHandler": "order_status.update",
    "FulfilmentStatusUpdateHandler": "fulfilments.update",
    "ConsignmentStatusChangedHandler": "consignments.update",
}


@dataclass
class FluentRoutes:
    """What the loader took out of the raw file: route specs and the report."""

    routes: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def is_fluent_route(item: Any) -> bool:
    return isinstance(item, Mapping) and "route" in item and "name" not in item


def split(raw: dict[str, Any], path: Path) -> tuple[dict[str, Any], FluentRoutes]:
    """``raw`` without Fluent-shaped parts, and those parts as our route specs.

    Route specs are the dicts our file schema takes (``name``, ``source``, ``handler``,
    ``types``, ``resource_types``) plus ``origin``; ``handler`` may be "" (inherit).
    """
    out = FluentRoutes()
    rest = dict(raw)
    items: list[tuple[str, Any]] = []
    ours = rest.get("routes")
    if isinstance(ours, list):
        keep = []
        for i, item in enumerate(ours):
            if is_fluent_route(item):
                items.append((f"routes[{i}]", item))
            else:
                keep.append(item)
        rest["routes"] = keep
    section = rest.pop(SECTION, None)
    if section is not None:
        if not isinstance(section, Mapping):
            raise ConfigError(f"{path}: {SECTION} must be a mapping")
        for key in section:
            if key not in SECTION_KEYS:
                out.warnings.append(f"{path}: {SECTION}.{key}: not supported, ignored")
        name = section.get("connector-name")
        if name not in (None, "commercetools"):
            out.warnings.append(
                f"{path}: {SECTION}.connector-name: {name!r} not supported (settings "
                "are read as fc.connect.commercetools.*), ignored"
            )
        routes = section.get("routes") or []
        if not isinstance(routes, list):
            raise ConfigError(f"{path}: {SECTION}.routes must be a list")
        items += [(f"{SECTION}.routes[{i}]", r) for i, r in enumerate(routes)]
    for where, item in items:
        spec = _route(path, where, item, out.warnings)
        if spec is not None:
            out.routes.append(spec)
    for text in out.warnings:
        log.warning("config.fluent_route.unsupported: %s", text, extra={"detail": text})
    return rest, out


def _route(
    path: Path, where: str, item: Any, warnings: list[str]
) -> dict[str, Any] | None:
    if not isinstance(item, Mapping) or not isinstance(item.get("route"), str):
        raise ConfigError(f"{path}: {where}.route: a route name is required")
    name = item["route"].strip()
    for key in item:
        if key not in ROUTE_KEYS:
            warnings.append(f"{path}: {where}.{key}: not supported, ignored")
    props = item.get("props") or {}
    if not isinstance(props, Mapping):
        raise ConfigError(f"{path}: {where}.props must be a mapping")
    for key in props:
        if key not in PROP_KEYS:
            warnings.append(f"{path}: {where}.props.{key}: not supported, ignored")
    filters = props.get("inclusion-filter") or []
    if isinstance(filters, str):
        filters = [filters]
    if not isinstance(filters, list) or not all(isinstance(f, str) for f in filters):
        raise ConfigError(f"{path}: {where}.props.inclusion-filter must be a list")
    message = props.get("name")
    if message is not None and not isinstance(message, str):
        raise ConfigError(f"{path}: {where}.props.name must be a string")
    handler = item.get("handler") or ""
    if not isinstance(handler, str):
        raise ConfigError(f"{path}: {where}.handler must be a string")
    if handler in HANDLER_ALIASES:
        handler = HANDLER_ALIASES[handler]
    elif handler and "." not in handler and ":" not in handler:
        warnings.append(
            f"{path}: {where}.handler: {handler!r} is a Java handler we do not have; "
            f"route {name!r} keeps our handler of that name (if any)"
        )
        handler = ""
    if name.startswith("commercetools."):
        return {
            "name": name,
            "source": "commercetools",
            "handler": handler,
            "types": list(filters),
            "resource_types": [message] if message else [],
            "origin": ORIGIN,
        }
    if name.startswith("fc."):
        types = [message] if message else []
        return {
            "name": name,
            "source": "fluent",
            "handler": handler,
            "types": types,
            "resource_types": [],
            "origin": ORIGIN,
        }
    warnings.append(
        f"{path}: {where}.route: {name!r} is neither a commercetools.* nor an fc.* "
        "route; skipped (external routes use our routes: format)"
    )
    return None
