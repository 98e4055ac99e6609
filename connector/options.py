"""Reading a module's YAML options (``modules.<name>``): the one options pattern.

Every module with options has an ``options.py`` holding a frozen dataclass built from
its section (``from_section``) and ``KEYS``, the keys the section may hold (the settings
file's strict check, connector/config_keys.py, reads them); unknown keys are rejected naming the section, with a
"did you mean" hint (``reject_unknown``). ``Options`` gives typed, bounded access to a
section's values. Every problem raises ConfigError naming the option
(``modules.<name>.<option>``); an absent section or option means the documented default.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import fields, is_dataclass
from datetime import timedelta
from typing import Any

from connector.config import Config
from connector.config_keys import suggest
from connector.errors import ConfigError, MissingSetting
from connector.sync.stream import StreamOptions

# the keys ``Options.stream`` reads (every batch module's section may hold them)
STREAM_KEYS = (
    "batch_size",
    "max_in_flight",
    "overlap_seconds",
    "max_removal_share",
    "removal_guard_min",
)


def reject_unknown(section: str, raw: Mapping[str, Any], known: Iterable[str]) -> None:
    """ConfigError naming ``section`` and every unknown key (with the closest known one)."""
    names = sorted(set(known))
    unknown = sorted(str(key) for key in set(raw) - set(names))
    if not unknown:
        return
    parts = [f"{section}.{key}{suggest(key, names)}" for key in unknown]
    raise ConfigError(
        f"unknown option(s) {', '.join(parts)}; {section} knows: {', '.join(names)}"
    )


def field_names(cls: Any) -> list[str]:
    """The field names of an options dataclass (the keys its section may hold)."""
    assert is_dataclass(cls)
    return [f.name for f in fields(cls)]


def section_of(module: str) -> str:
    return f"modules.{module}"


def require_settings(
    config: Config,
    purpose: str,
    *,
    fluent: tuple[str, ...] = (),
    others: Mapping[str, str | None] | None = None,
) -> None:
    """Raise one MissingSetting naming every absent variable (CT, Fluent, others)."""
    names: list[str] = []
    try:
        config.require_ct(purpose)
    except MissingSetting as exc:
        names.extend(exc.names)
    try:
        config.require_fluent(purpose, *fluent)
    except MissingSetting as exc:
        names.extend(exc.names)
    names.extend(name for name, value in (others or {}).items() if not value)
    if names:
        raise MissingSetting(names, purpose)


class Options:
    """Typed access to one module's options mapping."""

    def __init__(
        self,
        module: str,
        raw: Mapping[str, Any] | None,
        known: Iterable[str] | None = None,
    ) -> None:
        if raw is not None and not isinstance(raw, Mapping):
            raise ConfigError(f"modules.{module} must be a mapping")
        self.module = module
        self.raw = dict(raw or {})
        if known is not None:
            reject_unknown(section_of(module), self.raw, known)

    def _name(self, option: str) -> str:
        return f"modules.{self.module}.{option}"

    def integer(self, option: str, default: int, low: int, high: int) -> int:
        value = self.raw.get(option, default)
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{self._name(option)} must be an integer, got {value!r}")
        if not low <= value <= high:
            raise ConfigError(
                f"{self._name(option)} must be between {low} and {high}, got {value}"
            )
        return value

    def number(self, option: str, default: float, low: float = 0.0) -> float:
        value = self.raw.get(option, default)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{self._name(option)} must be a number, got {value!r}")
        if value < low:
            raise ConfigError(f"{self._name(option)} must be >= {low}, got {value}")
        return float(value)

    def flag(self, option: str, default: bool) -> bool:
        value = self.raw.get(option, default)
        if not isinstance(value, bool):
            raise ConfigError(f"{self._name(option)} must be true or false")
        return value

    def text(self, option: str, default: str | None) -> str | None:
        value = self.raw.get(option, default)
        if value is not None and not isinstance(value, str):
            raise ConfigError(f"{self._name(option)} must be a string, got {value!r}")
        return value

    def texts(
        self, option: str, default: tuple[str, ...], *, allow_empty: bool = False
    ) -> tuple[str, ...]:
        value = self.raw.get(option, list(default))
        if isinstance(value, str):
            value = [value]
        if (
            not isinstance(value, list)
            or (not value and not allow_empty)
            or not all(isinstance(v, str) and v for v in value)
        ):
            kind = "a string list" if allow_empty else "a non-empty string list"
            raise ConfigError(f"{self._name(option)} must be {kind}")
        return tuple(value)

    def stream(
        self, *, batch_size: int, max_in_flight: int, overlap_seconds: float
    ) -> StreamOptions:
        """Engine options (``STREAM_KEYS``): ``batch_size``, ``max_in_flight``,
        ``overlap_seconds`` and the mass-removal guard's ``max_removal_share`` and
        ``removal_guard_min``."""
        return StreamOptions(
            batch_size=self.integer("batch_size", batch_size, 1, 500),
            max_in_flight=self.integer("max_in_flight", max_in_flight, 1, 16),
            overlap=timedelta(seconds=self.number("overlap_seconds", overlap_seconds)),
            max_removal_share=self.share("max_removal_share", 0.10),
            removal_guard_min=self.integer("removal_guard_min", 5, 0, 1_000_000),
        )

    def share(self, option: str, default: float) -> float:
        """A fraction between 0 and 1 (e.g. ``0.1`` = 10 %)."""
        value = self.number(option, default)
        if value > 1:
            raise ConfigError(f"{self._name(option)} must be between 0 and 1")
        return value

    def choice(self, option: str, default: str, allowed: Iterable[str]) -> str:
        """One of ``allowed`` (ConfigError listing them otherwise)."""
        value = self.text(option, default) or default
        if value not in allowed:
            raise ConfigError(
                f"{self._name(option)} must be one of {', '.join(allowed)}, "
                f"got {value!r}"
            )
        return value
