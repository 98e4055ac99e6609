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
    money,
    ref,
    require,
    require_datetime,
)
from .common import check_str, custom_from_draft, ensure_unique, to_ref
from .order_parts import line_item, shipping_info, taxed_price

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


def _fixture_customer(store: Store, ident: Any) -> Doc:
    """Fixture convenience: ``"customer": "<key>" | {"key"} | {"email"} | {"id"}``."""
    if isinstance(ident, str):
        ident = {"key": ident}
    check_type(ident, dict, "customer")
    if isinstance(ident.get("email"), str):
        ids = store.coll("customer").lookup("email_lower", ident["email"].lower())
        if ids:
            return ref("customer", next(iter(ids)))
        raise referenced_not_found("customer", {"key": ident["email"]})
    return to_ref(store, ident, "customer", "customer")


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
        line_item(store, li, i, currency, fixture, initial)
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
    elif fixture and draft.get("customer") is not None:
        customer = _fixture_customer(store, draft["customer"])
        order["customerId"] = customer["id"]
    for name in ("customerEmail", "locale", "country", "anonymousId"):
        if draft.get(name) is not None:
            order[name] = check_str(draft[name], name)
    if "customerEmail" not in order and customer is not None:
        order["customerEmail"] = store.coll("customer").items[customer["id"]]["email"]
    if draft.get("store") is not None:
        order["store"] = draft["store"]
    shipping = shipping_info(store, draft, currency)
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
    taxed = taxed_price(draft, total)
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
