"""Seeding from a JSON fixture: every entry goes through the real draft validation.

A fixture holds lists of drafts per section (camelCase, kebab or snake names accepted):
types, states, taxCategories, zones, shippingMethods, channels, productTypes, categories,
products, inventory, customers, orders. Sections are applied in dependency order. Fixture
conveniences (documented in the control API): plain strings for LocalizedStrings and for
references by key (``"parent": "shoes"``, ``"categories": ["shoes"]``,
``"supplyChannel": "store-ams"``), derived slugs, ``published`` for ``publish``, bare Money in
price lists, a shipping-method ``price`` shorthand (tax category ``standard`` and zone
``world`` are created when missing), and products without ``productType`` get the ``default``
product type whose attributes are those the fixture uses. Orders are placed as from a cart
(OrderCreated) unless ``"import": true`` (OrderImported). ``"messages": false`` seeds silently.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from .errors import CtError, invalid_input
from .resources import (
    categories,
    channels,
    customers,
    inventory,
    products,
    setup,
    types_states,
)
from .resources.orders import import_order, place_order
from .store import Doc, Store

SECTIONS = (
    "types",
    "states",
    "taxcategories",
    "zones",
    "shippingmethods",
    "channels",
    "producttypes",
    "categories",
    "products",
    "inventory",
    "customers",
    "orders",
)


def _norm(name: str) -> str:
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


def _default_product_type(store: Store, entries: list[Doc]) -> None:
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


_DRAFTS: dict[
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


def _ident(type_id: str, doc: Doc) -> str:
    for name in ("key", "orderNumber", "email", "sku"):
        if doc.get(name):
            if type_id == "inventory-entry":
                channel = doc.get("supplyChannel")
                return f"{doc['sku']}@{channel['id'] if channel else '-'}"
            return str(doc[name])
    return str(doc["id"])


def seed(store: Store, fixture: Doc) -> Doc:
    """Apply ``fixture``; returns ``{"created": {section: n}, "ids": {section: {ident: id}}}``."""
    sections: dict[str, list[Any]] = {}
    for name, entries in fixture.items():
        if name == "messages":
            continue
        norm = _norm(name)
        if norm not in SECTIONS:
            raise invalid_input(
                f"seed: unknown section '{name}'. Known: {', '.join(SECTIONS)}."
            )
        if not isinstance(entries, list) or not all(
            isinstance(e, dict) for e in entries
        ):
            raise invalid_input(f"seed: section '{name}' must be a list of objects.")
        sections[norm] = entries
    created: dict[str, int] = {}
    ids: dict[str, dict[str, str]] = {}
    with store.lock:
        previous = store.produce_messages
        store.produce_messages = bool(fixture.get("messages", True))
        try:
            for section in SECTIONS:
                entries = sections.get(section, [])
                if section == "products":
                    _default_product_type(store, entries)
                for i, entry in enumerate(entries):
                    try:
                        doc = _seed_one(store, section, entry)
                    except CtError as exc:
                        exc.errors[0]["message"] = f"seed {section}[{i}]: {exc.message}"
                        raise
                    ids.setdefault(section, {})[_ident(doc["__type"], doc["doc"])] = (
                        doc["doc"]["id"]
                    )
                created[section] = len(entries)
                if section == "states":
                    _state_transitions(store, entries)
        finally:
            store.produce_messages = previous
    return {"created": {k: v for k, v in created.items() if v}, "ids": ids}


def _seed_one(store: Store, section: str, entry: Doc) -> Doc:
    if section == "orders":
        entry = dict(entry)
        imported = bool(entry.pop("import", False))
        doc = (import_order if imported else place_order)(store, entry)
        return {"__type": "order", "doc": doc}
    type_id, create, prepare = _DRAFTS[section]
    doc, messages = create(store, prepare(store, dict(entry)))
    return {"__type": type_id, "doc": store.insert(type_id, doc, messages)}


def _state_transitions(store: Store, entries: list[Doc]) -> None:
    from .store import UpdateContext

    for entry in entries:
        if entry.get("transitions") is None:
            continue
        target = store.coll("state").by_key(entry["key"])
        assert target is not None
        refs = [{"key": t} if isinstance(t, str) else t for t in entry["transitions"]]

        def apply(ctx: UpdateContext, refs: list[Any] = refs) -> None:
            types_states.STATE_KIND.actions["setTransitions"](
                ctx, {"action": "setTransitions", "transitions": refs}
            )

        store.update("state", target["id"], target["version"], apply)
