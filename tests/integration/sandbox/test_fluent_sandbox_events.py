"""Fluent sandbox: REST Event API (post, read, filter), fail-next and injected failures."""

from __future__ import annotations

from typing import Any

import pytest
from test_fluent_sandbox_support import CATALOGUE, FluentClient

from sandbox.common import SandboxServer

EVENT = "/api/v4.1/event"


@pytest.fixture
def client(fluent_sandbox: SandboxServer) -> FluentClient:
    return FluentClient(fluent_sandbox.url)


def _post(client: FluentClient, mode: str, **body: Any) -> Any:
    return client.session.post(f"{client.url}{EVENT}/{mode}", json=body, timeout=10)


def _search(client: FluentClient, **params: Any) -> dict[str, Any]:
    resp = client.session.get(f"{client.url}{EVENT}", params=params, timeout=10)
    assert resp.status_code == 200, resp.text
    return resp.json()  # type: ignore[no-any-return]


CATEGORY_EVENT = {
    "name": "UPSERT_CATEGORY",
    "retailerId": "1",
    "entityType": "PRODUCT_CATALOGUE",
    "entitySubtype": "MASTER",
    "entityRef": CATALOGUE["ref"],
    "rootEntityType": "PRODUCT_CATALOGUE",
    "rootEntityRef": CATALOGUE["ref"],
    "attributes": {
        "ref": "tshirts",
        "type": "DEFAULT",
        "status": "ACTIVE",
        "name": "T-Shirts",
        "summary": "Tees",
    },
}


def test_sync_event_completes_and_runs_the_upsert_ruleset(client: FluentClient) -> None:
    resp = _post(client, "sync", **CATEGORY_EVENT)
    assert resp.status_code == 200
    body = resp.json()
    assert body["eventStatus"] == "COMPLETE" and body["eventId"]
    category = client.gql(
        'query($c: ProductCatalogueKey!) { category(ref: "tshirts", '
        "catalogue: $c) { name status } }",
        {"c": CATALOGUE},
    )
    assert category["category"] == {"name": "T-Shirts", "status": "ACTIVE"}
    one = client.session.get(f"{client.url}{EVENT}/{body['eventId']}", timeout=5)
    assert one.json()["name"] == "UPSERT_CATEGORY"
    assert one.json()["context"]["entityRef"] == CATALOGUE["ref"]
    missing = client.session.get(f"{client.url}{EVENT}/no-such-id", timeout=5)
    assert missing.status_code == 404


def test_event_validation_errors_are_400_with_fluent_body(client: FluentClient) -> None:
    no_name = _post(client, "async", retailerId="1", entityType="ORDER", entityRef="X")
    assert no_name.status_code == 400
    assert no_name.json() == {
        "errors": [{"code": "400", "message": "'name' is required"}]
    }
    no_retailer = _post(client, "sync", name="X", entityType="ORDER", entityRef="X")
    assert no_retailer.json()["errors"][0]["code"] == "NotNull"
    unknown_order = _post(
        client,
        "sync",
        name="CancelOrder",
        retailerId="1",
        entityType="ORDER",
        entityRef="NOPE",
    )
    assert unknown_order.status_code == 400
    assert unknown_order.json()["eventStatus"] == "NO_MATCH"


def test_fail_next_makes_the_next_matching_event_fail(client: FluentClient) -> None:
    rule = {
        "name": "UPSERT_CATEGORY",
        "count": 1,
        "message": "Category rule exploded",
        "rule": "ACME.catalogue.UpsertCategory",
    }
    assert client.control("POST", "/events/fail-next", json=rule).status_code == 201
    other = _post(
        client,
        "async",
        name="SomethingElse",
        retailerId="1",
        entityType="PRODUCT_CATALOGUE",
        entityRef=CATALOGUE["ref"],
    )
    assert other.status_code == 200
    failed = _post(client, "sync", **CATEGORY_EVENT)
    assert failed.status_code == 400
    assert failed.json()["eventStatus"] == "FAILED"
    assert failed.json()["errorMessage"] == "Category rule exploded"
    assert _post(client, "sync", **CATEGORY_EVENT).json()["eventStatus"] == "COMPLETE"
    audits = _search(client, eventType="ORCHESTRATION_AUDIT", eventStatus="FAILED")
    assert audits["count"] == 1 and audits["hasMore"] is False
    [audit] = audits["results"]
    assert audit["category"] == "exception"
    assert audit["context"]["sourceEvents"] == [failed.json()["eventId"]]
    attrs = {a["name"]: a["value"] for a in audit["attributes"]}
    assert attrs["message"] == "Category rule exploded"
    assert attrs["ruleName"] == "ACME.catalogue.UpsertCategory"


