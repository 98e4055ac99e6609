"""Inventory and virtual catalogues, positions, and per-location stock (reference §3.9).

Stock on hand per location lives in an ``InventoryGrid`` per inventory catalogue. Virtual
catalogues flagged ``_aggregate`` (the default ``FLUENT_VIRTUAL_CATALOGUE_REF`` is one)
hold one available-to-sell position per SKU whose ``quantity`` is the sum of positive
stock over the catalogue's locations [I: Fluent computes ATS in its inventory workflow;
the sandbox uses a plain sum]. Aggregate position refs are ``<productRef>:<groupRef>`` with
``groupRef`` = the network ref [I: the reference lists this convention as open].
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from graphql import GraphQLResolveInfo

from ..grid import InventoryGrid
from ..store import now_ts, stamp
from .common import (
    FluentError,
    Row,
    attributes_in,
    connection,
    exact_values,
    filter_rows,
    sandbox,
    upsert_attributes,
)
from .registry import field, mutation, query

if TYPE_CHECKING:
    from ..state import FluentSandbox

VP_FILTERS = {
    name: name
    for name in (
        "ref",
        "type",
        "status",
        "productRef",
        "quantity",
        "groupRef",
        "workflowRef",
        "workflowVersion",
    )
}


# ---------------------------------------------------------------------------- domain
def upsert_inventory_catalogue(state: FluentSandbox, spec: Mapping[str, Any]) -> Row:
    data = state.data
    row = data.inventory_catalogues.find(spec["ref"])
    if row is None:
        row = data.inventory_catalogues.add(
            {"__typename": "InventoryCatalogue", "ref": spec["ref"]}, key=spec["ref"]
        )
    row["type"] = spec.get("type", "DEFAULT")
    row["name"] = spec.get("name", spec["ref"])
    row["description"] = spec.get("description")
    row["status"] = spec.get("status", "ACTIVE")
    row["workflowRef"] = f"INVENTORY_CATALOGUE::{row['type']}"
    row["workflowVersion"] = 1
    row["attributes"] = attributes_in(spec.get("attributes"))
    row["retailerRefs"] = spec.get("retailerRefs", [state.retailer_id])
    grid(state, spec["ref"])
    return row


def upsert_virtual_catalogue(state: FluentSandbox, spec: Mapping[str, Any]) -> Row:
    data = state.data
    row = data.virtual_catalogues.find(spec["ref"])
    if row is None:
        row = data.virtual_catalogues.add(
            {"__typename": "VirtualCatalogue", "ref": spec["ref"]}, key=spec["ref"]
        )
    row["type"] = spec.get("type", "BASE")
    row["name"] = spec.get("name", spec["ref"])
    row["description"] = spec.get("description")
    row["status"] = spec.get("status", "ACTIVE")
    row["workflowRef"] = f"VIRTUAL_CATALOGUE::{row['type']}"
    row["workflowVersion"] = 1
    row["attributes"] = attributes_in(spec.get("attributes"))
    row["inventoryCatalogueRef"] = spec.get(
        "inventoryCatalogueRef", state.inventory_catalogue_ref
    )
    row["productCatalogueRef"] = spec.get("productCatalogueRef", state.catalogue_ref)
    nets = [data.networks.find(r) for r in spec.get("networks", [])]
    row["networkIds"] = [n["id"] for n in nets if n is not None]
    row["controlGroupRef"] = spec.get("controlGroupRef")
    row["retailerRefs"] = spec.get("retailerRefs", [state.retailer_id])
    row["_aggregate"] = bool(spec.get("aggregate", True))
    row["_group"] = spec.get("groupRef") or (
        nets[0]["ref"] if nets and nets[0] else None
    )
    return row


def grid(state: FluentSandbox, catalogue_ref: str) -> InventoryGrid:
    found = state.data.grids.get(catalogue_ref)
    if found is None:
        found = state.data.grids[catalogue_ref] = InventoryGrid(catalogue_ref, now_ts())
    return found  # type: ignore[no-any-return]


def catalogue_locations(state: FluentSandbox, vc: Row) -> list[Row]:
    """ACTIVE locations of a virtual catalogue's networks (all, without networks)."""
    data = state.data
    if vc["networkIds"]:
        ids: list[str] = []
        for net_id in vc["networkIds"]:
            net = data.networks.get(net_id)
            ids.extend(i for i in (net or {}).get("_locations", []) if i not in ids)
        locs = data.locations.many(ids)
    else:
        locs = data.locations.rows()
    return sorted(
        (loc for loc in locs if loc and loc.get("status") == "ACTIVE"),
        key=lambda r: r["_seq"],
    )


