"""Builders of the entities the lifecycle driver creates: fulfilments and consignments.

Location choice for a fulfilment: the CC order's ``pickupLocationRef``; for HD the ACTIVE
locations nearest the delivery address (seed order without coordinates), the first that
holds enough stock for every item; when none does but several together do, the order is
split: one fulfilment per location with the quantities it holds (nearest first, as
Fluent's split sourcing does); else the first one [I: stands in for Fluent's sourcing
rules]. Fulfilment types follow Fluent's names (``HD_PFS``/``HD_PFDC``/``CC_PFS``/
``CC_PFDC``, PFDC for warehouse-type locations).
"""

from __future__ import annotations

import zlib
from typing import TYPE_CHECKING, Any

from .resolvers.inventory import grid
from .resolvers.locations import location_coords
from .resolvers.products import item_product
from .resolvers.stock import distance_km

if TYPE_CHECKING:
    from .state import FluentSandbox

WAREHOUSE_TYPES = {"WAREHOUSE", "DC", "DISTRIBUTION_CENTRE"}


class NoLocationError(Exception):
    """No location can take the fulfilment."""


def tracking_label(carrier_ref: str, order_ref: str, number: int) -> str:
    """A stable, carrier-looking tracking number."""
    digits = zlib.crc32(f"{order_ref}:{number}".encode()) % 10**10
    return f"{carrier_ref[:2].upper()}{digits:010d}{number:02d}"


def nearest_first(
    locations: list[dict[str, Any]], origin: tuple[float, float] | None
) -> list[dict[str, Any]]:
    if origin is None:
        return locations
    return sorted(
        locations,
        key=lambda loc: distance_km(origin, c) if (c := location_coords(loc)) else 1e9,
    )


def _needs(state: FluentSandbox, order: dict[str, Any]) -> list[tuple[str, int]]:
    out = []
    for item in state.data.order_items.many(order["_items"]):
        product = item_product(state, item)
        out.append((product["ref"] if product else "", item["quantity"]))
    return out


def choose_location(state: FluentSandbox, order: dict[str, Any]) -> dict[str, Any]:
    data = state.data
    choice = order.get("fulfilmentChoice") or {}
    if choice.get("pickupLocationRef"):
        location = data.locations.find(choice["pickupLocationRef"])
        if location is None:
            raise NoLocationError(
                f"pickup location {choice['pickupLocationRef']} missing"
            )
        return location
    candidates = [loc for loc in data.locations.rows() if loc.get("status") == "ACTIVE"]
    if not candidates:
        raise NoLocationError("no ACTIVE location to fulfil from; seed locations first")
    address = choice.get("deliveryAddress") or {}
    origin = None
    if address.get("latitude") is not None and address.get("longitude") is not None:
        origin = (float(address["latitude"]), float(address["longitude"]))
    candidates = nearest_first(candidates, origin)
    stock = grid(state, state.inventory_catalogue_ref)
    needs = _needs(state, order)
    for location in candidates:
        if all((stock.get(sku, location["ref"]) or 0) >= qty for sku, qty in needs):
            return location
    return candidates[0]


def split_plan(
    state: FluentSandbox, order: dict[str, Any]
) -> list[tuple[dict[str, Any], dict[str, int]]] | None:
    """HD order no single location can fill: [(location, {order item id: qty})] when
    the ACTIVE locations together hold enough stock, else None."""
    data = state.data
    choice = order.get("fulfilmentChoice") or {}
    if choice.get("pickupLocationRef"):
        return None
    candidates = [loc for loc in data.locations.rows() if loc.get("status") == "ACTIVE"]
    address = choice.get("deliveryAddress") or {}
    origin = None
    if address.get("latitude") is not None and address.get("longitude") is not None:
        origin = (float(address["latitude"]), float(address["longitude"]))
    candidates = nearest_first(candidates, origin)
    stock = grid(state, state.inventory_catalogue_ref)
    items = data.order_items.many(order["_items"])
    needs = _needs(state, order)
    if any(
        all((stock.get(sku, loc["ref"]) or 0) >= qty for sku, qty in needs)
        for loc in candidates
    ):
        return None
    plan: dict[str, tuple[dict[str, Any], dict[str, int]]] = {}
    for item, (sku, qty) in zip(items, needs, strict=True):
        left = qty
        for loc in candidates:
            take = min(left, int(stock.get(sku, loc["ref"]) or 0))
            if take > 0:
                plan.setdefault(loc["id"], (loc, {}))[1][item["id"]] = take
                left -= take
            if not left:
                break
        if left:
            return None
    return list(plan.values()) if len(plan) > 1 else None


def create_fulfilments(
    state: FluentSandbox, order: dict[str, Any]
) -> list[dict[str, Any]]:
    """The fulfilments of a newly BOOKED order (one, or one per location when split)."""
    split = split_plan(state, order)
    if split is None:
        return [create_fulfilment(state, order)]
    return [create_fulfilment(state, order, loc, qtys) for loc, qtys in split]


