"""``createFulfilmentOption``: sourcing plans with ETA from per-location stock (§3.9).

On Fluent a FULFILMENT_OPTIONS workflow builds the plans; ``executionMode:
AWAIT_ORCHESTRATION`` makes the mutation wait for it. The sandbox's stand-in workflow
[I: all rules below are the sandbox's own, plausible choices]:

* candidate locations: ACTIVE locations of ``FLUENT_VIRTUAL_CATALOGUE_REF``'s networks
  (only ``locationRef`` when given), nearest first when the address has coordinates;
* one single-fulfilment plan per location that can ship everything (up to 5);
* otherwise one split plan filled greedily from the nearest locations, with an
  ``INSUFFICIENT_STOCK`` exception if even that falls short;
* ETA: CC ``"2 HOURS"``; HD ``"1 DAY"`` from a warehouse, ``"2 DAYS"`` from a store, plus a
  day per extra split. Without ``AWAIT_ORCHESTRATION`` the option stays ``CREATED``
  with no plans, as the workflow would not have run yet.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from graphql import GraphQLResolveInfo

from .common import Row, attributes_in, connection, filter_rows, require_text, sandbox
from .inventory import catalogue_locations, grid, vc_or_error
from .locations import location_coords
from .registry import field, mutation, query
from .stock import distance_km

if TYPE_CHECKING:
    from ..grid import InventoryGrid
    from ..state import FluentSandbox

MAX_SINGLE_PLANS = 5
WAREHOUSE_TYPES = {"WAREHOUSE", "DC", "DISTRIBUTION_CENTRE"}


def _kind(order_type: str, location: Row) -> tuple[str, str]:
    """(fulfilmentType, eta) for a location."""
    pfdc = str(location.get("type", "")).upper() in WAREHOUSE_TYPES
    if order_type == "CC":
        return ("CC_PFDC" if pfdc else "CC_PFS"), "2 HOURS"
    return ("HD_PFDC" if pfdc else "HD_PFS"), ("1 DAY" if pfdc else "2 DAYS")


def _available(the_grid: InventoryGrid, sku: str, loc: str) -> int:
    return max(0, the_grid.get(sku, loc) or 0)


def _plan_fulfilment(order_type: str, location: Row, items: list[Row]) -> Row:
    fulfilment_type, eta = _kind(order_type, location)
    return {
        "fulfilmentType": fulfilment_type,
        "locationRef": location["ref"],
        "eta": eta,
        "items": items,
    }


def build_plans(
    state: FluentSandbox, data: Mapping[str, Any]
) -> list[tuple[list[Row], list[Row]]]:
    """[(plan fulfilments, exceptions)] for the requested products."""
    vc = vc_or_error(state, state.virtual_catalogue_ref)
    the_grid = grid(state, vc["inventoryCatalogueRef"])
    order_type = (data.get("orderType") or "HD").upper()
    locations = catalogue_locations(state, vc)
    if data.get("locationRef"):
        locations = [loc for loc in locations if loc["ref"] == data["locationRef"]]
    address = data.get("address") or {}
    if address.get("latitude") is not None and address.get("longitude") is not None:
        origin = (address["latitude"], address["longitude"])
        locations.sort(
            key=lambda loc: (
                distance_km(origin, c) if (c := location_coords(loc)) else float("inf")
            )
        )
    wanted = [
        (p["productRef"], p.get("catalogueRef"), int(p.get("requestedQuantity") or 1))
        for p in data.get("products") or []
    ]
    plans: list[tuple[list[Row], list[Row]]] = []
    for loc in locations:
        if all(_available(the_grid, sku, loc["ref"]) >= qty for sku, _, qty in wanted):
            items = [
                {
                    "productRef": sku,
                    "catalogueRef": cat,
                    "availableQuantity": qty,
                    "requestedQuantity": qty,
                }
                for sku, cat, qty in wanted
            ]
            plans.append(([_plan_fulfilment(order_type, loc, items)], []))
            if len(plans) >= MAX_SINGLE_PLANS:
                break
    if plans or not wanted:
        return plans
    remaining = {sku: qty for sku, _, qty in wanted}
    fulfilments = []
    for loc in locations:
        items = []
        for sku, cat, qty in wanted:
            take = min(remaining[sku], _available(the_grid, sku, loc["ref"]))
            if take > 0:
                remaining[sku] -= take
                items.append(
                    {
                        "productRef": sku,
                        "catalogueRef": cat,
                        "availableQuantity": take,
                        "requestedQuantity": qty,
                    }
                )
        if items:
            fulfilments.append(_plan_fulfilment(order_type, loc, items))
        if not any(remaining.values()):
            break
    short = {sku: qty for sku, qty in remaining.items() if qty}
    exceptions = [
        {
            "code": "INSUFFICIENT_STOCK",
            "attributes": [],
            "message": f"Not enough stock for {sku}: {qty} short",
        }
        for sku, qty in short.items()
    ]
    return [(fulfilments, exceptions)]


def create_fulfilment_option(
    state: FluentSandbox, data: Mapping[str, Any], await_orchestration: bool
) -> Row:
    require_text(data, "ref", "type")
    option = state.data.fulfilment_options.add(
        {
            "__typename": "FulfilmentOption",
            "ref": data["ref"],
            "type": data["type"],
            "status": "CREATED",
            "retailerId": data["retailerId"],
            "orderType": data.get("orderType"),
            "locationRef": data.get("locationRef"),
            "trackingCode": data.get("trackingCode"),
            "address": dict(data["address"]) if data.get("address") else None,
            "products": [
                {
                    "productRef": p["productRef"],
                    "catalogueRef": p.get("catalogueRef"),
                    "requestedQuantity": int(p.get("requestedQuantity") or 1),
                }
                for p in data.get("products") or []
            ],
            "attributes": attributes_in(data.get("attributes")),
            "workflowRef": f"FULFILMENT_OPTIONS::{data['type']}",
            "workflowVersion": 1,
            "_plans": [],
        }
    )
    if not await_orchestration:
        return option
    for number, (fulfilments, exceptions) in enumerate(build_plans(state, data), 1):
        eta = max((f["eta"] for f in fulfilments), default=None)
        if eta and len(fulfilments) > 1 and eta.endswith(("DAY", "DAYS")):
            eta = f"{int(eta.split()[0]) + len(fulfilments) - 1} DAYS"
        plan = state.data.fulfilment_plans.add(
            {
                "__typename": "FulfilmentPlan",
                "ref": f"{data['ref']}-P{number}",
                "type": "DEFAULT",
                "status": "ACTIVE",
                "splitCount": len(fulfilments),
                "eta": eta,
                "retailerId": data["retailerId"],
                "attributes": [],
                "fulfilments": fulfilments,
                "exceptions": exceptions,
                "workflowRef": option["workflowRef"],
                "workflowVersion": 1,
                "_option": option["id"],
            }
        )
        option["_plans"].append(plan["id"])
    option["status"] = "COMPLETE"
    return option


@mutation("createFulfilmentOption")
def m_create_fulfilment_option(
    _: Any,
    info: GraphQLResolveInfo,
    input: dict[str, Any],
    executionMode: str | None = None,
) -> Row:
    return create_fulfilment_option(
        sandbox(info), input, executionMode == "AWAIT_ORCHESTRATION"
    )


@query("fulfilmentOptionById")
def q_fulfilment_option(_: Any, info: GraphQLResolveInfo, id: str) -> Row | None:
    return sandbox(info).data.fulfilment_options.get(id)


@field("FulfilmentOption", "plans")
def option_plans(option: Row, info: GraphQLResolveInfo, **args: Any) -> Row:
    table = sandbox(info).data.fulfilment_plans
    rows = table.many(option["_plans"])
    spec = {
        "ref": "ref",
        "status": "status",
        "type": "type",
        "splitCount": "splitCount",
        "eta": "eta",
        "retailerId": "retailerId",
    }
    return connection(filter_rows(rows, args, spec), args)


@field("FulfilmentPlan", "fulfilmentOption")
def plan_option(plan: Row, info: GraphQLResolveInfo) -> Row | None:
    return sandbox(info).data.fulfilment_options.get(plan["_option"])
