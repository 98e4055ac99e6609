"""Options of the availability module (YAML ``modules.availability``); every key is
optional, unknown keys are rejected naming the section."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from connector.errors import ConfigError
from connector.options import reject_unknown

SECTION = "modules.availability"


class OptionsSchema(Schema):
    """YAML ``modules.availability`` (every key optional)."""

    class Meta:
        unknown = EXCLUDE

    cache_ttl_seconds = fields.Float(
        load_default=5.0, validate=validate.Range(min=0, max=3600)
    )
    timeout_seconds = fields.Float(
        load_default=2.5, validate=validate.Range(min=0.1, max=30)
    )
    retry_after_seconds = fields.Integer(
        load_default=5, validate=validate.Range(min=1, max=3600)
    )
    max_items = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))
    max_locations = fields.Integer(
        load_default=20, validate=validate.Range(min=1, max=500)
    )
    max_concurrency = fields.Integer(
        load_default=16, validate=validate.Range(min=1, max=256)
    )
    fulfilment_option_type = fields.String(
        load_default="DEFAULT", validate=validate.Length(min=1, max=64)
    )
    cache_max_entries = fields.Integer(
        load_default=10_000, validate=validate.Range(min=1)
    )


KEYS = tuple(OptionsSchema().fields)


@dataclass(frozen=True)
class AvailabilityOptions:
    cache_ttl_seconds: float
    timeout_seconds: float
    retry_after_seconds: int
    max_items: int
    max_locations: int
    max_concurrency: int
    fulfilment_option_type: str
    cache_max_entries: int

    @classmethod
    def from_section(cls, raw: Mapping[str, Any] | None) -> AvailabilityOptions:
        reject_unknown(SECTION, dict(raw or {}), KEYS)
        try:
            return cls(**OptionsSchema().load(dict(raw or {})))
        except ValidationError as exc:
            raise ConfigError(f"{SECTION} in the config file: {exc.messages}") from None