def create_fulfilment(
    state: FluentSandbox,
    order: dict[str, Any],
    location: dict[str, Any] | None = None,
    quantities: dict[str, int] | None = None,
) -> dict[str, Any]:
    data = state.data
    location = location or choose_location(state, order)
    choice = order.get("fulfilmentChoice") or {}
    pfdc = str(location.get("type", "")).upper() in WAREHOUSE_TYPES
    kind = "CC" if order["type"] == "CC" else "HD"
    number = len(order["_fulfilments"]) + 1
    fulfilment = data.fulfilments.add(
        {
            "__typename": "Fulfilment",
            "ref": f"{order['ref']}-F{number}",
            "status": "AWAITING_WAVE",
            "type": f"{kind}_{'PFDC' if pfdc else 'PFS'}",
            "deliveryType": choice.get("deliveryType", "STANDARD"),
            "eta": "2 HOURS" if kind == "CC" else ("1 DAY" if pfdc else "2 DAYS"),
            "expiryTime": None,
            "attributes": [],
            "workflowRef": order["workflowRef"],
            "workflowVersion": 1,
            "fromAddress": location.get("primaryAddress"),
            "toAddress": choice.get("deliveryAddress")
            or location.get("primaryAddress"),
            "fromLocation": {"ref": location["ref"]},
            "fulfilmentChoiceRef": choice.get("ref"),
            "_order": order["id"],
            "_location": location["id"],
            "_items": [],
            "_articles": [],
        }
    )
    order_items = data.order_items.many(order["_items"])
    if quantities is not None:
        order_items = [i for i in order_items if i["id"] in quantities]
    for index, order_item in enumerate(order_items, 1):
        requested = (
            quantities[order_item["id"]] if quantities else order_item["quantity"]
        )
        item = data.fulfilment_items.add(
            {
                "__typename": "FulfilmentItem",
                "ref": f"{fulfilment['ref']}-{index}",
                "status": "CREATED",
                "requestedQuantity": requested,
                "filledQuantity": 0,
                "rejectedQuantity": 0,
                "_fulfilment": fulfilment["id"],
                "_order_item": order_item["id"],
            }
        )
        fulfilment["_items"].append(item["id"])
    order["_fulfilments"].append(fulfilment["id"])
    return fulfilment


def create_consignment(
    state: FluentSandbox, order: dict[str, Any], fulfilment: dict[str, Any]
) -> dict[str, Any]:
    """One article holding the filled items, booked on one consignment."""
    data = state.data
    location = data.locations.get(fulfilment["_location"]) or {}
    carrier = data.carriers.find(location.get("defaultCarrier") or "") or next(
        iter(data.carriers.rows()), None
    )
    if carrier is None:
        raise NoLocationError("no carrier to book the consignment; seed carriers first")
    items = [
        i
        for i in data.fulfilment_items.many(fulfilment["_items"])
        if i and i["filledQuantity"] > 0
    ]
    quantity = sum(i["filledQuantity"] for i in items)
    number = len(fulfilment["_articles"]) + 1
    article = data.articles.add(
        {
            "__typename": "Article",
            "ref": f"{fulfilment['ref']}-A{number}",
            "type": "DEFAULT",
            "status": "AWAITING_COURIER_COLLECTION",
            "workflowRef": order["workflowRef"],
            "workflowVersion": 1,
            "attributes": [],
            "description": f"Parcel {number} of order {order['ref']}",
            "name": f"{order['ref']} parcel {number}",
            "height": 10.0,
            "length": 30.0,
            "width": 20.0,
            "weight": round(0.5 * quantity, 2),
            "quantity": quantity,
            "_fulfilments": [fulfilment["id"]],
            "_consignments": [],
            "_items": [],
        }
    )
    for seq, item in enumerate(items, 1):
        order_item = data.order_items.get(item["_order_item"]) or {}
        article["_items"].append(
            {
                "id": f"{article['id']}-{seq}",
                "_seq": seq,
                "_article": article["id"],
                "quantity": item["filledQuantity"],
                "barcode": order_item.get("ref"),
                "createdOn": article["createdOn"],
                "updatedOn": article["updatedOn"],
            }
        )
    fulfilment["_articles"].append(article["id"])
    label = tracking_label(carrier["ref"], order["ref"], number)
    consignment = data.consignments.add(
        {
            "__typename": "Consignment",
            "ref": f"{fulfilment['ref']}-C{number}",
            "status": "CREATED",
            "consignmentReference": f"{carrier['ref']}-{label}",
            "trackingLabel": label,
            "labelUrl": f"https://labels.sandbox.fluent.example/{carrier['ref']}/{label}.pdf",
            "orderSummaryUrl": f"https://labels.sandbox.fluent.example/{order['ref']}.pdf",
            "workflowRef": order["workflowRef"],
            "workflowVersion": 1,
            "_articles": [article["id"]],
            "_carrier": carrier["id"],
            "_retailer": order["_retailer"],
        }
    )
    article["_consignments"].append(consignment["id"])
    return consignment
