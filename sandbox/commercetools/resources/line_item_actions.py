"""Order line item actions: workflow state transitions, state import, custom fields.

``transitionLineItemState`` moves a quantity between LineItemStates: the quantity must be
available in ``fromState``, both states must be of type LineItemState, and when
``fromState`` lists ``transitions`` the target must be one of them.
"""

from __future__ import annotations

from typing import Any

from ..custom import set_custom_field, set_custom_type
from ..errors import invalid_json, invalid_operation
from ..store import Doc, UpdateContext
from ..util import check_type, now_iso, ref, require, require_datetime
from .common import resolve_ref


def find_line_item(ctx: UpdateContext, action: Doc) -> Doc:
    line_id, line_key = action.get("lineItemId"), action.get("lineItemKey")
    if line_id is None and line_key is None:
        raise invalid_json("actions -> lineItemId: Missing required value")
    for line in ctx.doc["lineItems"]:
        if (line_id is not None and line["id"] == line_id) or (
            line_key is not None and line.get("key") == line_key
        ):
            return line
    raise invalid_operation(f"The order has no line item '{line_id or line_key}'.")


def _line_item_state(ctx: UpdateContext, value: Any, where: str) -> Doc:
    found = resolve_ref(ctx.store, value, "state", where)
    if found["type"] != "LineItemState":
        raise invalid_operation(
            f"State '{found['key']}' is of type '{found['type']}', "
            "expected 'LineItemState'."
        )
    return found


def transition_line_item_state(ctx: UpdateContext, action: Doc) -> None:
    line = find_line_item(ctx, action)
    quantity = require(action, "quantity", int, "actions -> ")
    if quantity < 1:
        raise invalid_json("actions -> quantity: must be at least 1")
    source = _line_item_state(ctx, action.get("fromState"), "actions -> fromState")
    target = _line_item_state(ctx, action.get("toState"), "actions -> toState")
    held = sum(e["quantity"] for e in line["state"] if e["state"]["id"] == source["id"])
    if held < quantity:
        raise invalid_operation(
            f"The quantity {quantity} is not available in state '{source['key']}' of line "
            f"item '{line['id']}' (available: {held})."
        )
    # defined transitions restrict targets; an empty list allows none [I]
    if "transitions" in source and target["id"] not in {
        t["id"] for t in source["transitions"]
    }:
        raise invalid_operation(
            f"Transition from state '{source['key']}' to state "
            f"'{target['key']}' is not allowed."
        )
    counts: dict[str, int] = {}
    for entry in line["state"]:
        counts[entry["state"]["id"]] = (
            counts.get(entry["state"]["id"], 0) + entry["quantity"]
        )
    counts[source["id"]] -= quantity
    counts[target["id"]] = counts.get(target["id"], 0) + quantity
    line["state"] = [
        {"quantity": q, "state": ref("state", sid)}
        for sid, q in counts.items()
        if q > 0
    ]
    when = (
        require_datetime(
            action["actualTransitionDate"], "actions -> actualTransitionDate"
        )
        if action.get("actualTransitionDate") is not None
        else now_iso()
    )
    payload: Doc = {
        "lineItemId": line["id"],
        "transitionDate": when,
        "quantity": quantity,
        "fromState": ref("state", source["id"]),
        "toState": ref("state", target["id"]),
    }
    if line.get("key"):
        payload["lineItemKey"] = line["key"]
    ctx.emit("LineItemStateTransition", payload)


def import_line_item_state(ctx: UpdateContext, action: Doc) -> None:
    line = find_line_item(ctx, action)
    entries = require(action, "state", list, "actions -> ")
    out = []
    for i, entry in enumerate(entries):
        check_type(entry, dict, f"actions -> state[{i}]")
        qty = require(entry, "quantity", int, f"actions -> state[{i}] -> ")
        found = _line_item_state(
            ctx, entry.get("state"), f"actions -> state[{i}] -> state"
        )
        out.append({"quantity": qty, "state": ref("state", found["id"])})
    if sum(e["quantity"] for e in out) != line["quantity"]:
        # [I] assumed: the imported quantities must cover the line item quantity
        raise invalid_operation(
            "The quantities of the imported states must add up to the "
            f"line item quantity {line['quantity']}."
        )
    line["state"] = out


def line_item_custom(kind: str) -> Any:
    def act(ctx: UpdateContext, action: Doc) -> None:
        line = find_line_item(ctx, action)
        if kind == "type":
            set_custom_type(ctx.store, line, action, "line-item")
        else:
            set_custom_field(ctx.store, line, action, "line-item")

    return act
