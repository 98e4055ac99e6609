"""Fingerprint lookups stay index lookups while a big sync fills the table
(PostgreSQL: the store refreshes the table's statistics as it grows)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from connector.store import fingerprints
from connector.store.fingerprints import Stored
from tests.support import services


@pytest.fixture
def pg_store(tmp_path):
    with services.migrated_store("postgres", tmp_path) as store:
        yield store


def test_bulk_save_keeps_the_planner_estimates_current(pg_store):
    items = [Stored(f"v:sku-{i}", f"sku-{i}", "h" * 64) for i in range(20_000)]
    for start in range(0, len(items), 2_000):
        fingerprints.save(pg_store, "products", items[start : start + 2_000])
    with pg_store.engine.connect() as conn:
        plan = conn.execute(
            text(
                "EXPLAIN (FORMAT JSON) SELECT source_key FROM entity_fingerprints "
                "WHERE module = 'products'"
            )
        ).scalar_one()
    # statistics of the filled table (an unanalyzed one estimates ~80 rows, and the
    # planner then filters every row of the module for each 500-key lookup)
    assert plan[0]["Plan"]["Plan Rows"] >= 10_000
    keys = [f"v:sku-{i}" for i in range(0, 20_000, 40)]
    found = fingerprints.lookup(pg_store, "products", keys + ["v:missing"])
    assert len(found) == 500 and found["v:sku-40"].target_ref == "sku-40"


def test_entries_are_read_in_pages(pg_store):
    items = [Stored(f"p:{i:05d}", f"r{i}", "h") for i in range(1_234)]
    fingerprints.save(pg_store, "products", items)
    fingerprints.save(pg_store, "products", [Stored("v:x", "x", "h")])
    got = list(fingerprints.entries(pg_store, "products", "p:", page=100))
    assert [e.source_key for e in got] == [f"p:{i:05d}" for i in range(1_234)]
