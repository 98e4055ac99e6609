"""Deterministic bulk data for benchmarks and demos: categories, products, channels, customers.

``generate`` builds resources directly (no draft validation, no per-item copies) so that
10,000 products x 3 variants take a few seconds. Same ``seed`` on a fresh sandbox, same data
(ids included); a second call continues the numbering instead of colliding. Equal small
values (attribute and money dicts) are shared between resources to keep memory modest; this
is safe because stored resources are never mutated in place. No messages unless asked.
"""

from __future__ import annotations

import gc
import random
import uuid
from typing import Any

from .errors import invalid_input
from .resources.products import projection
from .store import Doc, Store
from .util import now_iso, ref

COLORS = [
    ("red", "rot"),
    ("blue", "blau"),
    ("green", "grün"),
    ("black", "schwarz"),
    ("white", "weiß"),
    ("grey", "grau"),
    ("yellow", "gelb"),
    ("navy", "marineblau"),
]
SIZES = ["XS", "S", "M", "L", "XL", "XXL"]
BRANDS = [
    "Northwind",
    "Alpenrose",
    "Kestrel",
    "Lumen",
    "Tidewater",
    "Ironbark",
    "Solace",
]
ADJECTIVES = [
    ("Classic", "Klassisch"),
    ("Urban", "Urbanes"),
    ("Light", "Leichtes"),
    ("Warm", "Warmes"),
    ("Sport", "Sport"),
    ("Premium", "Premium"),
    ("Organic", "Bio"),
    ("Vintage", "Vintage"),
]
NOUNS = [
    ("Shirt", "Hemd"),
    ("Jacket", "Jacke"),
    ("Sneaker", "Turnschuh"),
    ("Bag", "Tasche"),
    ("Hoodie", "Kapuzenpulli"),
    ("Scarf", "Schal"),
    ("Dress", "Kleid"),
    ("Cap", "Mütze"),
]
CATEGORY_WORDS = [
    ("Women", "Damen"),
    ("Men", "Herren"),
    ("Kids", "Kinder"),
    ("Shoes", "Schuhe"),
    ("Outdoor", "Outdoor"),
    ("Accessories", "Accessoires"),
    ("Sale", "Sale"),
    ("New", "Neu"),
    ("Sport", "Sport"),
    ("Home", "Wohnen"),
]
CITIES = [
    ("Amsterdam", "NL", 4.9003, 52.3789),
    ("Berlin", "DE", 13.4050, 52.5200),
    ("Munich", "DE", 11.5820, 48.1351),
    ("Hamburg", "DE", 9.9937, 53.5511),
    ("Rotterdam", "NL", 4.4777, 51.9244),
    ("New York", "US", -74.0060, 40.7128),
    ("Chicago", "US", -87.6298, 41.8781),
    ("London", "GB", -0.1276, 51.5072),
]
FIRST_NAMES = [
    "Anna",
    "Ben",
    "Clara",
    "David",
    "Emma",
    "Felix",
    "Greta",
    "Hugo",
    "Ida",
    "Jonas",
]
LAST_NAMES = [
    "Smith",
    "Müller",
    "de Vries",
    "Schmidt",
    "Jansen",
    "Brown",
    "Weber",
    "Bakker",
]
LIMITS = {
    "categories": 10_000,
    "products": 100_000,
    "variants_per_product": 100,
    "channels": 1_000,
    "customers": 100_000,
}


def _ean(rng: random.Random) -> str:
    digits = [rng.randint(0, 9) for _ in range(12)]
    total = sum(d * (3 if i % 2 else 1) for i, d in enumerate(digits))
    return "".join(map(str, digits)) + str((10 - total % 10) % 10)


class _Gen:
    def __init__(self, store: Store, seed: Any, offset: int, messages: bool) -> None:
        self.store = store
        self.rng = random.Random(f"{seed}:{offset}")
        self.stamp = now_iso()
        self.messages = messages
        self.shared: dict[Any, Any] = {}

    def uid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def share(self, key: Any, value: Any) -> Any:
        return self.shared.setdefault(key, value)

    def add(self, type_id: str, doc: Doc, msgs: list[tuple[str, Doc]]) -> None:
        if self.messages:
            self.store.insert(type_id, doc, msgs)
            return
        doc.update(version=1, createdAt=self.stamp, lastModifiedAt=self.stamp)
        self.store.coll(type_id).put(doc)


def _ensure_product_type(g: _Gen) -> Doc:
    existing = g.store.coll("product-type").by_key("generated")
    if existing is not None:
        return existing
    attrs = [
        (
            "color",
            {
                "name": "lenum",
                "values": [
                    {"key": en, "label": {"en": en.title(), "de": de.title()}}
                    for en, de in COLORS
                ],
            },
        ),
        ("size", {"name": "enum", "values": [{"key": s, "label": s} for s in SIZES]}),
        ("brand", {"name": "text"}),
        ("ean", {"name": "text"}),
    ]
    doc: Doc = {
        "id": g.uid(),
        "key": "generated",
        "name": "Generated apparel",
        "description": "Product type of generated products",
        "attributes": [
            {
                "name": n,
                "label": {"en": n.title()},
                "type": t,
                "isRequired": False,
                "attributeConstraint": "None",
                "isSearchable": True,
                "inputHint": "SingleLine",
            }
            for n, t in attrs
        ],
    }
    g.add("product-type", doc, [])
    return doc


