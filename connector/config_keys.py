"""Strict keys for the YAML settings file: an unknown key anywhere stops the process.

Owns the list of known top-level sections, route-entry keys (our ``name:`` shape and
Fluent's ``route:`` shape), ``notifications`` keys, and the keys of each module section
(read from the module's own options class, so this file never repeats them). A typo
gets a "did you mean" from difflib. Must not validate values: the schemas do that.
"""

from __future__ import annotations

import difflib
import importlib
from collections.abc import Iterable, Mapping
from dataclasses import fields as dataclass_fields
from dataclasses import is_dataclass
from pathlib import Path
from typing import Any

from connector.ct_fields import CONNECTOR_KEYS, FLUENT_KEYS
from connector.errors import ConfigError

TOP_LEVEL = {
    "enabled_modules",
    "routes",
    "schedules",
    "modules",
    "retry",
    "notifications",
}
# Sections read by code outside this file may be registered here (name -> keys or None).
EXTRA_SECTIONS: dict[str, set[str] | None] = {
    "ct_fields": None,  # a profile name, checked by connector.ct_fields
    "ct_field_keys": set(FLUENT_KEYS) | set(CONNECTOR_KEYS),
    "fluent_connect": {"read_settings", "write_back", "settings_ttl_seconds"},
    "fluent-connect": None,  # Fluent's own section: connector.fluent_routes reports it
}

ROUTE_KEYS = {
    "name",
    "source",
    "handler",
    "types",
    "resource_types",
    "queue",
    "enabled",
    "options",
}
# Fluent's application-connector.yml shape: ``- route: <name>`` (+ ours where useful).
FLUENT_ROUTE_KEYS = {
    "route",
    "handler",
    "priority",
    "props",
    "className",
    "description",
    "source",
    "queue",
    "enabled",
    "options",
}
RETRY_KEYS = {"max_retries", "backoff_base", "backoff_max", "max_deliveries"}
NOTIFICATION_KEYS = {
    "channels",
    "settle_seconds",
    "first_lookback_seconds",
    "max_groups",
    "include_samples",
}

# module -> "package.module:Name" of its options class (marshmallow Schema or dataclass)
# or an explicit set of keys. A module absent here (or whose class moved) is not checked
# here; its own options class rejects unknown keys when it loads them.
MODULE_OPTIONS: dict[str, str | set[str]] = {
    "categories": "connector.modules.categories.options:CategoryOptionsSchema",
    "products": "connector.modules.products.options:ProductOptionsSchema",
    "customers": "connector.fluent_customers.options:CustomerOptions",
    "orders": "connector.modules.orders.options:OrderOptions",
    "external_out": "connector.modules.external_out.options:_ModuleSchema",
    "availability": "connector.modules.availability.schemas:OptionsSchema",
    "event_errors": {
        "event_types",
        "overlap_seconds",
        "first_lookback_seconds",
        "max_events",
        "max_groups",
        "page_size",
    },
}


def suggest(key: str, known: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` when a known key is close to ``key``, else ''."""
    close = difflib.get_close_matches(str(key), sorted(known), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _unknown(where: str, data: Any, known: set[str], problems: list[str]) -> None:
    if not isinstance(data, Mapping):
        return
    for key in data:
        if key not in known:
            problems.append(f"unknown key {key!r} in {where}{suggest(key, known)}")


def option_keys(module: str) -> set[str] | None:
    """Keys the module's options class accepts, or None when it cannot be found.

    ``MODULE_OPTIONS`` first; else the one frozen ``*Options`` dataclass of
    ``connector.modules.<module>.options`` (the house rule for module options).
    """
    target = MODULE_OPTIONS.get(module)
    if isinstance(target, set):
        return target
    cls = _import(target) if target else None
    if cls is None:
        cls = _options_dataclass(module)
    if cls is not None and is_dataclass(cls):
        return {f.name for f in dataclass_fields(cls)}
    declared = getattr(cls, "_declared_fields", None)
    if isinstance(declared, Mapping):
        return {f.data_key or key for key, f in declared.items()}
    return None


def _import(target: str) -> Any:
    path, _, name = target.partition(":")
    try:
        return getattr(importlib.import_module(path), name)
    except (ImportError, AttributeError):
        return None


def _options_dataclass(module: str) -> Any:
    try:
        found = importlib.import_module(f"connector.modules.{module}.options")
    except ImportError:
        return None
    candidates = [
        obj
        for name, obj in vars(found).items()
        if name.endswith("Options")
        and isinstance(obj, type)
        and is_dataclass(obj)
        and obj.__module__ == found.__name__
        and obj.__dataclass_params__.frozen  # type: ignore[attr-defined]
    ]
    return candidates[0] if len(candidates) == 1 else None


def check_keys(
    path: Path, raw: Mapping[str, Any], modules: Iterable[str] | None = None
) -> None:
    """Raise ConfigError listing every unknown key in the file (with suggestions).

    ``modules`` are the module names a ``modules:`` section may configure (default:
    the shipped ones).
    """
    problems: list[str] = []
    _unknown("the top level", raw, TOP_LEVEL | set(EXTRA_SECTIONS), problems)
    routes = raw.get("routes")
    if isinstance(routes, list):
        for index, entry in enumerate(routes):
            if not isinstance(entry, Mapping):
                continue
            label = entry.get("name") or entry.get("route") or f"#{index + 1}"
            known = FLUENT_ROUTE_KEYS if "route" in entry else ROUTE_KEYS
            _unknown(f"route {label!r}", entry, known, problems)
    _unknown("retry", raw.get("retry"), RETRY_KEYS, problems)
    _unknown("notifications", raw.get("notifications"), NOTIFICATION_KEYS, problems)
    for name, keys in EXTRA_SECTIONS.items():
        if keys is not None:
            _unknown(name, raw.get(name), keys, problems)
    section = raw.get("modules")
    if isinstance(section, Mapping):
        if modules is None:
            from connector.config import DEFAULT_MODULES

            modules = DEFAULT_MODULES
        names = set(modules)
        _unknown("modules", section, names, problems)
        for module, options in section.items():
            keys = option_keys(module) if module in names else None
            if keys is not None:
                _unknown(f"modules.{module}", options, keys, problems)
    if problems:
        raise ConfigError(f"{path}: " + "; ".join(problems))
