"""Module specs: each module declares what it handles; central code only loops over them.

A module is a package ``connector.modules.<name>`` whose ``__init__`` defines ``SPEC``.
Its tasks live in ``tasks/<name>.py`` (``<name>.handle_event``, ``<name>.sync_batch``).
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from connector.errors import ConfigError
from connector.settings_file import Route


@dataclass(frozen=True)
class Periodic:
    """An extra beat entry of a module: ``task`` every ``every_seconds``."""

    entry: str
    task: str
    every_seconds: float
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    queue: str = "default"


FULL_RUN_SECONDS = 86400.0  # batch modules: a full run once a day (nightly)


@dataclass(frozen=True)
class ModuleSpec:
    """What a module declares.

    - ``handlers``: registered handler name -> dotted path ``package.module:function``
      (imported lazily, in the worker);
    - ``routes``: default routes (the YAML file may replace one by name or add more);
    - ``batch``: dotted path of a factory ``(services) -> sync.Stream`` for batch syncs;
      ``every_seconds`` its default beat interval (None: no beat entry, CLI/API only);
      ``full_every_seconds`` the default interval of its scheduled ``--full`` run
      (the one that sees hard deletions; None: none);
    - ``periodic``: other beat entries (pollers, sweepers, summaries).
    """

    name: str
    description: str = ""
    handlers: Mapping[str, str] = field(default_factory=dict)
    routes: tuple[Route, ...] = ()
    batch: str | None = None
    every_seconds: float | None = None
    full_every_seconds: float | None = None
    periodic: tuple[Periodic, ...] = ()

    @property
    def tasks_module(self) -> str:
        return f"tasks.{self.name}"


def load_spec(name: str) -> ModuleSpec:
    try:
        module = importlib.import_module(f"connector.modules.{name}")
    except ModuleNotFoundError as exc:
        if exc.name == f"connector.modules.{name}":
            raise ConfigError(
                f"unknown module {name!r} (enabled_modules / CONNECTOR_MODULES)"
            ) from None
        raise
    spec = getattr(module, "SPEC", None)
    if not isinstance(spec, ModuleSpec) or spec.name != name:
        raise ConfigError(f"connector.modules.{name} does not define SPEC for {name!r}")
    return spec


def load_specs(names: Iterable[str]) -> list[ModuleSpec]:
    return [load_spec(n) for n in names]


def import_path(path: str) -> Any:
    """Import ``package.module:attr`` or ``package.module.attr``."""
    if ":" in path:
        module_name, _, attr = path.partition(":")
    else:
        module_name, _, attr = path.rpartition(".")
    if not module_name or not attr:
        raise ConfigError(f"{path!r} is not a dotted path like package.module:function")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ConfigError(
            f"cannot import {module_name!r} for {path!r}: {exc}"
        ) from None
    try:
        return getattr(module, attr)
    except AttributeError:
        raise ConfigError(
            f"{module_name!r} has no attribute {attr!r} ({path!r})"
        ) from None
