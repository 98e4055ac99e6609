"""The consignment handler (stage 2): Fluent consignments -> CT deliveries and parcels.

Reads the order with fulfilments, articles and consignments from Fluent, plans one
delivery per consignment (mapping.py) and sends, in one versioned update, only the
actions that change something (actions.py). An order without ``shippingInfo`` cannot
hold deliveries in CT: the message is done with ``skipped: no_shipping_info``. It must
not change order states or line item fields.
"""

from __future__ import annotations

import logging
from typing import Any

from connector.context import HandlerContext
from connector.ct_fields import FieldProfile, profile_of
from connector.fluent_orders.ct_orders import (
    match_line_items,
)
from connector.fluent_orders.ct_types import (
    ct_setup,
    field_def,
    type_draft,
)
from connector.fluent_orders.pair import CtOrderHandle, with_order
from connector.modules.consignments.actions import FieldNames, delivery_actions
from connector.modules.consignments.mapping import (
    DELIVERY_REF_FIELD,
    DELIVERY_STATUS_FIELD,
    PARCEL_URL_FIELD,
    plan_deliveries,
)
from connector.modules.consignments.options import ConsignmentOptions

log = logging.getLogger(__name__)

MODULE = "consignments"


def parcel_type_draft(key: str, profile: FieldProfile | None = None) -> dict[str, Any]:
    if profile is not None and profile.fluent:
        return type_draft(
            key,
            profile.label("parcel_type"),
            ["order-parcel"],
            [
                field_def(
                    profile.key("tracking_url"),
                    "String",
                    profile.label("tracking_url"),
                )
            ],
        )
    return type_draft(
        key,
        "Fluent parcel",
        ["order-parcel"],
        [
            field_def(
                _key(profile, "tracking_url", PARCEL_URL_FIELD),
                "String",
                "Tracking URL",
            )
        ],
    )


def delivery_type_draft(
    key: str, profile: FieldProfile | None = None
) -> dict[str, Any]:
    if profile is not None and profile.fluent:
        return type_draft(
            key,
            profile.label("delivery_type"),
            ["order-delivery"],
            [
                field_def(profile.key(n), "String", profile.label(n))
                for n in ("consignment_ref", "consignment_status")
            ],
        )
    return type_draft(
        key,
        "Fluent consignment",
        ["order-delivery"],
        [
            field_def(
                _key(profile, "consignment_ref", DELIVERY_REF_FIELD),
                "String",
                "Fluent consignment ref",
            ),
            field_def(
                _key(profile, "consignment_status", DELIVERY_STATUS_FIELD),
                "String",
                "Fluent consignment status",
            ),
        ],
    )


def _key(profile: FieldProfile | None, logical: str, default: str) -> str:
    return profile.key(logical) if profile is not None else default


def field_names(profile: FieldProfile) -> FieldNames:
    return FieldNames(
        consignment_ref=profile.key("consignment_ref"),
        consignment_status=profile.key("consignment_status"),
        tracking_url=profile.key("tracking_url"),
    )


def handle(ctx: HandlerContext) -> dict[str, Any]:
    runtime = ctx.services
    setup = ct_setup(runtime.caches)
    options = ConsignmentOptions.from_section(
        runtime.config.options(MODULE), ctx.route.options
    )
    ct = runtime.ct()

    def work(order: dict[str, Any], handle: CtOrderHandle) -> dict[str, Any]:
        ct_order = handle.body
        result: dict[str, Any] = {
            "fluentOrder": order["ref"],
            "ctOrder": ct_order["id"],
        }
        plans = plan_deliveries(
            order,
            match_line_items(ct_order, order["items"]),
            options.tracking,
            options.delivery_key_prefix,
        )
        result["consignments"] = [p.consignment_ref for p in plans]
        if not plans:
            return {**result, "actions": []}
        if not ct_order.get("shippingInfo"):
            return {**result, "actions": [], "skipped": "no_shipping_info"}
        profile = profile_of(runtime.config)
        parcel, delivery = setup.ensure_types(
            ct,
            [
                parcel_type_draft(
                    options.parcel_type_key or profile.key("parcel_type"), profile
                ),
                delivery_type_draft(
                    options.delivery_type_key or profile.key("delivery_type"), profile
                ),
            ],
        )
        parcel_type, delivery_type = parcel.id, delivery.id
        names = field_names(profile)
        updated, applied = handle.update(
            lambda current: delivery_actions(
                current, plans, delivery_type, parcel_type, names
            ),
            setup,
        )
        return {
            **result,
            "actions": [a["action"] for a in applied],
            "version": updated.get("version"),
        }

    outcome = with_order(runtime, ctx.message, work, consignments=True)
    if outcome.get("skipped") == "no_shipping_info":
        log.warning(
            "consignments.order.no_shipping_info",
            extra={k: outcome[k] for k in ("fluentOrder", "ctOrder", "consignments")},
        )
    return outcome
