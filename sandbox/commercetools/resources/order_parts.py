"""Parts of a new order: line items (resolved by SKU), shipping info and taxed price.

Used by ``orders.build_order`` for both origins (import draft and checkout fixture). A line
item found in the catalogue copies the product's variant, name, slug and type; its whole
quantity starts in the LineItemState given as ``initial``.
"""

from __future__ import annotations

from typing import Any

from ..errors import invalid_json, invalid_operation, referenced_not_found
from ..store import Doc, Store
from ..util import (
    check_type,
    localized,
    money,
    new_id,
    ref,
    require,
)
from .common import check_str, custom_from_draft, to_ref
from .products import variants_of


def _price(value: Any, where: str) -> Doc:
    """A line price from a PriceDraft ``{value: Money}`` or a bare Money."""
    check_type(value, dict, where)
    money_draft = value.get("value", value)
    return {"id": str(value.get("id") or new_id()), "value": money(money_draft, where)}


def _product_by_sku(store: Store, sku: str) -> tuple[Doc, Doc, Doc] | None:
    coll = store.coll("product")
    for pid in coll.lookup("sku", sku):
        proj = coll.view("current", pid) or coll.view("staged", pid)
        if proj is None:
            continue
        for variant in variants_of(proj):
            if variant.get("sku") == sku:
                return coll.items[pid], proj, variant
    return None


def line_item(
    store: Store, draft: Any, i: int, currency: str | None, fixture: bool, initial: Doc
) -> Doc:
    where = f"lineItems[{i}]"
    check_type(draft, dict, where)
    variant_draft = draft.get("variant") or {}
    sku = draft.get("sku") or variant_draft.get("sku")
    found = _product_by_sku(store, sku) if isinstance(sku, str) else None
    line: Doc = {"id": new_id()}
    if draft.get("key") is not None:
        line["key"] = check_str(draft["key"], f"{where} -> key")
    if found is not None:
        product, proj, variant = found
        line.update(
            {
                "productId": product["id"],
                "name": draft.get("name") or proj["name"],
                "productType": product["productType"],
                "productSlug": proj["slug"],
                "variant": {
                    k: variant[k]
                    for k in (
                        "id",
                        "sku",
                        "key",
                        "prices",
                        "images",
                        "attributes",
                        "assets",
                    )
                    if k in variant
                },
            }
        )
        if product.get("key"):
            line["productKey"] = product["key"]
    elif fixture:
        raise invalid_operation(f"{where}: no product variant with sku '{sku}'.")
    else:
        if draft.get("productId") is not None:
            to_ref(
                store, {"id": draft["productId"]}, "product", f"{where} -> productId"
            )
            line["productId"] = draft["productId"]
        line["name"] = localized(draft.get("name"), f"{where} -> name")
        check_type(draft.get("variant"), dict, f"{where} -> variant")
        line["variant"] = {
            "id": variant_draft.get("id", 1),
            "prices": [],
            "images": [],
            "attributes": [],
            "assets": [],
            **variant_draft,
        }
    quantity = require(draft, "quantity", int, f"{where} -> ")
    if quantity < 1:
        raise invalid_json(f"{where} -> quantity: must be at least 1")
    if draft.get("price") is not None:
        price = _price(draft["price"], f"{where} -> price")
    else:
        prices = [
            p
            for p in line["variant"].get("prices", [])
            if currency is None or p["value"]["currencyCode"] == currency
        ]
        if not prices:
            raise invalid_operation(
                f"{where}: no price for the line item in {currency}."
            )
        price = {"id": prices[0]["id"], "value": prices[0]["value"]}
    cents = price["value"]["centAmount"] * quantity
    line.update(
        {
            "price": price,
            "quantity": quantity,
            "totalPrice": {**price["value"], "centAmount": cents},
            "discountedPricePerQuantity": [],
            "perMethodTaxRate": [],
            "taxedPricePortions": [],
            "priceMode": "Platform",
            "lineItemMode": "Standard",
            "state": [{"quantity": quantity, "state": ref("state", initial["id"])}],
        }
    )
    for name in ("supplyChannel", "distributionChannel"):
        if draft.get(name) is not None:
            line[name] = to_ref(store, draft[name], "channel", f"{where} -> {name}")
    if draft.get("taxRate") is not None:
        line["taxRate"] = draft["taxRate"]
    custom = custom_from_draft(store, draft, "line-item")
    if custom is not None:
        line["custom"] = custom
    return line


def shipping_info(store: Store, draft: Doc, currency: str) -> Doc | None:
    info = draft.get("shippingInfo")
    method_ident = (info or {}).get("shippingMethod") or draft.get("shippingMethod")
    if info is None and method_ident is None:
        return None
    info = dict(info or {})
    method = None
    if method_ident is not None:
        method = (
            store.resolve("shipping-method", method_ident)
            if isinstance(method_ident, dict)
            else None
        )
        if method is None:
            raise referenced_not_found(
                "shipping-method",
                method_ident if isinstance(method_ident, dict) else {},
            )
    if info.get("price") is not None:
        price = money(info["price"], "shippingInfo -> price")
    elif method is not None:
        rates = [
            r
            for z in method["zoneRates"]
            for r in z["shippingRates"]
            if r["price"]["currencyCode"] == currency
        ]
        price = (
            rates[0]["price"]
            if rates
            else money(
                {"currencyCode": currency, "centAmount": 0}, "shippingInfo -> price"
            )
        )
    else:
        raise invalid_json("shippingInfo -> price: Missing required value")
    name = info.get("shippingMethodName") or (method["name"] if method else None)
    if not isinstance(name, str):
        raise invalid_json("shippingInfo -> shippingMethodName: Missing required value")
    out: Doc = {
        "shippingMethodName": name,
        "price": price,
        "shippingRate": info.get("shippingRate") or {"price": price, "tiers": []},
        "deliveries": [],
        "shippingMethodState": "MatchesCart",
    }
    if method is not None:
        out["shippingMethod"] = ref("shipping-method", method["id"])
        out["taxCategory"] = method["taxCategory"]
    if info.get("taxRate") is not None:
        out["taxRate"] = info["taxRate"]
    return out


def taxed_price(draft: Doc, total: Doc) -> Doc | None:
    if draft.get("taxedPrice") is not None:
        taxed = check_type(draft["taxedPrice"], dict, "taxedPrice")
        out: Doc = {
            name: money(taxed[name], f"taxedPrice -> {name}")
            for name in ("totalNet", "totalGross", "totalTax")
            if taxed.get(name)
        }
        if "totalNet" not in out or "totalGross" not in out:
            raise invalid_json("taxedPrice -> totalNet: Missing required value")
        out["taxPortions"] = list(taxed.get("taxPortions") or [])
        return out
    rate = draft.get("taxRate")
    if rate is None:
        return None
    gross = total["centAmount"]
    net = round(gross / (1 + float(rate)))
    return {
        "totalGross": total,
        "totalNet": {**total, "centAmount": net},
        "totalTax": {**total, "centAmount": gross - net},
        "taxPortions": [
            {
                "rate": rate,
                "name": "VAT",
                "amount": {**total, "centAmount": gross - net},
            }
        ],
    }
