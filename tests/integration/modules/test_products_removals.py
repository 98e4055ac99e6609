"""Removals reach Fluent through the products batch sync: an unpublished product (seen
by an incremental run, since unpublishing moves ``lastModifiedAt``), a removed variant,
a deleted product (only a full run sees it); no-change full runs after them write
nothing; the mass-removal guard stops a run deactivating half the catalogue and
``--force`` lets it through; the CT sandbox keeps unpublished products out of the
current projections as commercetools does."""

from __future__ import annotations

import pytest
import requests
from click.testing import CliRunner

from connector.cli import main
from connector.modules.products.options import ProductOptions
from connector.modules.products.stream import ProductStream
from connector.store import runs
from connector.sync.engine import SyncEngine
from connector.sync.removals import MassRemoval
from tests.integration.modules.test_products_support import (
    CATALOGUE,
    calls,
    ct_api,
    edges,
    fluent_standard,
    reset_calls,
)

FIXTURE = {
    "messages": False,
    "products": [
        {
            "key": key,
            "name": {"en": key.title()},
            "published": True,
            "variants": [
                {
                    "sku": f"{key}-A",
                    "prices": [{"currencyCode": "EUR", "centAmount": 900}],
                },
                {
                    "sku": f"{key}-B",
                    "prices": [{"currencyCode": "EUR", "centAmount": 990}],
                },
            ],
        }
        for key in ("alpha", "beta", "gamma", "delta")
    ],
}


def product(api, key: str) -> dict:
    return api.ok(api.get(f"/products/key={key}"))


def change(api, key: str, *actions: dict) -> dict:
    current = product(api, key)
    return api.ok(
        api.update(f"/products/{current['id']}", current["version"], *actions)
    )


def statuses(connected, key: str) -> dict[str, str]:
    node = fluent_standard(connected, key)
    assert node is not None, key
    out = {key: node["status"]}
    out.update({v["ref"]: v["status"] for v in edges(node, "variants")})
    return out


def incremental(connected):
    """An incremental run without overlap: it reads only what changed since the last."""
    options = ProductOptions.from_mapping({"overlap_seconds": 0}, CATALOGUE)
    stream = ProductStream(connected.runtime, options)
    return SyncEngine(connected.runtime.store, stream).run(trigger="test")


def no_change_full_run(connected) -> None:
    reset_calls(connected.fluent_url)
    again = connected.run_sync("products", full=True)
    assert again.status == "succeeded", again.stats.failures
    assert again.stats.written == 0 and again.stats.removed == 0
    assert calls(connected.fluent_url).get("POST /graphql", 0) == 0


def test_unpublished_product_and_removed_variant(connected) -> None:
    api = ct_api(connected)
    api.seed(FIXTURE)
    assert connected.run_sync("products").stats.created == 12

    change(api, "alpha", {"action": "unpublish"})
    change(
        api, "beta", {"action": "removeVariant", "sku": "beta-B"}, {"action": "publish"}
    )
    reset_calls(connected.fluent_url)
    result = incremental(connected)
    assert result.status == "succeeded", result.stats.failures
    assert result.stats.read == 2  # only the two changed products
    assert result.stats.removed == 3  # alpha and its two variants
    assert statuses(connected, "alpha") == {
        "alpha": "INACTIVE",
        "alpha-A": "INACTIVE",
        "alpha-B": "INACTIVE",
    }
    assert statuses(connected, "beta") == {
        "beta": "ACTIVE",
        "beta-A": "ACTIVE",
        "beta-B": "INACTIVE",
    }
    assert statuses(connected, "gamma")["gamma"] == "ACTIVE"
    counts = calls(connected.fluent_url)
    assert counts["graphql:mutation"] == 2  # one request per level, removals included
    assert not any(k.startswith("graphql:create") for k in counts)

    # the full run agrees, and a no-change full run after it writes nothing
    full = connected.run_sync("products", full=True)
    assert full.status == "succeeded" and full.stats.written == 0
    no_change_full_run(connected)

    # published again: ACTIVE again
    change(api, "alpha", {"action": "publish"})
    assert incremental(connected).stats.updated == 3
    assert set(statuses(connected, "alpha").values()) == {"ACTIVE"}


