"""Order update actions (reference §5.5), the orders ``Kind`` and order routes.

States are validated against the enums of the reference; workflow transitions
(``transitionState``, ``transitionLineItemState``) against the States' types, ``initial``
flags and ``transitions``. Routes: the standard ones plus ``/orders/order-number={n}``
(GET/HEAD/POST/DELETE) and ``POST /orders/import``.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request

from ..context import json_body, respond, state
from ..errors import invalid_json, invalid_operation, not_found
from ..store import Doc, UpdateContext
from ..util import address, check_type, now_iso, ref, require_datetime
from .base import Kind, delete_version, single_response, state_scopes, update_resource
from .common import check_str, custom_actions, ensure_unique, resolve_ref, to_ref
from .deliveries import DELIVERY_ACTIONS
from .line_item_actions import (
    import_line_item_state,
    line_item_custom,
    transition_line_item_state,
)
from .orders import (
    ORDER_STATES,
    PAYMENT_STATES,
    SHIPMENT_STATES,
    create_from_cart,
    import_order,
)


def _state_change(
    field: str, allowed: tuple[str, ...], message: str, required: bool
) -> Any:
    def act(ctx: UpdateContext, action: Doc) -> None:
        value = action.get(field)
        if value is None and required:
            raise invalid_json(f"actions -> {field}: Missing required value")
        if value is not None and value not in allowed:
            raise invalid_json(
                f"actions -> {field}: Invalid enum value '{value}'. "
                f"Allowed values: {', '.join(allowed)}."
            )
        old = ctx.doc.get(field)
        if value is None:
            ctx.doc.pop(field, None)
        else:
            ctx.doc[field] = value
        if field == "orderState" and value == "Complete":
            ctx.doc.setdefault("completedAt", now_iso())
        payload: Doc = {field: value}
        if old is not None:
            payload["old" + field[0].upper() + field[1:]] = old
        ctx.emit(message, payload)

    return act


def _transition_state(ctx: UpdateContext, action: Doc) -> None:
    target = resolve_ref(ctx.store, action.get("state"), "state", "actions -> state")
    force = check_type(action.get("force", False), bool, "actions -> force")
    if target["type"] != "OrderState":
        raise invalid_operation(
            f"State '{target['key']}' is of type '{target['type']}', "
            "expected 'OrderState'."
        )
    old = ctx.doc.get("state")
    if not force:
        if old is None and not target.get("initial"):
            raise invalid_operation(f"State '{target['key']}' is not an initial state.")
        current = ctx.store.coll("state").get(old["id"]) if old else None
        if (
            current is not None
            and "transitions" in current
            and target["id"] not in {t["id"] for t in current["transitions"]}
        ):
            raise invalid_operation(
                f"Transition from state '{current['key']}' to state "
                f"'{target['key']}' is not allowed."
            )
    ctx.doc["state"] = ref("state", target["id"])
    payload: Doc = {"state": ref("state", target["id"]), "force": force}
    if old is not None:
        payload["oldState"] = old
    ctx.emit("OrderStateTransition", payload)


def _update_sync_info(ctx: UpdateContext, action: Doc) -> None:
    channel = to_ref(ctx.store, action.get("channel"), "channel", "actions -> channel")
    info: Doc = {
        "channel": channel,
        "syncedAt": require_datetime(action["syncedAt"], "actions -> syncedAt")
        if action.get("syncedAt") is not None
        else now_iso(),
    }
    if action.get("externalId") is not None:
        info["externalId"] = check_str(action["externalId"], "actions -> externalId")
    ctx.doc["syncInfo"] = [*ctx.doc["syncInfo"], info]


def _set_order_number(ctx: UpdateContext, action: Doc) -> None:
    number = action.get("orderNumber")
    if number is None:
        ctx.doc.pop("orderNumber", None)
        return
    check_str(number, "actions -> orderNumber")
    ensure_unique(
        ctx.store.coll("order"), "orderNumber", number, ctx.doc["id"], "orderNumber"
    )
    ctx.doc["orderNumber"] = number


def _set_address(field: str, message: str) -> Any:
    def act(ctx: UpdateContext, action: Doc) -> None:
        old = ctx.doc.get(field)
        new = (
            address(action["address"], "actions -> address")
            if action.get("address") is not None
            else None
        )
        if new is None:
            ctx.doc.pop(field, None)
        else:
            ctx.doc[field] = new
        payload: Doc = {}
        if new is not None:
            payload["address"] = new
        if old is not None:
            payload["oldAddress"] = old
        ctx.emit(message, payload)

    return act


def _set_customer_email(ctx: UpdateContext, action: Doc) -> None:
    old = ctx.doc.get("customerEmail")
    email = action.get("email")
    if email is None:
        ctx.doc.pop("customerEmail", None)
    else:
        ctx.doc["customerEmail"] = check_str(email, "actions -> email")
    ctx.emit("OrderCustomerEmailSet", {"email": email, "oldEmail": old})


KIND = Kind(
    path="orders",
    type_id="order",
    view_scopes=("view_orders",),
    manage_scopes=("manage_orders",),
    create=create_from_cart,
    delete_messages=lambda doc: [("OrderDeleted", {"order": doc})],
    by_key=False,
    actions={
        "changeOrderState": _state_change(
            "orderState", ORDER_STATES, "OrderStateChanged", True
        ),
        "changePaymentState": _state_change(
            "paymentState", PAYMENT_STATES, "OrderPaymentStateChanged", False
        ),
        "changeShipmentState": _state_change(
            "shipmentState", SHIPMENT_STATES, "OrderShipmentStateChanged", False
        ),
        "transitionState": _transition_state,
        "transitionLineItemState": transition_line_item_state,
        "importLineItemState": import_line_item_state,
        "setLineItemCustomType": line_item_custom("type"),
        "setLineItemCustomField": line_item_custom("field"),
        "updateSyncInfo": _update_sync_info,
        "setOrderNumber": _set_order_number,
        "setShippingAddress": _set_address(
            "shippingAddress", "OrderShippingAddressSet"
        ),
        "setBillingAddress": _set_address("billingAddress", "OrderBillingAddressSet"),
        "setCustomerEmail": _set_customer_email,
        **custom_actions("order"),
        **DELIVERY_ACTIONS,
    },
)


def register_order_routes(bp: Blueprint) -> None:
    """``/orders/order-number={n}`` and ``/orders/import`` (the standard ones come from base)."""
    base = "/<project_key>/orders"

    def by_number(project_key: str, number: str) -> Response:
        st = state()
        coll = st.store.coll("order")
        with st.store.lock:
            ids = coll.lookup("orderNumber", number)
            doc = coll.get(next(iter(ids))) if ids else None
            if doc is None:
                raise not_found(number, "order number")
            if request.method in ("GET", "HEAD"):
                return single_response(doc)
            if request.method == "POST":
                return single_response(update_resource(KIND, doc["id"], "order number"))
            deleted = st.store.delete(
                "order",
                doc["id"],
                delete_version(),
                KIND.delete_messages,
                "order number",
            )
            return respond(deleted)

    def import_(project_key: str) -> Response:
        st = state()
        with st.store.lock:
            order = import_order(st.store, json_body())
        return respond(order, 201)

    bp.add_url_rule(
        f"{base}/order-number=<number>",
        "orders_by_number",
        by_number,
        methods=["GET", "HEAD", "POST", "DELETE"],
    )
    bp.add_url_rule(f"{base}/import", "orders_import", import_, methods=["POST"])
    for endpoint in ("orders_by_number", "orders_import"):
        state_scopes[f"{bp.name}.{endpoint}"] = (KIND.view_scopes, KIND.manage_scopes)
