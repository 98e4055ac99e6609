"""Fluent order status -> commercetools order, payment and shipment state (pure).

Three many-to-one mappings, each ``{FLUENT_STATUS: ct_value}``. They come from Fluent
settings (names below, value ``{"fluent": {...}}``); a setting that exists REPLACES the
default of its kind, and a Fluent status missing from a mapping leaves that CT state
alone. CT values are checked against CT's enums (case-insensitively; an unknown value
is dropped with a warning, never sent).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)

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

SETTING_NAMES = {
    "order": "fc.connect.commercetools.order.order-status-mapping",
    "payment": "fc.connect.commerce-tools.order.payment-status-mapping",
    "shipment": "fc.connect.commerce-tools.order.shipping-status-mapping",
}
# kind -> (CT order field, update action, allowed values)
CT_TARGETS = {
    "order": ("orderState", "changeOrderState", ORDER_STATES),
    "payment": ("paymentState", "changePaymentState", PAYMENT_STATES),
    "shipment": ("shipmentState", "changeShipmentState", SHIPMENT_STATES),
}
KINDS = tuple(CT_TARGETS)

# reference/fluent-api.md §3.10 (Fluent's own connector), completed for the terminal
# statuses and the click & collect / escalation statuses of Fluent's reference workflows.
DEFAULT_ORDER_MAPPING = {
    "CREATED": "Open",
    "RECEIVED": "Open",
    "PENDING_PAYMENT": "Open",
    "ESCALATED": "Open",
    "BOOKED": "Confirmed",
    "PICK_PACK": "Confirmed",
    "PICK_PACK_CC": "Confirmed",
    "AWAITING_COURIER_COLLECTION": "Confirmed",
    "AWAITING_CUSTOMER_COLLECTION": "Confirmed",
    "PARTIALLY_FULFILLED": "Confirmed",
    "SHIPPED": "Confirmed",
    "COMPLETE": "Complete",
    "CANCELLED": "Cancelled",
}
# Fluent's reference workflows book an order only after payment is validated, so every
# status from BOOKED on means "Paid"; CANCELLED is left alone (refunds belong to the PSP).
DEFAULT_PAYMENT_MAPPING = {
    "PENDING_PAYMENT": "Pending",
    "BOOKED": "Paid",
    "PICK_PACK": "Paid",
    "PICK_PACK_CC": "Paid",
    "AWAITING_COURIER_COLLECTION": "Paid",
    "AWAITING_CUSTOMER_COLLECTION": "Paid",
    "PARTIALLY_FULFILLED": "Paid",
    "SHIPPED": "Paid",
    "COMPLETE": "Paid",
}
DEFAULT_SHIPMENT_MAPPING = {
    "CREATED": "Pending",
    "RECEIVED": "Pending",
    "PENDING_PAYMENT": "Pending",
    "BOOKED": "Pending",
    "PICK_PACK": "Pending",
    "PICK_PACK_CC": "Pending",
    "ESCALATED": "Delayed",
    "AWAITING_COURIER_COLLECTION": "Ready",
    "AWAITING_CUSTOMER_COLLECTION": "Ready",
    "PARTIALLY_FULFILLED": "Partial",
    "SHIPPED": "Shipped",
    "COMPLETE": "Delivered",
    "CANCELLED": "Canceled",
}
DEFAULTS = {
    "order": DEFAULT_ORDER_MAPPING,
    "payment": DEFAULT_PAYMENT_MAPPING,
    "shipment": DEFAULT_SHIPMENT_MAPPING,
}


@dataclass(frozen=True)
class Mappings:
    """The three mappings in force and where each came from (RETAILER/ACCOUNT/...)."""

    order: Mapping[str, str]
    payment: Mapping[str, str]
    shipment: Mapping[str, str]
    sources: Mapping[str, str] = field(default_factory=dict)

    def of(self, kind: str) -> Mapping[str, str]:
        return getattr(self, kind)  # type: ignore[no-any-return]


def normalise_mapping(kind: str, raw: Mapping[str, Any]) -> dict[str, str]:
    """``{STATUS: value}`` with Fluent statuses upper-cased and CT values validated."""
    allowed = {v.lower(): v for v in CT_TARGETS[kind][2]}
    out: dict[str, str] = {}
    for status, value in raw.items():
        canonical = allowed.get(str(value).strip().lower()) if value else None
        if canonical is None:
            log.warning(
                "order_status.mapping.invalid_value",
                extra={"kind": kind, "status": status, "value": str(value)[:40]},
            )
            continue
        out[str(status).strip().upper()] = canonical
    return out


def parse_setting_value(kind: str, value: Any) -> dict[str, str] | None:
    """A mapping from a setting's lobValue/value; None when it is not one.

    Accepts ``{"fluent": {...}}`` (Fluent's connector format) or a flat
    ``{STATUS: value}`` object, as a JSON object or a JSON string.
    """
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return None
    if not isinstance(value, Mapping):
        return None
    inner = value.get("fluent", value)
    if not isinstance(inner, Mapping) or not all(
        isinstance(v, str) for v in inner.values()
    ):
        return None
    return normalise_mapping(kind, inner)


def defaults(overrides: Mapping[str, Any] | None = None) -> dict[str, dict[str, str]]:
    """The built-in defaults, each kind replaceable by YAML ``default_mappings``."""
    out = {kind: dict(mapping) for kind, mapping in DEFAULTS.items()}
    for kind, mapping in (overrides or {}).items():
        if kind in out and isinstance(mapping, Mapping):
            out[kind] = normalise_mapping(kind, mapping)
    return out


def state_actions(
    ct_order: Mapping[str, Any], fluent_status: str | None, mappings: Mappings
) -> list[dict[str, Any]]:
    """The state changes the Fluent status asks for, only where CT differs."""
    if not fluent_status:
        return []
    status = fluent_status.upper()
    actions = []
    for kind in KINDS:
        target = mappings.of(kind).get(status)
        field_name, action, _allowed = CT_TARGETS[kind]
        if target is not None and ct_order.get(field_name) != target:
            actions.append({"action": action, field_name: target})
    return actions
