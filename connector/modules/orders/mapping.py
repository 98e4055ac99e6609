"""CT order -> Fluent ``CreateOrderInput`` and financial transactions. Pure.

Owns: the order ref rule, the HD/CC decision, addresses, items, totals, fees and the
payment transaction mapping. Bad data raises PermanentError naming the problem; must
not do I/O (the service resolves shipping-method keys and payments first).

Prices (see money.py for amounts): item ``price`` = list unit price (``price.value``);
``paidPrice`` = what was paid per unit after every discount (line total / quantity);
``totalPrice`` = the line total, tax-inclusive when commercetools has tax data
(``taxedPrice.totalGross``, else derived from ``taxRate``); ``taxPrice``/``totalTaxPrice``
per unit / per line, omitted when the order carries no tax data. Order ``totalPrice`` =
``taxedPrice.totalGross`` (else ``totalPrice``), ``totalTaxPrice`` = ``taxedPrice.totalTax``.
Fees: ``fulfilmentPrice`` = the shipping price after shipping discounts, gross when taxed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from connector.errors import PermanentError
from connector.fluent_customers.mapping import custom_field
from connector.modules.orders.money import (
    amount,
    as_float,
    currency_digits,
    gross_and_tax,
    per_unit,
)
from connector.modules.orders.options import OrderOptions, ShippingRule

Doc = Mapping[str, Any]
REF_LIMIT = 100
ADDRESS_LIMITS = {
    "street": 255,
    "street2": 255,
    "city": 255,
    "postcode": 100,
    "country": 100,
    "state": 200,
    "region": 250,
    "name": 255,
    "companyName": 255,
}


@dataclass(frozen=True)
class FulfilmentPlan:
    """Order type and fulfilment choice; ``source`` says which rule decided."""

    type: str
    delivery_type: str
    pickup_location_ref: str | None = None
    fulfilment_type: str | None = None
    source: str = "default"


def order_ref(order: Doc, opts: OrderOptions) -> str:
    """``<prefix><orderNumber>``, falling back to the order id."""
    ref = f"{opts.ref_prefix}{order.get('orderNumber') or order['id']}"
    if len(ref) > REF_LIMIT:
        raise PermanentError(f"order ref {ref[:40]}... exceeds Fluent's 100 characters")
    return ref


def _text(value: Any) -> str | None:
    if isinstance(value, Mapping):  # a Reference-typed custom field
        value = value.get("key") or (value.get("obj") or {}).get("key")
    return value.strip() if isinstance(value, str) and value.strip() else None


def shipping_rule(
    order: Doc, opts: OrderOptions, method_key: str | None
) -> tuple[str, ShippingRule] | None:
    """The ``shipping_methods`` entry of the order's method, by key then by name."""
    info = order.get("shippingInfo") or {}
    for name in (method_key, info.get("shippingMethodName")):
        if name and name in opts.shipping_methods:
            return name, opts.shipping_methods[name]
    return None


def plan_fulfilment(
    order: Doc, opts: OrderOptions, method_key: str | None = None
) -> FulfilmentPlan:
    """HD or CC. A pickup location in the order custom field (the field profile's
    ``flPickupLocationRef`` first, then ``pickup_location_field``) makes it CC; else the
    shipping-method mapping decides; otherwise HD with ``default_delivery_type``."""
    pickup_field = opts.pickup_location_field
    pickup = _text(custom_field(order, opts.profile_pickup_field))
    if pickup:
        pickup_field = opts.profile_pickup_field
    else:
        pickup = _text(custom_field(order, opts.pickup_location_field))
    matched = shipping_rule(order, opts, method_key)
    name, rule = matched if matched else (None, None)
    delivery = rule.delivery_type if rule else opts.default_delivery_type
    fulfilment = rule.fulfilment_type if rule else None
    if pickup:
        source = f"custom field {pickup_field}"
        return FulfilmentPlan("CC", delivery, pickup, fulfilment, source)
    if rule is not None and rule.type == "CC":
        if not rule.pickup_location_ref:
            raise PermanentError(
                f"shipping method {name!r} is click & collect but the order has "
                f"no pickup location (custom field {opts.pickup_location_field!r})"
            )
        source = f"shipping method {name}"
        return FulfilmentPlan(
            "CC", delivery, rule.pickup_location_ref, fulfilment, source
        )
    source = f"shipping method {name}" if name else "default"
    return FulfilmentPlan("HD", delivery, None, fulfilment, source)


