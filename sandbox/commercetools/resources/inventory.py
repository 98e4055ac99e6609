"""Inventory entries (reference §5.4): one per (sku, supplyChannel), quantity actions.

``availableQuantity`` tracks ``quantityOnStock`` (the sandbox has no carts, so nothing is
reserved). Messages: InventoryEntryCreated {inventoryEntry}, InventoryEntryQuantitySet
{oldQuantityOnStock, newQuantityOnStock, oldAvailableQuantity, newAvailableQuantity, sku,
supplyChannel?} and InventoryEntryDeleted {sku, supplyChannel?}.
"""

from __future__ import annotations

from typing import Any

from ..errors import duplicate_field
from ..store import Collection, Doc, Store, UpdateContext
from ..util import check_type, require, require_datetime
from .base import Kind
from .common import (
    check_int,
    check_str,
    custom_actions,
    custom_from_draft,
    ensure_unique,
    setter,
    to_ref,
)


def _sku_index(doc: Doc) -> list[str]:
    return [doc["sku"]]


def _pair_index(doc: Doc) -> list[tuple[str, str | None]]:
    channel = doc.get("supplyChannel")
    return [(doc["sku"], channel["id"] if channel else None)]


def collection() -> Collection:
    return Collection("inventory-entry", {"sku": _sku_index, "pair": _pair_index})


def _check_datetime(value: Any, where: str) -> str:
    return require_datetime(value, where)


def _ensure_pair_unique(
    store: Store, sku: str, channel: dict[str, str] | None, self_id: str | None = None
) -> None:
    pair = (sku, channel["id"] if channel else None)
    if store.coll("inventory-entry").lookup("pair", pair) - {self_id}:
        where = f" and supply channel '{channel['id']}'" if channel else ""
        raise duplicate_field(
            "sku",
            sku,
            message=(f"An inventory entry with the sku '{sku}'{where} already exists."),
        )


def create(store: Store, draft: Doc) -> tuple[Doc, list[tuple[str, Doc]]]:
    sku = require(draft, "sku", str)
    quantity = require(draft, "quantityOnStock", int)
    channel = (
        to_ref(store, draft["supplyChannel"], "channel", "supplyChannel")
        if draft.get("supplyChannel") is not None
        else None
    )
    _ensure_pair_unique(store, sku, channel)
    doc: Doc = {"sku": sku}
    if draft.get("key") is not None:
        doc["key"] = check_str(draft["key"], "key")
        ensure_unique(store.coll("inventory-entry"), "key", doc["key"])
    if channel is not None:
        doc["supplyChannel"] = channel
    doc["quantityOnStock"] = quantity
    doc["availableQuantity"] = quantity
    if draft.get("restockableInDays") is not None:
        doc["restockableInDays"] = check_int(
            draft["restockableInDays"], "restockableInDays"
        )
    if draft.get("expectedDelivery") is not None:
        doc["expectedDelivery"] = require_datetime(
            draft["expectedDelivery"], "expectedDelivery"
        )
    for name in (
        "minCartQuantity",
        "maxCartQuantity",
        "reservationExpirationInMinutes",
    ):
        if draft.get(name) is not None:
            doc[name] = check_int(draft[name], name)
    custom = custom_from_draft(store, draft, "inventory-entry")
    if custom is not None:
        doc["custom"] = custom
    return doc, [("InventoryEntryCreated", {"inventoryEntry": doc})]


def _quantity_action(mode: str) -> Any:
    def act(ctx: UpdateContext, action: Doc) -> None:
        quantity = require(action, "quantity", int, "actions -> ")
        doc = ctx.doc
        old_stock, old_available = doc["quantityOnStock"], doc["availableQuantity"]
        if mode == "change":
            new_stock = quantity
        elif mode == "add":
            new_stock = old_stock + quantity
        else:
            new_stock = old_stock - quantity
        doc["quantityOnStock"] = new_stock
        doc["availableQuantity"] = old_available + (new_stock - old_stock)
        payload: Doc = {
            "oldQuantityOnStock": old_stock,
            "newQuantityOnStock": new_stock,
            "oldAvailableQuantity": old_available,
            "newAvailableQuantity": doc["availableQuantity"],
            "sku": doc["sku"],
        }
        if doc.get("supplyChannel"):
            payload["supplyChannel"] = doc["supplyChannel"]
        ctx.emit("InventoryEntryQuantitySet", payload)

    return act


def _set_supply_channel(ctx: UpdateContext, action: Doc) -> None:
    channel = (
        to_ref(
            ctx.store, action["supplyChannel"], "channel", "actions -> supplyChannel"
        )
        if action.get("supplyChannel") is not None
        else None
    )
    _ensure_pair_unique(ctx.store, ctx.doc["sku"], channel, ctx.doc["id"])
    if channel is None:
        ctx.doc.pop("supplyChannel", None)
    else:
        ctx.doc["supplyChannel"] = channel


def _set_limits(ctx: UpdateContext, action: Doc) -> None:
    for name in ("minCartQuantity", "maxCartQuantity"):
        value = action.get(name)
        if value is None:
            ctx.doc.pop(name, None)
        else:
            ctx.doc[name] = check_type(value, int, f"actions -> {name}")


def _delete_messages(doc: Doc) -> list[tuple[str, Doc]]:
    payload: Doc = {"sku": doc["sku"]}
    if doc.get("supplyChannel"):
        payload["supplyChannel"] = doc["supplyChannel"]
    return [("InventoryEntryDeleted", payload)]


KIND = Kind(
    path="inventory",
    type_id="inventory-entry",
    view_scopes=("view_products",),
    manage_scopes=("manage_products",),
    create=create,
    actions={
        "changeQuantity": _quantity_action("change"),
        "addQuantity": _quantity_action("add"),
        "removeQuantity": _quantity_action("remove"),
        "setExpectedDelivery": setter("expectedDelivery", _check_datetime),
        "setRestockableInDays": setter("restockableInDays", check_int),
        "setKey": setter("key", check_str, unique="key"),
        "setSupplyChannel": _set_supply_channel,
        "setInventoryLimits": _set_limits,
        "setReservationExpirationInMinutes": setter(
            "reservationExpirationInMinutes", check_int
        ),
        **custom_actions("inventory-entry"),
    },
    delete_messages=_delete_messages,
)
