"""Project set-up resources: shipping methods, tax categories, zones and product types.

Kept minimal but real: drafts validated, references resolved (a shipping method needs an
existing tax category and zones), keys unique, a few update actions each. Orders reference
shipping methods (``shippingInfo.shippingMethod``); products reference product types whose
attribute definitions name the attributes a product may carry.
"""

from __future__ import annotations

from typing import Any

from ..errors import invalid_json, invalid_operation
from ..store import Collection, Doc, Store, UpdateContext
from ..util import check_type, localized, money, new_id, require
from .base import Kind
from .common import (
    check_bool,
    check_localized,
    check_str,
    custom_actions,
    custom_from_draft,
    ensure_unique,
    setter,
    to_ref,
)


def collections() -> list[Collection]:
    return [
        Collection("shipping-method"),
        Collection("tax-category"),
        Collection("zone"),
        Collection("product-type"),
    ]


def _zone_rate(store: Store, value: Any, where: str) -> Doc:
    check_type(value, dict, where)
    rates = []
    for i, rate in enumerate(value.get("shippingRates") or []):
        check_type(rate, dict, f"{where} -> shippingRates[{i}]")
        out: Doc = {
            "price": money(
                rate.get("price"), f"{where} -> shippingRates[{i}] -> price"
            ),
            "tiers": list(rate.get("tiers") or []),
        }
        if rate.get("freeAbove") is not None:
            out["freeAbove"] = money(rate["freeAbove"], f"{where} -> freeAbove")
        rates.append(out)
    return {
        "zone": to_ref(store, value.get("zone"), "zone", f"{where} -> zone"),
        "shippingRates": rates,
    }


def create_shipping_method(
    store: Store, draft: Doc
) -> tuple[Doc, list[tuple[str, Doc]]]:
    doc: Doc = {"name": require(draft, "name", str)}
    if draft.get("key") is not None:
        doc["key"] = check_str(draft["key"], "key")
        ensure_unique(store.coll("shipping-method"), "key", doc["key"])
    for name in ("localizedName", "localizedDescription"):
        if draft.get(name) is not None:
            doc[name] = check_localized(draft[name], name)
    if draft.get("description") is not None:
        doc["description"] = check_str(draft["description"], "description")
    if draft.get("taxCategory") is None:
        raise invalid_json("taxCategory: Missing required value")
    doc["taxCategory"] = to_ref(
        store, draft["taxCategory"], "tax-category", "taxCategory"
    )
    zone_rates = require(draft, "zoneRates", list)
    doc["zoneRates"] = [
        _zone_rate(store, z, f"zoneRates[{i}]") for i, z in enumerate(zone_rates)
    ]
    doc["isDefault"] = check_bool(require(draft, "isDefault", bool), "isDefault")
    doc["active"] = check_bool(draft.get("active", True), "active")
    if draft.get("predicate") is not None:
        doc["predicate"] = check_str(draft["predicate"], "predicate")
    custom = custom_from_draft(store, draft, "shipping-method")
    if custom is not None:
        doc["custom"] = custom
    return doc, []


def _add_shipping_zone(ctx: UpdateContext, action: Doc) -> None:
    zone = to_ref(ctx.store, action.get("zone"), "zone", "actions -> zone")
    if any(z["zone"]["id"] == zone["id"] for z in ctx.doc["zoneRates"]):
        raise invalid_operation("The zone is already part of this shipping method.")
    ctx.doc["zoneRates"] = [*ctx.doc["zoneRates"], {"zone": zone, "shippingRates": []}]


def _add_shipping_rate(ctx: UpdateContext, action: Doc) -> None:
    zone = to_ref(ctx.store, action.get("zone"), "zone", "actions -> zone")
    rate = _zone_rate(
        ctx.store,
        {"zone": zone, "shippingRates": [action.get("shippingRate")]},
        "actions",
    )["shippingRates"][0]
    for zone_rate in ctx.doc["zoneRates"]:
        if zone_rate["zone"]["id"] == zone["id"]:
            zone_rate["shippingRates"] = [*zone_rate["shippingRates"], rate]
            return
    raise invalid_operation("The zone is not part of this shipping method.")


def _change_tax_category(ctx: UpdateContext, action: Doc) -> None:
    ctx.doc["taxCategory"] = to_ref(
        ctx.store, action.get("taxCategory"), "tax-category", "actions -> taxCategory"
    )


SHIPPING_METHOD_KIND = Kind(
    path="shipping-methods",
    type_id="shipping-method",
    view_scopes=("view_shipping_methods", "view_orders"),
    manage_scopes=("manage_shipping_methods",),
    create=create_shipping_method,
    actions={
        "setKey": setter("key", check_str, unique="key"),
        "changeName": setter("name", check_str, required=True),
        "setLocalizedName": setter("localizedName", check_localized),
        "setDescription": setter("description", check_str),
        "setLocalizedDescription": setter("localizedDescription", check_localized),
        "changeIsDefault": setter("isDefault", check_bool, required=True),
        "changeActive": setter("active", check_bool, required=True),
        "changeTaxCategory": _change_tax_category,
        "addShippingZone": _add_shipping_zone,
        "addShippingRate": _add_shipping_rate,
        "setPredicate": setter("predicate", check_str),
        **custom_actions("shipping-method"),
    },
)


