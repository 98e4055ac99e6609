"""Removals reach Fluent through the categories batch sync: a category moved to the
root loses its Fluent parent (commercetools' changeParent needs a parent, so a category
reaches the root by being recreated under the same key: an incremental run sees it, and
the full run does not mistake the old id for a deletion); a deleted category is
deactivated by the full run; no-change full runs after them write nothing."""

from __future__ import annotations

from tests.integration.modules.test_products_support import (
    calls,
    ct_api,
    fluent_categories,
    reset_calls,
)

FIXTURE = {
    "messages": False,
    "categories": [
        {"key": "shoes", "name": {"en": "Shoes"}},
        {"key": "running", "name": {"en": "Running"}, "parent": "shoes"},
        {"key": "trail", "name": {"en": "Trail"}, "parent": "shoes"},
        {"key": "sale", "name": {"en": "Sale"}},
    ],
}


def delete(api, key: str) -> None:
    category = api.ok(api.get(f"/categories/key={key}"))
    api.ok(
        api.api(
            "DELETE",
            f"/categories/{category['id']}",
            params={"version": category["version"]},
        )
    )


def no_change_full_run(connected) -> None:
    reset_calls(connected.fluent_url)
    again = connected.run_sync("categories", full=True)
    assert again.status == "succeeded" and again.stats.written == 0
    assert calls(connected.fluent_url).get("graphql:mutation", 0) == 0


def test_category_moved_to_root_and_deleted(connected) -> None:
    api = ct_api(connected)
    api.seed(FIXTURE)
    assert connected.run_sync("categories").stats.created == 4
    assert fluent_categories(connected)["running"]["parentCategory"]["ref"] == "shoes"

    # "running" moves to the root (recreated under the same key), "trail" is deleted
    delete(api, "running")
    api.ok(
        api.post(
            "/categories",
            {"key": "running", "name": {"en": "Running"}, "slug": {"en": "running-2"}},
        ),
        201,
    )
    delete(api, "trail")

    incremental = connected.run_sync("categories")
    assert incremental.status == "succeeded", incremental.stats.failures
    fluent = fluent_categories(connected)
    assert fluent["running"]["parentCategory"] is None
    assert fluent["running"]["status"] == "ACTIVE"
    assert fluent["trail"]["status"] == "ACTIVE"  # a deletion needs the full run

    full = connected.run_sync("categories", full=True)
    assert full.status == "succeeded", full.stats.failures
    assert (full.stats.removed, full.stats.updated) == (1, 1)
    fluent = fluent_categories(connected)
    assert fluent["trail"]["status"] == "INACTIVE"
    assert fluent["running"]["status"] == "ACTIVE"  # the old id is no deletion
    assert fluent["running"]["parentCategory"] is None
    assert fluent["sale"]["status"] == "ACTIVE"
    no_change_full_run(connected)
