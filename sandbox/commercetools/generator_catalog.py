"""Generated catalogue: the product type, a category tree and products with variants.

Products are built as final documents (published, current and staged shared) with localized
names in en and de, slugs, keys, SKUs, EUR and USD prices and color/size/brand/ean
attributes, linked to generated categories.
"""

from __future__ import annotations

from .generator_base import ADJECTIVES, BRANDS, CATEGORY_WORDS, COLORS, NOUNS, SIZES
from .generator_base import GenContext as _Gen
from .generator_base import ean as _ean
from .resources.products import projection
from .store import Doc
from .util import ref


def ensure_product_type(g: _Gen) -> Doc:
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


def categories(g: _Gen, count: int, start: int) -> list[str]:
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


def products(g: _Gen, count: int, start: int, per: int, categories: list[str]) -> None:
    product_type = ref("product-type", ensure_product_type(g)["id"])
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
