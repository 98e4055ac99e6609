"""Marshmallow schemas of the availability API: the query string and the module options.

The query schema is strict (an unknown parameter is a 400 naming it, so a typo such as
``qty=`` never silently falls back to a default). ``load_query`` returns a normalised
``AvailabilityQuery``; errors are ``{parameter: [messages]}``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from marshmallow import (
    RAISE,
    Schema,
    ValidationError,
    fields,
    validate,
    validates_schema,
)

MAX_REF = 255
MAX_QUANTITY = 100_000
MODES = ("stock", "options")
ORDER_TYPES = ("HD", "CC")
LIST_PARAMS = ("sku", "quantity", "location")


@dataclass(frozen=True)
class AvailabilityQuery:
    """A validated request: items in request order (duplicates merged)."""

    items: tuple[tuple[str, int], ...]
    locations: tuple[str, ...]
    lat: float | None
    lon: float | None
    mode: str
    order_type: str | None
    limit: int | None

    @property
    def origin(self) -> tuple[float, float] | None:
        if self.lat is None or self.lon is None:
            return None
        return self.lat, self.lon


MAX_LOCATIONS = 20
COORD_DECIMALS = 4  # ~11 m: nearby requests share a cache entry


def _ref() -> fields.String:
    return fields.String(validate=validate.Length(min=1, max=MAX_REF))


class QuerySchema(Schema):
    class Meta:
        unknown = RAISE

    sku = fields.List(_ref())
    quantity = fields.List(
        fields.Integer(validate=validate.Range(min=1, max=MAX_QUANTITY))
    )
    items = fields.String(validate=validate.Length(min=1, max=20_000))
    location = fields.List(_ref(), validate=validate.Length(max=MAX_LOCATIONS))
    lat = fields.Float(validate=validate.Range(min=-90, max=90))
    lon = fields.Float(validate=validate.Range(min=-180, max=180))
    mode = fields.String(load_default="stock", validate=validate.OneOf(MODES))
    order_type = fields.String(validate=validate.OneOf(ORDER_TYPES))
    limit = fields.Integer(validate=validate.Range(min=1, max=500))

    @validates_schema
    def _together(self, data: dict[str, Any], **kw: Any) -> None:
        if "items" not in data and not data.get("sku"):
            raise ValidationError(
                "give at least one SKU (sku=... or items=SKU:QTY,...)", "sku"
            )
        skus, quantities = data.get("sku") or [], data.get("quantity") or []
        if quantities and not skus:
            raise ValidationError("goes with sku (items carry their own)", "quantity")
        if len(quantities) > 1 and len(quantities) != len(skus):
            raise ValidationError(
                f"give one quantity for all SKUs or one per sku ({len(skus)})",
                "quantity",
            )
        if ("lat" in data) != ("lon" in data):
            raise ValidationError(
                "lat and lon go together", "lon" if "lat" in data else "lat"
            )
        if data.get("order_type") and data.get("mode") != "options":
            raise ValidationError("only with mode=options", "order_type")


def parse_items(text: str) -> list[tuple[str, int]]:
    """``A:2,B,C:1`` -> [(A, 2), (B, 1), (C, 1)]; the last ``:`` splits off the quantity."""
    out: list[tuple[str, int]] = []
    for n, part in enumerate(text.split(",")):
        part = part.strip()
        sku, sep, qty = part.rpartition(":")
        if not sep:
            sku, qty = part, "1"
        if not sku or len(sku) > MAX_REF:
            raise ValidationError({"items": [f"entry {n + 1}: empty or too long SKU"]})
        try:
            quantity = int(qty)
        except ValueError:
            raise ValidationError(
                {"items": [f"entry {n + 1}: quantity {qty!r} is not an integer"]}
            ) from None
        if not 1 <= quantity <= MAX_QUANTITY:
            raise ValidationError(
                {"items": [f"entry {n + 1}: quantity must be 1..{MAX_QUANTITY}"]}
            )
        out.append((sku, quantity))
    return out


def merge_items(items: list[tuple[str, int]]) -> tuple[tuple[str, int], ...]:
    """Same SKU twice -> one item with the summed quantity (first position kept)."""
    merged: dict[str, int] = {}
    for sku, qty in items:
        merged[sku] = merged.get(sku, 0) + qty
    return tuple(merged.items())


def load_query(args: Mapping[str, Any], *, max_items: int) -> AvailabilityQuery:
    """Validate request args (a werkzeug MultiDict or a plain mapping of lists)."""
    data: dict[str, Any] = {}
    getlist = getattr(args, "getlist", None)
    for key in args:
        values = getlist(key) if getlist else args[key]
        if not isinstance(values, list):
            values = [values]
        if key in LIST_PARAMS:
            data[key] = values
        elif len(values) > 1:
            raise ValidationError({key: ["given more than once"]})
        else:
            data[key] = values[0]
    loaded = QuerySchema().load(data)
    items = parse_items(loaded["items"]) if "items" in loaded else []
    skus = loaded.get("sku") or []
    if skus:  # sku/quantity and items may come together: all are requested
        quantities = loaded.get("quantity") or [1]
        if len(quantities) == 1:
            quantities = quantities * len(skus)
        items += list(zip(skus, quantities, strict=True))
    merged = merge_items(items)
    if len(merged) > max_items:
        field = "items" if "items" in loaded else "sku"
        raise ValidationError({field: [f"at most {max_items} SKUs per request"]})
    if any(qty > MAX_QUANTITY for _, qty in merged):
        field = "items" if "items" in loaded else "quantity"
        raise ValidationError({field: [f"quantity must be 1..{MAX_QUANTITY}"]})
    return AvailabilityQuery(
        items=merged,
        locations=tuple(dict.fromkeys(loaded.get("location") or [])),
        lat=_round(loaded.get("lat")),
        lon=_round(loaded.get("lon")),
        mode=loaded["mode"],
        order_type=loaded.get("order_type"),
        limit=loaded.get("limit"),
    )


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, COORD_DECIMALS)
