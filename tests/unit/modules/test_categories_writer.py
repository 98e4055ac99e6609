"""The shared catalogue writer against an in-memory fake of Fluent's GraphQL API:
create vs update without per-entity reads, one request per batch, conflict retries,
product follow-ups (stale categories, removed variants) and fingerprint forgetting."""

from __future__ import annotations

import re
from typing import Any

import pytest

from connector.catalogue.writer import CatalogueWriter
from connector.clients.fluent import Mutation, MutationResult
from connector.modules.categories.mapping import category_payload, inactive_payload
from connector.modules.products.followups import details, make_followups
from connector.modules.products.options import ProductOptions
from connector.store import fingerprints, migrate
from connector.store.db import Store
from connector.store.fingerprints import Stored
from connector.sync.stream import Planned

CAT = "PC:MASTER:1"
SEARCH = {
    "categories": "category",
    "standardProducts": "standard",
    "variantProducts": "variant",
}


class FakeFluent:
    """Entities by (kind, ref); records queries and mutation batches."""

    def __init__(self) -> None:
        self.rows: dict[tuple[str, str], dict[str, Any]] = {}
        self.queries: list[str] = []
        self.batches: list[list[Mutation]] = []

    def graphql(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        self.queries.append(query)
        data: dict[str, Any] = {}
        for alias, field in re.findall(r"(q\d+): (\w+)\(", query):
            kind = SEARCH[field]
            refs = variables["r" + alias[1:]]
            edges = [
                {"node": {"ref": r, **self.rows[(kind, r)].get("details", {})}}
                for r in refs
                if (kind, r) in self.rows
            ]
            data[alias] = {"edges": edges}
        return data

    def mutate_batch(self, mutations: list[Mutation]) -> list[MutationResult]:
        self.batches.append(list(mutations))
        out = []
        for m in mutations:
            kind = {"Category": "category", "StandardProduct": "standard"}.get(
                re.sub(r"^(create|update|removeCategoriesFrom)", "", m.name), "variant"
            )
            key = (kind, m.input["ref"])
            error = None
            if m.name.startswith("create"):
                if key in self.rows:
                    error = f"{m.input['ref']} already exists"
                elif (m.input.get("parentCategory") or {}).get("ref") == "missing":
                    error = "Parent category with ref [missing] not found"
                else:
                    self.rows[key] = {"input": m.input}
            elif key not in self.rows:
                error = f"with ref [{m.input['ref']}] not found"
            else:
                self.rows[key].setdefault("updates", []).append(m.input)
            out.append(MutationResult(m, None if error else {"id": "1"}, error))
        return out


@pytest.fixture
def store(tmp_path) -> Store:
    url = f"sqlite:///{tmp_path / 'w.db'}"
    migrate.upgrade(url)
    return Store(url)


def cat(ref: str, parent: str | None = None) -> Planned:
    payload = category_payload(
        {"id": f"id-{ref}", "key": ref, "name": {"en": ref.title()}},
        parent_ref=parent,
        catalogue=CAT,
        locales=["en"],
        type_="DEFAULT",
    )
    return Planned(f"id-{ref}", payload, ref)


def test_new_entities_are_created_and_activated_in_one_request(store) -> None:
    fluent = FakeFluent()
    writer = CatalogueWriter(fluent, CAT, store, "categories")
    batch = [cat("a"), cat("b")]
    cache = writer.prefetch(batch, {})
    assert cache == {("category", "a"): False, ("category", "b"): False}
    assert len(fluent.queries) == 1  # one bulk existence query for the page
    outcomes = writer.write(batch, {}, cache)
    assert [o.status for o in outcomes] == ["created", "created"]
    (request,) = fluent.batches
    assert [m.name for m in request] == [
        "createCategory",
        "createCategory",
        "updateCategory",
        "updateCategory",
    ]
    assert "status" not in request[0].input
    assert request[2].input == {
        "ref": "a",
        "catalogue": {"ref": CAT},
        "status": "ACTIVE",
    }
    assert len(fluent.queries) == 1  # nothing read per entity


def test_fingerprinted_entities_are_updated_without_reading(store) -> None:
    fluent = FakeFluent()
    fluent.rows[("category", "a")] = {}
    writer = CatalogueWriter(fluent, CAT, store, "categories")
    item = cat("a")
    known = {item.key: Stored(item.key, "a", "old-hash")}
    assert writer.prefetch([item], known) == {}
    (outcome,) = writer.write([item], known, {})
    assert outcome.status == "updated"
    assert fluent.queries == []
    (request,) = fluent.batches
    assert [m.name for m in request] == ["updateCategory"]
    assert request[0].input["status"] == "ACTIVE"
    assert "kind" not in request[0].input


def test_ref_change_or_unknown_existence_is_checked_in_bulk(store) -> None:
    fluent = FakeFluent()
    fluent.rows[("category", "b")] = {}
    writer = CatalogueWriter(fluent, CAT, store, "categories")
    moved, other = cat("a"), cat("b")
    known = {moved.key: Stored(moved.key, "old-ref", "h")}  # key changed in CT
    outcomes = writer.write([moved, other], known, None)
    assert [o.status for o in outcomes] == ["created", "updated"]
    assert len(fluent.queries) == 1


def test_conflicts_are_rechecked_and_retried_the_other_way(store) -> None:
    fluent = FakeFluent()
    fluent.rows[("category", "raced")] = {}  # created meanwhile (e.g. by an event)
    writer = CatalogueWriter(fluent, CAT, store, "categories")
    raced, gone = cat("raced"), cat("gone")
    known = {gone.key: Stored(gone.key, "gone", "h")}  # fingerprint, but not in Fluent
    cache = {("category", "raced"): False}
    outcomes = writer.write([raced, gone], known, cache)
    assert [(o.key, o.status) for o in outcomes] == [
        ("id-raced", "updated"),
        ("id-gone", "created"),
    ]
    assert len(fluent.batches) == 2 and len(fluent.queries) == 1
    assert [m.name for m in fluent.batches[1]] == [
        "createCategory",
        "updateCategory",
        "updateCategory",
    ]


def test_rejections_fail_with_fluents_text_and_deactivations_skip_absent(
    store,
) -> None:
    fluent = FakeFluent()
    writer = CatalogueWriter(fluent, CAT, store, "categories")
    orphan = cat("orphan", parent="missing")
    stone = Planned("id-x", inactive_payload("category", "x", CAT), "x")
    outcomes = writer.write([orphan, stone], {}, {})
    assert outcomes[0].status == "failed"
    assert "Parent category with ref [missing] not found" in outcomes[0].error
    assert outcomes[1].status == "unchanged"
    assert [m.name for m in fluent.batches[0]] == ["createCategory", "updateCategory"]


def test_product_followups_remove_stale_categories_and_retire_variants(
    store,
) -> None:
    options = ProductOptions.from_mapping({}, CAT)
    fluent = FakeFluent()
    fluent.rows[("standard", "P1")] = {
        "details": {
            "categories": {
                "edges": [{"node": {"ref": "old"}}, {"node": {"ref": "keep"}}]
            },
            "variants": {
                "edges": [
                    {"node": {"ref": "SKU-1", "status": "ACTIVE"}},
                    {"node": {"ref": "SKU-GONE", "status": "ACTIVE"}},
                    {"node": {"ref": "SKU-OLD", "status": "INACTIVE"}},
                ]
            },
        }
    }
    for sku in ("SKU-1", "SKU-GONE", "SKU-OLD"):
        fluent.rows[("variant", sku)] = {}
    fingerprints.save(store, "products", [Stored("v:SKU-GONE", "SKU-GONE", "h")])
    writer = CatalogueWriter(
        fluent,
        CAT,
        store,
        "products",
        details=details(options),
        followups=make_followups(options),
    )
    payload = {
        "kind": "standard",
        "ref": "P1",
        "catalogue": {"ref": CAT},
        "name": "P1",
        "status": "ACTIVE",
        "categories": [{"ref": "keep", "catalogue": {"ref": CAT}}],
        "_variants": ["SKU-1"],
    }
    item = Planned("p:1", payload, "P1")
    (outcome,) = writer.write([item], {"p:1": Stored("p:1", "P1", "h")}, {})
    assert outcome.status == "updated"
    names = [m.name for m in fluent.batches[0]]
    assert names == [
        "updateStandardProduct",
        "removeCategoriesFromStandardProduct",
        "updateVariantProduct",
    ]
    assert "_variants" not in fluent.batches[0][0].input
    assert fluent.batches[0][1].input["categories"] == [
        {"ref": "old", "catalogue": {"ref": CAT}}
    ]
    assert fluent.batches[0][2].input["ref"] == "SKU-GONE"
    assert fluent.batches[0][2].input["status"] == "INACTIVE"
    assert fingerprints.lookup(store, "products", ["v:SKU-GONE"]) == {}
