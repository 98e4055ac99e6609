"""Building blocks shared by resource modules: setter actions, uniqueness, references.

Nothing here knows a specific resource; each resource module composes these into its
``Kind``. Values are validated with the codes the real API uses (InvalidJsonInput for
missing/ill-typed values, DuplicateField for unique fields, ReferencedResourceNotFound).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..custom import build_custom, set_custom_field, set_custom_type
from ..errors import duplicate_field, invalid_json, referenced_not_found
from ..store import Collection, Doc, Store, UpdateContext
from ..util import check_type, localized, ref, resource_identifier
from .base import ActionFn

Check = Callable[[Any, str], Any]


def ensure_unique(
    coll: Collection,
    index: str,
    value: Any,
    self_id: str | None = None,
    field: str | None = None,
) -> None:
    ids = coll.lookup(index, value) - ({self_id} if self_id else set())
    if ids:
        raise duplicate_field(field or index, value)


def check_str(value: Any, where: str) -> str:
    return check_type(value, str, where)  # type: ignore[no-any-return]


def check_localized(value: Any, where: str) -> dict[str, str]:
    return localized(value, where) or {}


def check_bool(value: Any, where: str) -> bool:
    return check_type(value, bool, where)  # type: ignore[no-any-return]


def check_int(value: Any, where: str) -> int:
    return check_type(value, int, where)  # type: ignore[no-any-return]


def setter(
    field: str,
    check: Check,
    action_field: str | None = None,
    required: bool = False,
    unique: str | None = None,
) -> ActionFn:
    """An action that sets ``doc[field]`` from ``action[action_field]``; omit to unset."""
    source = action_field or field

    def act(ctx: UpdateContext, action: Doc) -> None:
        value = action.get(source)
        if value is None:
            if required:
                raise invalid_json(f"actions -> {source}: Missing required value")
            ctx.doc.pop(field, None)
            return
        value = check(value, f"actions -> {source}")
        if unique is not None:
            ensure_unique(
                ctx.store.coll(ctx.type_id), unique, value, ctx.doc["id"], field
            )
        ctx.doc[field] = value

    return act


def custom_actions(resource_type_id: str) -> dict[str, ActionFn]:
    def set_type(ctx: UpdateContext, action: Doc) -> None:
        set_custom_type(ctx.store, ctx.doc, action, resource_type_id)

    def set_field(ctx: UpdateContext, action: Doc) -> None:
        set_custom_field(ctx.store, ctx.doc, action, resource_type_id)

    return {"setCustomType": set_type, "setCustomField": set_field}


def custom_from_draft(store: Store, draft: Doc, resource_type_id: str) -> Doc | None:
    if draft.get("custom") is None:
        return None
    return build_custom(store, draft["custom"], resource_type_id)


def resolve_ref(store: Store, value: Any, type_id: str, where: str) -> Doc:
    """Resolve a ResourceIdentifier to the stored resource or 400 ReferencedResourceNotFound."""
    ident = resource_identifier(value, type_id, where)
    doc = store.resolve(type_id, ident)
    if doc is None:
        raise referenced_not_found(type_id, ident)
    return doc


def to_ref(store: Store, value: Any, type_id: str, where: str) -> dict[str, str]:
    return ref(type_id, resolve_ref(store, value, type_id, where)["id"])


def optional_fields(draft: Doc, checks: dict[str, Check]) -> Doc:
    """Copy the optional draft fields that are present, validated."""
    out: Doc = {}
    for name, check in checks.items():
        if draft.get(name) is not None:
            out[name] = check(draft[name], name)
    return out