def _categories(g: _Gen, count: int, start: int) -> list[str]:
    ids: list[Doc] = []
    roots = max(1, count // 10)
    for n in range(count):
        i = start + n + 1
        en, de = CATEGORY_WORDS[n % len(CATEGORY_WORDS)]
        doc: Doc = {
            "id": g.uid(),
            "key": f"cat-{i:05d}",
            "name": {"en": f"{en} {i}", "de": f"{de} {i}"},
            "slug": {"en": f"{en.lower()}-{i}", "de": f"{de.lower()}-{i}"},
            "description": {"en": f"All {en.lower()} products", "de": f"Alle {de}"},
            "orderHint": f"0.{i:05d}",
            "assets": [],
            "ancestors": [],
        }
        if n >= roots:
            parent = ids[g.rng.randrange(len(ids))]
            if len(parent["ancestors"]) < 2:
                doc["parent"] = ref("category", parent["id"])
                doc["ancestors"] = [*parent["ancestors"], ref("category", parent["id"])]
        g.add("category", doc, [("CategoryCreated", {"category": doc})])
        ids.append(doc)
    return [d["id"] for d in ids]


def _price(g: _Gen, currency: str, cents: int) -> Doc:
    value = g.share(
        ("money", currency, cents),
        {
            "type": "centPrecision",
            "currencyCode": currency,
            "centAmount": cents,
            "fractionDigits": 2,
        },
    )
    return {"id": g.uid(), "value": value}


def _variant(g: _Gen, i: int, v: int, brand: str) -> Doc:
    color_en, color_de = COLORS[g.rng.randrange(len(COLORS))]
    size = SIZES[(v - 1) % len(SIZES)]
    cents = 999 + 100 * g.rng.randrange(0, 190)
    return {
        "id": v,
        "sku": f"SKU-{i:05d}-{v}",
        "key": f"prod-{i:05d}-{v}",
        "prices": [_price(g, "EUR", cents), _price(g, "USD", round(cents * 1.1))],
        "images": g.share("images", []),
        "attributes": [
            g.share(
                ("color", color_en),
                {
                    "name": "color",
                    "value": {
                        "key": color_en,
                        "label": {"en": color_en.title(), "de": color_de.title()},
                    },
                },
            ),
            g.share(
                ("size", size), {"name": "size", "value": {"key": size, "label": size}}
            ),
            g.share(("brand", brand), {"name": "brand", "value": brand}),
            {"name": "ean", "value": _ean(g.rng)},
        ],
        "assets": g.share("assets", []),
    }


def _products(g: _Gen, count: int, start: int, per: int, categories: list[str]) -> None:
    product_type = ref("product-type", _ensure_product_type(g)["id"])
    for n in range(count):
        i = start + n + 1
        adj_en, adj_de = ADJECTIVES[g.rng.randrange(len(ADJECTIVES))]
        noun_en, noun_de = NOUNS[g.rng.randrange(len(NOUNS))]
        brand = BRANDS[g.rng.randrange(len(BRANDS))]
        variants = [_variant(g, i, v, brand) for v in range(1, per + 1)]
        cats = [ref("category", g.rng.choice(categories))] if categories else []
        data: Doc = {
            "name": {"en": f"{adj_en} {noun_en} {i}", "de": f"{adj_de} {noun_de} {i}"},
            "slug": {
                "en": f"{adj_en}-{noun_en}-{i}".lower(),
                "de": f"{adj_de}-{noun_de}-{i}".lower(),
            },
            "description": {
                "en": f"{adj_en} {noun_en.lower()} by {brand}.",
                "de": f"{adj_de} {noun_de} von {brand}.",
            },
            "categories": cats,
            "categoryOrderHints": {},
            "masterVariant": variants[0],
            "variants": variants[1:],
            "searchKeywords": {},
            "attributes": [],
        }
        doc: Doc = {
            "id": g.uid(),
            "key": f"prod-{i:05d}",
            "productType": product_type,
            "masterData": {
                "published": True,
                "hasStagedChanges": False,
                "current": data,
                "staged": data,
            },
            "priceMode": "Embedded",
            "lastVariantId": per,
        }
        g.add(
            "product",
            doc,
            [
                (
                    "ProductCreated",
                    {"productProjection": lambda d: projection(d, "staged")},
                ),
                (
                    "ProductPublished",
                    {
                        "productProjection": lambda d: projection(d, "current"),
                        "removedImageUrls": [],
                        "scope": "All",
                    },
                ),
            ],
        )


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
