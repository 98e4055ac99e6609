"""Custom Types (reference §5.8) and States (reference §5.7).

Types: drafts validated (key, name, resourceTypeIds, fieldDefinitions with real field type
names) so that the custom-field checks in ``custom`` have something faithful to check
against. States: typed workflow states with ``initial``, ``transitions`` and the built-in
LineItemState ``Initial`` (recreated on every reset; it cannot be deleted or re-keyed).
"""

from __future__ import annotations

import re
from typing import Any

from ..custom import FIELD_TYPES, RESOURCE_TYPE_IDS
from ..errors import duplicate_field, invalid_json, invalid_operation
from ..store import Collection, Doc, Store, UpdateContext
from ..util import check_type, localized, require
from .base import Kind
from .common import (
    check_bool,
    check_localized,
    check_str,
    ensure_unique,
    setter,
    to_ref,
)

STATE_TYPES = (
    "OrderState",
    "LineItemState",
    "ProductState",
    "ReviewState",
    "PaymentState",
    "RecurringOrderState",
    "QuoteRequestState",
    "StagedQuoteState",
    "QuoteState",
)
STATE_ROLES = ("ReviewIncludedInStatistics", "Return")
_FIELD_NAME = re.compile(r"^[A-Za-z0-9_\-]{2,36}$")


def type_collection() -> Collection:
    return Collection("type")


def state_collection() -> Collection:
    return Collection("state")


def _field_type(value: Any, where: str) -> Doc:
    check_type(value, dict, where)
    name = value.get("name")
    if name not in FIELD_TYPES:
        raise invalid_json(
            f"{where} -> name: Invalid enum value '{name}'. "
            f"Allowed values: {', '.join(FIELD_TYPES)}."
        )
    out: Doc = {"name": name}
    if name in ("Enum", "LocalizedEnum"):
        values = require(value, "values", list, f"{where} -> ")
        for v in values:
            check_type(v, dict, f"{where} -> values")
            require(v, "key", str, f"{where} -> values -> ")
        out["values"] = values
    elif name == "Reference":
        out["referenceTypeId"] = require(value, "referenceTypeId", str, f"{where} -> ")
    elif name == "Set":
        out["elementType"] = _field_type(
            value.get("elementType"), f"{where} -> elementType"
        )
    return out


def _field_definition(value: Any, where: str) -> Doc:
    check_type(value, dict, where)
    name = require(value, "name", str, f"{where} -> ")
    if not _FIELD_NAME.match(name):
        raise invalid_json(f"{where} -> name: Invalid field name '{name}'.")
    out: Doc = {
        "name": name,
        "label": localized(value.get("label"), f"{where} -> label"),
        "required": check_bool(
            require(value, "required", bool, f"{where} -> "), "required"
        ),
        "type": _field_type(value.get("type"), f"{where} -> type"),
    }
    hint = value.get("inputHint", "SingleLine")
    if hint not in ("SingleLine", "MultiLine"):
        raise invalid_json(f"{where} -> inputHint: Invalid enum value '{hint}'.")
    out["inputHint"] = hint
    return out


def create_type(store: Store, draft: Doc) -> tuple[Doc, list[tuple[str, Doc]]]:
    key = require(draft, "key", str)
    ensure_unique(store.coll("type"), "key", key)
    rtids = require(draft, "resourceTypeIds", list)
    for rtid in rtids:
        if rtid not in RESOURCE_TYPE_IDS:
            raise invalid_json(f"resourceTypeIds: Invalid enum value '{rtid}'.")
    defs = [
        _field_definition(d, f"fieldDefinitions[{i}]")
        for i, d in enumerate(draft.get("fieldDefinitions") or [])
    ]
    names = [d["name"] for d in defs]
    if len(set(names)) != len(names):
        raise invalid_operation("Field definition names must be unique within a type.")
    doc: Doc = {
        "key": key,
        "name": localized(draft.get("name"), "name"),
        "resourceTypeIds": list(rtids),
        "fieldDefinitions": defs,
    }
    if draft.get("description") is not None:
        doc["description"] = check_localized(draft["description"], "description")
    return doc, []


def _add_field_definition(ctx: UpdateContext, action: Doc) -> None:
    definition = _field_definition(
        action.get("fieldDefinition"), "actions -> fieldDefinition"
    )
    if any(d["name"] == definition["name"] for d in ctx.doc["fieldDefinitions"]):
        # [I] code: DuplicateField is the documented code for a name already taken
        raise duplicate_field(
            "name",
            definition["name"],
            f"A field definition '{definition['name']}' already exists.",
        )
    ctx.doc["fieldDefinitions"] = [*ctx.doc["fieldDefinitions"], definition]


