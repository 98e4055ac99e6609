"""Module options: YAML ``modules.<name>`` overridden by the route's ``options``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connector.errors import ConfigError


def merged_options(
    config_options: Mapping[str, Any], route_options: Mapping[str, Any] | None
) -> dict[str, Any]:
    return {**dict(config_options or {}), **dict(route_options or {})}


def as_mapping(value: Any, name: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ConfigError(f"{name} must be a mapping, got {type(value).__name__}")
    return dict(value)
