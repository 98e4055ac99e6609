"""``fingerprints.lookup`` / ``save`` on both stores (PostgreSQL: JSON array parameters,
one upsert statement per save; SQLite: IN lists and executemany)."""

from __future__ import annotations

import pytest

from connector.store import fingerprints
from connector.store.fingerprints import Stored
from tests.support import services


@pytest.fixture(params=["sqlite", "postgres"])
def store(request, tmp_path):
    with services.migrated_store(request.param, tmp_path) as store:
        yield store


def test_save_and_lookup(store) -> None:
    keys = [f"v:sku-{i}" for i in range(6_000)]  # more than one chunk on both
    fingerprints.save(store, "products", [Stored(k, k[2:], "h1") for k in keys])
    fingerprints.save(store, "categories", [Stored("v:sku-1", "other", "c")])
    found = fingerprints.lookup(store, "products", [*keys, "v:missing", "v:sku-1"])
    assert len(found) == 6_000
    assert found["v:sku-5999"] == Stored("v:sku-5999", "sku-5999", "h1")
    assert fingerprints.lookup(store, "products", []) == {}


def test_upsert_keeps_the_last_row_of_a_key_and_null_refs(store) -> None:
    fingerprints.save(store, "products", [Stored("p:1", "a", "h1")])
    fingerprints.save(
        store,
        "products",
        [
            Stored("p:1", "b", "h2"),
            Stored("p:2", None, "h3"),
            Stored("p:1", "c", "h4"),  # the same key twice in one save: the last wins
            Stored('v:Grün "quoted" \\ 😀', "x", "h5"),
        ],
    )
    found = fingerprints.lookup(
        store, "products", ["p:1", "p:2", 'v:Grün "quoted" \\ 😀']
    )
    assert found["p:1"] == Stored("p:1", "c", "h4")
    assert found["p:2"] == Stored("p:2", None, "h3")
    assert found['v:Grün "quoted" \\ 😀'].hash == "h5"
    assert fingerprints.count(store, "products") == 3
