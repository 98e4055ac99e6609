"""Options of the event_errors module (YAML ``modules.event_errors``); unknown keys are
rejected naming the section."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from connector.errors import ConfigError
from connector.options import reject_unknown

SECTION = "modules.event_errors"
DEFAULT_TYPES = ("ORCHESTRATION_AUDIT",)
KEYS = (
    "event_types",
    "overlap_seconds",
    "first_lookback_seconds",
    "max_events",
    "max_groups",
    "page_size",
)


@dataclass(frozen=True)
class EventErrorsOptions:
    event_types: tuple[str, ...] = DEFAULT_TYPES
    overlap: float = 120.0  # seconds re-read before the last checkpoint
    lookback: float = 3600.0  # seconds read on the first run
    max_events: int = 10000
    max_groups: int = 25
    page_size: int = 500

    @classmethod
    def from_section(cls, section: Mapping[str, Any] | None) -> EventErrorsOptions:
        raw = dict(section or {})
        reject_unknown(SECTION, raw, KEYS)
        types = raw.get("event_types", list(DEFAULT_TYPES))
        if isinstance(types, str):
            types = [types]
        if not isinstance(types, list) or not all(isinstance(t, str) for t in types):
            raise ConfigError(f"{SECTION}.event_types: a list of event types")
        try:
            return cls(
                event_types=tuple(types),
                overlap=float(raw.get("overlap_seconds", 120)),
                lookback=float(raw.get("first_lookback_seconds", 3600)),
                max_events=int(raw.get("max_events", 10000)),
                max_groups=int(raw.get("max_groups", 25)),
                page_size=int(raw.get("page_size", 500)),
            )
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"{SECTION}: {exc}") from None
