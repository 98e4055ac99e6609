"""Deterministic bulk data for benchmarks and demos: categories, products, channels, customers.

``generate`` builds resources directly (no draft validation, no per-item copies) so that
10,000 products x 3 variants take a few seconds. Same ``seed`` on a fresh sandbox, same data
(ids included); a second call continues the numbering instead of colliding. Equal small
values (attribute and money dicts) are shared between resources to keep memory modest; this
is safe because stored resources are never mutated in place. No messages unless asked.
"""

from __future__ import annotations

import gc

from .errors import invalid_input
from .generator_base import CITIES, FIRST_NAMES, LAST_NAMES
from .generator_base import GenContext as _Gen
from .generator_catalog import categories as _categories
from .generator_catalog import products as _products
from .store import Doc, Store
from .util import ref

LIMITS = {
    "categories": 10_000,
    "products": 100_000,
    "variants_per_product": 100,
    "channels": 1_000,
    "customers": 100_000,
}


def _channels(g: _Gen, count: int, start: int) -> list[Doc]:
    out = []
    for n in range(count):
        i = start + n + 1
        city, country, lng, lat = CITIES[n % len(CITIES)]
        slug = city.lower().replace(" ", "-")
        doc: Doc = {
            "id": g.uid(),
            "key": f"store-{slug}-{i}",
            "roles": ["InventorySupply", "ProductDistribution"],
            "name": {"en": f"{city} store {i}", "de": f"Filiale {city} {i}"},
            "address": {
                "country": country,
                "city": city,
                "streetName": "Main Street",
                "streetNumber": str(i),
                "postalCode": f"{10000 + i}",
            },
            "geoLocation": {
                "type": "Point",
                "coordinates": [
                    round(lng + g.rng.uniform(-0.05, 0.05), 5),
                    round(lat + g.rng.uniform(-0.05, 0.05), 5),
                ],
            },
        }
        g.add("channel", doc, [])
        out.append(doc)
    return out


def _customers(g: _Gen, count: int, start: int) -> None:
    for n in range(count):
        i = start + n + 1
        first, last = g.rng.choice(FIRST_NAMES), g.rng.choice(LAST_NAMES)
        city, country, _, _ = CITIES[g.rng.randrange(len(CITIES))]
        addr_id = g.uid()[:8]
        doc: Doc = {
            "id": g.uid(),
            "email": f"customer{i}@example.com",
            "firstName": first,
            "lastName": last,
            "customerNumber": f"C{i:06d}",
            "password": "****generated",
            "addresses": [
                {
                    "id": addr_id,
                    "firstName": first,
                    "lastName": last,
                    "streetName": "Market Street",
                    "streetNumber": str(i),
                    "postalCode": f"{20000 + i}",
                    "city": city,
                    "country": country,
                    "email": f"customer{i}@example.com",
                }
            ],
            "shippingAddressIds": [addr_id],
            "billingAddressIds": [addr_id],
            "defaultShippingAddressId": addr_id,
            "defaultBillingAddressId": addr_id,
            "isEmailVerified": True,
            "stores": [],
            "authenticationMode": "Password",
        }
        g.add("customer", doc, [("CustomerCreated", {"customer": doc})])


def _inventory(g: _Gen, skus: list[str], channels: list[Doc]) -> int:
    count = 0
    for sku in skus:
        for channel in channels:
            qty = g.rng.randint(0, 100)
            doc: Doc = {
                "id": g.uid(),
                "sku": sku,
                "supplyChannel": ref("channel", channel["id"]),
                "quantityOnStock": qty,
                "availableQuantity": qty,
            }
            g.add(
                "inventory-entry",
                doc,
                [("InventoryEntryCreated", {"inventoryEntry": doc})],
            )
            count += 1
    return count


def generate(store: Store, spec: Doc) -> Doc:
    """Create the requested amounts of data; returns counts and the time taken."""
    counts = {}
    for name, limit in LIMITS.items():
        value = spec.get(name, 3 if name == "variants_per_product" else 0)
        if (
            not isinstance(value, int)
            or isinstance(value, bool)
            or not 0 <= value <= limit
        ):
            raise invalid_input(f"generate: '{name}' must be an integer 0..{limit}")
        counts[name] = value
    if counts["variants_per_product"] < 1:
        raise invalid_input("generate: 'variants_per_product' must be at least 1")
    messages = bool(spec.get("messages", False))
    offsets = store.extras.setdefault("generated", {k: 0 for k in LIMITS})
    g = _Gen(store, spec.get("seed", 1), sum(offsets.values()), messages)
    with store.lock:
        previous = store.produce_messages
        store.produce_messages = messages
        try:
            categories = _categories(g, counts["categories"], offsets["categories"])
            all_categories = categories or list(store.coll("category").items)
            _products(
                g,
                counts["products"],
                offsets["products"],
                counts["variants_per_product"],
                all_categories,
            )
            channels = _channels(g, counts["channels"], offsets["channels"])
            _customers(g, counts["customers"], offsets["customers"])
            inventory = 0
            if spec.get("inventory"):
                skus = [
                    f"SKU-{offsets['products'] + n + 1:05d}-{v}"
                    for n in range(counts["products"])
                    for v in range(1, counts["variants_per_product"] + 1)
                ]
                inventory = _inventory(g, skus, channels)
        finally:
            store.produce_messages = previous
        for name in ("categories", "products", "channels", "customers"):
            offsets[name] += counts[name]
    # Bulk data is long-lived and acyclic: move it out of the cyclic GC's reach so that
    # full collections do not pause requests for hundreds of ms. Refcounting still frees it.
    gc.freeze()
    return {
        "created": {
            "categories": counts["categories"],
            "products": counts["products"],
            "variants": counts["products"] * counts["variants_per_product"],
            "channels": counts["channels"],
            "customers": counts["customers"],
            "inventory": inventory,
        }
    }
