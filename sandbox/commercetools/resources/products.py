"""Products and product projections (reference §5.2): drafts, staged/current, projections.

A Product keeps ``masterData.current`` and ``masterData.staged``; while they are equal they
are the same dict (and the two projections the same projection), which halves the memory of
large generated catalogues. Product projections are derived views cached per product version:
``current`` (None while unpublished: such products are invisible without ``staged=true``) and
``staged``. Indexes: product ``key``, variant ``sku`` (both versions) and ``slug`` per locale.
Update actions live in ``product_actions``.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request

from ..context import respond_page, state
from ..errors import (
    duplicate_field,
    invalid_input,
    invalid_json,
    invalid_operation,
    not_found,
)
from ..query import parse_query, run
from ..store import Collection, Doc, Store
from ..util import check_type, localized, money, new_id, ref, require, require_datetime
from .base import single_response, state_scopes
from .common import check_localized, check_str, ensure_unique, to_ref

_TOP_FIELDS = (
    "id",
    "version",
    "key",
    "productType",
    "taxCategory",
    "state",
    "priceMode",
)
VIEW_SCOPES = ("view_products", "view_published_products")


def _datas(doc: Doc) -> list[Doc]:
    md = doc["masterData"]
    return (
        [md["current"]]
        if md["current"] is md["staged"]
        else [md["current"], md["staged"]]
    )


def variants_of(data: Doc) -> list[Doc]:
    return [data["masterVariant"], *data["variants"]]


def _sku_index(doc: Doc) -> set[str]:
    return {v["sku"] for d in _datas(doc) for v in variants_of(d) if v.get("sku")}


def _slug_index(doc: Doc) -> set[tuple[str, str]]:
    return {(locale, s) for d in _datas(doc) for locale, s in d["slug"].items()}


def projection(product: Doc, which: str) -> Doc:
    """The ProductProjection of one version of ``product`` (flattened ProductData)."""
    md = product["masterData"]
    proj = {k: product[k] for k in _TOP_FIELDS if k in product}
    proj.update(md[which])
    proj["published"] = md["published"]
    proj["hasStagedChanges"] = md["hasStagedChanges"]
    proj["createdAt"] = product["createdAt"]
    proj["lastModifiedAt"] = product["lastModifiedAt"]
    return proj


def _derive(product: Doc) -> dict[str, Doc | None]:
    md = product["masterData"]
    staged = projection(product, "staged")
    current = (
        staged if md["current"] is md["staged"] else projection(product, "current")
    )
    return {"staged": staged, "current": current if md["published"] else None}


def collection() -> Collection:
    return Collection(
        "product", {"sku": _sku_index, "slug": _slug_index}, derive=_derive
    )


def ensure_skus_unique(
    store: Store, skus: list[str], self_id: str | None = None
) -> None:
    seen: set[str] = set()
    for sku in skus:
        if sku in seen or store.coll("product").lookup("sku", sku) - {self_id}:
            raise duplicate_field("sku", sku)
        seen.add(sku)


def ensure_slug_unique(
    store: Store, slug: dict[str, str], self_id: str | None = None
) -> None:
    for locale, text in slug.items():
        if store.coll("product").lookup("slug", (locale, text)) - {self_id}:
            raise duplicate_field(f"slug.{locale}", text)


def build_price(store: Store, draft: Any, where: str) -> Doc:
    check_type(draft, dict, where)
    price: Doc = {
        "id": new_id(),
        "value": money(draft.get("value"), f"{where} -> value"),
    }
    if draft.get("key") is not None:
        price["key"] = check_str(draft["key"], f"{where} -> key")
    if draft.get("country") is not None:
        price["country"] = check_str(draft["country"], f"{where} -> country")
    if draft.get("channel") is not None:
        price["channel"] = to_ref(
            store, draft["channel"], "channel", f"{where} -> channel"
        )
    if draft.get("customerGroup") is not None:
        price["customerGroup"] = draft["customerGroup"]
    for name in ("validFrom", "validUntil"):
        if draft.get(name) is not None:
            price[name] = require_datetime(draft[name], f"{where} -> {name}")
    return price


def check_attributes(
    store: Store, product_type: Doc, attrs: Any, where: str
) -> list[Doc]:
    check_type(attrs, list, where)
    defined = {a["name"] for a in product_type.get("attributes", [])}
    out = []
    for i, attr in enumerate(attrs):
        check_type(attr, dict, f"{where}[{i}]")
        name = require(attr, "name", str, f"{where}[{i}] -> ")
        if name not in defined:
            # [I] real error code for an attribute the product type lacks not confirmed
            raise invalid_operation(
                f"The attribute '{name}' is not defined on product type "
                f"'{product_type.get('key', product_type['id'])}'."
            )
        if "value" not in attr:
            raise invalid_json(f"{where}[{i}] -> value: Missing required value")
        out.append({"name": name, "value": attr["value"]})
    return out


def build_variant(
    store: Store, product_type: Doc, draft: Any, variant_id: int, where: str
) -> Doc:
    draft = draft or {}
    check_type(draft, dict, where)
    variant: Doc = {"id": variant_id}
    if draft.get("sku") is not None:
        variant["sku"] = check_str(draft["sku"], f"{where} -> sku")
    if draft.get("key") is not None:
        variant["key"] = check_str(draft["key"], f"{where} -> key")
    variant["prices"] = [
        build_price(store, p, f"{where} -> prices[{i}]")
        for i, p in enumerate(draft.get("prices") or [])
    ]
    variant["images"] = list(draft.get("images") or [])
    variant["attributes"] = check_attributes(
        store, product_type, draft.get("attributes") or [], f"{where} -> attributes"
    )
    variant["assets"] = list(draft.get("assets") or [])
    return variant


def create(store: Store, draft: Doc) -> tuple[Doc, list[tuple[str, Doc]]]:
    if draft.get("productType") is None:
        raise invalid_json("productType: Missing required value")
    product_type_ref = to_ref(
        store, draft["productType"], "product-type", "productType"
    )
    product_type = store.coll("product-type").items[product_type_ref["id"]]
    name = localized(draft.get("name"), "name")
    slug = check_localized(require(draft, "slug", dict), "slug")
    ensure_slug_unique(store, slug)
    doc: Doc = {"productType": product_type_ref}
    if draft.get("key") is not None:
        doc["key"] = check_str(draft["key"], "key")
        ensure_unique(store.coll("product"), "key", doc["key"])
    if draft.get("taxCategory") is not None:
        doc["taxCategory"] = to_ref(
            store, draft["taxCategory"], "tax-category", "taxCategory"
        )
    master = build_variant(
        store, product_type, draft.get("masterVariant"), 1, "masterVariant"
    )
    variants = [
        build_variant(store, product_type, v, i + 2, f"variants[{i}]")
        for i, v in enumerate(draft.get("variants") or [])
    ]
    ensure_skus_unique(store, [v["sku"] for v in [master, *variants] if v.get("sku")])
    data: Doc = {
        "name": name,
        "slug": slug,
        "categories": [
            to_ref(store, c, "category", "categories")
            for c in draft.get("categories") or []
        ],
        "categoryOrderHints": dict(draft.get("categoryOrderHints") or {}),
        "masterVariant": master,
        "variants": variants,
        "searchKeywords": dict(draft.get("searchKeywords") or {}),
        "attributes": [],
    }
    for name_ in ("description", "metaTitle", "metaDescription", "metaKeywords"):
        if draft.get(name_) is not None:
            data[name_] = check_localized(draft[name_], name_)
    published = bool(check_type(draft.get("publish", False), bool, "publish"))
    doc["masterData"] = {
        "published": published,
        "hasStagedChanges": False,
        "current": data,
        "staged": data,
    }
    doc["priceMode"] = draft.get("priceMode", "Embedded")
    doc["lastVariantId"] = 1 + len(variants)
    # [I] creating with publish=true is assumed to produce ProductCreated only
    return doc, [
        ("ProductCreated", {"productProjection": lambda d: projection(d, "staged")})
    ]


def delete_messages(doc: Doc) -> list[tuple[str, Doc]]:
    payload: Doc = {"removedImageUrls": []}
    if doc["masterData"]["published"]:
        payload["currentProjection"] = projection(doc, "current")
    return [("ProductDeleted", payload)]


def _projection_source(staged: bool) -> str:
    return "staged" if staged else "current"


def _staged_flag() -> bool:
    raw = request.args.get("staged", "false").lower()
    if raw not in ("true", "false"):
        raise invalid_input(f"Malformed parameter: staged: Invalid boolean '{raw}'.")
    return raw == "true"


def register_projections(bp: Blueprint) -> None:
    """Mount ``/product-projections`` (query, by id, by key) on ``bp``."""
    base = "/<project_key>/product-projections"

    def query(project_key: str) -> Response:
        spec = parse_query(request.args)
        view = _projection_source(_staged_flag())
        st = state()
        coll = st.store.coll("product")
        with st.store.lock:
            views = coll.views.setdefault(view, {})
            body = run(spec, coll, views.get, st.store)
        if request.method == "HEAD":
            return Response(status=200 if body["results"] else 404)
        return respond_page(body, coll, view, cache=not spec.expand)

    def one(
        project_key: str, res_id: str | None = None, key: str | None = None
    ) -> Response:
        coll = state().store.coll("product")
        doc = coll.get(res_id) if res_id is not None else coll.by_key(key or "")
        proj = coll.view(_projection_source(_staged_flag()), doc["id"]) if doc else None
        if proj is None:
            raise not_found(res_id or key or "", "ID" if res_id is not None else "key")
        return single_response(proj)

    def by_id(project_key: str, res_id: str) -> Response:
        return one(project_key, res_id=res_id)

    def by_key(project_key: str, key: str) -> Response:
        return one(project_key, key=key)

    for rule, endpoint, view in (
        (base, "product_projections_query", query),
        (f"{base}/<res_id>", "product_projections_by_id", by_id),
        (f"{base}/key=<key>", "product_projections_by_key", by_key),
    ):
        bp.add_url_rule(rule, endpoint, view, methods=["GET", "HEAD"])
        state_scopes[f"{bp.name}.{endpoint}"] = (VIEW_SCOPES, ("manage_products",))


__all__ = ["collection", "create", "projection", "ref", "register_projections"]