def test_deleted_product_needs_the_full_run(connected) -> None:
    api = ct_api(connected)
    api.seed(FIXTURE)
    connected.run_sync("products")
    gone = product(api, "gamma")
    resp = api.api(
        "DELETE", f"/products/{gone['id']}", params={"version": gone["version"]}
    )
    api.ok(resp)

    # an incremental run cannot see a hard deletion
    assert incremental(connected).stats.written == 0
    assert statuses(connected, "gamma")["gamma"] == "ACTIVE"

    reset_calls(connected.fluent_url)
    full = connected.run_sync("products", full=True)
    assert full.status == "succeeded", full.stats.failures
    assert full.stats.removed == 1 and full.stats.updated == 1
    assert set(statuses(connected, "gamma").values()) == {"INACTIVE"}
    assert set(statuses(connected, "delta").values()) == {"ACTIVE"}
    no_change_full_run(connected)


def test_mass_removal_guard_and_force(connected) -> None:
    api = ct_api(connected)
    api.seed(
        {
            "messages": False,
            "products": [
                {
                    "key": f"p{i}",
                    "name": {"en": f"P{i}"},
                    "published": True,
                    "variants": [{"sku": f"P{i}-1"}],
                }
                for i in range(20)
            ],
        }
    )
    assert connected.run_sync("products").stats.created == 40
    for i in range(10):
        change(api, f"p{i}", {"action": "unpublish"})

    # the dry run lists the deactivations apart and says the guard would stop the run
    dry = CliRunner().invoke(
        main, ["sync", "products", "--full", "--dry-run"], env=connected.env
    )
    assert dry.exit_code == 0, dry.output
    assert "planned removals (20, 20 shown):" in dry.output
    assert "deactivate p0" in dry.output and "deactivate P9-1" in dry.output
    assert "mass-removal guard: products: this run would remove 10 of 20" in dry.output

    reset_calls(connected.fluent_url)
    with pytest.raises(MassRemoval, match="10 of 20 .*50%.*--force"):
        connected.run_sync("products", full=True)
    assert calls(connected.fluent_url).get("graphql:mutation", 0) == 0
    assert set(statuses(connected, "p0").values()) == {"ACTIVE"}
    last = runs.recent(connected.runtime.store, "products", limit=1)[0]
    assert last.status == "failed" and "max_removal_share" in last.error

    cli = CliRunner().invoke(
        main, ["sync", "products", "--full", "--force"], env=connected.env
    )
    assert cli.exit_code == 0, cli.output
    for i in range(20):
        expected = "INACTIVE" if i < 10 else "ACTIVE"
        assert set(statuses(connected, f"p{i}").values()) == {expected}
    no_change_full_run(connected)


def test_ct_sandbox_leaves_unpublished_products_out_of_current_projections(
    connected,
) -> None:
    api = ct_api(connected)
    api.seed(FIXTURE)
    change(api, "alpha", {"action": "unpublish"})
    alpha = product(api, "alpha")
    assert alpha["masterData"]["published"] is False

    current = api.ok(api.get("/product-projections", limit=500))["results"]
    assert "alpha" not in {p["key"] for p in current}
    assert len(current) == 3
    assert api.get(f"/product-projections/{alpha['id']}").status_code == 404
    staged = api.ok(api.get("/product-projections", staged="true", limit=500))
    assert "alpha" in {p["key"] for p in staged["results"]}
    listed = api.ok(api.get("/products", where="masterData(published = false)"))
    assert [p["key"] for p in listed["results"]] == ["alpha"]


