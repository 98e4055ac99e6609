"""Standard and variant products (Product Sync, reference §3.4).

Products are unique by (catalogue, ref); creating an existing ref fails; field limits are
enforced (ref 100, type 50, gtin 20, summary 255); referenced categories, variants and
the parent ``product`` must exist. Status is ``CREATED`` on create and settable only by
the update mutations. On update, attributes upsert by name, prices by (type, currency),
and ``categories`` adds links [I: the dedicated removeCategoriesFrom* mutations imply
that updates do not replace the set].
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from graphql import GraphQLResolveInfo

from ..store import stamp
from .catalog import catalogue_or_error, category_or_error, search_categories
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
    upsert_prices,
)
from .registry import field, mutation, query

if TYPE_CHECKING:
    from ..state import FluentSandbox

LIMITS = {"ref": 100, "type": 50, "gtin": 20, "summary": 255}
PRODUCT_FILTERS = {
    "ref": "ref",
    "type": "type",
    "status": "status",
    "gtin": "gtin",
    "name": "name",
    "summary": "summary",
    "workflowRef": "workflowRef",
    "workflowVersion": "workflowVersion",
}
KINDS = {"StandardProduct": "standard_products", "VariantProduct": "variant_products"}


def _table(state: FluentSandbox, kind: str) -> Any:
    return state.data.table(KINDS[kind])


def product_or_error(state: FluentSandbox, kind: str, key: Mapping[str, Any]) -> Row:
    cat = key["catalogue"]["ref"]
    row = _table(state, kind).find((cat, key.get("ref")))
    if row is None:
        raise FluentError(
            f"{kind} with ref [{key.get('ref')}] not found in catalogue [{cat}]",
            "C0120E",
        )
    return row


def find_product(state: FluentSandbox, catalogue: str, ref: str) -> Row | None:
    """A variant or standard product by (catalogue, ref); variants first."""
    data = state.data
    return data.variant_products.find((catalogue, ref)) or data.standard_products.find(
        (catalogue, ref)
    )


def item_product(state: FluentSandbox, item: Mapping[str, Any]) -> Row | None:
    """The product an order item points at (``_product`` = (type name, id))."""
    kind, product_id = item["_product"]
    return _table(state, kind).get(product_id)  # type: ignore[no-any-return]


def _tax(data: Mapping[str, Any]) -> Row | None:
    tax = data.get("taxType")
    return dict(tax) if tax else None


def _category_ids(
    state: FluentSandbox, keys: list[Mapping[str, Any]] | None
) -> list[str]:
    return [category_or_error(state, k, "Category")["id"] for k in keys or []]


def _link_variant(variant: Row, product: Row | None, state: FluentSandbox) -> None:
    old = state.data.standard_products.get(variant.get("_product"))
    if old is not None and variant["id"] in old["_variants"]:
        old["_variants"].remove(variant["id"])
    variant["_product"] = product["id"] if product else None
    if product is not None and variant["id"] not in product["_variants"]:
        product["_variants"].append(variant["id"])


def create_product(
    state: FluentSandbox, kind: str, data: Mapping[str, Any], ts: float | None = None
) -> Row:
    """createStandardProduct / createVariantProduct."""
    require_text(data, "ref", "type", "name", "gtin")
    check_lengths(data, LIMITS)
    catalogue = catalogue_or_error(state, data["catalogue"]["ref"])
    key = (catalogue["ref"], data["ref"])
    table = _table(state, kind)
    if table.find(key) is not None:
        raise FluentError(
            f"{kind} with ref [{data['ref']}] already exists in catalogue "
            f"[{catalogue['ref']}]",
            "C0121E",
        )
    categories = _category_ids(state, data.get("categories"))
    parent = None
    if kind == "VariantProduct" and data.get("product"):
        parent = product_or_error(state, "StandardProduct", data["product"])
    variants = [
        product_or_error(state, "VariantProduct", v) for v in data.get("variants") or []
    ]
    row = table.add(
        {
            "__typename": kind,
            "ref": data["ref"],
            "type": data["type"],
            "status": "CREATED",
            "gtin": data["gtin"],
            "name": data["name"],
            "summary": data.get("summary"),
            "attributes": attributes_in(data.get("attributes")),
            "prices": upsert_prices([], data.get("prices")),
            "tax": _tax(data),
            "workflowRef": catalogue["workflowRef"],
            "workflowVersion": 1,
            "_catalogue": catalogue["ref"],
            "_categories": categories,
            "_variants": [],
            "_product": None,
        },
        key=key,
        ts=ts,
    )
    if parent is not None:
        _link_variant(row, parent, state)
    for variant in variants:
        _link_variant(variant, row, state)
    state.events.entity_event(
        "CREATE", "PRODUCT", row, "PRODUCT_CATALOGUE", catalogue, subtype=data["type"]
    )
    return row


def update_product(state: FluentSandbox, kind: str, data: Mapping[str, Any]) -> Row:
    """updateStandardProduct / updateVariantProduct (the only way to set status)."""
    row = product_or_error(state, kind, data)
    check_lengths(data, LIMITS)
    for key in ("type", "status", "gtin", "name", "summary"):
        if data.get(key) is not None:
            row[key] = data[key]
    row["attributes"] = upsert_attributes(row["attributes"], data.get("attributes"))
    row["prices"] = upsert_prices(row["prices"], data.get("prices"))
    if data.get("taxType"):
        row["tax"] = _tax(data)
    for cat_id in _category_ids(state, data.get("categories")):
        if cat_id not in row["_categories"]:
            row["_categories"].append(cat_id)
    if kind == "VariantProduct" and data.get("product"):
        _link_variant(
            row, product_or_error(state, "StandardProduct", data["product"]), state
        )
    for variant_key in data.get("variants") or []:
        _link_variant(
            product_or_error(state, "VariantProduct", variant_key), row, state
        )
    stamp(row)
    return row


def remove_categories(state: FluentSandbox, kind: str, data: Mapping[str, Any]) -> Row:
    row = product_or_error(state, kind, data)
    drop = set(_category_ids(state, data.get("categories")))
    row["_categories"] = [c for c in row["_categories"] if c not in drop]
    stamp(row)
    return row


def search_products(
    state: FluentSandbox,
    kind: str,
    args: Mapping[str, Any],
    rows: list[Row] | None = None,
) -> Row:
    catalogue = (args.get("catalogue") or {}).get("ref")
    refs = exact_values(args.get("ref"))
    table = _table(state, kind)
    if rows is None and refs and catalogue:
        found = [table.find((catalogue, r)) for r in refs]
        rows = sorted((r for r in found if r), key=lambda r: r["_seq"])
    elif rows is None:
        rows = table.rows()
    if catalogue:
        rows = [r for r in rows if r["_catalogue"] == catalogue]
    return connection(filter_rows(rows, args, PRODUCT_FILTERS), args)


# ---------------------------------------------------------------------------- resolvers
def _mutations(kind: str) -> None:
    @mutation(f"create{kind}")
    def create(_: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> Row:
        return create_product(sandbox(info), kind, input)

    @mutation(f"update{kind}")
    def update(_: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> Row:
        return update_product(sandbox(info), kind, input)

    @mutation(f"removeCategoriesFrom{kind}")
    def remove(_: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> Row:
        return remove_categories(sandbox(info), kind, input)

    lower = kind[0].lower() + kind[1:]

    @query(lower)
    def get(
        _: Any, info: GraphQLResolveInfo, ref: str, catalogue: dict[str, Any]
    ) -> Any:
        return _table(sandbox(info), kind).find((catalogue["ref"], ref))

    @query(lower + "s")
    def search(_: Any, info: GraphQLResolveInfo, **args: Any) -> Row:
        return search_products(sandbox(info), kind, args)

    @field(kind, "catalogue")
    def catalogue(row: Row, info: GraphQLResolveInfo) -> Row | None:
        return sandbox(info).data.product_catalogues.find(row["_catalogue"])

    @field(kind, "categories")
    def categories(row: Row, info: GraphQLResolveInfo, **args: Any) -> Row:
        state = sandbox(info)
        found = [state.data.categories.get(i) for i in row["_categories"]]
        rows = sorted((c for c in found if c), key=lambda r: r["_seq"])
        return search_categories(state, args, rows)


_mutations("StandardProduct")
_mutations("VariantProduct")


@field("StandardProduct", "variants")
def standard_variants(row: Row, info: GraphQLResolveInfo, **args: Any) -> Row:
    state = sandbox(info)
    found = [state.data.variant_products.get(i) for i in row["_variants"]]
    rows = sorted((v for v in found if v), key=lambda r: r["_seq"])
    return search_products(state, "VariantProduct", args, rows)


@field("VariantProduct", "product")
def variant_product(row: Row, info: GraphQLResolveInfo) -> Row | None:
    return sandbox(info).data.standard_products.get(row.get("_product"))
