"""Product update actions with staged/current semantics, and the products ``Kind``.

Actions that change product data take ``staged`` (default true): true changes only
``masterData.staged``; false changes both versions. ``publish`` copies staged to current and
produces ProductPublished with the current projection; ``unpublish`` hides the product from
(current) projections. After each request ``hasStagedChanges`` is recomputed and equal
versions are shared again.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from ..errors import duplicate_field, invalid_json, invalid_operation
from ..store import Doc, UpdateContext
from ..util import check_type, require
from .base import Kind
from .common import check_localized, check_str, resolve_ref, setter, to_ref
from .products import (
    VIEW_SCOPES,
    build_price,
    build_variant,
    check_attributes,
    create,
    delete_messages,
    ensure_skus_unique,
    ensure_slug_unique,
    projection,
    variants_of,
)

DataAction = Callable[[UpdateContext, Doc, Doc], Any]


def _targets(ctx: UpdateContext, action: Doc) -> list[Doc]:
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
        for data in _targets(ctx, action):
            result = fn(ctx, data, action)
            payload = result if payload is None else payload
        if message is not None:
            staged = action.get("staged", True)
            ctx.emit(message, {**(payload or {}), "staged": staged})

    return act


def _variant(data: Doc, action: Doc) -> Doc:
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


def _product_type(ctx: UpdateContext) -> Doc:
    return ctx.store.coll("product-type").items[ctx.doc["productType"]["id"]]


def _change_name(ctx: UpdateContext, data: Doc, action: Doc) -> None:
    data["name"] = check_localized(
        require(action, "name", dict, "actions -> "), "actions -> name"
    )


def _set_description(ctx: UpdateContext, data: Doc, action: Doc) -> None:
    if action.get("description") is None:
        data.pop("description", None)
    else:
        data["description"] = check_localized(
            action["description"], "actions -> description"
        )


def _change_slug(ctx: UpdateContext, data: Doc, action: Doc) -> Doc:
    slug = check_localized(
        require(action, "slug", dict, "actions -> "), "actions -> slug"
    )
    ensure_slug_unique(ctx.store, slug, ctx.doc["id"])
    old, data["slug"] = data["slug"], slug
    return {"slug": slug, "oldSlug": old}


def _set_attribute(ctx: UpdateContext, data: Doc, action: Doc) -> None:
    name = require(action, "name", str, "actions -> ")
    targets = variants_of(data) if action.get("all") else [_variant(data, action)]
    for variant in targets:
        attrs = [a for a in variant["attributes"] if a["name"] != name]
        if action.get("value") is not None:
            attrs += check_attributes(
                ctx.store,
                _product_type(ctx),
                [{"name": name, "value": action["value"]}],
                "actions -> attribute",
            )
        variant["attributes"] = attrs


def _set_attribute_all(ctx: UpdateContext, data: Doc, action: Doc) -> None:
    _set_attribute(ctx, data, {**action, "all": True})


def _set_prices(ctx: UpdateContext, data: Doc, action: Doc) -> None:
    prices = require(action, "prices", list, "actions -> ")
    _variant(data, action)["prices"] = [
        build_price(ctx.store, p, f"actions -> prices[{i}]")
        for i, p in enumerate(prices)
    ]


def _add_price(ctx: UpdateContext, data: Doc, action: Doc) -> Doc:
    variant = _variant(data, action)
    price = action.setdefault(
        "_built", build_price(ctx.store, action.get("price"), "actions -> price")
    )
    variant["prices"] = [*variant["prices"], price]
    return {"variantId": variant["id"], "price": price}


def _find_price(data: Doc, price_id: str) -> tuple[Doc, int]:
    for variant in variants_of(data):
        for i, price in enumerate(variant["prices"]):
            if price["id"] == price_id:
                return variant, i
    raise invalid_operation(f"The product has no price with id '{price_id}'.")


def _change_price(ctx: UpdateContext, data: Doc, action: Doc) -> Doc:
    price_id = require(action, "priceId", str, "actions -> ")
    variant, i = _find_price(data, price_id)
    new = {
        **build_price(ctx.store, action.get("price"), "actions -> price"),
        "id": price_id,
    }
    old = variant["prices"][i]
    variant["prices"] = [*variant["prices"][:i], new, *variant["prices"][i + 1 :]]
    return {"variantId": variant["id"], "oldPrice": old, "newPrice": new}


def _remove_price(ctx: UpdateContext, data: Doc, action: Doc) -> None:
    variant, i = _find_price(data, require(action, "priceId", str, "actions -> "))
    variant["prices"] = [*variant["prices"][:i], *variant["prices"][i + 1 :]]


def _add_variant(ctx: UpdateContext, action: Doc) -> None:
    variant_id = ctx.doc["lastVariantId"] + 1
    variant = build_variant(
        ctx.store, _product_type(ctx), action, variant_id, "actions"
    )
    sku = variant.get("sku")
    if sku:
        ensure_skus_unique(ctx.store, [sku], ctx.doc["id"])
        md = ctx.doc["masterData"]
        if any(
            v.get("sku") == sku
            for d in (md["current"], md["staged"])
            for v in variants_of(d)
        ):
            raise duplicate_field("sku", sku)
    ctx.doc["lastVariantId"] = variant_id
    for data in _targets(ctx, action):
        data["variants"] = [*data["variants"], copy.deepcopy(variant)]
    ctx.emit(
        "ProductVariantAdded",
        {"variant": variant, "staged": action.get("staged", True)},
    )


def _remove_variant(ctx: UpdateContext, data: Doc, action: Doc) -> Doc:
    ident = {"variantId": action.get("id"), "sku": action.get("sku")}
    variant = _variant(data, ident)
    if variant is data["masterVariant"]:
        raise invalid_operation("The master variant cannot be removed.")
    data["variants"] = [v for v in data["variants"] if v is not variant]
    return {"variant": variant, "removedImageUrls": []}


def _set_sku(ctx: UpdateContext, data: Doc, action: Doc) -> None:
    variant = _variant(
        data, {"variantId": require(action, "variantId", int, "actions -> ")}
    )
    sku = action.get("sku")
    if sku is not None:
        ensure_skus_unique(ctx.store, [check_str(sku, "actions -> sku")], ctx.doc["id"])
        variant["sku"] = sku
    else:
        variant.pop("sku", None)


def _add_to_category(ctx: UpdateContext, data: Doc, action: Doc) -> Doc:
    category = to_ref(
        ctx.store, action.get("category"), "category", "actions -> category"
    )
    if any(c["id"] == category["id"] for c in data["categories"]):
        raise invalid_operation(
            f"The product is already in category '{category['id']}'."
        )
    data["categories"] = [*data["categories"], category]
    if action.get("orderHint") is not None:
        data["categoryOrderHints"] = {
            **data["categoryOrderHints"],
            category["id"]: action["orderHint"],
        }
    return {"category": category}


def _remove_from_category(ctx: UpdateContext, data: Doc, action: Doc) -> Doc:
    category = resolve_ref(
        ctx.store, action.get("category"), "category", "actions -> category"
    )
    if not any(c["id"] == category["id"] for c in data["categories"]):
        raise invalid_operation(f"The product is not in category '{category['id']}'.")
    data["categories"] = [c for c in data["categories"] if c["id"] != category["id"]]
    data["categoryOrderHints"] = {
        k: v for k, v in data["categoryOrderHints"].items() if k != category["id"]
    }
    return {"category": {"typeId": "category", "id": category["id"]}}


def _publish(ctx: UpdateContext, action: Doc) -> None:
    scope = action.get("scope", "All")
    if scope not in ("All", "Prices"):
        raise invalid_json(f"actions -> scope: Invalid enum value '{scope}'.")
    md = ctx.doc["masterData"]
    md["current"] = md["staged"]
    md["published"] = True
    ctx.emit(
        "ProductPublished",
        {
            "productProjection": lambda d: projection(d, "current"),
            "removedImageUrls": [],
            "scope": scope,
        },
    )


def _unpublish(ctx: UpdateContext, action: Doc) -> None:
    md = ctx.doc["masterData"]
    if not md["published"]:
        raise invalid_operation("The product is already unpublished.")
    md["published"] = False
    ctx.emit("ProductUnpublished", {})


def _revert_staged(ctx: UpdateContext, action: Doc) -> None:
    md = ctx.doc["masterData"]
    md["staged"] = md["current"]
    ctx.emit("ProductRevertedStagedChanges", {"removedImageUrls": []})


def _set_tax_category(ctx: UpdateContext, action: Doc) -> None:
    if action.get("taxCategory") is None:
        ctx.doc.pop("taxCategory", None)
    else:
        ctx.doc["taxCategory"] = to_ref(
            ctx.store, action["taxCategory"], "tax-category", "actions -> taxCategory"
        )


def after_actions(ctx: UpdateContext) -> None:
    """Recompute hasStagedChanges; share equal versions again to keep memory low."""
    md = ctx.doc["masterData"]
    if md["staged"] is not md["current"] and md["staged"] == md["current"]:
        md["staged"] = md["current"]
    md["hasStagedChanges"] = md["staged"] is not md["current"]


KIND = Kind(
    path="products",
    type_id="product",
    view_scopes=("view_products",),
    manage_scopes=("manage_products",),
    create=create,
    delete_messages=delete_messages,
    after_actions=after_actions,
    actions={
        "changeName": data_action(_change_name),
        "setDescription": data_action(_set_description),
        "changeSlug": data_action(_change_slug, "ProductSlugChanged"),
        "setKey": setter("key", check_str, unique="key"),
        "setAttribute": data_action(_set_attribute),
        "setAttributeInAllVariants": data_action(_set_attribute_all),
        "setPrices": data_action(_set_prices),
        "addPrice": data_action(_add_price, "ProductPriceAdded"),
        "changePrice": data_action(_change_price, "ProductPriceChanged"),
        "removePrice": data_action(_remove_price),
        "addVariant": _add_variant,
        "removeVariant": data_action(_remove_variant, "ProductVariantDeleted"),
        "setSku": data_action(_set_sku),
        "addToCategory": data_action(_add_to_category, "ProductAddedToCategory"),
        "removeFromCategory": data_action(
            _remove_from_category, "ProductRemovedFromCategory"
        ),
        "publish": _publish,
        "unpublish": _unpublish,
        "revertStagedChanges": _revert_staged,
        "setTaxCategory": _set_tax_category,
    },
)

__all__ = ["KIND", "VIEW_SCOPES"]