def set_virtual_position(
    state: FluentSandbox,
    vc: Row,
    product_ref: str,
    quantity: int,
    ts: float | None = None,
    *,
    ref: str | None = None,
    group_ref: str | None = None,
    status: str | None = None,
) -> tuple[Row, bool]:
    """Create or update a virtual position; updatedOn moves only when something changed."""
    group = group_ref or vc.get("_group") or vc["ref"]
    ref = ref or f"{product_ref}:{group}"
    table = state.data.virtual_positions
    row = table.find((vc["ref"], ref))
    if row is None:
        row = table.add(
            {
                "__typename": "VirtualPosition",
                "ref": ref,
                "type": "DEFAULT",
                "status": status or "ACTIVE",
                "workflowRef": vc["workflowRef"],
                "workflowVersion": 1,
                "attributes": [],
                "productRef": product_ref,
                "quantity": int(quantity),
                "groupRef": group,
                "_catalogue": vc["ref"],
            },
            key=(vc["ref"], ref),
            ts=ts,
        )
        state.data.vp_by_product.setdefault((vc["ref"], product_ref), []).append(row)
        return row, True
    changed = row["quantity"] != int(quantity) or (status and row["status"] != status)
    if changed:
        row["quantity"] = int(quantity)
        row["status"] = status or row["status"]
        stamp(row, ts)
    return row, bool(changed)


def aggregate_catalogues(state: FluentSandbox, inventory_ref: str) -> list[Row]:
    return [
        vc
        for vc in state.data.virtual_catalogues.rows()
        if vc.get("_aggregate") and vc["inventoryCatalogueRef"] == inventory_ref
    ]


def recompute_aggregates(
    state: FluentSandbox,
    inventory_ref: str,
    skus: Iterable[str],
    ts: float | None = None,
) -> int:
    """Refresh aggregate positions of ``skus``; returns how many positions changed."""
    the_grid = grid(state, inventory_ref)
    changed = 0
    for vc in aggregate_catalogues(state, inventory_ref):
        cols = [
            the_grid.loc_index[loc["ref"]]
            for loc in catalogue_locations(state, vc)
            if loc["ref"] in the_grid.loc_index
        ]
        for sku in skus:
            _, did = set_virtual_position(state, vc, sku, the_grid.total(sku, cols), ts)
            changed += did
    return changed


def vc_or_error(state: FluentSandbox, ref: str) -> Row:
    vc = state.data.virtual_catalogues.find(ref)
    if vc is None:
        raise FluentError(f"VirtualCatalogue with ref [{ref}] not found", "C0120E")
    return vc


# ---------------------------------------------------------------------------- queries
def search_positions(
    state: FluentSandbox, args: Mapping[str, Any], catalogue: str | None
) -> Row:
    data = state.data
    products = exact_values(args.get("productRef"))
    if catalogue and products:
        rows = [r for p in products for r in data.vp_by_product.get((catalogue, p), [])]
        rows.sort(key=lambda r: r["_seq"])
    else:
        rows = data.virtual_positions.rows()
        if catalogue:
            rows = [r for r in rows if r["_catalogue"] == catalogue]
    return connection(filter_rows(rows, args, VP_FILTERS), args)


@query("virtualCatalogue")
def q_virtual_catalogue(_: Any, info: GraphQLResolveInfo, ref: str) -> Row | None:
    return sandbox(info).data.virtual_catalogues.find(ref)


@query("virtualCatalogues")
def q_virtual_catalogues(_: Any, info: GraphQLResolveInfo, **args: Any) -> Row:
    rows = sandbox(info).data.virtual_catalogues.rows()
    spec = {"ref": "ref", "type": "type", "status": "status", "name": "name"}
    return connection(filter_rows(rows, args, spec), args)


@query("virtualPosition")
def q_virtual_position(
    _: Any, info: GraphQLResolveInfo, ref: str, catalogue: dict[str, Any]
) -> Row | None:
    return sandbox(info).data.virtual_positions.find((catalogue["ref"], ref))


@query("virtualPositions")
def q_virtual_positions(_: Any, info: GraphQLResolveInfo, **args: Any) -> Row:
    return search_positions(
        sandbox(info), args, (args.get("catalogue") or {}).get("ref")
    )


@field("VirtualCatalogue", "virtualPositions")
def vc_positions(vc: Row, info: GraphQLResolveInfo, **args: Any) -> Row:
    return search_positions(sandbox(info), args, vc["ref"])


@field("VirtualPosition", "catalogue")
def vp_catalogue(vp: Row, info: GraphQLResolveInfo) -> Row | None:
    return sandbox(info).data.virtual_catalogues.find(vp["_catalogue"])


@mutation("createVirtualPosition")
def m_create_vp(_: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> Row:
    state = sandbox(info)
    vc = vc_or_error(state, input["catalogue"]["ref"])
    if state.data.virtual_positions.find((vc["ref"], input["ref"])) is not None:
        raise FluentError(f"VirtualPosition with ref [{input['ref']}] already exists")
    row, _ = set_virtual_position(
        state,
        vc,
        input.get("productRef") or input["ref"],
        input["quantity"],
        ref=input["ref"],
        group_ref=input.get("groupRef"),
    )
    row["type"] = input["type"]
    row["status"] = "CREATED"
    row["attributes"] = attributes_in(input.get("attributes"))
    return row


@mutation("updateVirtualPosition")
def m_update_vp(_: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> Row:
    state = sandbox(info)
    row = state.data.virtual_positions.find((input["catalogue"]["ref"], input["ref"]))
    if row is None:
        raise FluentError(
            f"VirtualPosition with ref [{input['ref']}] not found", "C0120E"
        )
    for key in ("status", "type", "groupRef", "quantity"):
        if input.get(key) is not None:
            row[key] = input[key]
    row["attributes"] = upsert_attributes(row["attributes"], input.get("attributes"))
    stamp(row)
    return row