def _clip(out: dict[str, Any]) -> dict[str, Any]:
    clipped = {}
    for key, value in out.items():
        if isinstance(value, str):
            value = value.strip()[: ADDRESS_LIMITS.get(key, 255)]
        if value not in (None, ""):
            clipped[key] = value
    return clipped


def delivery_address(address: Doc, ref: str, opts: OrderOptions) -> dict[str, Any]:
    """CT Address -> CreateCustomerAddressInput."""
    country = (address.get("country") or "").upper()
    name = " ".join(
        p for p in (address.get("firstName"), address.get("lastName")) if p
    ) or address.get("company")
    parts = [address.get("streetName"), address.get("streetNumber")]
    if country in opts.number_first_countries:
        parts.reverse()
    extra = [address.get(k) for k in ("additionalStreetInfo", "building", "apartment")]
    return _clip(
        {
            "ref": ref[:REF_LIMIT],
            "name": name,
            "companyName": address.get("company"),
            "street": " ".join(p for p in parts if p),
            "street2": ", ".join(p for p in extra if p),
            "city": address.get("city"),
            "postcode": address.get("postalCode"),
            "state": address.get("state") or address.get("region"),
            "region": address.get("region"),
            "country": country,
        }
    )


def _item_ref(line: Doc, sku: str, opts: OrderOptions) -> str:
    if opts.item_ref == "sku":
        return sku
    if opts.item_ref == "key" and line.get("key"):
        return str(line["key"])
    return str(line["id"])


def item_input(line: Doc, catalogue_ref: str, opts: OrderOptions) -> dict[str, Any]:
    """A CT LineItem -> CreateOrderItemWithOrderInput (price rules: module docstring)."""
    sku = (line.get("variant") or {}).get("sku")
    if not sku:
        raise PermanentError(
            f"line item {line.get('id')} has no SKU (Fluent needs a productRef)"
        )
    quantity = int(line.get("quantity") or 0)
    total = line.get("totalPrice") or {}
    places = currency_digits(total)
    gross, tax = gross_and_tax(total, line.get("taxedPrice"), line.get("taxRate"))
    item = {
        "ref": _item_ref(line, sku, opts),
        "productRef": sku,
        "productCatalogueRef": catalogue_ref,
        "quantity": quantity,
        "price": as_float(amount((line.get("price") or {}).get("value"))),
        "paidPrice": as_float(per_unit(gross, quantity, places)),
        "totalPrice": as_float(gross),
        "taxPrice": as_float(per_unit(tax, quantity, places)),
        "totalTaxPrice": as_float(tax),
        "taxType": opts.tax_type,
        "currency": total.get("currencyCode"),
        "attributes": [{"name": "ctLineItemId", "type": "STRING", "value": line["id"]}],
    }
    return {k: v for k, v in item.items() if v is not None}


def _fees(order: Doc) -> tuple[float | None, float | None]:
    info = order.get("shippingInfo")
    if not info:
        return None, None
    price = (info.get("discountedPrice") or {}).get("value") or info.get("price")
    gross, tax = gross_and_tax(price, info.get("taxedPrice"), info.get("taxRate"))
    return as_float(gross), as_float(tax)