def _tax_rate(value: Any, where: str) -> Doc:
    check_type(value, dict, where)
    amount = require(value, "amount", (int, float), f"{where} -> ")
    if not 0 <= amount <= 1:
        raise invalid_json(f"{where} -> amount: must be between 0 and 1")
    out: Doc = {
        "id": new_id()[:8],
        "name": require(value, "name", str, f"{where} -> "),
        "amount": amount,
        "includedInPrice": require(value, "includedInPrice", bool, f"{where} -> "),
        "country": require(value, "country", str, f"{where} -> "),
        "subRates": [],
    }
    if value.get("key") is not None:
        out["key"] = check_str(value["key"], f"{where} -> key")
    if value.get("state") is not None:
        out["state"] = check_str(value["state"], f"{where} -> state")
    return out


def create_tax_category(store: Store, draft: Doc) -> tuple[Doc, list[tuple[str, Doc]]]:
    doc: Doc = {"name": require(draft, "name", str)}
    if draft.get("key") is not None:
        doc["key"] = check_str(draft["key"], "key")
        ensure_unique(store.coll("tax-category"), "key", doc["key"])
    if draft.get("description") is not None:
        doc["description"] = check_str(draft["description"], "description")
    doc["rates"] = [
        _tax_rate(r, f"rates[{i}]") for i, r in enumerate(draft.get("rates") or [])
    ]
    return doc, []


def _add_tax_rate(ctx: UpdateContext, action: Doc) -> None:
    ctx.doc["rates"] = [
        *ctx.doc["rates"],
        _tax_rate(action.get("taxRate"), "actions -> taxRate"),
    ]


TAX_CATEGORY_KIND = Kind(
    path="tax-categories",
    type_id="tax-category",
    view_scopes=("view_tax_categories", "view_products", "view_orders"),
    manage_scopes=("manage_tax_categories",),
    create=create_tax_category,
    actions={
        "changeName": setter("name", check_str, required=True),
        "setKey": setter("key", check_str, unique="key"),
        "setDescription": setter("description", check_str),
        "addTaxRate": _add_tax_rate,
    },
)


def _location(value: Any, where: str) -> Doc:
    check_type(value, dict, where)
    out: Doc = {"country": require(value, "country", str, f"{where} -> ")}
    if value.get("state") is not None:
        out["state"] = check_str(value["state"], f"{where} -> state")
    return out


def create_zone(store: Store, draft: Doc) -> tuple[Doc, list[tuple[str, Doc]]]:
    doc: Doc = {"name": require(draft, "name", str)}
    if draft.get("key") is not None:
        doc["key"] = check_str(draft["key"], "key")
        ensure_unique(store.coll("zone"), "key", doc["key"])
    if draft.get("description") is not None:
        doc["description"] = check_str(draft["description"], "description")
    doc["locations"] = [
        _location(v, f"locations[{i}]")
        for i, v in enumerate(draft.get("locations") or [])
    ]
    return doc, []


def _add_location(ctx: UpdateContext, action: Doc) -> None:
    loc = _location(action.get("location"), "actions -> location")
    ctx.doc["locations"] = [*ctx.doc["locations"], loc]


ZONE_KIND = Kind(
    path="zones",
    type_id="zone",
    view_scopes=("view_shipping_methods", "view_orders"),
    manage_scopes=("manage_shipping_methods",),
    create=create_zone,
    actions={
        "changeName": setter("name", check_str, required=True),
        "setKey": setter("key", check_str, unique="key"),
        "addLocation": _add_location,
    },
)


def _attribute_definition(value: Any, where: str) -> Doc:
    check_type(value, dict, where)
    out: Doc = {
        "name": require(value, "name", str, f"{where} -> "),
        "label": localized(value.get("label"), f"{where} -> label"),
        "type": require(value, "type", dict, f"{where} -> "),
        "isRequired": check_bool(
            require(value, "isRequired", bool, f"{where} -> "), "isRequired"
        ),
        "attributeConstraint": value.get("attributeConstraint", "None"),
        "isSearchable": value.get("isSearchable", True),
        "inputHint": value.get("inputHint", "SingleLine"),
    }
    require(out["type"], "name", str, f"{where} -> type -> ")
    return out


def create_product_type(store: Store, draft: Doc) -> tuple[Doc, list[tuple[str, Doc]]]:
    doc: Doc = {
        "name": require(draft, "name", str),
        "description": require(draft, "description", str),
    }
    if draft.get("key") is not None:
        doc["key"] = check_str(draft["key"], "key")
        ensure_unique(store.coll("product-type"), "key", doc["key"])
    doc["attributes"] = [
        _attribute_definition(a, f"attributes[{i}]")
        for i, a in enumerate(draft.get("attributes") or [])
    ]
    return doc, []


def _add_attribute_definition(ctx: UpdateContext, action: Doc) -> None:
    definition = _attribute_definition(action.get("attribute"), "actions -> attribute")
    if any(a["name"] == definition["name"] for a in ctx.doc["attributes"]):
        raise invalid_operation(
            f"An attribute definition '{definition['name']}' exists."
        )
    ctx.doc["attributes"] = [*ctx.doc["attributes"], definition]


PRODUCT_TYPE_KIND = Kind(
    path="product-types",
    type_id="product-type",
    view_scopes=("view_products",),
    manage_scopes=("manage_products",),
    create=create_product_type,
    actions={
        "changeName": setter("name", check_str, required=True),
        "setKey": setter("key", check_str, unique="key"),
        "changeDescription": setter("description", check_str, required=True),
        "addAttributeDefinition": _add_attribute_definition,
    },
)
