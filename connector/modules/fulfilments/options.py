"""Options of the fulfilments module: YAML ``modules.fulfilments``, overridden by the
route's ``options``. Unknown keys are rejected naming the section."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from connector.errors import ConfigError
from connector.fluent_orders.options import as_mapping, merged_options
from connector.options import reject_unknown

SECTION = "modules.fulfilments"
MODES = ("custom_fields", "states", "both")
DEFAULT_TYPE_KEY = "fluent-line-item"
DEFAULT_STATES = {"filled": "fluent-filled", "rejected": "fluent-rejected"}
KEYS = ("mode", "line_item_type_key", "states")


@dataclass(frozen=True)
class FulfilmentOptions:
    mode: str = "custom_fields"
    line_item_type_key: str | None = None  # None: the field profile's (ct_fields)
    states: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_STATES))

    @classmethod
    def from_section(
        cls, section: Mapping[str, Any] | None, route: Mapping[str, Any] | None = None
    ) -> FulfilmentOptions:
        raw = merged_options(section or {}, route)
        reject_unknown(SECTION, raw, KEYS)
        mode = str(raw.get("mode", "custom_fields"))
        if mode not in MODES:
            raise ConfigError(f"{SECTION}.mode must be one of {', '.join(MODES)}")
        states = {**DEFAULT_STATES, **as_mapping(raw.get("states"), "states")}
        return cls(
            mode=mode,
            line_item_type_key=str(raw.get("line_item_type_key") or "") or None,
            states={role: str(key) for role, key in states.items()},
        )
