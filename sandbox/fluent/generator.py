"""Bulk data generator (``POST /_sandbox/generate``) for tests and benchmarks.

Parameters (all optional): ``categories`` N, ``products`` N, ``variants_per_product`` M
(default 1), ``skus`` S (overrides products: ``ceil(S / M)`` products), ``locations`` L,
``stock_min``/``stock_max`` (default 0/50), ``seed`` (default 1), ``prefix`` (ref prefix,
default ``""``), ``timestamp`` (ISO; createdOn/updatedOn of everything generated, default
now), ``status`` (default ``ACTIVE``). Refs: categories ``CAT-0001``, products
``P-00001``, SKUs (variants) ``P-00001-1``, locations ``LOC-001``. Every SKU gets stock at
every location (compact grid) and one aggregate virtual position in
``FLUENT_VIRTUAL_CATALOGUE_REF``. Same seed, same data.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .resolvers.catalog import create_category
from .resolvers.inventory import grid, recompute_aggregates, vc_or_error
from .resolvers.locations import upsert_location
from .resolvers.products import create_product
from .store import now_ts, parse_iso

if TYPE_CHECKING:
    from .state import FluentSandbox

CITIES = [  # (name, latitude, longitude, timeZone)
    ("Sydney", -33.8688, 151.2093, "Australia/Sydney"),
    ("Melbourne", -37.8136, 144.9631, "Australia/Melbourne"),
    ("Berlin", 52.5200, 13.4050, "Europe/Berlin"),
    ("Amsterdam", 52.3676, 4.9041, "Europe/Amsterdam"),
    ("London", 51.5072, -0.1276, "Europe/London"),
]
CARRIER_CYCLE = ["AUSPOST", "AUSPOST", "DHL", "POSTNL", "DHL"]


def _int(params: Mapping[str, Any], name: str, default: int) -> int:
    value = int(params.get(name, default))
    if value < 0:
        raise ValueError(f"{name} must not be negative")
    return value


def _gtin(number: int) -> str:
    body = f"{number:012d}"[-12:]
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


def generate(state: FluentSandbox, params: Mapping[str, Any]) -> dict[str, Any]:
    """Create the requested data; returns counts and the time it took."""
    started = time.perf_counter()
    rnd = random.Random(_int(params, "seed", 1))
    prefix = str(params.get("prefix", ""))
    per = max(1, _int(params, "variants_per_product", 1))
    n_skus = _int(params, "skus", 0)
    n_products = math.ceil(n_skus / per) if n_skus else _int(params, "products", 0)
    if not n_skus:
        n_skus = n_products * per
    n_categories = _int(params, "categories", 0)
    n_locations = _int(params, "locations", 0)
    low, high = _int(params, "stock_min", 0), _int(params, "stock_max", 50)
    if high < low:
        raise ValueError("stock_max must be >= stock_min")
    ts = parse_iso(params["timestamp"]) if params.get("timestamp") else now_ts()
    status = str(params.get("status", "ACTIVE"))
    catalogue = {"ref": state.catalogue_ref}
    state.events.muted = True
    try:
        categories = _categories(
            state, prefix, n_categories, catalogue, ts, status, rnd
        )
        skus = _products(
            state,
            prefix,
            n_products,
            per,
            n_skus,
            categories,
            catalogue,
            ts,
            status,
            rnd,
        )
        locations = _locations(state, prefix, n_locations, ts, rnd)
        positions = _stock(state, skus, locations, low, high, ts, rnd)
    finally:
        state.events.muted = False
    return {
        "categories": len(categories),
        "standardProducts": n_products,
        "variantProducts": len(skus),
        "skus": len(skus),
        "locations": len(locations),
        "inventoryPositions": positions,
        "virtualPositions": len(skus),
        "elapsed_ms": round((time.perf_counter() - started) * 1000, 1),
    }


def _categories(
    state: FluentSandbox,
    prefix: str,
    count: int,
    catalogue: dict[str, str],
    ts: float,
    status: str,
    rnd: random.Random,
) -> list[str]:
    refs: list[str] = []
    roots = max(1, count // 5) if count else 0
    for i in range(1, count + 1):
        ref = f"{prefix}CAT-{i:04d}"
        data: dict[str, Any] = {
            "ref": ref,
            "catalogue": catalogue,
            "type": "DEFAULT",
            "name": f"Category {i}",
            "summary": f"Generated {i}",
        }
        if i > roots:
            data["parentCategory"] = {
                "ref": refs[rnd.randrange(roots)],
                "catalogue": catalogue,
            }
        create_category(state, data, ts)["status"] = status
        refs.append(ref)
    return refs


def _products(
    state: FluentSandbox,
    prefix: str,
    n_products: int,
    per: int,
    n_skus: int,
    categories: list[str],
    catalogue: dict[str, str],
    ts: float,
    status: str,
    rnd: random.Random,
) -> list[str]:
    skus: list[str] = []
    for i in range(1, n_products + 1):
        ref = f"{prefix}P-{i:05d}"
        cats = (
            [{"ref": rnd.choice(categories), "catalogue": catalogue}]
            if categories
            else []
        )
        price = round(rnd.uniform(5, 200), 2)
        common = {
            "catalogue": catalogue,
            "categories": cats,
            "prices": [{"type": "DEFAULT", "currency": "EUR", "value": price}],
        }
        create_product(
            state,
            "StandardProduct",
            {
                **common,
                "ref": ref,
                "type": "STANDARD",
                "name": f"Product {i}",
                "gtin": _gtin(i * 1000),
                "summary": f"Generated product {i}",
            },
            ts,
        )["status"] = status
        for v in range(1, per + 1):
            if len(skus) >= n_skus:
                break
            sku = f"{ref}-{v}"
            create_product(
                state,
                "VariantProduct",
                {
                    **common,
                    "ref": sku,
                    "type": "VARIANT",
                    "name": f"Product {i} v{v}",
                    "gtin": _gtin(i * 1000 + v),
                    "product": {"ref": ref, "catalogue": catalogue},
                    "attributes": [{"name": "size", "type": "STRING", "value": str(v)}],
                },
                ts,
            )["status"] = status
            skus.append(sku)
    return skus


def _locations(
    state: FluentSandbox, prefix: str, count: int, ts: float, rnd: random.Random
) -> list[str]:
    refs = []
    for i in range(1, count + 1):
        city, lat, lon, zone = CITIES[(i - 1) % len(CITIES)]
        ref = f"{prefix}LOC-{i:03d}"
        warehouse = i % 5 == 0
        weekday: dict[str, Any] = {"allHours": warehouse}
        for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun"):
            weekday[f"{day}Start"] = 0 if warehouse else (1000 if day == "sun" else 900)
            weekday[f"{day}End"] = (
                2359 if warehouse else (1600 if day == "sun" else 1730)
            )
        upsert_location(
            state,
            {
                "ref": ref,
                "name": f"{city} {'DC' if warehouse else 'Store'} {i}",
                "type": "WAREHOUSE" if warehouse else "STORE",
                "status": "ACTIVE",
                "supportPhoneNumber": f"+61 2 9{i:03d} {rnd.randrange(1000, 9999)}",
                "defaultCarrier": CARRIER_CYCLE[(i - 1) % len(CARRIER_CYCLE)],
                "primaryAddress": {
                    "ref": ref,
                    "name": f"{city} {i}",
                    "street": f"{i} Generated Street",
                    "city": city,
                    "postcode": f"{1000 + i}",
                    "country": "AU" if lat < 0 else "EU",
                    "latitude": round(lat + rnd.uniform(-0.2, 0.2), 6),
                    "longitude": round(lon + rnd.uniform(-0.2, 0.2), 6),
                    "timeZone": zone,
                },
                "openingSchedule": weekday,
                "networks": [state.network_ref],
            },
            ts,
        )
        refs.append(ref)
    return refs


def _stock(
    state: FluentSandbox,
    skus: list[str],
    locations: list[str],
    low: int,
    high: int,
    ts: float,
    rnd: random.Random,
) -> int:
    the_grid = grid(state, state.inventory_catalogue_ref)
    for sku in skus:
        the_grid.add_sku(sku)
    rows = [the_grid.sku_index[s] for s in skus]
    for loc in locations:
        col = the_grid.add_location(loc)
        column = the_grid.qty[col].tolist()
        for row in rows:
            column[row] = rnd.randint(low, high)
        the_grid.bulk_column(loc, column, ts)
    vc_or_error(state, state.virtual_catalogue_ref)
    recompute_aggregates(state, state.inventory_catalogue_ref, skus, ts)
    return len(skus) * len(locations)
