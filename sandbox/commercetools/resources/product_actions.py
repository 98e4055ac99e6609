"""Product update actions with staged/current semantics, and the products ``Kind``.

Actions that change product data take ``staged`` (default true): true changes only
``masterData.staged``; false changes both versions. ``publish`` copies staged to current and
produces ProductPublished with the current projection; ``unpublish`` hides the product from
(current) projections. After each request ``hasStagedChanges`` is recomputed and equal
versions are shared again.
"""

from __future__ import annotations

import copy

from ..errors import duplicate_field, invalid_json, invalid_operation
from ..store import Doc, UpdateContext
from ..util import require
from .base import Kind
from .common import check_str, resolve_ref, setter, to_ref
from .product_data import (
    add_price,
    change_name,
    change_price,
    change_slug,
    data_action,
    find_variant,
    product_type_of,
    remove_price,
    set_attribute,
    set_attribute_all,
    set_description,
    set_prices,
    targets,
)
from .products import (
    VIEW_SCOPES,
    build_variant,
    create,
    delete_messages,
    ensure_skus_unique,
    projection,
    variants_of,
)


def _add_variant(ctx: UpdateContext, action: Doc) -> None:
    variant_id = ctx.doc["lastVariantId"] + 1
    variant = build_variant(
        ctx.store, product_type_of(ctx), action, variant_id, "actions"
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
    for data in targets(ctx, action):
        data["variants"] = [*data["variants"], copy.deepcopy(variant)]
    ctx.emit(
        "ProductVariantAdded",
        {"variant": variant, "staged": action.get("staged", True)},
    )


def _remove_variant(ctx: UpdateContext, data: Doc, action: Doc) -> Doc:
    ident = {"variantId": action.get("id"), "sku": action.get("sku")}
    variant = find_variant(data, ident)
    if variant is data["masterVariant"]:
        raise invalid_operation("The master variant cannot be removed.")
    data["variants"] = [v for v in data["variants"] if v is not variant]
    return {"variant": variant, "removedImageUrls": []}


def _set_sku(ctx: UpdateContext, data: Doc, action: Doc) -> None:
    variant = find_variant(
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
        "changeName": data_action(change_name),
        "setDescription": data_action(set_description),
        "changeSlug": data_action(change_slug, "ProductSlugChanged"),
        "setKey": setter("key", check_str, unique="key"),
        "setAttribute": data_action(set_attribute),
        "setAttributeInAllVariants": data_action(set_attribute_all),
        "setPrices": data_action(set_prices),
        "addPrice": data_action(add_price, "ProductPriceAdded"),
        "changePrice": data_action(change_price, "ProductPriceChanged"),
        "removePrice": data_action(remove_price),
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