def test_removed_price_and_attribute_are_reported_fluent_keeps_them(connected) -> None:
    """Fluent upserts prices (by type + currency) and attributes (by name) and has no
    mutation removing one (reference: fluent-api.md §3.2); the sandbox behaves so.
    The update still goes out, and the run names what Fluent keeps."""
    api = ct_api(connected)
    api.seed(
        {
            "messages": False,
            "products": [
                {
                    "key": "shirt",
                    "name": {"en": "Shirt"},
                    "published": True,
                    "variants": [
                        {
                            "sku": "SHIRT-1",
                            "prices": [
                                {"currencyCode": "EUR", "centAmount": 2000},
                                {"currencyCode": "USD", "centAmount": 2200},
                            ],
                            "attributes": [{"name": "size", "value": "M"}],
                        }
                    ],
                }
            ],
        }
    )
    options = ProductOptions.from_mapping(
        {"attributes": ["size"], "overlap_seconds": 0}, CATALOGUE
    )

    def sync(full: bool = False):
        stream = ProductStream(connected.runtime, options)
        return SyncEngine(connected.runtime.store, stream).run(full=full, trigger="t")

    assert sync().stats.created == 2
    shirt = product(api, "shirt")
    usd = next(
        p["id"]
        for p in shirt["masterData"]["staged"]["masterVariant"]["prices"]
        if p["value"]["currencyCode"] == "USD"
    )
    change(
        api,
        "shirt",
        {"action": "removePrice", "priceId": usd},
        {"action": "setAttribute", "sku": "SHIRT-1", "name": "size"},
        {"action": "publish"},
    )
    result = sync()
    assert result.status == "succeeded", result.stats.failures
    assert result.stats.updated == 2
    reasons = result.stats.skip_reasons
    assert (
        reasons[
            "price removed in commercetools kept in Fluent (Fluent cannot remove one); "
            "attribute removed in commercetools kept in Fluent (Fluent cannot remove one)"
        ]
        == 2
    )  # the standard product and its variant
    node = fluent_standard(connected, "shirt")
    assert {p["currency"] for p in node["prices"]} == {"EUR", "USD"}  # upserted
    assert "size" in {a["name"] for a in node["attributes"]}

    # a no-change full run afterwards writes nothing (and reports nothing)
    reset_calls(connected.fluent_url)
    again = sync(full=True)
    assert again.stats.written == 0 and not again.stats.skip_reasons
    assert calls(connected.fluent_url).get("graphql:mutation", 0) == 0


def test_event_and_batch_deactivations_agree(connected) -> None:
    """An unpublish handled by the event path leaves nothing for the batch to write."""
    from connector.modules.ct_messages.poller import poll

    api = ct_api(connected)
    api.seed(FIXTURE)
    connected.run_sync("products")
    change(api, "delta", {"action": "unpublish"})
    assert poll(connected.runtime)["accepted"] == 1
    connected.wait_until(
        lambda: set(statuses(connected, "delta").values()) == {"INACTIVE"},
        timeout=10,
        message="deactivated by the message",
    )
    reset_calls(connected.fluent_url)
    result = incremental(connected)
    assert result.stats.read == 1 and result.stats.written == 0
    assert calls(connected.fluent_url).get("graphql:mutation", 0) == 0


def test_jobs_api_force_lets_a_guarded_run_through(connected) -> None:
    """The guard's ``--force`` is also the jobs API's ``force``: a run the guard stopped
    is re-run from the API (the real worker) without the CLI."""
    api = ct_api(connected)
    api.seed(
        {
            "messages": False,
            "products": [
                {"key": f"f{i}", "name": {"en": f"F{i}"}, "published": True}
                for i in range(20)
            ],
        }
    )
    assert connected.run_sync("products").stats.created == 20
    for i in range(10):
        change(api, f"f{i}", {"action": "unpublish"})
    with pytest.raises(MassRemoval):
        connected.run_sync("products", full=True)

    headers = {"X-API-Token": "test-token-1"}
    for force in (False, True):
        resp = requests.post(
            f"{connected.url}/api/v1/jobs/products",
            json={"full": True, "force": force},
            headers=headers,
            timeout=10,
        )
        assert resp.status_code == 202, resp.text
        run_id = resp.json()["run_id"]
        run = connected.wait_until(
            lambda rid=run_id: (
                (r := runs.get(connected.runtime.store, rid))
                and r.status not in ("pending", "running")
                and r
            ),
            timeout=60,
            message=f"run {run_id} finished",
        )
        if not force:  # without it the worker's run is stopped by the guard too
            assert run.status == "failed" and "max_removal_share" in run.error
            assert set(statuses(connected, "f0").values()) == {"ACTIVE"}
    assert run.status == "succeeded", run.error
    for i in range(20):
        expected = "INACTIVE" if i < 10 else "ACTIVE"
        assert set(statuses(connected, f"f{i}").values()) == {expected}
