"""Order delivery and parcel actions (reference §5.5, Single shipping mode).

Deliveries live in ``order.shippingInfo.deliveries[]`` with ids, optional keys, items,
parcels, address and custom fields; parcels carry measurements, trackingData (trackingId,
carrier, provider, providerTransaction, isReturn: there is no trackingUrl) and items. An order
without ``shippingInfo`` cannot get deliveries (400 InvalidOperation). Unknown fields in
trackingData/measurements are rejected so that a misspelt field fails loudly [I: the real
API's handling of unknown JSON fields is not confirmed].
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..custom import build_custom, set_custom_field, set_custom_type
from ..errors import duplicate_field, invalid_json, invalid_operation
from ..store import Doc, UpdateContext
from ..util import address, check_type, new_id, now_iso

TRACKING_FIELDS = {
    "trackingId": str,
    "carrier": str,
    "provider": str,
    "providerTransaction": str,
    "isReturn": bool,
}
MEASUREMENT_FIELDS = (
    "heightInMillimeter",
    "lengthInMillimeter",
    "widthInMillimeter",
    "weightInGram",
)


def _deliveries(ctx: UpdateContext) -> list[Doc]:
    info = ctx.doc.get("shippingInfo")
    if info is None:
        raise invalid_operation(
            "The order has no shippingInfo: deliveries can only be added "
            "to orders with shipping info (shippingMode Single)."
        )
    return info["deliveries"]  # type: ignore[no-any-return]


def _tracking(value: Any, where: str) -> Doc:
    check_type(value, dict, where)
    out: Doc = {}
    for name, item in value.items():
        if name not in TRACKING_FIELDS:
            raise invalid_json(
                f"{where} -> {name}: Unknown field. TrackingData fields: "
                f"{', '.join(TRACKING_FIELDS)}."
            )
        if item is not None:
            out[name] = check_type(item, TRACKING_FIELDS[name], f"{where} -> {name}")
    out.setdefault("isReturn", False)
    return out


def _measurements(value: Any, where: str) -> Doc:
    check_type(value, dict, where)
    out: Doc = {}
    for name, item in value.items():
        if name not in MEASUREMENT_FIELDS:
            raise invalid_json(f"{where} -> {name}: Unknown field.")
        if item is not None:
            check_type(item, int, f"{where} -> {name}")
            if item < 0:
                raise invalid_json(f"{where} -> {name}: must not be negative")
            out[name] = item
    return out


def _items(ctx: UpdateContext, value: Any, where: str) -> list[Doc]:
    check_type(value, list, where)
    known = {li["id"] for li in ctx.doc["lineItems"]} | {
        li["id"] for li in ctx.doc.get("customLineItems", [])
    }
    out = []
    for i, item in enumerate(value):
        check_type(item, dict, f"{where}[{i}]")
        item_id = check_type(item.get("id"), str, f"{where}[{i}] -> id")
        qty = check_type(item.get("quantity"), int, f"{where}[{i}] -> quantity")
        if item_id not in known:
            raise invalid_operation(
                f"{where}[{i}]: the order has no line item '{item_id}'."
            )
        if qty < 0:
            raise invalid_json(f"{where}[{i}] -> quantity: must not be negative")
        out.append({"id": item_id, "quantity": qty})
    return out


def _all_parcels(ctx: UpdateContext) -> list[tuple[Doc, Doc]]:
    return [(d, p) for d in _deliveries(ctx) for p in d["parcels"]]


def _parcel(ctx: UpdateContext, draft: Doc, where: str, key_field: str = "key") -> Doc:
    check_type(draft, dict, where)
    parcel: Doc = {"id": new_id(), "createdAt": now_iso()}
    key = draft.get(key_field)
    if key is not None:
        check_type(key, str, f"{where} -> {key_field}")
        if any(p.get("key") == key for _, p in _all_parcels(ctx)):
            raise duplicate_field("parcelKey", key)
        parcel["key"] = key
    if draft.get("measurements") is not None:
        parcel["measurements"] = _measurements(
            draft["measurements"], f"{where} -> measurements"
        )
    if draft.get("trackingData") is not None:
        parcel["trackingData"] = _tracking(
            draft["trackingData"], f"{where} -> trackingData"
        )
    parcel["items"] = _items(ctx, draft.get("items") or [], f"{where} -> items")
    if draft.get("custom") is not None:
        parcel["custom"] = build_custom(
            ctx.store, draft["custom"], "order-parcel", f"{where} -> custom"
        )
    return parcel


def _find_delivery(ctx: UpdateContext, action: Doc) -> Doc:
    delivery_id, key = action.get("deliveryId"), action.get("deliveryKey")
    if delivery_id is None and key is None:
        raise invalid_json("actions -> deliveryId: Missing required value")
    for delivery in _deliveries(ctx):
        if (delivery_id is not None and delivery["id"] == delivery_id) or (
            key is not None and delivery.get("key") == key
        ):
            return delivery
    raise invalid_operation(f"The order has no delivery '{delivery_id or key}'.")


def _find_parcel(ctx: UpdateContext, action: Doc) -> tuple[Doc, Doc]:
    parcel_id, key = action.get("parcelId"), action.get("parcelKey")
    if parcel_id is None and key is None:
        raise invalid_json("actions -> parcelId: Missing required value")
    for delivery, parcel in _all_parcels(ctx):
        if (parcel_id is not None and parcel["id"] == parcel_id) or (
            key is not None and parcel.get("key") == key
        ):
            return delivery, parcel
    raise invalid_operation(f"The order has no parcel '{parcel_id or key}'.")


def _add_delivery(ctx: UpdateContext, action: Doc) -> None:
    deliveries = _deliveries(ctx)
    delivery: Doc = {"id": new_id(), "createdAt": now_iso()}
    key = action.get("deliveryKey")
    if key is not None:
        check_type(key, str, "actions -> deliveryKey")
        if any(d.get("key") == key for d in deliveries):
            raise duplicate_field("deliveryKey", key)
        delivery["key"] = key
    delivery["items"] = _items(ctx, action.get("items") or [], "actions -> items")
    delivery["parcels"] = []
    deliveries.append(delivery)
    for i, draft in enumerate(action.get("parcels") or []):
        delivery["parcels"].append(_parcel(ctx, draft, f"actions -> parcels[{i}]"))
    if action.get("address") is not None:
        delivery["address"] = address(action["address"], "actions -> address")
    if action.get("custom") is not None:
        delivery["custom"] = build_custom(
            ctx.store, action["custom"], "order-delivery", "actions -> custom"
        )
    ctx.emit("DeliveryAdded", {"delivery": delivery})
    for parcel in delivery["parcels"]:
        ctx.emit("ParcelAddedToDelivery", {"delivery": delivery, "parcel": parcel})


def _add_parcel(ctx: UpdateContext, action: Doc) -> None:
    delivery = _find_delivery(ctx, action)
    parcel = _parcel(ctx, action, "actions", key_field="parcelKey")
    delivery["parcels"] = [*delivery["parcels"], parcel]
    ctx.emit("ParcelAddedToDelivery", {"delivery": delivery, "parcel": parcel})


def _set_tracking(ctx: UpdateContext, action: Doc) -> None:
    delivery, parcel = _find_parcel(ctx, action)
    payload: Doc = {"deliveryId": delivery["id"], "parcelId": parcel["id"]}
    if action.get("trackingData") is None:
        parcel.pop("trackingData", None)
    else:
        parcel["trackingData"] = _tracking(
            action["trackingData"], "actions -> trackingData"
        )
        payload["trackingData"] = parcel["trackingData"]
    ctx.emit("ParcelTrackingDataUpdated", payload)


def _set_delivery_items(ctx: UpdateContext, action: Doc) -> None:
    delivery = _find_delivery(ctx, action)
    if action.get("items") is None:
        raise invalid_json("actions -> items: Missing required value")
    old, delivery["items"] = (
        delivery["items"],
        _items(ctx, action["items"], "actions -> items"),
    )
    ctx.emit(
        "DeliveryItemsUpdated",
        {"deliveryId": delivery["id"], "items": delivery["items"], "oldItems": old},
    )


def _set_parcel_items(ctx: UpdateContext, action: Doc) -> None:
    delivery, parcel = _find_parcel(ctx, action)
    if action.get("items") is None:
        raise invalid_json("actions -> items: Missing required value")
    old, parcel["items"] = (
        parcel.get("items", []),
        _items(ctx, action["items"], "actions -> items"),
    )
    ctx.emit(
        "ParcelItemsUpdated",
        {
            "deliveryId": delivery["id"],
            "parcelId": parcel["id"],
            "items": parcel["items"],
            "oldItems": old,
        },
    )


def _set_parcel_measurements(ctx: UpdateContext, action: Doc) -> None:
    delivery, parcel = _find_parcel(ctx, action)
    payload: Doc = {"deliveryId": delivery["id"], "parcelId": parcel["id"]}
    if action.get("measurements") is None:
        parcel.pop("measurements", None)
    else:
        parcel["measurements"] = _measurements(
            action["measurements"], "actions -> measurements"
        )
        payload["measurements"] = parcel["measurements"]
    ctx.emit("ParcelMeasurementsUpdated", payload)


def _remove_delivery(ctx: UpdateContext, action: Doc) -> None:
    delivery = _find_delivery(ctx, action)
    ctx.doc["shippingInfo"]["deliveries"] = [
        d for d in _deliveries(ctx) if d is not delivery
    ]
    ctx.emit("DeliveryRemoved", {"delivery": delivery})


def _remove_parcel(ctx: UpdateContext, action: Doc) -> None:
    delivery, parcel = _find_parcel(ctx, action)
    delivery["parcels"] = [p for p in delivery["parcels"] if p is not parcel]
    ctx.emit(
        "ParcelRemovedFromDelivery", {"deliveryId": delivery["id"], "parcel": parcel}
    )


def _set_delivery_address(ctx: UpdateContext, action: Doc) -> None:
    delivery = _find_delivery(ctx, action)
    old = delivery.pop("address", None)
    payload: Doc = {"deliveryId": delivery["id"]}
    if action.get("address") is not None:
        delivery["address"] = address(action["address"], "actions -> address")
        payload["address"] = delivery["address"]
    if old is not None:
        payload["oldAddress"] = old
    ctx.emit("DeliveryAddressSet", payload)


def _custom_on(
    find: Callable[[UpdateContext, Doc], Doc], resource: str, kind: str
) -> Callable[[UpdateContext, Doc], None]:
    def act(ctx: UpdateContext, action: Doc) -> None:
        target = find(ctx, action)
        if kind == "type":
            set_custom_type(ctx.store, target, action, resource)
        else:
            set_custom_field(ctx.store, target, action, resource)

    return act


def _parcel_only(ctx: UpdateContext, action: Doc) -> Doc:
    return _find_parcel(ctx, action)[1]


DELIVERY_ACTIONS: dict[str, Callable[[UpdateContext, Doc], None]] = {
    "addDelivery": _add_delivery,
    "addParcelToDelivery": _add_parcel,
    "setParcelTrackingData": _set_tracking,
    "setDeliveryItems": _set_delivery_items,
    "setParcelItems": _set_parcel_items,
    "setParcelMeasurements": _set_parcel_measurements,
    "removeDelivery": _remove_delivery,
    "removeParcelFromDelivery": _remove_parcel,
    "setDeliveryAddress": _set_delivery_address,
    "setDeliveryCustomType": _custom_on(_find_delivery, "order-delivery", "type"),
    "setDeliveryCustomField": _custom_on(_find_delivery, "order-delivery", "field"),
    "setParcelCustomType": _custom_on(_parcel_only, "order-parcel", "type"),
    "setParcelCustomField": _custom_on(_parcel_only, "order-parcel", "field"),
}
