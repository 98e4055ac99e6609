"""Options of the customers module (YAML ``modules.customers``), validated once.

Owns: parsing and validating the section into ``CustomerOptions``; a bad value fails
with a ConfigError naming ``modules.customers.<option>``. Must not do I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from connector.errors import ConfigError
from connector.options import field_names, reject_unknown

SECTION = "modules.customers"
USERNAME_RULES = ("retailer_email", "email")

# Countries with one time zone; others (US, CA, AU, BR, MX, RU, ...) need
# `country_timezones` or fall back to `default_timezone`.
DEFAULT_COUNTRY_TIMEZONES: Mapping[str, str] = {
    "AT": "Europe/Vienna",
    "BE": "Europe/Brussels",
    "CH": "Europe/Zurich",
    "CZ": "Europe/Prague",
    "DE": "Europe/Berlin",
    "DK": "Europe/Copenhagen",
    "FI": "Europe/Helsinki",
    "FR": "Europe/Paris",
    "GB": "Europe/London",
    "IE": "Europe/Dublin",
    "IT": "Europe/Rome",
    "JP": "Asia/Tokyo",
    "KW": "Asia/Kuwait",
    "LU": "Europe/Luxembourg",
    "NL": "Europe/Amsterdam",
    "NO": "Europe/Oslo",
    "NZ": "Pacific/Auckland",
    "PL": "Europe/Warsaw",
    "SE": "Europe/Stockholm",
    "SG": "Asia/Singapore",
}


@dataclass(frozen=True)
class CustomerOptions:
    """How CT customers become Fluent customers (README: "customers")."""

    username_rule: str = "retailer_email"
    default_first_name: str = "Customer"
    default_timezone: str = "UTC"
    country_timezones: Mapping[str, str] = field(
        default_factory=lambda: dict(DEFAULT_COUNTRY_TIMEZONES)
    )
    timezone_field: str | None = None
    promotion_opt_in_field: str | None = None
    promotion_opt_in_default: bool = False
    lookup_by_email: bool = True
    update_existing: bool = True

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any] | None) -> CustomerOptions:
        raw = dict(raw or {})
        reject_unknown(SECTION, raw, KEYS)
        out: dict[str, Any] = {}
        for name in ("default_first_name", "default_timezone"):
            if name in raw:
                out[name] = text(raw[name], name)
        for name in ("timezone_field", "promotion_opt_in_field"):
            if raw.get(name) is not None:
                out[name] = text(raw[name], name)
        for name in ("promotion_opt_in_default", "lookup_by_email", "update_existing"):
            if name in raw:
                out[name] = flag(raw[name], name)
        if "username_rule" in raw:
            rule = raw["username_rule"]
            if rule not in USERNAME_RULES:
                raise ConfigError(
                    f"{SECTION}.username_rule: must be one of "
                    f"{', '.join(USERNAME_RULES)}, got {rule!r}"
                )
            out["username_rule"] = rule
        if "country_timezones" in raw:
            zones = raw["country_timezones"] or {}
            if not isinstance(zones, Mapping) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in zones.items()
            ):
                raise ConfigError(
                    f"{SECTION}.country_timezones: must map country codes to zones"
                )
            out["country_timezones"] = {
                **DEFAULT_COUNTRY_TIMEZONES,
                **{k.upper(): v for k, v in zones.items()},
            }
        return cls(**out)


def text(value: Any, name: str, section: str = SECTION) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{section}.{name}: must be a non-empty string")
    return value.strip()


def flag(value: Any, name: str, section: str = SECTION) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{section}.{name}: must be true or false")
    return value


KEYS = tuple(field_names(CustomerOptions))  # the keys ``modules.customers`` may hold
