"""products end to end against both sandboxes: seeded catalog -> Fluent standard and
variant products; a no-change re-run with zero Fluent requests; one changed product
(rename, category removed, variant removed) re-synced alone; a crash mid-run resumed
from the checkpoint; ``--dry-run`` through the CLI; CT product messages via the poller
and the webhook into a real worker."""

from __future__ import annotations

import time

import pytest
from click.testing import CliRunner

from connector.cli import main
from connector.clients.errors import ServerError
from connector.modules.ct_messages.poller import poll
from connector.modules.products.options import ProductOptions
from connector.modules.products.stream import ProductStream
from connector.store import checkpoints, fingerprints, runs
from connector.sync.engine import SyncEngine
from tests.integration.modules.test_products_support import (
    CATALOGUE,
    calls,
    ct_api,
    edges,
    entities,
    fault,
    fluent_standard,
    reset_calls,
)

FIXTURE = {
    "messages": False,
    "categories": [
        {"key": "shoes", "name": {"en": "Shoes"}},
        {"key": "running", "name": {"en": "Running"}, "parent": "shoes"},
        {"key": "sale", "name": {"en": "Sale"}},
    ],
    "products": [
        {
            "key": "trail-runner",
            "name": {"en": "Trail Runner", "de": "Traillaufschuh"},
            "description": {"en": "Light trail shoe"},
            "categories": ["running", "sale"],
            "published": True,
            "variants": [
                {
                    "sku": "TR-42",
                    "prices": [
                        {"currencyCode": "EUR", "centAmount": 12999},
                        {"currencyCode": "USD", "centAmount": 13999},
                        {
                            "value": {"currencyCode": "EUR", "centAmount": 11999},
                            "country": "DE",
                        },
                    ],
                    "attributes": [{"name": "size", "value": "42"}],
                },
                {
                    "sku": "TR-43",
                    "prices": [{"currencyCode": "EUR", "centAmount": 12999}],
                    "attributes": [{"name": "size", "value": "43"}],
                },
                {"prices": [{"currencyCode": "EUR", "centAmount": 12999}]},
            ],
        },
        {
            "key": "city-sock",
            "name": {"en": "City Sock"},
            "categories": ["shoes"],
            "published": True,
            "variants": [
                {
                    "sku": "SOCK-1",
                    "prices": [{"currencyCode": "EUR", "centAmount": 999}],
                }
            ],
        },
        {"key": "draft", "name": {"en": "Draft"}, "variants": [{"sku": "DRAFT-1"}]},
    ],
}


def product_id(api, key: str) -> str:
    return api.ok(api.get(f"/products/key={key}"))["id"]


def change(api, key: str, *actions: dict) -> dict:
    product = api.ok(api.get(f"/products/key={key}"))
    return api.ok(
        api.update(f"/products/{product['id']}", product["version"], *actions)
    )


