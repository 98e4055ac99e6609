"""The order status handler (stage 2): Fluent order status -> CT order states.

Reads the order from Fluent (never trusts the webhook's status), maps it through the
three mappings, finds the CT order and sends, in ONE versioned update, only the actions
that change something: changeOrderState / changePaymentState / changeShipmentState and
the watermark custom fields (see ordering.py). A 409 re-reads the CT order and rebuilds
the actions (the anti-backwards check runs again on the fresh order). It must not touch
line items or deliveries (fulfilments and consignments own those).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from connector.context import HandlerContext
from connector.fluent_orders.ct_orders import (
    custom_fields,
    custom_type_id,
)
from connector.fluent_orders.ct_types import (
    CtType,
    ct_setup,
    field_def,
    type_draft,
)
from connector.fluent_orders.ordering import Watermark, newest
from connector.fluent_orders.pair import CtOrderHandle, with_order
from connector.modules.order_status.fluent_settings import (
    load_mappings,
)
from connector.modules.order_status.mapping import state_actions
from connector.modules.order_status.options import OrderStatusOptions
from connector.store import watermarks

log = logging.getLogger(__name__)

MODULE = "order_status"
FIELD_STATUS = "fluentOrderStatus"
FIELD_UPDATED_ON = "fluentUpdatedOn"


def order_type_draft(key: str) -> dict[str, Any]:
    return type_draft(
        key,
        "Fluent order status",
        ["order"],
        [
            field_def(FIELD_STATUS, "String", "Fluent order status"),
            field_def(FIELD_UPDATED_ON, "String", "Fluent order updatedOn"),
        ],
    )


def watermark_on(ct_order: Mapping[str, Any]) -> Watermark | None:
    fields = custom_fields(ct_order)
    if not fields.get(FIELD_STATUS):
        return None
    return Watermark(fields[FIELD_STATUS], fields.get(FIELD_UPDATED_ON))


def watermark_actions(
    ct_order: Mapping[str, Any],
    mark: Watermark,
    our_type: CtType | None,
    other_type_fields: frozenset[str] | None,
) -> list[dict[str, Any]]:
    """Record ``mark`` on the order: our type when it has none, set fields when its
    type defines them; [] when the order carries a type without them (store only)."""
    values = {FIELD_STATUS: mark.status, FIELD_UPDATED_ON: mark.updated_on}
    values = {k: v for k, v in values.items() if v is not None}
    type_id = custom_type_id(ct_order)
    if type_id is None:
        if our_type is None:
            return []
        return [
            {
                "action": "setCustomType",
                "type": {"typeId": "type", "id": our_type.id},
                "fields": values,
            }
        ]
    known = (
        our_type.fields if our_type and type_id == our_type.id else other_type_fields
    )
    if not known or not {FIELD_STATUS, FIELD_UPDATED_ON} <= known:
        return []
    current = custom_fields(ct_order)
    return [
        {"action": "setCustomField", "name": name, "value": value}
        for name, value in values.items()
        if current.get(name) != value
    ]


def handle(ctx: HandlerContext) -> dict[str, Any]:
    runtime = ctx.services
    setup = ct_setup(runtime.caches)
    options = OrderStatusOptions.from_section(
        runtime.config.options(MODULE), ctx.route.options
    )
    rule = options.rule
    fluent = runtime.fluent()
    ct = runtime.ct()
    mappings = load_mappings(
        fluent,
        options.default_mappings,
        options.settings_ttl_seconds,
        runtime.caches.get("order_status.mappings", dict),
    )
    type_key = options.order_type_key
    our_type = setup.ensure_type(ct, order_type_draft(type_key)) if type_key else None

    def work(order: dict[str, Any], handle: CtOrderHandle) -> dict[str, Any]:
        ct_order = handle.body
        incoming = Watermark(order.get("status"), order.get("updatedOn"))
        verdict: dict[str, Any] = {}
        # read under the order's lock: the mark the previous status update stored
        stored = watermarks.lookup(runtime.store, order["ref"])
        stored_mark = Watermark(stored.status, stored.updated_on) if stored else None

        def build(current: dict[str, Any]) -> list[dict[str, Any]]:
            applied = newest(watermark_on(current), stored_mark)
            verdict["stale"] = rule.stale_reason(incoming, applied)
            if verdict["stale"]:
                return []
            actions = state_actions(current, incoming.status, mappings)
            if incoming.status and (
                applied is None or applied.status != incoming.status
            ):
                other = custom_type_id(current)
                other_fields = None
                if other and (our_type is None or other != our_type.id):
                    found = setup.type_by_id(ct, other)
                    other_fields = found.fields if found else None
                actions += watermark_actions(current, incoming, our_type, other_fields)
            return actions

        updated, applied_actions = handle.update(build, setup)
        if not verdict.get("stale"):
            watermarks.save(
                runtime.store,
                watermarks.StoredMark(
                    order["ref"], ct_order["id"], incoming.status, incoming.updated_on
                ),
            )
        return {
            "fluentOrder": order["ref"],
            "ctOrder": ct_order["id"],
            "fluentStatus": order.get("status"),
            "actions": [a["action"] for a in applied_actions],
            "stale": verdict.get("stale"),
            "mappings": dict(mappings.sources),
            "version": updated.get("version"),
        }

    result = with_order(runtime, ctx.message, work)
    if result["stale"]:
        log.info(
            "order_status.update.stale",
            extra={
                "fluent_order": result["fluentOrder"],
                "ct_order": result["ctOrder"],
            },
        )
    return result
