"""Product catalogues and categories (Category Sync, reference §3.3).

Categories are unique by (catalogue, ref); ``parentCategory`` and ``childCategories`` must
already exist in the same catalogue; status is ``CREATED`` on create and settable only by
``updateCategory``. Every create fires a ``CREATE`` orchestration event into the event log.
Products live in ``products.py``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from graphql import GraphQLResolveInfo

from ..store import stamp
from .common import (
    FluentError,
    Row,
    attributes_in,
    check_lengths,
    connection,
    exact_values,
    filter_rows,
    require_text,
    sandbox,
    upsert_attributes,
)
from .registry import field, mutation, query

if TYPE_CHECKING:
    from ..state import FluentSandbox

CATEGORY_FILTERS = {
    "ref": "ref",
    "type": "type",
    "status": "status",
    "name": "name",
    "summary": "summary",
    "workflowRef": "workflowRef",
    "workflowVersion": "workflowVersion",
}


# ---------------------------------------------------------------------------- domain
def upsert_product_catalogue(state: FluentSandbox, spec: Mapping[str, Any]) -> Row:
    data = state.data
    row = data.product_catalogues.find(spec["ref"])
    if row is None:
        row = data.product_catalogues.add(
            {"__typename": "ProductCatalogue", "ref": spec["ref"]}, key=spec["ref"]
        )
    row["type"] = spec.get("type", row.get("type") or "MASTER")
    row["name"] = spec.get("name", row.get("name") or spec["ref"])
    row["description"] = spec.get("description", row.get("description"))
    row["status"] = spec.get("status", row.get("status") or "ACTIVE")
    row["workflowRef"] = f"PRODUCT_CATALOGUE::{row['type']}"
    row["workflowVersion"] = 1
    row["attributes"] = attributes_in(spec.get("attributes"))
    row["retailerRefs"] = spec.get("retailerRefs", [state.retailer_id])
    return row


def catalogue_or_error(state: FluentSandbox, ref: str) -> Row:
    row = state.data.product_catalogues.find(ref)
    if row is None:
        raise FluentError(f"ProductCatalogue with ref [{ref}] not found", "C0120E")
    return row


def category_or_error(state: FluentSandbox, key: Mapping[str, Any], what: str) -> Row:
    cat_ref = key["catalogue"]["ref"]
    row = state.data.categories.find((cat_ref, key["ref"]))
    if row is None:
        raise FluentError(
            f"{what} with ref [{key['ref']}] not found in catalogue [{cat_ref}]",
            "C0120E",
        )
    return row


def _link_parent(state: FluentSandbox, child: Row, parent: Row | None) -> None:
    data = state.data
    old = data.categories.get(child.get("_parent"))
    if old is not None and child["id"] in old["_children"]:
        old["_children"].remove(child["id"])
    child["_parent"] = parent["id"] if parent else None
    if parent is not None and child["id"] not in parent["_children"]:
        parent["_children"].append(child["id"])


def create_category(
    state: FluentSandbox, data: Mapping[str, Any], ts: float | None = None
) -> Row:
    require_text(data, "ref", "type", "name")
    check_lengths(data, {"ref": 100, "type": 50})
    catalogue = catalogue_or_error(state, data["catalogue"]["ref"])
    key = (catalogue["ref"], data["ref"])
    if state.data.categories.find(key) is not None:
        raise FluentError(
            f"Category with ref [{data['ref']}] already exists in catalogue "
            f"[{catalogue['ref']}]",
            "C0121E",
        )
    parent = None
    if data.get("parentCategory"):
        parent = category_or_error(state, data["parentCategory"], "Parent category")
    children = [
        category_or_error(state, c, "Child category")
        for c in data.get("childCategories") or []
    ]
    row = state.data.categories.add(
        {
            "__typename": "Category",
            "ref": data["ref"],
            "type": data["type"],
            "name": data["name"],
            "summary": data.get("summary"),
            "status": "CREATED",
            "attributes": attributes_in(data.get("attributes")),
            "workflowRef": catalogue["workflowRef"],
            "workflowVersion": 1,
            "_catalogue": catalogue["ref"],
            "_parent": None,
            "_children": [],
        },
        key=key,
        ts=ts,
    )
    _link_parent(state, row, parent)
    for child in children:
        _link_parent(state, child, row)
    state.events.entity_event(
        "CREATE",
        "CATEGORY",
        row,
        "PRODUCT_CATALOGUE",
        catalogue,
        subtype=catalogue["type"],
    )
    return row


def update_category(state: FluentSandbox, data: Mapping[str, Any]) -> Row:
    row = category_or_error(state, data, "Category")
    check_lengths(data, {"type": 50})
    for key in ("type", "status", "name", "summary"):
        if data.get(key) is not None:
            row[key] = data[key]
    row["attributes"] = upsert_attributes(row["attributes"], data.get("attributes"))
    if data.get("parentCategory"):
        parent = category_or_error(state, data["parentCategory"], "Parent category")
        if parent["id"] == row["id"]:
            raise FluentError("A category cannot be its own parent", "C0120E")
        _link_parent(state, row, parent)
    elif "parentCategory" in data:  # an explicit null unlinks the parent [I]
        _link_parent(state, row, None)
    for child_key in data.get("childCategories") or []:
        _link_parent(state, category_or_error(state, child_key, "Child category"), row)
    stamp(row)
    return row


def categories_in(state: FluentSandbox, catalogue: str | None) -> list[Row]:
    rows = state.data.categories.rows()
    if catalogue is None:
        return rows
    return [r for r in rows if r["_catalogue"] == catalogue]


# ---------------------------------------------------------------------------- resolvers
@mutation("createCategory")
def m_create_category(_: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> Row:
    return create_category(sandbox(info), input)


@mutation("updateCategory")
def m_update_category(_: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> Row:
    return update_category(sandbox(info), input)


@query("productCatalogue")
def q_product_catalogue(_: Any, info: GraphQLResolveInfo, ref: str) -> Row | None:
    return sandbox(info).data.product_catalogues.find(ref)


@query("category")
def q_category(
    _: Any, info: GraphQLResolveInfo, ref: str, catalogue: dict[str, Any]
) -> Row | None:
    return sandbox(info).data.categories.find((catalogue["ref"], ref))


def search_categories(
    state: FluentSandbox, args: Mapping[str, Any], rows: list[Row] | None = None
) -> Row:
    catalogue = (args.get("catalogue") or {}).get("ref")
    refs = exact_values(args.get("ref"))
    if rows is None and refs and catalogue:
        found = [state.data.categories.find((catalogue, r)) for r in refs]
        rows = sorted((r for r in found if r), key=lambda r: r["_seq"])
    elif rows is None:
        rows = categories_in(state, catalogue)
    elif catalogue:
        rows = [r for r in rows if r["_catalogue"] == catalogue]
    return connection(filter_rows(rows, args, CATEGORY_FILTERS), args)


@query("categories")
def q_categories(_: Any, info: GraphQLResolveInfo, **args: Any) -> Row:
    return search_categories(sandbox(info), args)


@field("ProductCatalogue", "categories")
def catalogue_categories(cat: Row, info: GraphQLResolveInfo, **args: Any) -> Row:
    state = sandbox(info)
    return search_categories(state, args, categories_in(state, cat["ref"]))


@field("Category", "catalogue")
def category_catalogue(row: Row, info: GraphQLResolveInfo) -> Row | None:
    return sandbox(info).data.product_catalogues.find(row["_catalogue"])


@field("Category", "parentCategory")
def category_parent(row: Row, info: GraphQLResolveInfo) -> Row | None:
    return sandbox(info).data.categories.get(row.get("_parent"))


@field("Category", "childCategories")
def category_children(row: Row, info: GraphQLResolveInfo, **args: Any) -> Row:
    state = sandbox(info)
    kids = [state.data.categories.get(i) for i in row["_children"]]
    rows = sorted((k for k in kids if k), key=lambda r: r["_seq"])
    return search_categories(state, args, rows)