def _remove_field_definition(ctx: UpdateContext, action: Doc) -> None:
    name = require(action, "fieldName", str, "actions -> ")
    defs = [d for d in ctx.doc["fieldDefinitions"] if d["name"] != name]
    if len(defs) == len(ctx.doc["fieldDefinitions"]):
        raise invalid_operation(f"The type has no field definition '{name}'.")
    ctx.doc["fieldDefinitions"] = defs


def _add_enum_value(ctx: UpdateContext, action: Doc) -> None:
    name = require(action, "fieldName", str, "actions -> ")
    value = require(action, "value", dict, "actions -> ")
    require(value, "key", str, "actions -> value -> ")
    for definition in ctx.doc["fieldDefinitions"]:
        ftype = definition["type"]
        target = ftype.get("elementType", ftype)
        if definition["name"] == name and target["name"] in ("Enum", "LocalizedEnum"):
            target["values"] = [*target["values"], value]
            return
    raise invalid_operation(f"The type has no enum field definition '{name}'.")


TYPE_KIND = Kind(
    path="types",
    type_id="type",
    view_scopes=("view_types",),
    manage_scopes=("manage_types",),
    create=create_type,
    actions={
        "changeKey": setter("key", check_str, required=True, unique="key"),
        "changeName": setter("name", check_localized, required=True),
        "setDescription": setter("description", check_localized),
        "addFieldDefinition": _add_field_definition,
        "removeFieldDefinition": _remove_field_definition,
        "addEnumValue": _add_enum_value,
    },
)


def _state_roles(value: Any, where: str) -> list[str]:
    check_type(value, list, where)
    for role in value:
        if role not in STATE_ROLES:
            raise invalid_json(f"{where}: Invalid enum value '{role}'.")
    return list(value)


def _transitions(store: Store, value: Any, where: str) -> list[dict[str, str]]:
    check_type(value, list, where)
    return [to_ref(store, item, "state", where) for item in value]


def create_state(store: Store, draft: Doc) -> tuple[Doc, list[tuple[str, Doc]]]:
    key = require(draft, "key", str)
    ensure_unique(store.coll("state"), "key", key)
    state_type = require(draft, "type", str)
    if state_type not in STATE_TYPES:
        raise invalid_json(
            f"type: Invalid enum value '{state_type}'. "
            f"Allowed values: {', '.join(STATE_TYPES)}."
        )
    doc: Doc = {
        "key": key,
        "type": state_type,
        "initial": check_bool(draft.get("initial", False), "initial"),
        "builtIn": False,
        "roles": _state_roles(draft.get("roles") or [], "roles"),
    }
    for name in ("name", "description"):
        if draft.get(name) is not None:
            doc[name] = check_localized(draft[name], name)
    if draft.get("transitions") is not None:
        doc["transitions"] = _transitions(store, draft["transitions"], "transitions")
    return doc, []


def builtin_initial_state(store: Store) -> Doc:
    """The built-in LineItemState every project has; line items start in it."""
    doc: Doc = {
        "key": "Initial",
        "type": "LineItemState",
        "initial": True,
        "builtIn": True,
        "roles": [],
        "name": {"en": "Initial"},
        "description": {"en": "Built-in initial state of line items."},
    }
    return store.insert("state", doc)


def _not_builtin(ctx: UpdateContext) -> None:
    if ctx.doc.get("builtIn"):
        raise invalid_operation("Built-in states cannot be modified this way.")


def _change_key(ctx: UpdateContext, action: Doc) -> None:
    _not_builtin(ctx)
    setter("key", check_str, required=True, unique="key")(ctx, action)


def _set_transitions(ctx: UpdateContext, action: Doc) -> None:
    if action.get("transitions") is None:
        ctx.doc.pop("transitions", None)
        return
    ctx.doc["transitions"] = _transitions(
        ctx.store, action["transitions"], "actions -> transitions"
    )


def _change_type(ctx: UpdateContext, action: Doc) -> None:
    _not_builtin(ctx)
    value = require(action, "type", str, "actions -> ")
    if value not in STATE_TYPES:
        raise invalid_json(f"actions -> type: Invalid enum value '{value}'.")
    ctx.doc["type"] = value


def _delete_messages(doc: Doc) -> list[tuple[str, Doc]]:
    if doc.get("builtIn"):
        raise invalid_operation("Built-in states cannot be deleted.")
    return []


STATE_KIND = Kind(
    path="states",
    type_id="state",
    view_scopes=("view_states", "view_orders"),
    manage_scopes=("manage_states",),
    create=create_state,
    actions={
        "changeKey": _change_key,
        "setName": setter("name", check_localized),
        "setDescription": setter("description", check_localized),
        "changeType": _change_type,
        "changeInitial": setter("initial", check_bool, required=True),
        "setRoles": setter("roles", _state_roles, required=True),
        "setTransitions": _set_transitions,
    },
    delete_messages=_delete_messages,
)

__all__ = ["STATE_KIND", "TYPE_KIND", "builtin_initial_state"]
