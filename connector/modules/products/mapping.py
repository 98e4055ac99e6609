"""Pure mapping: CT product projection -> one Fluent STANDARD product (level 0) and one
VARIANT product per variant with a SKU (level 1, so parents are written first).

Refs: standard = product key (fallback id); variant = SKU, linked through ``product``
(the standard ref). Name and summary (description, at most 255 characters) by the
locale rule; categories as CategoryKeys of the refs the categories module writes
(CT category key, fallback id; unknown ids are left out); prices by the price rules;
attributes and gtin by ``attributes``. Fingerprint keys: ``p:<product id>`` and
``v:<sku>``. A variant without SKU (or a ref over 100 characters) is a ``Skip``.
Must not do I/O.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from connector.catalogue.mapping import (
    ACTIVE,
    INACTIVE,
    SUMMARY_MAX,
    catalogue_key,
    category_key,
    inactive_payload,
    localized,
    truncate,
)
from connector.sync.stream import Planned, Skip

from .attributes import attribute_values, fluent_attributes, gtin
from .options import PriceRule, ProductOptions
from .prices import select_prices

REF_MAX = 100
NO_SKU = "variant without SKU"
UNPUBLISHED_IGNORED = "unpublished (on_unpublish: ignore)"
DEACTIVATE = "deactivate"


@dataclass(frozen=True)
class MappingContext:
    options: ProductOptions
    now: datetime
    category_refs: Mapping[str, str] = field(default_factory=dict)
    rules: Sequence[PriceRule] | None = None  # price rules with resolved ids
    status: str = ACTIVE


def product_ref(product: Mapping[str, Any]) -> str:
    return str(product.get("key") or product["id"])


def standard_key(product_id: str) -> str:
    return f"p:{product_id}"


def variant_key(sku: str) -> str:
    return f"v:{sku}"


def _categories(
    product: Mapping[str, Any], ctx: MappingContext
) -> list[dict[str, Any]]:
    refs: list[str] = []
    for ref in product.get("categories") or []:
        target = ctx.category_refs.get((ref or {}).get("id", ""))
        if target and target not in refs:
            refs.append(target)
    return [category_key(r, ctx.options.catalogue) for r in refs]


def _shared(
    product: Mapping[str, Any], ctx: MappingContext, status: str
) -> dict[str, Any]:
    """Fields every entity of one product has in common (computed once)."""
    opts = ctx.options
    fields: dict[str, Any] = {
        "catalogue": catalogue_key(opts.catalogue),
        "status": status,
        "categories": _categories(product, ctx),
    }
    if status == INACTIVE:  # a deactivation never creates the product in Fluent
        fields["_only_if_exists"] = True
    summary = truncate(localized(product.get("description"), opts.locales), SUMMARY_MAX)
    if summary:
        fields["summary"] = summary
    return fields


def _prices(variant: Mapping[str, Any], ctx: MappingContext) -> list[dict[str, Any]]:
    rules = ctx.options.prices if ctx.rules is None else ctx.rules
    return select_prices(variant.get("prices"), rules, ctx.now)


def map_product(
    product: Mapping[str, Any], ctx: MappingContext
) -> list[Planned | Skip]:
    """The standard product and its variants (or Skips) of one CT product projection.

    An unpublished product (``published: false`` while syncing the current
    projection; the batch reads it from the ``products`` endpoint) maps as INACTIVE
    removals (``on_unpublish: deactivate``) or is skipped (``ignore``).
    """
    opts = ctx.options
    ref = product_ref(product)
    key = standard_key(product["id"])
    if len(ref) > REF_MAX:
        return [Skip(key, f"product ref longer than {REF_MAX} characters")]
    status = ctx.status
    if opts.projection == "current" and product.get("published") is False:
        if opts.on_unpublish != "deactivate":
            return [Skip(key, UNPUBLISHED_IGNORED)]
        status = INACTIVE
    removal = DEACTIVATE if status == INACTIVE else None
    name = localized(product.get("name"), opts.locales) or ref
    master = product.get("masterVariant") or {}
    product_attrs = product.get("attributes") or []
    shared = _shared(product, ctx, status)
    master_prices: list[dict[str, Any]] | None = None
    out: list[Planned | Skip] = []
    skus: list[str] = []
    for variant in [master, *(product.get("variants") or [])]:
        sku = variant.get("sku")
        vkey = f"{key}#{variant.get('id')}"
        if not isinstance(sku, str) or not sku.strip():
            out.append(Skip(vkey, NO_SKU))
            continue
        if len(sku) > REF_MAX:
            out.append(Skip(vkey, f"SKU longer than {REF_MAX} characters"))
            continue
        values = attribute_values(variant.get("attributes"), product_attrs)
        prices = _prices(variant, ctx)
        if variant is master:
            master_prices = prices
        payload = {
            "kind": "variant",
            "ref": sku,
            "type": opts.variant_type,
            "product": {"ref": ref, "catalogue": catalogue_key(opts.catalogue)},
            "name": name,
            "gtin": gtin(values, sku, opts),
            "attributes": fluent_attributes(values, opts, variant.get("images")),
            "prices": prices,
            **shared,
        }
        skus.append(sku)
        out.append(
            Planned(
                variant_key(sku),
                payload,
                sku,
                level=1,
                removal=removal,
                after=(key,),  # written once its standard product is
            )
        )
    values = attribute_values(product_attrs, master.get("attributes"))
    standard = {
        "kind": "standard",
        "ref": ref,
        "type": opts.standard_type,
        "name": name,
        "gtin": gtin(values, ref, opts),
        "attributes": fluent_attributes(values, opts, master.get("images")),
        "prices": _prices(master, ctx) if master_prices is None else master_prices,
        **shared,
        "_variants": sorted(skus),
    }
    return [Planned(key, standard, ref, level=0, removal=removal), *out]


def deleted_product(product_id: str, ref: str, catalogue: str) -> Planned:
    """Deactivate a standard product known only by id/ref (its Fluent variants too)."""
    payload = inactive_payload("standard", ref, catalogue)
    payload["_variants"] = []
    return Planned(standard_key(product_id), payload, ref, level=0, removal=DEACTIVATE)


def product_record(product: Mapping[str, Any], projection: str) -> dict[str, Any]:
    """A CT Product read from ``products`` in the shape of its projection, with
    ``published`` (the mapping deactivates unpublished ones)."""
    master = product.get("masterData") or {}
    data = master.get(projection) or {}
    return {
        **data,
        "id": product["id"],
        "key": product.get("key"),
        "published": bool(master.get("published")),
        "lastModifiedAt": product.get("lastModifiedAt"),
    }
