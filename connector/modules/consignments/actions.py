"""Update actions bringing a CT order's deliveries in line with the planned ones (pure).

Deliveries and parcels are found by key, so a replay adds nothing. Custom fields are
written only on our own types (or where none is set): a delivery or parcel that carries
another custom type keeps it, and only its tracking data / items are maintained.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from connector.modules.consignments.mapping import (
    DELIVERY_REF_FIELD,
    DELIVERY_STATUS_FIELD,
    NO_NEW_DELIVERY_STATUSES,
    PARCEL_URL_FIELD,
    PlannedDelivery,
)


def _type_ref(type_id: str) -> dict[str, str]:
    return {"typeId": "type", "id": type_id}


def _tracking_view(data: Mapping[str, Any] | None) -> dict[str, Any]:
    data = data or {}
    return {k: data.get(k) for k in ("trackingId", "carrier")}


def _items_view(items: Sequence[Mapping[str, Any]] | None) -> list[tuple[str, int]]:
    return sorted((i["id"], int(i["quantity"])) for i in items or [])


def _delivery_fields(plan: PlannedDelivery) -> dict[str, Any]:
    fields = {DELIVERY_REF_FIELD: plan.consignment_ref}
    if plan.status:
        fields[DELIVERY_STATUS_FIELD] = plan.status
    return fields


def _parcel_draft(plan: PlannedDelivery, parcel_type: str) -> dict[str, Any]:
    draft: dict[str, Any] = {"items": plan.item_list()}
    if plan.tracking:
        draft["trackingData"] = dict(plan.tracking)
    if plan.tracking_url:
        draft["custom"] = {
            "type": _type_ref(parcel_type),
            "fields": {PARCEL_URL_FIELD: plan.tracking_url},
        }
    return draft


def _custom_update(
    target: Mapping[str, Any],
    type_id: str,
    fields: Mapping[str, Any],
    action: str,
    ident: Mapping[str, str],
) -> list[dict[str, Any]]:
    custom = target.get("custom") or {}
    current_type = (custom.get("type") or {}).get("id")
    if current_type not in (None, type_id):
        return []  # someone else's type: leave it
    if current_type == type_id and dict(custom.get("fields") or {}) == dict(fields):
        return []
    if current_type is None and not fields:
        return []
    return [{"action": action, **ident, "type": _type_ref(type_id), "fields": fields}]


def delivery_actions(
    order: Mapping[str, Any],
    plans: Sequence[PlannedDelivery],
    delivery_type: str,
    parcel_type: str,
) -> list[dict[str, Any]]:
    """Actions for every planned delivery, against the order's current deliveries."""
    deliveries = ((order.get("shippingInfo") or {}).get("deliveries")) or []
    by_key = {d.get("key"): d for d in deliveries if d.get("key")}
    actions: list[dict[str, Any]] = []
    for plan in plans:
        delivery = by_key.get(plan.key)
        if delivery is None:
            if (plan.status or "").upper() in NO_NEW_DELIVERY_STATUSES:
                continue
            actions.append(
                {
                    "action": "addDelivery",
                    "deliveryKey": plan.key,
                    "items": plan.item_list(),
                    "parcels": [
                        {"key": plan.parcel_key, **_parcel_draft(plan, parcel_type)}
                    ],
                    "custom": {
                        "type": _type_ref(delivery_type),
                        "fields": _delivery_fields(plan),
                    },
                }
            )
            continue
        actions += _existing_delivery(delivery, plan, delivery_type, parcel_type)
    return actions


def _existing_delivery(
    delivery: Mapping[str, Any],
    plan: PlannedDelivery,
    delivery_type: str,
    parcel_type: str,
) -> list[dict[str, Any]]:
    actions: list[dict[str, Any]] = []
    ident = {"deliveryId": delivery["id"]}
    if _items_view(delivery.get("items")) != list(plan.items):
        actions.append(
            {"action": "setDeliveryItems", **ident, "items": plan.item_list()}
        )
    actions += _custom_update(
        delivery, delivery_type, _delivery_fields(plan), "setDeliveryCustomType", ident
    )
    parcels = delivery.get("parcels") or []
    parcel = next((p for p in parcels if p.get("key") == plan.parcel_key), None)
    if parcel is None:
        actions.append(
            {
                "action": "addParcelToDelivery",
                **ident,
                "parcelKey": plan.parcel_key,
                **_parcel_draft(plan, parcel_type),
            }
        )
        return actions
    pident = {"parcelId": parcel["id"]}
    if _items_view(parcel.get("items")) != list(plan.items):
        actions.append(
            {"action": "setParcelItems", **pident, "items": plan.item_list()}
        )
    if _tracking_view(parcel.get("trackingData")) != _tracking_view(plan.tracking):
        actions.append(
            {
                "action": "setParcelTrackingData",
                **pident,
                "trackingData": dict(plan.tracking),
            }
        )
    url_fields = {PARCEL_URL_FIELD: plan.tracking_url} if plan.tracking_url else {}
    actions += _custom_update(
        parcel, parcel_type, url_fields, "setParcelCustomType", pident
    )
    return actions