def test_sync_no_change_and_one_changed_product(connected) -> None:
    api = ct_api(connected)
    api.seed(FIXTURE)
    assert connected.run_sync("categories").stats.created == 3
    first = connected.run_sync("products")
    stats = first.stats
    assert first.status == "succeeded", stats.failures
    # the unpublished draft is read (products endpoint) but never created in Fluent
    assert (stats.read, stats.created, stats.skipped) == (3, 5, 1)
    assert stats.unchanged == 2 and stats.removed == 0
    assert dict(stats.skip_reasons) == {"variant without SKU": 1}
    assert runs.get(connected.runtime.store, first.run_id).counts["skipped"] == 1

    runner = fluent_standard(connected, "trail-runner")
    assert runner["status"] == "ACTIVE"
    assert (runner["name"], runner["summary"]) == ("Trail Runner", "Light trail shoe")
    assert runner["gtin"] == "trail-runner"  # no gtin attribute: the ref fallback
    assert runner["prices"] == [
        {"type": "DEFAULT", "currency": "EUR", "value": 129.99}
    ] + [{"type": "DEFAULT", "currency": "USD", "value": 139.99}]
    assert {c["ref"] for c in edges(runner, "categories")} == {"running", "sale"}
    variants = {v["ref"]: v for v in edges(runner, "variants")}
    assert set(variants) == {"TR-42", "TR-43"}
    assert variants["TR-42"]["status"] == "ACTIVE"
    assert variants["TR-42"]["gtin"] == "TR-42"
    assert fluent_standard(connected, "draft") is None

    # nothing changed: not a single Fluent request
    reset_calls(connected.fluent_url)
    again = connected.run_sync("products")
    assert (again.stats.unchanged, again.stats.written) == (7, 0)
    counts = calls(connected.fluent_url)  # at most Fluent's settings read (cached)
    assert counts.get("POST /graphql", 0) == counts.get("graphql:settings", 0) <= 1

    # one product changed: renamed, removed from a category, one variant removed
    sale = api.ok(api.get("/categories/key=sale"))
    change(
        api,
        "trail-runner",
        {"action": "changeName", "name": {"en": "Trail Runner II"}},
        {
            "action": "removeFromCategory",
            "category": {"typeId": "category", "id": sale["id"]},
        },
        {"action": "removeVariant", "sku": "TR-43"},
        {"action": "publish"},
    )
    reset_calls(connected.fluent_url)
    changed = connected.run_sync("products")
    assert (changed.stats.updated, changed.stats.created) == (2, 0)  # standard + TR-42
    assert changed.stats.unchanged == 4  # city-sock, SOCK-1 and the draft's two
    counts = calls(connected.fluent_url)
    assert counts["graphql:updateStandardProduct"] == 1
    assert counts["graphql:updateVariantProduct"] == 2  # TR-42 + TR-43 deactivated
    assert counts["graphql:removeCategoriesFromStandardProduct"] == 1
    assert counts["graphql:mutation"] == 2  # one request per level
    assert not any(k.startswith("graphql:create") for k in counts)
    runner = fluent_standard(connected, "trail-runner")
    assert runner["name"] == "Trail Runner II"
    assert {c["ref"] for c in edges(runner, "categories")} == {"running"}
    variants = {v["ref"]: v for v in edges(runner, "variants")}
    assert variants["TR-43"]["status"] == "INACTIVE"
    assert variants["TR-42"]["name"] == "Trail Runner II"
    # the retired SKU's fingerprint is gone, so it is written again if it returns
    assert fingerprints.lookup(connected.runtime.store, "products", ["v:TR-43"]) == {}


def test_crash_mid_run_resumes_from_checkpoint(connected) -> None:
    """The pipelined engine writes page 2 while page 1 is checkpointed: a crash then
    leaves the checkpoint after page 1 only, and the resumed run re-reads the rest and
    writes exactly what was not written (no entity lost, none written twice)."""
    api = ct_api(connected)
    api.generate(products=60, variants_per_product=3, seed=5)
    options = ProductOptions.from_mapping(
        {"page_size": 20, "batch_size": 10, "max_in_flight": 2}, CATALOGUE
    )
    store = connected.runtime.store
    pages_done: list[int] = []

    def crash_after_first_page(stats) -> None:
        pages_done.append(stats.read)
        if len(pages_done) == 1:  # Fluent answers 503 to the next request
            fault(connected.fluent_url, endpoint="POST /graphql", rate_5xx=1.0, count=1)

    reset_calls(connected.fluent_url)
    engine = SyncEngine(store, ProductStream(connected.runtime, options))
    with pytest.raises(ServerError):
        engine.run(trigger="test", progress=crash_after_first_page)
    first = calls(connected.fluent_url)
    assert len(pages_done) == 1
    written = first.get("graphql:createStandardProduct", 0) + first.get(
        "graphql:createVariantProduct", 0
    )
    assert 80 <= written < 240  # page 1, maybe part of page 2, never all
    cursor = checkpoints.get(store, "products", "ct:demo-shop").cursor
    assert cursor["run"]["after"] is not None  # resumable, inside the same window

    reset_calls(connected.fluent_url)
    resumed = SyncEngine(store, ProductStream(connected.runtime, options)).run(
        trigger="test"
    )
    assert resumed.status == "succeeded"
    assert resumed.stats.read == 40  # pages 2 and 3 only
    counts = calls(connected.fluent_url)
    for kind, total in (("StandardProduct", 60), ("VariantProduct", 180)):
        name = f"graphql:create{kind}"
        # every entity created exactly once over both runs, and never updated
        assert first.get(name, 0) + counts.get(name, 0) == total
        assert counts.get(f"graphql:update{kind}", 0) == counts.get(name, 0)
    assert len(entities(connected.fluent_url, "standard_products")) == 60
    assert len(entities(connected.fluent_url, "variant_products")) == 180
    done = checkpoints.get(store, "products", "ct:demo-shop").cursor
    assert done["run"] is None and done["since"]


