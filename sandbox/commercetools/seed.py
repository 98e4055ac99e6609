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

import gc
from typing import Any

from .errors import CtError, invalid_input
from .resources import types_states
from .resources.orders import import_order, place_order
from .seed_fixtures import DRAFTS, default_product_type, norm
from .store import Doc, Store, UpdateContext

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
        section = norm(name)
        if section not in SECTIONS:
            raise invalid_input(
                f"seed: unknown section '{name}'. Known: {', '.join(SECTIONS)}."
            )
        if not isinstance(entries, list) or not all(
            isinstance(e, dict) for e in entries
        ):
            raise invalid_input(f"seed: section '{name}' must be a list of objects.")
        sections[section] = entries
    created: dict[str, int] = {}
    ids: dict[str, dict[str, str]] = {}
    with store.lock:
        previous = store.produce_messages
        store.produce_messages = bool(fixture.get("messages", True))
        try:
            for section in SECTIONS:
                entries = sections.get(section, [])
                if section == "products":
                    default_product_type(store, entries)
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
    if sum(created.values()) >= 1000:
        gc.freeze()  # bulk data: keep it out of the cyclic GC's scans (see generator)
    return {"created": {k: v for k, v in created.items() if v}, "ids": ids}


def _seed_one(store: Store, section: str, entry: Doc) -> Doc:
    if section == "orders":
        entry = dict(entry)
        imported = bool(entry.pop("import", False))
        doc = (import_order if imported else place_order)(store, entry)
        return {"__type": "order", "doc": doc}
    type_id, create, prepare = DRAFTS[section]
    doc, messages = create(store, prepare(store, dict(entry)))
    return {"__type": type_id, "doc": store.insert(type_id, doc, messages)}


def _state_transitions(store: Store, entries: list[Doc]) -> None:
    for entry in entries:
        if entry.get("transitions") is None:
            continue
        target = store.coll("state").by_key(entry["key"])
        if (
            target is None
        ):  # created just before; only a concurrent delete could do this
            continue
        refs = [{"key": t} if isinstance(t, str) else t for t in entry["transitions"]]

        def apply(ctx: UpdateContext, refs: list[Any] = refs) -> None:
            types_states.STATE_KIND.actions["setTransitions"](
                ctx, {"action": "setTransitions", "transitions": refs}
            )

        store.update("state", target["id"], target["version"], apply)
