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


CT_ORDER_CACHE_OPTION = "ct_order_cache_seconds"
CT_ORDER_CACHE_SECONDS = 60.0
CT_ORDER_CACHE_MAX = 3600.0


def ct_order_cache_seconds(raw: Mapping[str, Any]) -> float:
    """``modules.orders.ct_order_cache_seconds``: how long what one webhook's handler
    read (the CT and the Fluent order) is kept for the next webhook of the same order
    (``order_cache``); 0 = off."""
    value = raw.get(CT_ORDER_CACHE_OPTION, CT_ORDER_CACHE_SECONDS)
    if value is None:
        return CT_ORDER_CACHE_SECONDS
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(
            f"modules.orders.{CT_ORDER_CACHE_OPTION}: must be a number of seconds"
        )
    if not 0 <= value <= CT_ORDER_CACHE_MAX:
        raise ConfigError(
            f"modules.orders.{CT_ORDER_CACHE_OPTION}: must be between 0 and {CT_ORDER_CACHE_MAX:.0f}"
        )
    return float(value)