def test_dry_run_cli_writes_nothing(connected) -> None:
    api = ct_api(connected)
    api.seed(FIXTURE)
    connected.run_sync("categories")
    reset_calls(connected.fluent_url)
    result = CliRunner().invoke(
        main, ["sync", "products", "--dry-run"], env=connected.env
    )
    assert result.exit_code == 0, result.output
    assert "create trail-runner" in result.output
    assert "create TR-42" in result.output
    assert "skipped 1: variant without SKU" in result.output
    counts = calls(connected.fluent_url)
    assert counts.get("graphql:mutation", 0) == 0
    assert entities(connected.fluent_url, "standard_products") == []
    key = f"p:{product_id(api, 'trail-runner')}"
    assert fingerprints.lookup(connected.runtime.store, "products", [key]) == {}


def test_product_messages_via_poller_and_webhook(connected) -> None:
    api = ct_api(connected)
    api.seed(FIXTURE)
    connected.run_sync("categories")
    connected.run_sync("products")

    # a published change reaches Fluent within seconds of the poll
    change(
        api,
        "city-sock",
        {"action": "changeName", "name": {"en": "City Sock Pro"}},
        {"action": "publish"},
    )
    started = time.monotonic()
    assert poll(connected.runtime)["accepted"] == 1

    def renamed() -> (
        bool
    ):  # the variants are written in the request after the product's
        node = fluent_standard(connected, "city-sock")
        names = {node["name"], *(v["name"] for v in edges(node, "variants"))}
        return names == {"City Sock Pro"}

    connected.wait_until(renamed, timeout=10, message="renamed product in Fluent")
    assert time.monotonic() - started < 10

    # unpublished -> standard product and variants INACTIVE
    change(api, "city-sock", {"action": "unpublish"})
    assert poll(connected.runtime)["accepted"] == 1

    def inactive():
        node = fluent_standard(connected, "city-sock")
        states = {node["status"], *(v["status"] for v in edges(node, "variants"))}
        return states == {"INACTIVE"}

    connected.wait_until(inactive, timeout=10, message="deactivated product")

    # published again, delivered as a raw subscription message to the webhook
    product = change(api, "city-sock", {"action": "publish"})
    message = connected.runtime.ct().query(
        "messages",
        where=['type = "ProductPublished"', f'resource(id = "{product["id"]}")'],
        sort="createdAt desc",
        limit=1,
    )["results"][0]
    resp = connected.client.post(
        "/webhooks/commercetools",
        json={"notificationType": "Message", "projectKey": "demo-shop", **message},
        headers={"Authorization": "Bearer test-token-1"},
    )
    assert resp.status_code in (200, 202), resp.get_data(as_text=True)
    row = connected.wait_for(resp.get_json()["id"], timeout=10)
    assert row.status == "done", row.last_error
    assert row.result["status"] == "synced"
    assert fluent_standard(connected, "city-sock")["status"] == "ACTIVE"

    # a change notification without a real change: same fingerprint, no Fluent write
    reset_calls(connected.fluent_url)
    resp = connected.client.post(
        "/webhooks/commercetools?token=test-token-2",
        json={
            "notificationType": "ResourceUpdated",
            "projectKey": "demo-shop",
            "resource": {"typeId": "product", "id": product["id"]},
            "version": product["version"] + 1,
            "oldVersion": product["version"],
            "modifiedAt": "2026-11-29T12:00:00.000Z",
        },
    )
    row = connected.wait_for(resp.get_json()["id"], timeout=10)
    assert row.status == "done", row.last_error
    assert row.result == {"status": "synced", "read": 1, "unchanged": 2}
    assert calls(connected.fluent_url).get("graphql:mutation", 0) == 0
