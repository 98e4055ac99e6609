"""Fixture conveniences for seeding: turn fixture entries into real drafts.

Plain strings become LocalizedStrings (``{"en": ...}``) or references by key, slugs are
derived from names (+ key), ``published`` maps to ``publish``, bare Money becomes a price
draft, a shipping method ``price`` becomes zone rates (creating tax category ``standard`` and
zone ``world`` when missing), and products without ``productType`` use the ``default``
product type made from the attributes they carry. ``DRAFTS`` maps each section to
(typeId, the resource's real draft builder, the preparation step).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from .resources import (
    categories,
    channels,
    customers,
    inventory,
    products,
    setup,
    types_states,
)
from .store import Doc, Store


def norm(name: str) -> str:
    return re.sub(r"[-_]", "", name).lower()


def _loc(value: Any) -> Any:
    return {"en": value} if isinstance(value, str) else value


def _key_ref(value: Any) -> Any:
    return {"key": value} if isinstance(value, str) else value


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "item"


def _localize(draft: Doc, *fields: str) -> Doc:
    out = dict(draft)
    for name in fields:
        if name in out:
            out[name] = _loc(out[name])
    return out


def _with_slug(draft: Doc) -> Doc:
    if "slug" not in draft and isinstance(draft.get("name"), dict):
        suffix = f"-{_slug(draft['key'])}" if draft.get("key") else ""
        draft["slug"] = {
            loc: _slug(text) + suffix for loc, text in draft["name"].items()
        }
    return draft


def _category(store: Store, draft: Doc) -> Doc:
    draft = _with_slug(_localize(draft, "name", "description"))
    if "parent" in draft:
        draft["parent"] = _key_ref(draft["parent"])
    return draft


def _prices(variant: Doc) -> Doc:
    out = dict(variant)
    out["prices"] = [
        p if "value" in p else {"value": p} for p in variant.get("prices") or []
    ]
    return out


def _product(store: Store, draft: Doc) -> Doc:
    draft = _with_slug(_localize(draft, "name", "description"))
    if "masterVariant" not in draft and draft.get("variants"):
        draft["masterVariant"], draft["variants"] = (
            draft["variants"][0],
            draft["variants"][1:],
        )
    if "masterVariant" not in draft and "sku" in draft:
        draft["masterVariant"] = {
            "sku": draft.pop("sku"),
            "prices": draft.pop("prices", []),
            "attributes": draft.pop("attributes", []),
        }
    for name in ("masterVariant",):
        if isinstance(draft.get(name), dict):
            draft[name] = _prices(draft[name])
    draft["variants"] = [_prices(v) for v in draft.get("variants") or []]
    draft["categories"] = [_key_ref(c) for c in draft.get("categories") or []]
    if "published" in draft:
        draft["publish"] = bool(draft.pop("published"))
    if draft.get("productType") is None:
        draft["productType"] = {"key": "default"}
    else:
        draft["productType"] = _key_ref(draft["productType"])
    return draft


def default_product_type(store: Store, entries: list[Doc]) -> None:
    """Create product type ``default`` with the attributes used by products lacking a type."""
    names: dict[str, str] = {}
    for entry in entries:
        if entry.get("productType") is not None:
            continue
        variants = [entry.get("masterVariant") or {}, *(entry.get("variants") or [])]
        for variant in variants:
            for attr in variant.get("attributes") or []:
                value = attr.get("value")
                kind = (
                    "boolean"
                    if isinstance(value, bool)
                    else "number"
                    if isinstance(value, (int, float))
                    else "ltext"
                    if isinstance(value, dict)
                    else "text"
                )
                names.setdefault(attr.get("name"), kind)
        for attr in entry.get("attributes") or []:
            names.setdefault(attr.get("name"), "text")
    existing = store.coll("product-type").by_key("default")
    if existing is None and (
        names or any(e.get("productType") is None for e in entries)
    ):
        attrs = [
            {"name": n, "label": {"en": n}, "type": {"name": k}, "isRequired": False}
            for n, k in names.items()
            if isinstance(n, str)
        ]
        doc, _ = setup.create_product_type(
            store,
            {
                "key": "default",
                "name": "Default",
                "description": "Seeded",
                "attributes": attrs,
            },
        )
        store.insert("product-type", doc)


def _shipping_method(store: Store, draft: Doc) -> Doc:
    draft = dict(draft)
    if "price" in draft and "zoneRates" not in draft:
        if store.coll("zone").by_key("world") is None:
            store.insert(
                "zone", setup.create_zone(store, {"key": "world", "name": "World"})[0]
            )
        draft["zoneRates"] = [
            {"zone": {"key": "world"}, "shippingRates": [{"price": draft.pop("price")}]}
        ]
    if draft.get("taxCategory") is None:
        if store.coll("tax-category").by_key("standard") is None:
            store.insert(
                "tax-category",
                setup.create_tax_category(
                    store,
                    {
                        "key": "standard",
                        "name": "Standard",
                        "rates": [
                            {
                                "name": "VAT",
                                "amount": 0.19,
                                "includedInPrice": True,
                                "country": "DE",
                            }
                        ],
                    },
                )[0],
            )
        draft["taxCategory"] = {"key": "standard"}
    draft["taxCategory"] = _key_ref(draft["taxCategory"])
    draft.setdefault("isDefault", False)
    return draft


def _inventory(store: Store, draft: Doc) -> Doc:
    draft = dict(draft)
    if "supplyChannel" in draft:
        draft["supplyChannel"] = _key_ref(draft["supplyChannel"])
    return draft


def _customer(store: Store, draft: Doc) -> Doc:
    draft = dict(draft)
    if draft.get("authenticationMode", "Password") == "Password":
        draft.setdefault("password", "sandbox-password")
    return draft


def _state(store: Store, draft: Doc) -> Doc:
    draft = _localize(draft, "name", "description")
    draft.pop(
        "transitions", None
    )  # set in a second pass: they may point at later states
    return draft


DRAFTS: dict[
    str,
    tuple[
        str, Callable[[Store, Doc], tuple[Doc, list[Any]]], Callable[[Store, Doc], Doc]
    ],
] = {
    "types": ("type", types_states.create_type, lambda s, d: _localize(d, "name")),
    "states": ("state", types_states.create_state, _state),
    "taxcategories": ("tax-category", setup.create_tax_category, lambda s, d: d),
    "zones": ("zone", setup.create_zone, lambda s, d: d),
    "shippingmethods": (
        "shipping-method",
        setup.create_shipping_method,
        _shipping_method,
    ),
    "channels": (
        "channel",
        channels.create,
        lambda s, d: _localize(d, "name", "description"),
    ),
    "producttypes": ("product-type", setup.create_product_type, lambda s, d: d),
    "categories": ("category", categories.create, _category),
    "products": ("product", products.create, _product),
    "inventory": ("inventory-entry", inventory.create, _inventory),
    "customers": ("customer", customers.create, _customer),
}