def fulfilment_choice(
    order: Doc, ref: str, plan: FulfilmentPlan, opts: OrderOptions
) -> dict[str, Any]:
    currency = (order.get("totalPrice") or {}).get("currencyCode")
    fee, fee_tax = _fees(order)
    choice: dict[str, Any] = {
        "deliveryType": plan.delivery_type,
        "fulfilmentType": plan.fulfilment_type,
        "currency": currency,
        "fulfilmentPrice": fee,
        "fulfilmentTaxPrice": fee_tax,
    }
    if plan.type == "CC":
        choice["pickupLocationRef"] = plan.pickup_location_ref
    else:
        address = order.get("shippingAddress")
        if not address:
            raise PermanentError(
                f"order {ref} is a home delivery (HD) but has no shippingAddress"
            )
        choice["deliveryAddress"] = delivery_address(address, f"{ref}-shipping", opts)
        note = (address.get("additionalAddressInfo") or "").strip()
        choice["deliveryInstruction"] = note[:250] or None
    return {k: v for k, v in choice.items() if v is not None}


def order_input(
    order: Doc,
    *,
    customer_id: str,
    retailer_id: str,
    catalogue_ref: str,
    plan: FulfilmentPlan,
    opts: OrderOptions,
) -> dict[str, Any]:
    """The full CreateOrderInput of a CT order."""
    if order.get("shippingMode") == "Multiple":
        raise PermanentError("orders with shippingMode Multiple are not supported")
    ref = order_ref(order, opts)
    lines = [li for li in order.get("lineItems") or [] if li.get("quantity")]
    if not lines:
        raise PermanentError(f"order {ref} has no line items")
    items = [item_input(li, catalogue_ref, opts) for li in lines]
    refs = [i["ref"] for i in items]
    if len(set(refs)) != len(refs):
        raise PermanentError(
            f"order {ref}: item refs are not unique with item_ref={opts.item_ref!r}"
        )
    gross, tax = gross_and_tax(order.get("totalPrice"), order.get("taxedPrice"))
    attributes = [{"name": "ctOrderId", "type": "STRING", "value": order["id"]}]
    if order.get("orderNumber"):
        attributes.append(
            {"name": "ctOrderNumber", "type": "STRING", "value": order["orderNumber"]}
        )
    out = {
        "ref": ref,
        "type": plan.type,
        "retailer": {"id": str(retailer_id)},
        "customer": {"id": str(customer_id)},
        "items": items,
        "totalPrice": as_float(gross),
        "totalTaxPrice": as_float(tax),
        "fulfilmentChoice": fulfilment_choice(order, ref, plan, opts),
        "attributes": attributes,
    }
    return {k: v for k, v in out.items() if v is not None}


def transactions(payments: Sequence[Doc], opts: OrderOptions) -> list[dict[str, Any]]:
    """CreateFinancialTransactionInput (without ``order``) per payment transaction of a
    mapped type (``transaction_types``) in an accepted state (``transaction_states``).
    The ref is the CT transaction id, so replays find what was already sent."""
    out = []
    for payment in payments:
        info = payment.get("paymentMethodInfo") or {}
        method = info.get("method") or opts.default_payment_method
        card = _text(custom_field(payment, opts.card_type_field))
        for tx in payment.get("transactions") or []:
            fluent_type = opts.transaction_types.get(tx.get("type", ""))
            if fluent_type is None or tx.get("state") not in opts.transaction_states:
                continue
            money = tx.get("amount") or {}
            value = amount(money)
            if value is None or not tx.get("id"):
                continue
            entry = {
                "ref": str(tx["id"])[:REF_LIMIT],
                "type": fluent_type[:25],
                "amount": float(value),
                "currency": money.get("currencyCode"),
                "paymentMethod": str(method),
                "paymentProvider": info.get("paymentInterface"),
                "externalTransactionId": tx.get("interactionId"),
                "externalTransactionCode": payment.get("interfaceId"),
                "cardType": card,
            }
            out.append({k: v for k, v in entry.items() if v is not None})
    return out
