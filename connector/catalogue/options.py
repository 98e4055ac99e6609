"""Option pieces shared by the catalogue modules (categories, products): the batch-sync
tuning schema, the locale chain, the delete policies and loading a section with
field-named errors. Must not read the environment.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from connector.errors import ConfigError
from connector.options import reject_unknown
from connector.sync.stream import StreamOptions

DELETE_POLICIES = ("deactivate", "ignore")


class TuningSchema(Schema):
    """Batch-sync tuning shared by the catalogue modules."""

    class Meta:
        unknown = RAISE

    locale = fields.String(load_default="en", validate=validate.Length(min=1))
    fallback_locales = fields.List(fields.String(), load_default=list)
    batch_size = fields.Integer(
        load_default=25, validate=validate.Range(min=1, max=250)
    )
    max_in_flight = fields.Integer(
        load_default=4, validate=validate.Range(min=1, max=32)
    )
    page_size = fields.Integer(
        load_default=500, validate=validate.Range(min=1, max=500)
    )
    overlap_seconds = fields.Float(
        load_default=120.0, validate=validate.Range(min=0, max=86400)
    )
    max_removal_share = fields.Float(
        load_default=0.10, validate=validate.Range(min=0, max=1)
    )
    removal_guard_min = fields.Integer(load_default=5, validate=validate.Range(min=0))


def describe(errors: Any, prefix: str) -> str:
    """Flatten marshmallow errors into ``prefix.field: message`` parts."""
    parts: list[str] = []
    if isinstance(errors, dict):
        for key, value in errors.items():
            parts.append(describe(value, f"{prefix}.{key}"))
    elif isinstance(errors, list) and all(isinstance(e, str) for e in errors):
        parts.append(f"{prefix}: {' '.join(errors)}")
    elif isinstance(errors, list):
        parts.extend(describe(e, prefix) for e in errors)
    else:
        parts.append(f"{prefix}: {errors}")
    return "; ".join(p for p in parts if p)


def load(schema: Schema, raw: Mapping[str, Any] | None, module: str) -> dict[str, Any]:
    """Validate ``modules.<module>``; ConfigError names the bad field (an unknown key
    with the closest known one)."""
    reject_unknown(f"modules.{module}", dict(raw or {}), schema.fields)
    try:
        return dict(schema.load(dict(raw or {})))
    except ValidationError as exc:
        raise ConfigError(
            f"invalid settings: {describe(exc.messages, f'modules.{module}')}"
        ) from None


def locale_chain(data: Mapping[str, Any]) -> tuple[str, ...]:
    """The configured locale followed by its fallbacks, without duplicates."""
    return tuple(dict.fromkeys([data["locale"], *data["fallback_locales"]]))


def stream_options(data: Mapping[str, Any]) -> StreamOptions:
    return StreamOptions(
        batch_size=data["batch_size"],
        max_in_flight=data["max_in_flight"],
        overlap=timedelta(seconds=data["overlap_seconds"]),
        max_removal_share=data["max_removal_share"],
        removal_guard_min=data["removal_guard_min"],
    )
