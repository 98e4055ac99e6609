"""Categories (reference §5.1): drafts with parent by id or key, ancestors, slugs, actions.

Messages: ``CategoryCreated {category}`` and ``CategorySlugChanged {slug, oldSlug}`` only;
other category changes produce no Message in real CT (they show as ResourceUpdated change
notifications). Slugs are unique per locale (400 DuplicateField ``slug``).
"""

from __future__ import annotations

import random
import re
from typing import Any

from ..errors import duplicate_field, invalid_field, invalid_operation
from ..store import Collection, Doc, Store, UpdateContext
from ..util import check_type, localized, ref, require
from .base import Kind
from .common import (
    check_localized,
    check_str,
    custom_actions,
    custom_from_draft,
    ensure_unique,
    optional_fields,
    resolve_ref,
    setter,
)

_SLUG_RE = re.compile(r"^[A-Za-z0-9_\-]{2,256}$")


def _slug_index(doc: Doc) -> list[tuple[str, str]]:
    return [(locale, value) for locale, value in (doc.get("slug") or {}).items()]


def collection() -> Collection:
    return Collection("category", {"slug": _slug_index, "externalId": _external_id})


def _external_id(doc: Doc) -> list[str]:
    return [doc["externalId"]] if doc.get("externalId") else []


def check_slug(value: Any, where: str) -> dict[str, str]:
    slug = check_localized(value, where)
    for locale, text in slug.items():
        if not _SLUG_RE.match(text):
            raise invalid_field(
                f"slug.{locale}",
                text,
                message=(
                    f"Invalid slug '{text}'. Valid slugs match '{_SLUG_RE.pattern}'."
                ),
            )
    return slug


def _ensure_slug_unique(
    store: Store, slug: dict[str, str], self_id: str | None
) -> None:
    coll = store.coll("category")
    for locale, text in slug.items():
        if coll.lookup("slug", (locale, text)) - {self_id}:
            raise duplicate_field(f"slug.{locale}", text)


def _ancestors(store: Store, parent: Doc | None) -> list[dict[str, str]]:
    if parent is None:
        return []
    return [*parent.get("ancestors", []), ref("category", parent["id"])]


def create(store: Store, draft: Doc) -> tuple[Doc, list[tuple[str, Doc]]]:
    name = localized(draft.get("name"), "name")
    slug = check_slug(require(draft, "slug", dict), "slug")
    _ensure_slug_unique(store, slug, None)
    doc: Doc = {"name": name, "slug": slug}
    if draft.get("key") is not None:
        doc["key"] = check_str(draft["key"], "key")
        ensure_unique(store.coll("category"), "key", doc["key"])
    doc.update(
        optional_fields(
            draft,
            {
                "description": check_localized,
                "externalId": check_str,
                "metaTitle": check_localized,
                "metaDescription": check_localized,
                "metaKeywords": check_localized,
            },
        )
    )
    parent = (
        resolve_ref(store, draft["parent"], "category", "parent")
        if draft.get("parent") is not None
        else None
    )
    if parent is not None:
        doc["parent"] = ref("category", parent["id"])
    doc["ancestors"] = _ancestors(store, parent)
    doc["orderHint"] = (
        check_str(draft["orderHint"], "orderHint")
        if draft.get("orderHint") is not None
        else f"0.{random.randint(10**5, 10**6 - 1)}"
    )
    custom = custom_from_draft(store, draft, "category")
    if custom is not None:
        doc["custom"] = custom
    doc["assets"] = list(draft.get("assets") or [])
    return doc, [("CategoryCreated", {"category": doc})]


def _change_slug(ctx: UpdateContext, action: Doc) -> None:
    slug = check_slug(require(action, "slug", dict, "actions -> "), "actions -> slug")
    _ensure_slug_unique(ctx.store, slug, ctx.doc["id"])
    old = ctx.doc["slug"]
    ctx.doc["slug"] = slug
    ctx.emit("CategorySlugChanged", {"slug": slug, "oldSlug": old})


def _change_parent(ctx: UpdateContext, action: Doc) -> None:
    parent = resolve_ref(
        ctx.store,
        require(action, "parent", dict, "actions -> "),
        "category",
        "actions -> parent",
    )
    if parent["id"] == ctx.doc["id"] or any(
        a["id"] == ctx.doc["id"] for a in parent.get("ancestors", [])
    ):
        raise invalid_operation("A category cannot be its own ancestor.")
    ctx.doc["parent"] = ref("category", parent["id"])
    ctx.doc["ancestors"] = _ancestors(ctx.store, parent)


def _change_order_hint(ctx: UpdateContext, action: Doc) -> None:
    ctx.doc["orderHint"] = check_type(
        require(action, "orderHint", str, "actions -> "), str, "orderHint"
    )


KIND = Kind(
    path="categories",
    type_id="category",
    view_scopes=("view_categories", "view_products", "view_published_products"),
    manage_scopes=("manage_categories", "manage_products"),
    create=create,
    actions={
        "changeName": setter("name", check_localized, required=True),
        "changeSlug": _change_slug,
        "setKey": setter("key", check_str, unique="key"),
        "setDescription": setter("description", check_localized),
        "changeParent": _change_parent,
        "changeOrderHint": _change_order_hint,
        "setExternalId": setter("externalId", check_str),
        "setMetaTitle": setter("metaTitle", check_localized),
        "setMetaDescription": setter("metaDescription", check_localized),
        "setMetaKeywords": setter("metaKeywords", check_localized),
        **custom_actions("category"),
    },
)
