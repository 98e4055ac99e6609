"""Extra mutations after a product update, from the entity's current Fluent state.

Fluent's product updates add categories and upsert prices/attributes; they never remove.
Before updating existing products the writer reads their categories (and a standard
product's variants) in one query per batch, and this module adds:
- ``removeCategoriesFrom<Kind>`` for categories Fluent has but the mapping no longer
  lists (``remove_stale_categories``);
- ``updateVariantProduct status INACTIVE`` for variants of a standard product that CT no
  longer has (``deactivate_removed_variants``); their fingerprints are dropped so the
  SKU is written again if it comes back.
Prices and attributes are upserted by Fluent (by ``type``+``currency`` and by ``name``)
and no mutation removes one, so one removed in commercetools stays in Fluent. The same
read lists them: each such leftover is reported through ``notes`` (the run counts it
as a skip reason naming the kind), so an operator sees what Fluent still holds.
Must not decide the main payload (that is the mapping).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from typing import Any

from connector.catalogue.mapping import INACTIVE, category_key
from connector.catalogue.writer import KINDS, Followup, FollowupFn
from connector.clients.fluent import Mutation

from .mapping import variant_key
from .options import ProductOptions

log = logging.getLogger(__name__)

CATEGORIES = "categories(first: 50) { edges { node { ref } } }"
VARIANTS = "variants(first: 100) { edges { node { ref status } } }"  # CT: <= 100
KEPT = "prices { type currency } attributes { name }"
STALE_PRICE = "price removed in commercetools kept in Fluent (Fluent cannot remove one)"
STALE_ATTRIBUTE = (
    "attribute removed in commercetools kept in Fluent (Fluent cannot remove one)"
)


class Notes:
    """Thread-safe notes per (kind, ref), collected while a batch is planned."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._notes: dict[tuple[str, str], str] = {}

    def add(self, kind: str, ref: str, note: str) -> None:
        with self._lock:
            self._notes[(kind, ref)] = note

    def pop(self, kind: str, ref: str) -> str | None:
        if not self._notes:  # the usual case, without the lock: a note for this
            return None  # entity was added by this thread, before its write returned
        with self._lock:
            return self._notes.pop((kind, ref), None)


def stale_note(payload: Mapping[str, Any], node: Mapping[str, Any]) -> str | None:
    """Which removed prices/attributes Fluent still holds (None: none)."""
    wanted_prices = {(p["type"], p["currency"]) for p in payload.get("prices") or []}
    wanted_attrs = {a["name"] for a in payload.get("attributes") or []}
    prices = sorted(
        f"{p.get('type')}/{p.get('currency')}"
        for p in node.get("prices") or []
        if (p.get("type"), p.get("currency")) not in wanted_prices
    )
    attrs = sorted(
        str(a.get("name"))
        for a in node.get("attributes") or []
        if a.get("name") not in wanted_attrs
    )
    if prices or attrs:
        log.info(
            "products.stale.kept",
            extra={"ref": payload.get("ref"), "prices": prices, "attributes": attrs},
        )
    reasons = [STALE_PRICE] if prices else []
    reasons += [STALE_ATTRIBUTE] if attrs else []
    return "; ".join(reasons) or None


def details(options: ProductOptions) -> dict[str, str]:
    """Selections to read before updates (empty: no read at all)."""
    out: dict[str, str] = {}
    if options.remove_stale_categories:
        out["standard"] = out["variant"] = CATEGORIES
    if options.deactivate_removed_variants:
        out["standard"] = f"{out.get('standard', '')} {VARIANTS}".strip()
    return {kind: f"{selection} {KEPT}" for kind, selection in out.items()}


def _nodes(node: Mapping[str, Any], name: str) -> list[Mapping[str, Any]]:
    edges = (node.get(name) or {}).get("edges") or []
    return [e["node"] for e in edges if e and e.get("node")]


def make_followups(options: ProductOptions, notes: Notes | None = None) -> FollowupFn:
    def followups(
        payload: Mapping[str, Any], node: Mapping[str, Any] | None
    ) -> list[Followup]:
        if node is None:
            return []
        kind, ref = payload["kind"], payload["ref"]
        note = None
        if notes is not None and not payload.get("_only_if_exists"):
            note = stale_note(payload, node)
        if note is not None and notes is not None:
            notes.add(kind, ref, note)
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
