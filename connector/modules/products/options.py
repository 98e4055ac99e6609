"""Options of the products module (YAML ``modules.products``), validated with defaults.

Owns the shapes of price rules and attribute selections; resolving channel and
customer-group keys to ids is the stream's job (it needs commercetools).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from marshmallow import RAISE, Schema, fields, validate

from connector.catalogue.options import (
    DELETE_POLICIES,
    TuningSchema,
    load,
    locale_chain,
    stream_options,
)
from connector.errors import ConfigError
from connector.sync.stream import StreamOptions

ATTRIBUTE_TYPES = ("STRING", "TEXT", "INTEGER", "FLOAT", "BOOLEAN", "JSON")
GTIN_MAX = 20


class PriceRuleSchema(Schema):
    class Meta:
        unknown = RAISE

    type = fields.String(load_default="DEFAULT", validate=validate.Length(min=1))
    currency = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(equal=3)
    )
    country = fields.String(load_default=None, allow_none=True)
    channel = fields.String(load_default=None, allow_none=True)
    channel_id = fields.String(load_default=None, allow_none=True)
    customer_group = fields.String(load_default=None, allow_none=True)
    customer_group_id = fields.String(load_default=None, allow_none=True)
    discounted = fields.Boolean(load_default=False)


class AttributeSchema(Schema):
    class Meta:
        unknown = RAISE

    name = fields.String(required=True, validate=validate.Length(min=1))
    fluent_name = fields.String(load_default=None, allow_none=True)
    type = fields.String(
        load_default="STRING", validate=validate.OneOf(ATTRIBUTE_TYPES)
    )
    use = fields.String(load_default="label", validate=validate.OneOf(("label", "key")))


class ProductOptionsSchema(TuningSchema):
    projection = fields.String(
        load_default="current", validate=validate.OneOf(("current", "staged"))
    )
    standard_type = fields.String(
        load_default="STANDARD", validate=validate.Length(min=1, max=50)
    )
    variant_type = fields.String(
        load_default="VARIANT", validate=validate.Length(min=1, max=50)
    )
    prices = fields.List(
        fields.Nested(PriceRuleSchema), load_default=lambda: [{"type": "DEFAULT"}]
    )
    attributes = fields.List(fields.Nested(AttributeSchema), load_default=list)
    gtin_attribute = fields.List(fields.String(), load_default=lambda: ["gtin"])
    gtin_fallback = fields.String(
        load_default="ref", validate=validate.OneOf(("ref", "placeholder"))
    )
    gtin_placeholder = fields.String(
        load_default="NOTAVAILABLE", validate=validate.Length(min=1, max=GTIN_MAX)
    )
    image_attribute = fields.String(load_default="imageUrl", allow_none=True)
    remove_stale_categories = fields.Boolean(load_default=True)
    deactivate_removed_variants = fields.Boolean(load_default=True)
    on_unpublish = fields.String(
        load_default="deactivate", validate=validate.OneOf(DELETE_POLICIES)
    )
    on_delete = fields.String(
        load_default="deactivate", validate=validate.OneOf(DELETE_POLICIES)
    )


KEYS = tuple(ProductOptionsSchema().fields)


@dataclass(frozen=True)
class PriceRule:
    """Pick one CT price per currency; send it as a Fluent price of ``type``."""

    type: str = "DEFAULT"
    currency: str | None = None  # None: every currency the variant has
    country: str | None = None
    channel: str | None = None  # channel key (resolved to channel_id)
    channel_id: str | None = None
    customer_group: str | None = None  # customer-group key (resolved)
    customer_group_id: str | None = None
    discounted: bool = False


@dataclass(frozen=True)
class AttributeSpec:
    name: str  # CT attribute name
    fluent_name: str
    type: str = "STRING"
    use: str = "label"  # enum values: label (localized) or key


@dataclass(frozen=True)
class ProductOptions:
    catalogue: str
    locales: tuple[str, ...] = ("en",)
    projection: str = "current"
    standard_type: str = "STANDARD"
    variant_type: str = "VARIANT"
    prices: tuple[PriceRule, ...] = (PriceRule(),)
    attributes: tuple[AttributeSpec, ...] = ()
    gtin_attributes: tuple[str, ...] = ("gtin",)
    gtin_fallback: str = "ref"
    gtin_placeholder: str = "NOTAVAILABLE"
    image_attribute: str | None = "imageUrl"
    remove_stale_categories: bool = True
    deactivate_removed_variants: bool = True
    on_unpublish: str = "deactivate"
    on_delete: str = "deactivate"
    page_size: int = 500
    stream: StreamOptions = field(default_factory=StreamOptions)

    @classmethod
    def from_mapping(
        cls, raw: Mapping[str, Any] | None, catalogue: str
    ) -> ProductOptions:
        raw = dict(raw or {})
        # conveniences: an attribute may be just its name; gtin_attribute a string
        if isinstance(raw.get("attributes"), list):
            raw["attributes"] = [
                {"name": a} if isinstance(a, str) else a for a in raw["attributes"]
            ]
        if isinstance(raw.get("gtin_attribute"), str):
            raw["gtin_attribute"] = [raw["gtin_attribute"]]
        data = load(ProductOptionsSchema(), raw, "products")
        rules = tuple(PriceRule(**r) for r in data["prices"])
        for i, rule in enumerate(rules):
            if (
                rule.channel
                and rule.channel_id
                or (rule.customer_group and rule.customer_group_id)
            ):
                raise ConfigError(
                    f"invalid settings: modules.products.prices.{i}: give a key or an "
                    "id, not both"
                )
        attributes = tuple(
            AttributeSpec(
                name=a["name"],
                fluent_name=a["fluent_name"] or a["name"],
                type=a["type"],
                use=a["use"],
            )
            for a in data["attributes"]
        )
        return cls(
            catalogue=catalogue,
            locales=locale_chain(data),
            projection=data["projection"],
            standard_type=data["standard_type"],
            variant_type=data["variant_type"],
            prices=rules,
            attributes=attributes,
            gtin_attributes=tuple(data["gtin_attribute"]),
            gtin_fallback=data["gtin_fallback"],
            gtin_placeholder=data["gtin_placeholder"],
            image_attribute=data["image_attribute"] or None,
            remove_stale_categories=data["remove_stale_categories"],
            deactivate_removed_variants=data["deactivate_removed_variants"],
            on_unpublish=data["on_unpublish"],
            on_delete=data["on_delete"],
            page_size=data["page_size"],
            stream=stream_options(data),
        )
