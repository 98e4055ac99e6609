"""Pure mapping of the availability API: request -> Fluent variables, Fluent data -> the
JSON answer. No I/O here; service.py sends the requests.

Rules (documented in the README and the OpenAPI description):
- overall quantity of a SKU = the sum of its ACTIVE virtual positions in the virtual
  catalogue (negative quantities count as 0);
- per-location quantities come from ``searchVirtualInventory`` (asked with quantity 1
  per SKU, so locations holding part of the basket are listed too); ``sufficient`` is
  computed here against the requested quantity;
- with coordinates, locations are sorted by great-circle distance (km, 2 decimals),
  locations without coordinates last; without, Fluent's order is kept;
- with ``location``, only those locations are listed, in request order unless
  coordinates are given (a location without stock is listed with 0).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

from connector.modules.availability.schemas import AvailabilityQuery

MAX_FIRST = 5000
ETA_PATTERN = re.compile(r"^\s*(\d+)\s*(MINUTE|HOUR|DAY|WEEK)S?\s*$", re.IGNORECASE)


class UnknownLocation(ValueError):
    """A requested pickup location does not exist in Fluent."""

    def __init__(self, refs: Sequence[str]) -> None:
        super().__init__(f"unknown location(s): {', '.join(refs)}")
        self.refs = list(refs)


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle (haversine) distance in kilometres."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 6371.0088 * 2 * math.asin(min(1.0, math.sqrt(h)))


def cache_parts(query: AvailabilityQuery, catalogue_ref: str) -> dict[str, Any]:
    """The normalised request: same answer <=> same parts."""
    return {
        "catalogue": catalogue_ref,
        "mode": query.mode,
        "items": sorted(query.items),
        "locations": sorted(query.locations),
        "origin": query.origin,
        "order_type": query.order_type,
        "limit": query.limit,
    }


def stock_variables(
    query: AvailabilityQuery, catalogue_ref: str, first: int
) -> dict[str, Any]:
    skus = [sku for sku, _ in query.items]
    variables: dict[str, Any] = {
        "catalogue": catalogue_ref,
        "skus": skus,
        "productQuantities": [{"productRef": sku, "quantity": 1} for sku in skus],
        "origin": (
            {"latitude": query.lat, "longitude": query.lon} if query.origin else None
        ),
        # with a location filter the wanted locations may be anywhere in the list
        "first": MAX_FIRST if query.locations else first,
        "positionsFirst": MAX_FIRST,
    }
    for i, ref in enumerate(query.locations):
        variables[f"loc{i}"] = ref
    return variables


def _nodes(connection: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    edges = (connection or {}).get("edges") or []
    return [e["node"] for e in edges if e and e.get("node")]


def _address(location: Mapping[str, Any]) -> dict[str, Any] | None:
    address = location.get("primaryAddress")
    if not address:
        return None
    keys = ("street", "city", "state", "postcode", "country", "latitude", "longitude")
    return {k: address.get(k) for k in keys}


def _coords(location: Mapping[str, Any]) -> tuple[float, float] | None:
    address = location.get("primaryAddress") or {}
    lat, lon = address.get("latitude"), address.get("longitude")
    if lat is None or lon is None:
        return None
    return float(lat), float(lon)


def _sum_active(positions: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    """Quantity per SKU over ACTIVE positions (negative quantities count as 0)."""
    total: dict[str, int] = {}
    for vp in positions:
        if vp.get("status") not in (None, "ACTIVE") or not vp.get("productRef"):
            continue
        sku = str(vp["productRef"])
        total[sku] = total.get(sku, 0) + max(0, int(vp.get("quantity") or 0))
    return total


def _location_entry(
    query: AvailabilityQuery,
    location: Mapping[str, Any],
    positions: Sequence[Mapping[str, Any]],
) -> dict[str, Any]:
    have = _sum_active(positions)
    items = [
        {"sku": sku, "available": have.get(sku, 0), "sufficient": have.get(sku, 0) >= q}
        for sku, q in query.items
    ]
    coords = _coords(location)
    distance = (
        round(distance_km(query.origin, coords), 2) if query.origin and coords else None
    )
    return {
        "ref": location.get("ref"),
        "name": location.get("name"),
        "type": location.get("type"),
        "status": location.get("status"),
        "distanceKm": distance,
        "address": _address(location),
        "available": all(i["sufficient"] for i in items),
        "items": items,
    }


def map_stock(
    query: AvailabilityQuery,
    data: Mapping[str, Any],
    catalogue_ref: str,
    limit: int,
) -> dict[str, Any]:
    """The stock answer. Raises ``UnknownLocation`` for a pickup ref Fluent lacks."""
    overall = _sum_active(_nodes(data.get("positions")))
    found = {}
    for node in _nodes(data.get("search")):
        location = node.get("location") or {}
        if location.get("ref"):
            found[location["ref"]] = _location_entry(
                query, location, node.get("virtualPositions") or []
            )
    if query.locations:
        missing = [
            ref
            for i, ref in enumerate(query.locations)
            if ref not in found and not data.get(f"loc{i}")
        ]
        if missing:
            raise UnknownLocation(missing)
        locations = [
            found.get(ref) or _location_entry(query, data[f"loc{i}"], [])
            for i, ref in enumerate(query.locations)
        ]
    else:
        locations = list(found.values())
    if query.origin:
        far = float("inf")
        locations.sort(
            key=lambda e: far if e["distanceKm"] is None else e["distanceKm"]
        )
    items = [
        {
            "sku": sku,
            "requested": qty,
            "available": overall.get(sku, 0),
            "sufficient": overall.get(sku, 0) >= qty,
        }
        for sku, qty in query.items
    ]
    return {
        "mode": "stock",
        "virtualCatalogueRef": catalogue_ref,
        "origin": {"lat": query.lat, "lon": query.lon} if query.origin else None,
        "available": all(i["sufficient"] for i in items),
        "items": items,
        "locations": locations[:limit] if not query.locations else locations,
    }


def order_type(query: AvailabilityQuery) -> str:
    """HD unless asked, or CC when a pickup location is given."""
    return query.order_type or ("CC" if query.locations else "HD")


def option_input(
    query: AvailabilityQuery,
    *,
    ref: str,
    option_type: str,
    retailer_id: int,
    catalogue_ref: str | None,
) -> dict[str, Any]:
    """``CreateFulfilmentOptionInput`` for the requested basket."""
    data: dict[str, Any] = {
        "ref": ref,
        "type": option_type,
        "retailerId": retailer_id,
        "orderType": order_type(query),
        "products": [
            {"productRef": sku, "requestedQuantity": qty}
            | ({"catalogueRef": catalogue_ref} if catalogue_ref else {})
            for sku, qty in query.items
        ],
    }
    if query.locations:
        data["locationRef"] = query.locations[0]
    if query.origin:
        data["address"] = {"latitude": query.lat, "longitude": query.lon}
    return data


def eta_duration(eta: str | None) -> str | None:
    """Fluent's ``"2 DAYS"`` / ``"3 HOURS"`` as ISO 8601 (``P2D``, ``PT3H``), else None."""
    match = ETA_PATTERN.match(eta or "")
    if not match:
        return None
    n, unit = int(match.group(1)), match.group(2).upper()
    return {
        "MINUTE": f"PT{n}M",
        "HOUR": f"PT{n}H",
        "DAY": f"P{n}D",
        "WEEK": f"P{n}W",
    }[unit]


