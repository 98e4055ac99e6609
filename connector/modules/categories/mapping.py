"""Pure mapping: commercetools category -> Fluent category payload.

The rules shared with the products module (category ref, CategoryKey, locale rule)
are in connector/catalogue/mapping.py. Payload keys starting with ``_`` are bookkeeping:
fingerprinted but never sent to Fluent. Must not do I/O.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from connector.catalogue.mapping import (
    ACTIVE,
    SUMMARY_MAX,
    catalogue_key,
    category_key,
    category_ref,
    inactive_payload,
    localized,
    truncate,
)
from connector.sync.stream import Planned


def category_payload(
    category: Mapping[str, Any],
    *,
    parent_ref: str | None,
    catalogue: str,
    locales: Sequence[str],
    type_: str,
) -> dict[str, Any]:
    """The Fluent category a CT category maps to (input fields plus ``kind``/``status``).

    Name: the localized name (fallback: the ref). Summary: the localized description,
    at most 255 characters. ``parentCategory``: the parent's ref when there is a parent,
    else an explicit null (so an update moves a category to the root).
    """
    ref = category_ref(category)
    payload: dict[str, Any] = {
        "kind": "category",
        "ref": ref,
        "catalogue": catalogue_key(catalogue),
        "type": type_,
        "name": localized(category.get("name"), locales) or ref,
        "status": ACTIVE,
    }
    summary = truncate(localized(category.get("description"), locales), SUMMARY_MAX)
    if summary:
        payload["summary"] = summary
    # a root category sends an explicit null: an update moves it to the root
    payload["parentCategory"] = (
        category_key(parent_ref, catalogue) if parent_ref else None
    )
    return payload


def page_records(
    categories: Sequence[Mapping[str, Any]],
) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """Records of one CT page (read with ``expand=ancestors[*]``) and the id -> ref map.

    Each record is ``{"id", "category", "ancestors"}`` where ``ancestors`` lists the
    expanded ancestors (root first) that are not in the page and not already carried by
    an earlier record: they are planned with the record, at their own depth, so the
    engine writes them before the category whatever the id order.
    """
    in_page = {c["id"] for c in categories}
    refs: dict[str, str] = {}
    for category in categories:
        refs[category["id"]] = category_ref(category)
        for ancestor in category.get("ancestors") or []:
            obj = ancestor.get("obj")
            if isinstance(obj, Mapping):
                refs[obj["id"]] = category_ref(obj)
    carried: set[str] = set()
    records = []
    for category in categories:
        first = []
        for ancestor in category.get("ancestors") or []:
            obj, anc_id = ancestor.get("obj"), ancestor.get("id")
            if isinstance(obj, Mapping) and anc_id not in in_page | carried:
                carried.add(anc_id)
                first.append(obj)
        records.append({"id": category["id"], "category": category, "ancestors": first})
    return records, refs


def plan_record(
    record: Mapping[str, Any],
    refs: Mapping[str, str],
    *,
    catalogue: str,
    locales: Sequence[str],
    type_: str,
) -> list[Planned]:
    """Planned categories of one record: carried ancestors first, level = depth.

    A deleted record (``{"id", "deleted": True, "ref"}``) plans a deactivation.
    """
    if record.get("deleted"):
        payload = inactive_payload("category", record["ref"], catalogue)
        return [
            Planned(record["id"], payload, record["ref"], level=0, removal="deactivate")
        ]
    out = []
    for category in [*(record.get("ancestors") or []), record["category"]]:
        parent = category.get("parent") or {}
        parent_ref = None
        if parent.get("id"):
            obj = parent.get("obj")
            parent_ref = (
                category_ref(obj)
                if isinstance(obj, Mapping)
                else refs.get(parent["id"])
            ) or parent["id"]
        payload = category_payload(
            category,
            parent_ref=parent_ref,
            catalogue=catalogue,
            locales=locales,
            type_=type_,
        )
        depth = len(category.get("ancestors") or [])
        out.append(Planned(category["id"], payload, payload["ref"], level=depth))
    return out
