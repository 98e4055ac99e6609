"""Extra mutations after a product update, from the entity's current Fluent state.

Fluent's product updates add categories and upsert prices/attributes; they never remove.
Before updating existing products the writer reads their categories (and a standard
product's variants) in one query per batch, and this module adds:
- ``removeCategoriesFrom<Kind>`` for categories Fluent has but the mapping no longer
  lists (``remove_stale_categories``);
- ``updateVariantProduct status INACTIVE`` for variants of a standard product that CT no
  longer has (``deactivate_removed_variants``); their fingerprints are dropped so the
  SKU is written again if it comes back.
Must not decide the main payload (that is the mapping).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connector.catalogue.mapping import INACTIVE, category_key
from connector.catalogue.writer import KINDS, Followup, FollowupFn
from connector.clients.fluent import Mutation

from .mapping import variant_key
from .options import ProductOptions

CATEGORIES = "categories(first: 50) { edges { node { ref } } }"
VARIANTS = "variants(first: 100) { edges { node { ref status } } }"  # CT: <= 100


def details(options: ProductOptions) -> dict[str, str]:
    """Selections to read before updates (empty: no read at all)."""
    out: dict[str, str] = {}
    if options.remove_stale_categories:
        out["standard"] = out["variant"] = CATEGORIES
    if options.deactivate_removed_variants:
        out["standard"] = f"{out.get('standard', '')} {VARIANTS}".strip()
    return out


def _nodes(node: Mapping[str, Any], name: str) -> list[Mapping[str, Any]]:
    edges = (node.get(name) or {}).get("edges") or []
    return [e["node"] for e in edges if e and e.get("node")]


def make_followups(options: ProductOptions) -> FollowupFn:
    def followups(
        payload: Mapping[str, Any], node: Mapping[str, Any] | None
    ) -> list[Followup]:
        if node is None:
            return []
        kind, ref = payload["kind"], payload["ref"]
        catalogue = payload["catalogue"]
        out: list[Followup] = []
        if options.remove_stale_categories and not payload.get("_only_if_exists"):
            wanted = {c["ref"] for c in payload.get("categories") or []}
            stale = sorted({n["ref"] for n in _nodes(node, "categories")} - wanted)
            if stale:
                entity = KINDS[kind].entity
                out.append(
                    Followup(
                        Mutation(
                            f"removeCategoriesFrom{entity}",
                            f"RemoveCategoriesFrom{entity}Input",
                            {
                                "ref": ref,
                                "catalogue": catalogue,
                                "categories": [
                                    category_key(c, catalogue["ref"]) for c in stale
                                ],
                            },
                            "id",
                        )
                    )
                )
        if kind == "standard" and options.deactivate_removed_variants:
            keep = set(payload.get("_variants") or [])
            for variant in _nodes(node, "variants"):
                if variant["ref"] in keep or variant.get("status") == INACTIVE:
                    continue
                out.append(
                    Followup(
                        Mutation(
                            "updateVariantProduct",
                            "UpdateVariantProductInput",
                            {
                                "ref": variant["ref"],
                                "catalogue": catalogue,
                                "status": INACTIVE,
                            },
                            "id",
                        ),
                        forget=(variant_key(variant["ref"]),),
                    )
                )
        return out

    return followups
