"""Strict keys for the YAML settings file: an unknown key anywhere stops the process.

Owns the list of known top-level sections, route-entry keys (our ``name:`` shape and
Fluent's ``route:`` shape), ``notifications`` keys, and the keys of each module section
(``KEYS`` of the module's own options.py, so this file never repeats them). A typo gets
a "did you mean" from ``suggest``, the one helper the module options use too. Must not validate values: the schemas do that.
"""

from __future__ import annotations

import dataclasses
import difflib
import importlib
from collections.abc import Iterable, Mapping
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
# Sections read by code outside this file (name -> keys, the dotted path of the options
# dataclass whose fields are the keys, or None: not a mapping of keys).
EXTRA_SECTIONS: dict[str, set[str] | str | None] = {
    "ct_fields": None,  # a profile name, checked by connector.ct_fields
    "ct_field_keys": set(FLUENT_KEYS) | set(CONNECTOR_KEYS),
    "fluent_connect": "connector.fluent_connect.effective:Options",
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


def suggest(key: str, known: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` when a known key is close to ``key``, else ''.

    The one did-you-mean helper: this file's checks and ``connector.options.reject_unknown``
    (each module's options) use it.
    """
    close = difflib.get_close_matches(str(key), sorted(known), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _unknown(where: str, data: Any, known: Iterable[str], problems: list[str]) -> None:
    if not isinstance(data, Mapping):
        return
    names = set(known)
    for key in data:
        if key not in names:
            problems.append(f"unknown key {key!r} in {where}{suggest(key, names)}")


def option_keys(module: str) -> frozenset[str] | None:
    """The keys ``modules.<module>`` may hold: ``KEYS`` of the module's ``options.py``
    (the options pattern, connector/options.py). A module without an options file has
    no options (every key is unknown); None for a name that is no module.
    """
    try:
        found = importlib.import_module(f"connector.modules.{module}.options")
    except ModuleNotFoundError as exc:
        if exc.name == f"connector.modules.{module}":
            return None
        if exc.name == f"connector.modules.{module}.options":
            return frozenset()
        raise
    keys = getattr(found, "KEYS", None)
    if keys is None:
        raise ConfigError(f"connector.modules.{module}.options does not define KEYS")
    return frozenset(keys)


def _dataclass_keys(target: str) -> set[str]:
    """The field names of the options dataclass at ``package.module:Name``."""
    path, _, name = target.partition(":")
    cls = getattr(importlib.import_module(path), name)
    return {f.name for f in dataclasses.fields(cls)}


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
    for name, entry in EXTRA_SECTIONS.items():
        if entry is not None:
            keys = _dataclass_keys(entry) if isinstance(entry, str) else entry
            _unknown(name, raw.get(name), keys, problems)
    section = raw.get("modules")
    if isinstance(section, Mapping):
        if modules is None:
            from connector.config import DEFAULT_MODULES

            modules = DEFAULT_MODULES
        names = set(modules)
        _unknown("modules", section, names, problems)
        for module, options in section.items():
            found = option_keys(module) if module in names else None
            if found is not None:
                _unknown(f"modules.{module}", options, found, problems)
    if problems:
        raise ConfigError(f"{path}: " + "; ".join(problems))
