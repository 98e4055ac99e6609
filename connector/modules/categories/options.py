"""Options of the categories module (YAML ``modules.categories``); the pieces shared
with the products module (locale chain, batch-sync tuning) are in
connector/catalogue/options.py.

Owns validation and defaults (every option has one, so the module runs without a YAML
section). Must not read the environment: credentials come from ``Config.require_*``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from marshmallow import fields, validate

from connector.catalogue.options import (
    DELETE_POLICIES,
    TuningSchema,
    load,
    locale_chain,
    stream_options,
)
from connector.sync.stream import StreamOptions


class CategoryOptionsSchema(TuningSchema):
    type = fields.String(
        load_default="DEFAULT", validate=validate.Length(min=1, max=50)
    )
    on_delete = fields.String(
        load_default="deactivate", validate=validate.OneOf(DELETE_POLICIES)
    )


KEYS = tuple(CategoryOptionsSchema().fields)


@dataclass(frozen=True)
class CategoryOptions:
    catalogue: str
    locales: tuple[str, ...] = ("en",)
    type: str = "DEFAULT"
    on_delete: str = "deactivate"
    page_size: int = 500
    stream: StreamOptions = field(default_factory=StreamOptions)

    @classmethod
    def from_mapping(
        cls, raw: Mapping[str, Any] | None, catalogue: str
    ) -> CategoryOptions:
        data = load(CategoryOptionsSchema(), raw, "categories")
        return cls(
            catalogue=catalogue,
            locales=locale_chain(data),
            type=data["type"],
            on_delete=data["on_delete"],
            page_size=data["page_size"],
            stream=stream_options(data),
        )
