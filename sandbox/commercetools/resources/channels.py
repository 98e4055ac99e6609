"""Channels (reference §5.3): key, roles, name, address, geoLocation, custom fields.

Channels produce no Messages (only change notifications). ``key`` is required and unique;
roles default to ``InventorySupply`` and a channel must keep at least one role.
"""

from __future__ import annotations

from typing import Any

from ..custom import set_custom_field, set_custom_type
from ..errors import invalid_field, invalid_json, invalid_operation
from ..store import Collection, Doc, Store, UpdateContext
from ..util import address, check_type, require
from .base import Kind
from .common import (
    check_localized,
    check_str,
    custom_actions,
    custom_from_draft,
    ensure_unique,
    optional_fields,
    setter,
)

ROLES = (
    "InventorySupply",
    "ProductDistribution",
    "OrderExport",
    "OrderImport",
    "Primary",
)


def collection() -> Collection:
    return Collection("channel")


def check_roles(value: Any, where: str) -> list[str]:
    check_type(value, list, where)
    out: list[str] = []
    for role in value:
        if role not in ROLES:
            raise invalid_json(
                f"{where}: Invalid enum value '{role}'. "
                f"Allowed values: {', '.join(ROLES)}."
            )
        if role not in out:
            out.append(role)
    return out


def check_geo(value: Any, where: str) -> Doc:
    check_type(value, dict, where)
    coords = value.get("coordinates")
    if (
        value.get("type") != "Point"
        or not isinstance(coords, list)
        or len(coords) != 2
        or not all(
            isinstance(c, (int, float)) and not isinstance(c, bool) for c in coords
        )
    ):
        raise invalid_field(
            "geoLocation",
            value,
            message=(
                "geoLocation must be a GeoJSON Point {type: 'Point', coordinates: [lng, lat]}."
            ),
        )
    lng, lat = coords
    if not (-180 <= lng <= 180 and -90 <= lat <= 90):
        raise invalid_field(
            "geoLocation",
            value,
            message=(
                "geoLocation coordinates must be [longitude (-180..180), latitude (-90..90)]."
            ),
        )
    return {"type": "Point", "coordinates": [lng, lat]}


def check_address(value: Any, where: str) -> Doc:
    return address(value, where)


def create(store: Store, draft: Doc) -> tuple[Doc, list[tuple[str, Doc]]]:
    key = require(draft, "key", str)
    ensure_unique(store.coll("channel"), "key", key)
    roles = (
        check_roles(draft["roles"], "roles")
        if draft.get("roles") is not None
        else ["InventorySupply"]
    )
    if not roles:
        raise invalid_operation("A channel must have at least one role.")
    doc: Doc = {"key": key, "roles": roles}
    doc.update(
        optional_fields(
            draft,
            {
                "name": check_localized,
                "description": check_localized,
                "address": check_address,
                "geoLocation": check_geo,
            },
        )
    )
    custom = custom_from_draft(store, draft, "channel")
    if custom is not None:
        doc["custom"] = custom
    return doc, []


def _set_roles(ctx: UpdateContext, action: Doc) -> None:
    roles = check_roles(
        require(action, "roles", list, "actions -> "), "actions -> roles"
    )
    if not roles:
        raise invalid_operation("A channel must have at least one role.")
    ctx.doc["roles"] = roles


def _add_roles(ctx: UpdateContext, action: Doc) -> None:
    roles = check_roles(
        require(action, "roles", list, "actions -> "), "actions -> roles"
    )
    ctx.doc["roles"] = ctx.doc["roles"] + [
        r for r in roles if r not in ctx.doc["roles"]
    ]


def _remove_roles(ctx: UpdateContext, action: Doc) -> None:
    roles = check_roles(
        require(action, "roles", list, "actions -> "), "actions -> roles"
    )
    remaining = [r for r in ctx.doc["roles"] if r not in roles]
    if not remaining:
        raise invalid_operation("A channel must have at least one role.")
    ctx.doc["roles"] = remaining


def _address_custom(kind: str) -> Any:
    def act(ctx: UpdateContext, action: Doc) -> None:
        addr = ctx.doc.get("address")
        if addr is None:
            raise invalid_operation("The channel has no address.")
        addr = dict(addr)
        if kind == "type":
            set_custom_type(ctx.store, addr, action, "address")
        else:
            set_custom_field(ctx.store, addr, action, "address")
        ctx.doc["address"] = addr

    return act


KIND = Kind(
    path="channels",
    type_id="channel",
    view_scopes=("view_channels", "view_products", "view_orders"),
    manage_scopes=("manage_channels",),
    create=create,
    actions={
        "changeKey": setter("key", check_str, required=True, unique="key"),
        "changeName": setter("name", check_localized),
        "changeDescription": setter("description", check_localized),
        "setRoles": _set_roles,
        "addRoles": _add_roles,
        "removeRoles": _remove_roles,
        "setAddress": setter("address", check_address),
        "setAddressCustomType": _address_custom("type"),
        "setAddressCustomField": _address_custom("field"),
        "setGeoLocation": setter("geoLocation", check_geo),
        **custom_actions("channel"),
    },
)
