"""Product data actions: helpers for staged/current writes, name, slug, attributes, prices.

``data_action`` wraps a function that edits one ProductData so that it applies to
``masterData.staged`` only (``staged``: true, the default) or to both versions (false),
unsharing the versions first, and emits the action's message once.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from ..errors import invalid_json, invalid_operation
from ..store import Doc, UpdateContext
from ..util import check_type, require
from .common import check_localized
from .products import (
    build_price,
    check_attributes,
    ensure_slug_unique,
    variants_of,
)

DataAction = Callable[[UpdateContext, Doc, Doc], Any]


def targets(ctx: UpdateContext, action: Doc) -> list[Doc]:
    """ProductData dicts an action writes to (staged only, or both when staged=false)."""
    staged = check_type(action.get("staged", True), bool, "actions -> staged")
    md = ctx.doc["masterData"]
    if md["staged"] is md["current"]:
        md["staged"] = copy.deepcopy(md["current"])
    return [md["staged"]] if staged else [md["staged"], md["current"]]


def data_action(
    fn: DataAction, message: str | None = None
) -> Callable[[UpdateContext, Doc], None]:
    """Apply ``fn(ctx, data, action)`` to each target version; emit ``message`` once."""

    def act(ctx: UpdateContext, action: Doc) -> None:
        payload = None
        for data in targets(ctx, action):
            result = fn(ctx, data, action)
            payload = result if payload is None else payload
        if message is not None:
            staged = action.get("staged", True)
            ctx.emit(message, {**(payload or {}), "staged": staged})

    return act


def find_variant(data: Doc, action: Doc) -> Doc:
    sku, vid = action.get("sku"), action.get("variantId")
    for variant in variants_of(data):
        if (vid is not None and variant["id"] == vid) or (
            sku is not None and variant.get("sku") == sku
        ):
            return variant
    if vid is None and sku is None:
        raise invalid_json("actions -> variantId: either variantId or sku is required")
    raise invalid_operation(
        f"The product has no variant with "
        f"{'id ' + str(vid) if vid is not None else 'sku ' + str(sku)}."
    )


def product_type_of(ctx: UpdateContext) -> Doc:
    return ctx.store.coll("product-type").items[ctx.doc["productType"]["id"]]


def change_name(ctx: UpdateContext, data: Doc, action: Doc) -> None:
    data["name"] = check_localized(
        require(action, "name", dict, "actions -> "), "actions -> name"
    )


def set_description(ctx: UpdateContext, data: Doc, action: Doc) -> None:
    if action.get("description") is None:
        data.pop("description", None)
    else:
        data["description"] = check_localized(
            action["description"], "actions -> description"
        )


def change_slug(ctx: UpdateContext, data: Doc, action: Doc) -> Doc:
    slug = check_localized(
        require(action, "slug", dict, "actions -> "), "actions -> slug"
    )
    ensure_slug_unique(ctx.store, slug, ctx.doc["id"])
    old, data["slug"] = data["slug"], slug
    return {"slug": slug, "oldSlug": old}


def set_attribute(ctx: UpdateContext, data: Doc, action: Doc) -> None:
    name = require(action, "name", str, "actions -> ")
    targets = variants_of(data) if action.get("all") else [find_variant(data, action)]
    for variant in targets:
        attrs = [a for a in variant["attributes"] if a["name"] != name]
        if action.get("value") is not None:
            attrs += check_attributes(
                ctx.store,
                product_type_of(ctx),
                [{"name": name, "value": action["value"]}],
                "actions -> attribute",
            )
        variant["attributes"] = attrs


def set_attribute_all(ctx: UpdateContext, data: Doc, action: Doc) -> None:
    set_attribute(ctx, data, {**action, "all": True})


def set_prices(ctx: UpdateContext, data: Doc, action: Doc) -> None:
    prices = require(action, "prices", list, "actions -> ")
    find_variant(data, action)["prices"] = [
        build_price(ctx.store, p, f"actions -> prices[{i}]")
        for i, p in enumerate(prices)
    ]


def add_price(ctx: UpdateContext, data: Doc, action: Doc) -> Doc:
    variant = find_variant(data, action)
    price = action.setdefault(
        "_built", build_price(ctx.store, action.get("price"), "actions -> price")
    )
    variant["prices"] = [*variant["prices"], price]
    return {"variantId": variant["id"], "price": price}


def find_price(data: Doc, price_id: str) -> tuple[Doc, int]:
    for variant in variants_of(data):
        for i, price in enumerate(variant["prices"]):
            if price["id"] == price_id:
                return variant, i
    raise invalid_operation(f"The product has no price with id '{price_id}'.")


def change_price(ctx: UpdateContext, data: Doc, action: Doc) -> Doc:
    price_id = require(action, "priceId", str, "actions -> ")
    variant, i = find_price(data, price_id)
    new = {
        **build_price(ctx.store, action.get("price"), "actions -> price"),
        "id": price_id,
    }
    old = variant["prices"][i]
    variant["prices"] = [*variant["prices"][:i], new, *variant["prices"][i + 1 :]]
    return {"variantId": variant["id"], "oldPrice": old, "newPrice": new}


def remove_price(ctx: UpdateContext, data: Doc, action: Doc) -> None:
    variant, i = find_price(data, require(action, "priceId", str, "actions -> "))
    variant["prices"] = [*variant["prices"][:i], *variant["prices"][i + 1 :]]
