"""Options of the order_status module: YAML ``modules.order_status``, overridden by the
route's ``options``. Unknown keys are rejected naming the section."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from connector.errors import ConfigError
from connector.fluent_orders.options import merged_options
from connector.fluent_orders.ordering import OrderingRule
from connector.modules.order_status.fluent_settings import DEFAULT_TTL_SECONDS
from connector.modules.order_status.mapping import defaults
from connector.options import reject_unknown

SECTION = "modules.order_status"
DEFAULT_TYPE_KEY = "fluent-order"
KEYS = (
    "default_mappings",
    "settings_ttl_seconds",
    "order_type_key",
    "status_rank",
    "final_statuses",
)


@dataclass(frozen=True)
class OrderStatusOptions:
    rule: OrderingRule
    default_mappings: Mapping[str, Mapping[str, str]]
    settings_ttl_seconds: float = DEFAULT_TTL_SECONDS
    order_type_key: str | None = DEFAULT_TYPE_KEY  # None/empty: no watermark fields

    @classmethod
    def from_section(
        cls, section: Mapping[str, Any] | None, route: Mapping[str, Any] | None = None
    ) -> OrderStatusOptions:
        raw = merged_options(section or {}, route)
        reject_unknown(SECTION, raw, KEYS)
        try:
            ttl = float(raw.get("settings_ttl_seconds", DEFAULT_TTL_SECONDS))
        except (TypeError, ValueError):
            raise ConfigError(
                f"{SECTION}.settings_ttl_seconds must be a number"
            ) from None
        return cls(
            rule=OrderingRule.from_options(raw),
            default_mappings=defaults(raw.get("default_mappings")),
            settings_ttl_seconds=ttl,
            order_type_key=raw.get("order_type_key", DEFAULT_TYPE_KEY),
        )
