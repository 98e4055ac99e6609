"""categories end to end against both sandboxes: nested catalog (children whose ids
sort before their parents, on earlier pages), no-change re-run without Fluent calls,
moved/renamed categories, deletions (full-run sweep and ResourceDeleted webhook), and
CT messages through the poller into a real worker."""

from __future__ import annotations

import requests

from connector.modules.categories.options import CategoryOptions
from connector.modules.categories.stream import CategoryStream
from connector.modules.ct_messages.poller import poll
from connector.store import messages
from connector.sync.engine import SyncEngine
from tests.integration.modules.test_products_support import (
    CATALOGUE,
    calls,
    ct_api,
    fluent_categories,
    reset_calls,
)

PAGE = 7


def test_nested_catalog_moves_renames_and_deletions(connected) -> None:
    api = ct_api(connected)
    api.generate(categories=40, seed=11)
    cats = sorted(api.query_all("/categories"), key=lambda c: c["id"])
    index = {c["id"]: i for i, c in enumerate(cats)}
    by_id = {c["id"]: c for c in cats}
    # precondition: some child is on an earlier page than its parent
    assert any(
        c.get("parent") and index[c["parent"]["id"]] // PAGE > index[c["id"]] // PAGE
        for c in cats
    )
    options = CategoryOptions.from_mapping(
        {"page_size": PAGE, "batch_size": 3, "max_in_flight": 2},
        CATALOGUE,
    )
    stream = CategoryStream(connected.runtime, options)
    first = SyncEngine(connected.runtime.store, stream).run(trigger="test")
    assert first.status == "succeeded", first.stats.failures
    assert (first.stats.read, first.stats.created, first.stats.failed) == (40, 40, 0)

    fluent = fluent_categories(connected)
    assert set(fluent) == {c["key"] for c in cats}
    for c in cats:
        node = fluent[c["key"]]
        parent = by_id[c["parent"]["id"]]["key"] if c.get("parent") else None
        assert (node["parentCategory"] or {}).get("ref") == parent, c["key"]
        assert node["status"] == "ACTIVE"
        assert node["name"] == c["name"]["en"]

    # nothing changed: no Fluent request at all (defaults, through the SPEC factory)
    reset_calls(connected.fluent_url)
    again = connected.run_sync("categories")
    assert (again.stats.read, again.stats.unchanged, again.stats.written) == (40, 40, 0)
    counts = calls(connected.fluent_url)  # at most Fluent's settings read (cached)
    assert counts.get("POST /graphql", 0) == counts.get("graphql:settings", 0) <= 1

    # move a leaf under a root, rename a root, delete another leaf
    parents = {c["parent"]["id"] for c in cats if c.get("parent")}
    leaves = [c for c in cats if c.get("parent") and c["id"] not in parents]
    roots = [c for c in cats if not c.get("parent")]
    moved, gone = leaves[0], leaves[1]
    target = next(r for r in roots if r["id"] != moved["parent"]["id"])
    renamed = roots[-1]
    ok = api.ok
    ok(
        api.update(
            f"/categories/{moved['id']}",
            moved["version"],
            {
                "action": "changeParent",
                "parent": {"typeId": "category", "id": target["id"]},
            },
        )
    )
    ok(
        api.update(
            f"/categories/{renamed['id']}",
            renamed["version"],
            {"action": "changeName", "name": {"en": "Renamed", "de": "Umbenannt"}},
        )
    )
    ok(
        api.api(
            "DELETE", f"/categories/{gone['id']}", params={"version": gone["version"]}
        )
    )
    reset_calls(connected.fluent_url)
    changed = connected.run_sync("categories")
    assert (changed.stats.updated, changed.stats.created) == (2, 0)
    counts = calls(connected.fluent_url)
    assert counts.get("graphql:updateCategory") == 2
    assert "graphql:createCategory" not in counts
    fluent = fluent_categories(connected)
    assert fluent[moved["key"]]["parentCategory"]["ref"] == target["key"]
    assert fluent[renamed["key"]]["name"] == "Renamed"
    assert fluent[gone["key"]]["status"] == "ACTIVE"  # an incremental run cannot see it

    swept = connected.run_sync("categories", full=True)
    assert swept.stats.updated == 1 and swept.stats.failed == 0
    assert fluent_categories(connected)[gone["key"]]["status"] == "INACTIVE"
    reset_calls(connected.fluent_url)
    connected.run_sync("categories", full=True)
    assert calls(connected.fluent_url).get("graphql:mutation", 0) == 0


def test_category_messages_via_poller_and_deletion_via_webhook(connected) -> None:
    api = ct_api(connected)
    api.seed(
        {
            "categories": [
                {"key": "men", "name": {"en": "Men", "de": "Herren"}},
                {
                    "key": "men-jackets",
                    "name": {"en": "Jackets", "de": "Jacken"},
                    "description": {"en": "Warm jackets"},
                    "parent": "men",
                },
            ]
        }
    )
    result = poll(connected.runtime)
    assert result["accepted"] == 2, result

    def synced():
        found = fluent_categories(connected)
        jackets = found.get("men-jackets")
        return jackets if jackets and jackets["status"] == "ACTIVE" else None

    jackets = connected.wait_until(synced, timeout=10, message="categories in Fluent")
    assert jackets["parentCategory"]["ref"] == "men"
    assert jackets["summary"] == "Warm jackets"
    for row in messages.list_messages(connected.runtime.store):
        assert connected.wait_for(row.id, timeout=10).status == "done"

    # deletion: the real ResourceDeleted change notification, pushed to the webhook
    child = api.ok(api.get("/categories/key=men-jackets"))
    api.ok(
        api.api(
            "DELETE", f"/categories/{child['id']}", params={"version": child["version"]}
        )
    )
    changes = requests.get(f"{connected.ct_url}/_sandbox/changes", timeout=10).json()
    note = next(
        c
        for c in changes["changes"]
        if c["notificationType"] == "ResourceDeleted"
        and c["resource"]["id"] == child["id"]
    )
    resp = connected.client.post(
        "/webhooks/commercetools",
        json=note,
        headers={"Authorization": "Bearer test-token-1"},
    )
    assert resp.status_code in (200, 202), resp.get_data(as_text=True)
    row = connected.wait_for(resp.get_json()["id"], timeout=10)
    assert row.status == "done", row.last_error
    assert row.result["status"] == "deactivated"
    assert fluent_categories(connected)["men-jackets"]["status"] == "INACTIVE"
