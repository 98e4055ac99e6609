"""The bootstrapped account and seeding from a JSON fixture (``POST /_sandbox/seed``).

Every fresh (or reset) sandbox has what a real account is provisioned with: retailer
``FLUENT_RETAILER_ID``, product catalogue ``FLUENT_CATALOGUE_REF``, inventory catalogue
``FLUENT_INVENTORY_CATALOGUE_REF``, network ``FLUENT_NETWORK_REF``, the aggregate virtual
catalogue ``FLUENT_VIRTUAL_CATALOGUE_REF`` over that network, and carriers AUSPOST, DHL
and POSTNL. Fixtures add to it; see ``fixtures/retailer.json`` for every section.
Entities go through the same validation as the GraphQL mutations (fixtures may omit
``catalogue``/``retailer`` keys, which default to the account's).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .resolvers.carriers import upsert_carrier
from .resolvers.catalog import create_category, upsert_product_catalogue
from .resolvers.common import FluentError
from .resolvers.customers import create_customer
from .resolvers.inventory import (
    grid,
    recompute_aggregates,
    set_virtual_position,
    upsert_inventory_catalogue,
    upsert_virtual_catalogue,
    vc_or_error,
)
from .resolvers.locations import upsert_location, upsert_network, upsert_retailer
from .resolvers.orders import create_order
from .resolvers.products import create_product
from .resolvers.settings import create_setting
from .store import now_ts, parse_iso

if TYPE_CHECKING:
    from .state import FluentSandbox

CARRIERS = [
    {
        "ref": "AUSPOST",
        "name": "Australia Post",
        "trackingUrl": "https://auspost.com.au/mypost/track/#/details/{label}",
    },
    {
        "ref": "DHL",
        "name": "DHL Express",
        "trackingUrl": "https://www.dhl.com/en/express/tracking.html?AWB={label}",
    },
    {
        "ref": "POSTNL",
        "name": "PostNL",
        "trackingUrl": "https://jouw.postnl.nl/track-and-trace/{label}",
    },
]


class SeedError(ValueError):
    """A fixture entry could not be loaded; names the section and entry."""


def bootstrap(state: FluentSandbox) -> None:
    upsert_retailer(
        state,
        {
            "id": state.retailer_id,
            "ref": f"{state.account_id}_RETAILER",
            "tradingName": "Sandbox Retailer",
        },
    )
    upsert_product_catalogue(state, {"ref": state.catalogue_ref, "type": "MASTER"})
    upsert_inventory_catalogue(state, {"ref": state.inventory_catalogue_ref})
    upsert_network(state, {"ref": state.network_ref, "type": "BASE"})
    upsert_virtual_catalogue(
        state,
        {
            "ref": state.virtual_catalogue_ref,
            "type": "BASE",
            "networks": [state.network_ref],
        },
    )
    for carrier in CARRIERS:
        upsert_carrier(state, carrier)


def _cat(state: FluentSandbox, spec: Mapping[str, Any]) -> dict[str, str]:
    return {"ref": spec.get("catalogueRef", state.catalogue_ref)}


def _categories(
    state: FluentSandbox, specs: list[dict[str, Any]], ts: float | None
) -> int:
    pending = list(specs)
    done = 0
    while pending:  # parents first, whatever the fixture order
        progress = []
        for spec in pending:
            cat = _cat(state, spec)
            parent = spec.get("parentRef")
            if parent and state.data.categories.find((cat["ref"], parent)) is None:
                continue
            data = {
                "ref": spec["ref"],
                "catalogue": cat,
                "name": spec.get("name", spec["ref"]),
                "type": spec.get("type", "DEFAULT"),
                "summary": spec.get("summary"),
                "attributes": spec.get("attributes"),
            }
            if parent:
                data["parentCategory"] = {"ref": parent, "catalogue": cat}
            create_category(state, data, ts)["status"] = spec.get("status", "ACTIVE")
            progress.append(spec)
            done += 1
        if not progress:
            raise SeedError(f"categories: unknown parentRef in {pending[0]['ref']!r}")
        pending = [s for s in pending if s not in progress]
    return done


def _product(
    state: FluentSandbox,
    kind: str,
    spec: Mapping[str, Any],
    ts: float | None,
    parent: str | None = None,
) -> None:
    cat = _cat(state, spec)
    data: dict[str, Any] = {
        "ref": spec["ref"],
        "catalogue": cat,
        "name": spec.get("name", spec["ref"]),
        "type": spec.get("type", "VARIANT" if kind == "VariantProduct" else "STANDARD"),
        "gtin": spec.get("gtin", spec["ref"][:20]),
        "summary": spec.get("summary"),
        "attributes": spec.get("attributes"),
        "prices": spec.get("prices"),
        "taxType": spec.get("taxType"),
        "categories": [
            {"ref": r, "catalogue": cat} for r in spec.get("categories", [])
        ],
    }
    if parent:
        data["product"] = {"ref": parent, "catalogue": cat}
    row = create_product(state, kind, data, ts)
    row["status"] = spec.get("status", "ACTIVE")


def _order(state: FluentSandbox, spec: Mapping[str, Any]) -> None:
    data = dict(spec)
    target = data.pop("status", None)
    data.setdefault("retailer", {"id": state.retailer_id})
    customer = dict(data.get("customer") or {})
    if "username" in customer:
        found = state.data.customers.find(customer["username"])
        if found is None:
            raise SeedError(f"orders: unknown customer {customer['username']!r}")
        data["customer"] = {"id": found["id"]}
    data["items"] = [
        {"productCatalogueRef": state.catalogue_ref, **item} for item in data["items"]
    ]
    order = create_order(state, data)
    if target and target not in ("CREATED", "RECEIVED"):
        state.lifecycle.advance(order["ref"], target)


def seed(state: FluentSandbox, fixture: Mapping[str, Any]) -> dict[str, int]:
    """Load a fixture; returns counts per section. Raises SeedError on a bad entry."""
    ts = parse_iso(fixture["timestamp"]) if fixture.get("timestamp") else None
    counts: Counter[str] = Counter()
    section = "fixture"
    try:
        catalogues = fixture.get("catalogues") or {}
        for section, specs, fn in (
            ("retailers", fixture.get("retailers", []), upsert_retailer),
            (
                "productCatalogues",
                catalogues.get("product", []),
                upsert_product_catalogue,
            ),
            (
                "inventoryCatalogues",
                catalogues.get("inventory", []),
                upsert_inventory_catalogue,
            ),
            ("networks", fixture.get("networks", []), upsert_network),
            (
                "virtualCatalogues",
                catalogues.get("virtual", []),
                upsert_virtual_catalogue,
            ),
            ("carriers", fixture.get("carriers", []), upsert_carrier),
        ):
            for spec in specs:
                fn(state, spec)
                counts[section] += 1
        section = "locations"
        for spec in fixture.get("locations", []):
            upsert_location(state, spec, ts)
            counts[section] += 1
        section = "categories"
        counts[section] += _categories(state, fixture.get("categories", []), ts)
        section = "products"
        for spec in fixture.get("products", []):
            _product(state, "StandardProduct", spec, ts)
            counts["standardProducts"] += 1
            for variant in spec.get("variants", []):
                _product(
                    state,
                    "VariantProduct",
                    {
                        "catalogueRef": spec.get("catalogueRef", state.catalogue_ref),
                        **variant,
                    },
                    ts,
                    spec["ref"],
                )
                counts["variantProducts"] += 1
        section = "customers"
        for spec in fixture.get("customers", []):
            create_customer(
                state,
                {
                    "retailer": {"id": state.retailer_id},
                    "promotionOptIn": False,
                    "timezone": "UTC",
                    **spec,
                },
                ts,
            )
            counts[section] += 1
        section = "settings"
        for spec in fixture.get("settings", []):
            data = {"context": "RETAILER", "contextId": int(state.retailer_id), **spec}
            if isinstance(data.get("value"), (dict, list)):
                data["lobValue"] = data.pop("value")
            data.setdefault("valueType", "JSON" if "lobValue" in data else "STRING")
            create_setting(state, data)
            counts[section] += 1
        counts.update(_stock(state, fixture, ts))
        section = "orders"
        for spec in fixture.get("orders", []):
            _order(state, spec)
            counts[section] += 1
    except (FluentError, KeyError, TypeError, ValueError) as exc:
        message = getattr(exc, "message", None) or str(exc)
        raise SeedError(f"{section}: {type(exc).__name__}: {message}") from exc
    return dict(counts)


def _stock(
    state: FluentSandbox, fixture: Mapping[str, Any], ts: float | None
) -> dict[str, int]:
    touched: dict[str, set[str]] = {}
    for spec in fixture.get("inventory", []):
        catalogue = spec.get("catalogueRef", state.inventory_catalogue_ref)
        grid(state, catalogue).set(
            spec["productRef"], spec["locationRef"], int(spec["onHand"]), ts or now_ts()
        )
        touched.setdefault(catalogue, set()).add(spec["productRef"])
    explicit = set()
    for spec in fixture.get("virtualPositions", []):
        vc = vc_or_error(state, spec.get("catalogueRef", state.virtual_catalogue_ref))
        set_virtual_position(
            state,
            vc,
            spec["productRef"],
            int(spec["quantity"]),
            ts,
            ref=spec.get("ref"),
            group_ref=spec.get("groupRef"),
            status=spec.get("status"),
        )
        explicit.add(spec["productRef"])
    changed = 0
    if fixture.get("aggregate", True):
        for catalogue, skus in touched.items():
            changed += recompute_aggregates(
                state, catalogue, sorted(skus - explicit), ts
            )
    return {
        "inventoryPositions": len(fixture.get("inventory", [])),
        "virtualPositions": len(fixture.get("virtualPositions", [])) + changed,
    }
