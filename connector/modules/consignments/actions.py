"""Update actions bringing a CT order's deliveries in line with the planned ones (pure).

Deliveries and parcels are found by key, so a replay adds nothing. Custom fields are
written only on our own types (or where none is set): a delivery or parcel that carries
another custom type keeps it, and only its tracking data / items are maintained. On our
own type only changed fields are set (``set…CustomField``), so values the storefront
keeps in other fields of the type stay; the type is set only where none is.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from connector.modules.consignments.mapping import (
    DELIVERY_REF_FIELD,
    DELIVERY_STATUS_FIELD,
    NO_NEW_DELIVERY_STATUSES,
    PARCEL_URL_FIELD,
    PlannedDelivery,
)


@dataclass(frozen=True)
class FieldNames:
    """The custom field keys of the selected profile (connector.ct_fields)."""

    consignment_ref: str = DELIVERY_REF_FIELD
    consignment_status: str = DELIVERY_STATUS_FIELD
    tracking_url: str = PARCEL_URL_FIELD


CONNECTOR_NAMES = FieldNames()


def _type_ref(type_id: str) -> dict[str, str]:
    return {"typeId": "type", "id": type_id}


def _tracking_view(data: Mapping[str, Any] | None) -> dict[str, Any]:
    data = data or {}
    return {k: data.get(k) for k in ("trackingId", "carrier")}


def _items_view(items: Sequence[Mapping[str, Any]] | None) -> list[tuple[str, int]]:
    return sorted((i["id"], int(i["quantity"])) for i in items or [])


def _delivery_fields(plan: PlannedDelivery, names: FieldNames) -> dict[str, Any]:
    fields = {names.consignment_ref: plan.consignment_ref}
    if plan.status:
        fields[names.consignment_status] = plan.status
    return fields


def _parcel_draft(
    plan: PlannedDelivery, parcel_type: str, names: FieldNames
) -> dict[str, Any]:
    draft: dict[str, Any] = {"items": plan.item_list()}
    if plan.tracking:
        draft["trackingData"] = dict(plan.tracking)
    if plan.tracking_url:
        draft["custom"] = {
            "type": _type_ref(parcel_type),
            "fields": {names.tracking_url: plan.tracking_url},
        }
    return draft


def _custom_update(
    target: Mapping[str, Any],
    type_id: str,
    fields: Mapping[str, Any],
    action: str,
    ident: Mapping[str, str],
    managed: Sequence[str] = (),
) -> list[dict[str, Any]]:
    """``action`` is the set…CustomType name; on our type: set…CustomField per changed
    field of ``managed`` (a field absent from ``fields`` is unset)."""
    custom = target.get("custom") or {}
    current_type = (custom.get("type") or {}).get("id")
    if current_type not in (None, type_id):
        return []  # someone else's type: leave it
    if current_type is None:
        if not fields:
            return []
        return [
            {"action": action, **ident, "type": _type_ref(type_id), "fields": fields}
        ]
    have = custom.get("fields") or {}
    field_action = action.replace("CustomType", "CustomField")
    out = []
    for name in managed:
        if have.get(name) == fields.get(name):
            continue
        step: dict[str, Any] = {"action": field_action, **ident, "name": name}
        if fields.get(name) is not None:
            step["value"] = fields[name]
        out.append(step)
    return out


def delivery_actions(
    order: Mapping[str, Any],
    plans: Sequence[PlannedDelivery],
    delivery_type: str,
    parcel_type: str,
    names: FieldNames = CONNECTOR_NAMES,
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
                        {
                            "key": plan.parcel_key,
                            **_parcel_draft(plan, parcel_type, names),
                        }
                    ],
                    "custom": {
                        "type": _type_ref(delivery_type),
                        "fields": _delivery_fields(plan, names),
                    },
                }
            )
            continue
        actions += _existing_delivery(delivery, plan, delivery_type, parcel_type, names)
    return actions


def _existing_delivery(
    delivery: Mapping[str, Any],
    plan: PlannedDelivery,
    delivery_type: str,
    parcel_type: str,
    names: FieldNames,
) -> list[dict[str, Any]]:
    actions: list[dict[str, Any]] = []
    ident = {"deliveryId": delivery["id"]}
    if _items_view(delivery.get("items")) != list(plan.items):
        actions.append(
            {"action": "setDeliveryItems", **ident, "items": plan.item_list()}
        )
    actions += _custom_update(
        delivery,
        delivery_type,
        _delivery_fields(plan, names),
        "setDeliveryCustomType",
        ident,
        (names.consignment_ref, names.consignment_status),
    )
    parcels = delivery.get("parcels") or []
    parcel = next((p for p in parcels if p.get("key") == plan.parcel_key), None)
    if parcel is None:
        actions.append(
            {
                "action": "addParcelToDelivery",
                **ident,
                "parcelKey": plan.parcel_key,
                **_parcel_draft(plan, parcel_type, names),
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
    url_fields = {names.tracking_url: plan.tracking_url} if plan.tracking_url else {}
    actions += _custom_update(
        parcel,
        parcel_type,
        url_fields,
        "setParcelCustomType",
        pident,
        (names.tracking_url,),
    )
    return actions
