"""Retailers, networks, locations (with store address and opening schedule) and their store addresses.

The connector only reads these (Location Sync, reference §3.8); they are created by the
seed fixture or the generator through ``upsert_*`` below. Opening times are HHmm integers.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from graphql import GraphQLResolveInfo

from ..store import stamp
from .common import (
    Row,
    attributes_in,
    connection,
    empty_connection,
    exact_values,
    filter_rows,
    sandbox,
)
from .registry import field, query

if TYPE_CHECKING:
    from ..state import FluentSandbox

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
LOCATION_FILTERS = {
    "ref": "ref",
    "type": "type",
    "status": "status",
    "name": "name",
    "supportPhoneNumber": "supportPhoneNumber",
    "defaultCarrier": "defaultCarrier",
    "defaultCarrierName": "defaultCarrierName",
}
NETWORK_FILTERS = {"ref": "ref", "type": "type", "status": "status"}
ADDRESS_FIELDS = (
    "companyName",
    "name",
    "street",
    "street2",
    "city",
    "state",
    "postcode",
    "region",
    "country",
    "latitude",
    "longitude",
    "timeZone",
    "email",
    "directions",
)


# ---------------------------------------------------------------------------- domain
def upsert_retailer(state: FluentSandbox, spec: Mapping[str, Any]) -> Row:
    data = state.data
    row = data.retailers.get(spec["id"])
    if row is None:
        row = data.retailers.add(
            {"__typename": "Retailer", "id": str(spec["id"]), "_networks": []}
        )
    for key in (
        "ref",
        "status",
        "summary",
        "websiteUrl",
        "websiteUrlName",
        "primaryEmail",
        "supportContactName",
        "supportEmail",
        "supportPhone",
        "tradingName",
    ):
        if key in spec:
            row[key] = spec[key]
    row.setdefault("status", "ACTIVE")
    return row


def upsert_network(
    state: FluentSandbox, spec: Mapping[str, Any], ts: float | None = None
) -> Row:
    data = state.data
    row = data.networks.find(spec["ref"])
    if row is None:
        row = data.networks.add(
            {
                "__typename": "Network",
                "ref": spec["ref"],
                "_locations": [],
                "_retailers": [state.retailer_id],
            },
            key=spec["ref"],
            ts=ts,
        )
        retailer = data.retailers.get(state.retailer_id)
        if retailer is not None:
            retailer["_networks"].append(row["id"])
    row["type"] = spec.get("type", row.get("type") or "BASE")
    row["status"] = spec.get("status", row.get("status") or "ACTIVE")
    row["attributes"] = attributes_in(spec.get("attributes")) or row.get(
        "attributes", []
    )
    return row


def opening_schedule(state: FluentSandbox, spec: Mapping[str, Any] | None) -> Row:
    spec = spec or {}
    row: Row = {"allHours": bool(spec.get("allHours", False))}
    for day in DAYS:
        row[f"{day}Start"] = int(spec.get(f"{day}Start", 0))
        row[f"{day}End"] = int(spec.get(f"{day}End", 0))
    row["id"] = str(next(state.schedule_ids))
    return row


def upsert_location(
    state: FluentSandbox, spec: Mapping[str, Any], ts: float | None = None
) -> Row:
    """Create or replace a location from a seed spec (networks given by ref)."""
    data = state.data
    row = data.locations.find(spec["ref"])
    if row is None:
        row = data.locations.add(
            {"__typename": "Location", "ref": spec["ref"], "_networks": []},
            key=spec["ref"],
            ts=ts,
        )
    else:
        stamp(row, ts)
    row["type"] = spec.get("type", "STORE")
    row["status"] = spec.get("status", "ACTIVE")
    row["name"] = spec.get("name", spec["ref"])
    row["supportPhoneNumber"] = spec.get("supportPhoneNumber")
    row["defaultCarrier"] = spec.get("defaultCarrier")
    carrier = data.carriers.find(spec.get("defaultCarrier") or "")
    row["defaultCarrierName"] = spec.get(
        "defaultCarrierName", carrier["name"] if carrier else None
    )
    row["attributes"] = attributes_in(spec.get("attributes"))
    row["_retailer"] = str(spec.get("retailerId", state.retailer_id))
    address_spec = dict(spec.get("primaryAddress") or {})
    address = data.addresses.add(
        {"__typename": "StoreAddress", "type": "AGENT", "_location": row["id"]}, ts=ts
    )
    address["ref"] = address_spec.get("ref", spec["ref"])
    for key in ADDRESS_FIELDS:
        address[key] = address_spec.get(key)
    row["primaryAddress"] = address
    row["openingSchedule"] = opening_schedule(state, spec.get("openingSchedule"))
    for net_ref in spec.get("networks", []):
        network = upsert_network(state, {"ref": net_ref}, ts)
        if network["id"] not in row["_networks"]:
            row["_networks"].append(network["id"])
            network["_locations"].append(row["id"])
    return row


def location_coords(location: Row) -> tuple[float, float] | None:
    address = location.get("primaryAddress") or {}
    lat, lon = address.get("latitude"), address.get("longitude")
    if lat is None or lon is None:
        return None
    return float(lat), float(lon)


# ---------------------------------------------------------------------------- helpers
def _by_refs(table_rows: Any, refs: list[Any]) -> list[Row]:
    found = [table_rows.find(r) for r in refs]
    return sorted((r for r in found if r is not None), key=lambda r: r["_seq"])


def _one(table: Any, id_: Any, ref: Any) -> Row | None:
    if id_ is not None:
        row = table.get(id_)
        return (
            row if row is not None and (ref is None or row.get("ref") == ref) else None
        )
    return table.find(ref) if ref is not None else None


def _rows_by_ids(table: Any, ids: list[str]) -> list[Row]:
    rows = [table.get(i) for i in ids]
    return sorted((r for r in rows if r is not None), key=lambda r: r["_seq"])


# ---------------------------------------------------------------------------- queries
@query("retailerById")
def q_retailer(_: Any, info: GraphQLResolveInfo, id: str) -> Row | None:
    return sandbox(info).data.retailers.get(id)


@query("locationById")
def q_location_by_id(_: Any, info: GraphQLResolveInfo, id: str) -> Row | None:
    return sandbox(info).data.locations.get(id)


@query("location")
def q_location(
    _: Any, info: GraphQLResolveInfo, id: str | None = None, ref: str | None = None
) -> Row | None:
    return _one(sandbox(info).data.locations, id, ref)


@query("locations")
def q_locations(_: Any, info: GraphQLResolveInfo, **args: Any) -> Row:
    table = sandbox(info).data.locations
    refs = exact_values(args.get("ref"))
    rows = _by_refs(table, refs) if refs else table.rows()
    return connection(filter_rows(rows, args, LOCATION_FILTERS), args)


@query("networkById")
def q_network_by_id(_: Any, info: GraphQLResolveInfo, id: str) -> Row | None:
    return sandbox(info).data.networks.get(id)


@query("network")
def q_network(
    _: Any, info: GraphQLResolveInfo, id: str | None = None, ref: str | None = None
) -> Row | None:
    return _one(sandbox(info).data.networks, id, ref)


@query("networks")
def q_networks(_: Any, info: GraphQLResolveInfo, **args: Any) -> Row:
    rows = sandbox(info).data.networks.rows()
    return connection(filter_rows(rows, args, NETWORK_FILTERS), args)


# ---------------------------------------------------------------------------- fields
@field("Location", "networks")
def location_networks(loc: Row, info: GraphQLResolveInfo, **args: Any) -> Row:
    rows = _rows_by_ids(sandbox(info).data.networks, loc["_networks"])
    return connection(filter_rows(rows, args, NETWORK_FILTERS), args)


@field("Location", "retailer")
def location_retailer(loc: Row, info: GraphQLResolveInfo) -> Row | None:
    return sandbox(info).data.retailers.get(loc.get("_retailer"))


@field("Location", "storageAreas")
def location_storage_areas(_loc: Row, _info: GraphQLResolveInfo, **_args: Any) -> Row:
    return empty_connection()


@field("StoreAddress", "location")
def address_location(address: Row, info: GraphQLResolveInfo) -> Row | None:
    return sandbox(info).data.locations.get(address.get("_location"))


@field("Network", "locations")
def network_locations(net: Row, info: GraphQLResolveInfo, **args: Any) -> Row:
    rows = _rows_by_ids(sandbox(info).data.locations, net["_locations"])
    return connection(filter_rows(rows, args, LOCATION_FILTERS), args)


@field("Network", "retailers")
def network_retailers(net: Row, info: GraphQLResolveInfo, **args: Any) -> Row:
    rows = _rows_by_ids(sandbox(info).data.retailers, net["_retailers"])
    return connection(filter_rows(rows, args, {"ref": "ref", "status": "status"}), args)


@field("Retailer", "networks")
def retailer_networks(ret: Row, info: GraphQLResolveInfo, **args: Any) -> Row:
    rows = _rows_by_ids(sandbox(info).data.networks, ret["_networks"])
    return connection(filter_rows(rows, args, NETWORK_FILTERS), args)