def test_injected_failures_are_found_by_filters_and_window(
    client: FluentClient,
) -> None:
    inject = {
        "entityType": "ORDER",
        "entityRef": "CT-1",
        "rootEntityType": "ORDER",
        "rootEntityRef": "CT-1",
        "rule": "ACME.order.Book",
        "message": "no stock",
        "count": 3,
    }
    assert client.control("POST", "/events/failed", json=inject).status_code == 201
    old = {
        **inject,
        "entityRef": "CT-OLD",
        "count": 1,
        "generatedOn": "2020-01-01T00:00:00.000Z",
    }
    client.control("POST", "/events/failed", json=old)
    page = _search(
        client, eventType="ORCHESTRATION_AUDIT", eventStatus="FAILED", count=2
    )
    assert page["count"] == 2 and page["hasMore"] is True and page["start"] == 0
    rest = _search(
        client, eventType="ORCHESTRATION_AUDIT", eventStatus="FAILED", count=2, start=2
    )
    assert (
        rest["count"] == 1 and rest["hasMore"] is False
    )  # the 2020 one is outside 30 days
    by_ref = _search(
        client,
        **{
            "context.entityRef": "CT-OLD",
            "from": "2019-12-31T00:00:00Z",
            "to": "2020-01-02T00:00:00Z",
            "eventStatus": "FAILED",
        },
    )
    assert {r["type"] for r in by_ref["results"]} == {
        "ORCHESTRATION",
        "ORCHESTRATION_AUDIT",
    }
    assert by_ref["results"][0]["generatedOn"].startswith("2020-01-01T00:00:00")
    bad = client.session.get(f"{client.url}{EVENT}", params={"from": "soon"}, timeout=5)
    assert bad.status_code == 400


def test_mutations_log_create_events(client: FluentClient) -> None:
    client.gql(
        """mutation($c: ProductCatalogueKey!) { createCategory(input: {ref: "a",
        name: "A", type: "DEFAULT", catalogue: $c}) { id } }""",
        {"c": CATALOGUE},
    )
    found = _search(client, name="CREATE", **{"context.entityType": "CATEGORY"})
    assert found["count"] == 1
    assert found["results"][0]["context"]["rootEntityRef"] == CATALOGUE["ref"]


def test_upsert_product_events_create_then_update(client: FluentClient) -> None:
    product = {
        "name": "UPSERT_PRODUCT",
        "retailerId": "1",
        "entityType": "PRODUCT_CATALOGUE",
        "entityRef": CATALOGUE["ref"],
        "rootEntityType": "PRODUCT_CATALOGUE",
        "rootEntityRef": CATALOGUE["ref"],
    }
    attrs = {
        "ref": "SKU-9",
        "type": "STANDARD",
        "status": "ACTIVE",
        "gtin": "123",
        "name": "Nine",
        "prices": [{"type": "DEFAULT", "currency": "EUR", "value": 9}],
    }
    assert _post(client, "async", **product, attributes=attrs).status_code == 200
    renamed = _post(client, "sync", **product, attributes={**attrs, "name": "Nine v2"})
    assert renamed.json()["eventStatus"] == "COMPLETE"
    got = client.gql(
        'query($c: ProductCatalogueKey!) { standardProduct(ref: "SKU-9", '
        "catalogue: $c) { name status prices { value } } }",
        {"c": CATALOGUE},
    )
    assert got["standardProduct"] == {
        "name": "Nine v2",
        "status": "ACTIVE",
        "prices": [{"value": 9.0}],
    }
    broken = _post(
        client, "sync", **product, attributes={"ref": "SKU-10", "type": "STANDARD"}
    )
    assert broken.status_code == 400 and broken.json()["eventStatus"] == "FAILED"