def _plan(node: Mapping[str, Any]) -> dict[str, Any]:
    exceptions = [
        {"code": e.get("code"), "message": e.get("message")}
        for e in node.get("exceptions") or []
    ]
    return {
        "ref": node.get("ref"),
        "status": node.get("status"),
        "eta": node.get("eta"),
        "etaDuration": eta_duration(node.get("eta")),
        "splitCount": node.get("splitCount"),
        "complete": not exceptions,
        "fulfilments": [
            {
                "locationRef": f.get("locationRef"),
                "fulfilmentType": f.get("fulfilmentType"),
                "eta": f.get("eta"),
                "etaDuration": eta_duration(f.get("eta")),
                "items": [
                    {
                        "sku": i.get("productRef"),
                        "available": i.get("availableQuantity"),
                        "requested": i.get("requestedQuantity"),
                    }
                    for i in f.get("items") or []
                ],
            }
            for f in node.get("fulfilments") or []
        ],
        "exceptions": exceptions,
    }


def map_options(query: AvailabilityQuery, option: Mapping[str, Any]) -> dict[str, Any]:
    """The fulfilment-options answer (plans in Fluent's order)."""
    plans = [_plan(node) for node in _nodes(option.get("plans"))]
    return {
        "mode": "options",
        "orderType": option.get("orderType") or order_type(query),
        "optionRef": option.get("ref"),
        "origin": {"lat": query.lat, "lon": query.lon} if query.origin else None,
        "locations": list(query.locations),
        "available": any(p["complete"] for p in plans),
        "items": [{"sku": sku, "requested": qty} for sku, qty in query.items],
        "plans": plans,
    }
