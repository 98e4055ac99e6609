"""Orders (reference §5.5): building orders from an OrderImportDraft or a sandbox fixture.

Two origins: ``POST /orders/import`` (OrderImportDraft -> 201, message OrderImported) and the
control API's order fixtures, which stand in for checkout ("placed from a cart": message
OrderCreated). Line items are resolved by SKU against the product catalogue; the whole
quantity of each line starts in the built-in LineItemState ``Initial``. Carts are not
emulated, so ``POST /orders`` (create from cart) answers 400 ReferencedResourceNotFound.
"""

from __future__ import annotations

from typing import Any

from ..errors import invalid_json, invalid_operation, referenced_not_found
from ..store import Collection, Doc, Store
from ..util import (
    address,
    check_type,
    localized,
    money,
    new_id,
    ref,
    require,
    require_datetime,
)
from .common import check_str, custom_from_draft, ensure_unique, to_ref
from .products import variants_of

ORDER_STATES = ("Open", "Confirmed", "Complete", "Cancelled")
PAYMENT_STATES = ("BalanceDue", "Failed", "Pending", "CreditOwed", "Paid")
SHIPMENT_STATES = (
    "Shipped",
    "Delivered",
    "Ready",
    "Pending",
    "Delayed",
    "Partial",
    "Backorder",
    "Canceled",
)


def _order_number(doc: Doc) -> list[str]:
    return [doc["orderNumber"]] if doc.get("orderNumber") else []


def collection() -> Collection:
    return Collection("order", {"orderNumber": _order_number})


def initial_state(store: Store) -> Doc:
    for res_id in store.coll("state").lookup("key", "Initial"):
        return store.coll("state").items[res_id]
    raise invalid_operation("The built-in LineItemState 'Initial' is missing.")


def _enum(
    draft: Doc, name: str, allowed: tuple[str, ...], default: str | None
) -> str | None:
    value = draft.get(name, default)
    if value is None:
        return None
    if value not in allowed:
        raise invalid_json(
            f"{name}: Invalid enum value '{value}'. "
            f"Allowed values: {', '.join(allowed)}."
        )
    return str(value)


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


def _line_item(
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


def _shipping_info(store: Store, draft: Doc, currency: str) -> Doc | None:
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


def _taxed_price(draft: Doc, total: Doc) -> Doc | None:
    if draft.get("taxedPrice") is not None:
        taxed = check_type(draft["taxedPrice"], dict, "taxedPrice")
        out = {
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


def build_order(store: Store, draft: Doc, fixture: bool) -> Doc:
    """An order dict from an OrderImportDraft (``fixture=False``) or an order fixture."""
    check_type(draft, dict, "order")
    currency = draft.get("currency") or (draft.get("totalPrice") or {}).get(
        "currencyCode"
    )
    if not fixture and draft.get("totalPrice") is None:
        raise invalid_json("totalPrice: Missing required value")
    initial = initial_state(store)
    lines = [
        _line_item(store, li, i, currency, fixture, initial)
        for i, li in enumerate(require(draft, "lineItems", list))
    ]
    currency = currency or (
        lines[0]["price"]["value"]["currencyCode"] if lines else "EUR"
    )
    order: Doc = {}
    if draft.get("orderNumber") is not None:
        order["orderNumber"] = check_str(draft["orderNumber"], "orderNumber")
        ensure_unique(store.coll("order"), "orderNumber", order["orderNumber"])
    customer = None
    if draft.get("customerId") is not None:
        customer = to_ref(store, {"id": draft["customerId"]}, "customer", "customerId")
        order["customerId"] = customer["id"]
    for name in ("customerEmail", "locale", "country", "anonymousId"):
        if draft.get(name) is not None:
            order[name] = check_str(draft[name], name)
    if "customerEmail" not in order and customer is not None:
        order["customerEmail"] = store.coll("customer").items[customer["id"]]["email"]
    if draft.get("store") is not None:
        order["store"] = draft["store"]
    shipping = _shipping_info(store, draft, currency)
    if draft.get("totalPrice") is not None:
        total = money(draft["totalPrice"], "totalPrice")
    else:
        cents = sum(li["totalPrice"]["centAmount"] for li in lines)
        cents += shipping["price"]["centAmount"] if shipping else 0
        total = money({"currencyCode": currency, "centAmount": cents}, "totalPrice")
    order.update(
        {
            "lineItems": lines,
            "customLineItems": list(draft.get("customLineItems") or []),
            "totalPrice": total,
        }
    )
    taxed = _taxed_price(draft, total)
    if taxed is not None:
        order["taxedPrice"] = taxed
    order.update(
        {
            "taxMode": "Platform",
            "taxRoundingMode": "HalfEven",
            "taxCalculationMode": "LineItemLevel",
            "inventoryMode": draft.get("inventoryMode", "None"),
        }
    )
    for name in ("shippingAddress", "billingAddress"):
        if draft.get(name) is not None:
            order[name] = address(draft[name], name)
    order["shippingMode"] = "Single"
    if shipping is not None:
        order["shippingInfo"] = shipping
    order["shipping"] = []
    order["orderState"] = _enum(draft, "orderState", ORDER_STATES, "Open")
    for name, allowed in (
        ("shipmentState", SHIPMENT_STATES),
        ("paymentState", PAYMENT_STATES),
    ):
        value = _enum(draft, name, allowed, None)
        if value is not None:
            order[name] = value
    if draft.get("state") is not None:
        order["state"] = to_ref(store, draft["state"], "state", "state")
    order.update(
        {
            "syncInfo": [],
            "returnInfo": [],
            "discountCodes": [],
            "refusedGifts": [],
            "itemShippingAddresses": [],
            "lastMessageSequenceNumber": 0,
            "origin": draft.get("origin", "Customer"),
        }
    )
    if draft.get("paymentInfo") is not None:
        order["paymentInfo"] = draft["paymentInfo"]
    if draft.get("completedAt") is not None:
        order["completedAt"] = require_datetime(draft["completedAt"], "completedAt")
    custom = custom_from_draft(store, draft, "order")
    if custom is not None:
        order["custom"] = custom
    return order


def import_order(store: Store, draft: Doc) -> Doc:
    return store.insert(
        "order",
        build_order(store, draft, fixture=False),
        [("OrderImported", {"order": lambda d: d})],
    )


def place_order(store: Store, draft: Doc) -> Doc:
    """The control API's checkout: an order from a fixture, announced by OrderCreated."""
    return store.insert(
        "order",
        build_order(store, draft, fixture=True),
        [("OrderCreated", {"order": lambda d: d})],
    )


def create_from_cart(store: Store, draft: Doc) -> tuple[Doc, list[tuple[str, Doc]]]:
    cart = draft.get("cart") if isinstance(draft.get("cart"), dict) else {}
    raise referenced_not_found("cart", cart or {"id": str(draft.get("id", ""))})
