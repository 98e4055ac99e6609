"""Per-location stock reads: inventory positions and ``searchVirtualInventory``.

Inventory positions are materialised from the compact grid only for the page returned,
so paging 200,000 positions stays cheap. ``searchVirtualInventory`` answers one entry per
ACTIVE location of the virtual catalogue's networks that holds stock of at least one
requested product [I: Fluent's ruleset decides; partial stock is returned so storefronts
can show per-location quantities], nearest first when ``orderByProximity`` is given.
Its ``VirtualInventory``/``VirtualInventoryConnection`` names are those of the 2022 schema.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from graphql import GraphQLResolveInfo

from ..grid import InventoryGrid
from ..store import iso
from .common import (
    MAX_PAGE,
    Row,
    connection,
    encode_cursor,
    exact_values,
    page_window,
    row_predicate,
    sandbox,
)
from .inventory import catalogue_locations, grid, vc_or_error
from .locations import location_coords
from .registry import field, query

if TYPE_CHECKING:
    from ..state import FluentSandbox

IP_FILTERS = {
    name: name
    for name in ("ref", "type", "status", "onHand", "workflowRef", "workflowVersion")
}
_GRID_SHIFT = 40


def _grids(
    state: FluentSandbox, catalogue: str | None
) -> list[tuple[int, InventoryGrid]]:
    return [
        (number, g)
        for number, g in enumerate(state.data.grids.values())
        if catalogue is None or g.catalogue_ref == catalogue
    ]


def search_inventory_positions(
    state: FluentSandbox, args: Mapping[str, Any], catalogue: str | None
) -> Row:
    after, before, first, last = page_window(args)
    pred = row_predicate(args, IP_FILTERS)
    skus = exact_values(args.get("productRef"))
    locs = exact_values(args.get("locationRef"))
    windowed = before is not None or last is not None
    limit = None if windowed else first + 1
    start = -1 if after is None else after
    found: list[Row] = []
    for number, the_grid in _grids(state, catalogue):
        base = number << _GRID_SHIFT
        if base + (1 << _GRID_SHIFT) <= start:
            continue
        rows = (
            None
            if skus is None
            else [the_grid.sku_index[s] for s in skus if s in the_grid.sku_index]
        )
        cols = (
            None
            if locs is None
            else [the_grid.loc_index[c] for c in locs if c in the_grid.loc_index]
        )
        for row, col in the_grid.iter_cells(rows, cols, start - base):
            position = the_grid.position(row, col)
            if pred is not None and not pred(position):
                continue
            position["_seq"] += base
            found.append(position)
            if limit is not None and len(found) >= limit:
                break
        if limit is not None and len(found) >= limit:
            break
    if windowed:
        return connection(found, {**args, "after": None})
    page = found[:first]
    return {
        "edges": [{"node": p, "cursor": encode_cursor(p["_seq"])} for p in page],
        "pageInfo": {
            "hasNextPage": len(found) > first,
            "hasPreviousPage": after is not None,
        },
    }


@query("inventoryCatalogue")
def q_inventory_catalogue(_: Any, info: GraphQLResolveInfo, ref: str) -> Row | None:
    return sandbox(info).data.inventory_catalogues.find(ref)


@query("inventoryPositions")
def q_inventory_positions(_: Any, info: GraphQLResolveInfo, **args: Any) -> Row:
    catalogue = (args.get("catalogue") or {}).get("ref")
    return search_inventory_positions(sandbox(info), args, catalogue)


@field("InventoryCatalogue", "inventoryPositions")
def catalogue_positions(cat: Row, info: GraphQLResolveInfo, **args: Any) -> Row:
    return search_inventory_positions(sandbox(info), args, cat["ref"])


@query("inventoryPosition")
def q_inventory_position(
    _: Any, info: GraphQLResolveInfo, ref: str, catalogue: dict[str, Any]
) -> Row | None:
    the_grid = sandbox(info).data.grids.get(catalogue["ref"])
    cell = the_grid.locate_ref(ref) if the_grid is not None else None
    return the_grid.position(*cell) if the_grid is not None and cell else None


@field("InventoryPosition", "catalogue")
def position_catalogue(pos: Row, info: GraphQLResolveInfo) -> Row | None:
    return sandbox(info).data.inventory_catalogues.find(pos["_catalogue"])


@field("InventoryPosition", "quantities")
def position_quantities(pos: Row, _info: GraphQLResolveInfo, **args: Any) -> Row:
    quantity = {
        "__typename": "InventoryQuantity",
        "id": pos["id"],
        "_seq": 1,
        "ref": f"{pos['ref']}:LAST_ON_HAND",
        "type": "LAST_ON_HAND",
        "status": "ACTIVE",
        "workflowRef": pos["workflowRef"],
        "workflowVersion": 1,
        "attributes": [],
        "quantity": pos["onHand"],
        "condition": "NEW",
        "createdOn": pos["createdOn"],
        "updatedOn": pos["updatedOn"],
        "_catalogue": pos["_catalogue"],
        "_position": pos,
    }
    return connection([quantity], args)


@field("InventoryQuantity", "position")
def quantity_position(quantity: Row, _info: GraphQLResolveInfo) -> Row:
    return quantity["_position"]  # type: ignore[no-any-return]


@field("InventoryQuantity", "catalogue")
def quantity_catalogue(quantity: Row, info: GraphQLResolveInfo) -> Row | None:
    return sandbox(info).data.inventory_catalogues.find(quantity["_catalogue"])


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle (haversine) distance."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 6371.0 * 2 * math.asin(math.sqrt(h))


def stock_positions(
    state: FluentSandbox, vc: Row, location: Row, products: Sequence[Mapping[str, Any]]
) -> list[Row]:
    """Per-location virtual positions (groupRef = location ref) of the given products."""
    the_grid = grid(state, vc["inventoryCatalogueRef"])
    col = the_grid.loc_index.get(location["ref"])
    out: list[Row] = []
    for product in products:
        sku = product["productRef"]
        row = the_grid.sku_index.get(sku)
        if col is None or row is None:
            continue
        quantity = the_grid.qty[col][row]
        if quantity <= 0:
            continue
        updated = the_grid.upd[col][row] or the_grid.created_ts
        out.append(
            {
                "__typename": "VirtualPosition",
                "id": f"{vc['ref']}:{sku}:{location['ref']}",
                "ref": f"{sku}:{location['ref']}",
                "type": "DEFAULT",
                "status": "ACTIVE",
                "workflowRef": vc["workflowRef"],
                "workflowVersion": 1,
                "attributes": [],
                "productRef": sku,
                "quantity": quantity,
                "groupRef": location["ref"],
                "createdOn": iso(the_grid.created_ts),
                "updatedOn": iso(updated),
                "_catalogue": vc["ref"],
            }
        )
    return out


@query("searchVirtualInventory")
def q_search_virtual_inventory(
    _: Any,
    info: GraphQLResolveInfo,
    virtualCatalogue: dict[str, Any],
    productQuantities: list[dict[str, Any]],
    virtualPosition: dict[str, Any] | None = None,
    excludedLocationRefs: list[str] | None = None,
    orderByProximity: dict[str, Any] | None = None,
    first: int | None = None,
) -> Row:
    state = sandbox(info)
    vc = vc_or_error(state, virtualCatalogue["ref"])
    wanted_status = (virtualPosition or {}).get("status")
    excluded = set(excludedLocationRefs or [])
    results: list[Row] = []
    for location in catalogue_locations(state, vc):
        if location["ref"] in excluded:
            continue
        positions = stock_positions(state, vc, location, productQuantities)
        if wanted_status:
            positions = [p for p in positions if p["status"] == wanted_status]
        if positions:
            results.append({"location": location, "virtualPositions": positions})
    if orderByProximity:
        origin = (orderByProximity["latitude"], orderByProximity["longitude"])
        far = float("inf")
        results.sort(
            key=lambda r: (
                distance_km(origin, c) if (c := location_coords(r["location"])) else far
            )
        )
    size = 10 if first is None else max(0, min(first, MAX_PAGE))
    return {
        # cursors are "not yet implemented" for this connection in Fluent's schema
        "edges": [{"node": r, "cursor": None} for r in results[:size]],
        "pageInfo": {"hasNextPage": len(results) > size, "hasPreviousPage": False},
    }
