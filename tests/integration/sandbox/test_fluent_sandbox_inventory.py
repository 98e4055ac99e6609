"""Fluent sandbox: generator, aggregate inventory, stock changes, availability, sourcing."""

from __future__ import annotations

import time

import pytest
from test_fluent_sandbox_support import FluentClient

from sandbox.common import SandboxServer

VP_PAGE = """query($after: String, $since: DateTime) {
  virtualPositions(catalogue: {ref: "BASE:1"}, first: 5000, after: $after,
                   updatedOn: {from: $since}) {
    edges { cursor node { id ref type status productRef quantity groupRef updatedOn
      attributes { name } } }
    pageInfo { hasNextPage } } }"""


@pytest.fixture
def client(fluent_sandbox: SandboxServer) -> FluentClient:
    return FluentClient(fluent_sandbox.url)


def test_generator_builds_10k_skus_x_20_locations_in_seconds(
    client: FluentClient,
) -> None:
    started = time.perf_counter()
    resp = client.control(
        "POST",
        "/generate",
        json={
            "categories": 20,
            "skus": 10000,
            "variants_per_product": 3,
            "locations": 20,
            "seed": 7,
            "timestamp": "2025-01-01T00:00:00Z",
        },
    )
    elapsed = time.perf_counter() - started
    assert resp.status_code == 201, resp.text
    stats = resp.json()
    assert stats["skus"] == 10000 and stats["inventoryPositions"] == 200000
    assert stats["standardProducts"] == 3334 and stats["virtualPositions"] == 10000
    assert elapsed < 10, f"generation took {elapsed:.1f}s"

    started = time.perf_counter()
    refs: set[str] = set()
    after = None
    while True:
        page = client.gql(VP_PAGE, {"after": after, "since": "2024-01-01T00:00:00Z"})
        conn = page["virtualPositions"]
        refs |= {e["node"]["productRef"] for e in conn["edges"]}
        if not conn["pageInfo"]["hasNextPage"]:
            break
        after = conn["edges"][-1]["cursor"]
    assert len(refs) == 10000
    assert time.perf_counter() - started < 5

    stock = client.control("GET", "/stock", params={"productRef": "P-00001-1"}).json()
    assert len(stock["onHand"]) == 20
    [aggregate] = stock["virtualPositions"]["BASE:1"]
    assert aggregate["quantity"] == sum(stock["onHand"].values())
    ips = client.gql("""{ inventoryPositions(catalogue: {ref: "DEFAULT:1"},
        productRef: ["P-00001-1"], first: 50) { edges { node { ref onHand locationRef } } } }""")
    assert len(ips["inventoryPositions"]["edges"]) == 20


def test_stock_change_bumps_exactly_the_changed_positions(client: FluentClient) -> None:
    client.control(
        "POST",
        "/generate",
        json={"skus": 300, "locations": 4, "timestamp": "2025-01-01T00:00:00Z"},
    )
    checkpoint = "2025-06-01T00:00:00Z"
    assert client.gql(VP_PAGE, {"since": checkpoint})["virtualPositions"]["edges"] == []
    before = client.control("GET", "/stock", params={"productRef": "P-00007-1"}).json()
    change = {
        "items": [
            {"productRef": "P-00007-1", "locationRef": "LOC-002", "delta": 5},
            {"productRef": "P-00009-1", "quantity": 1234},
            {
                "productRef": "P-00011-1",
                "locationRef": "LOC-001",
                "onHand": _on_hand(client, "P-00011-1"),
            },  # unchanged: no bump
        ]
    }
    result = client.control("POST", "/inventory", json=change).json()
    assert result == {"changedPositions": 1, "changedVirtualPositions": 2}
    changed = client.gql(VP_PAGE, {"since": checkpoint})["virtualPositions"]["edges"]
    assert sorted(e["node"]["productRef"] for e in changed) == [
        "P-00007-1",
        "P-00009-1",
    ]
    by_sku = {e["node"]["productRef"]: e["node"]["quantity"] for e in changed}
    assert (
        by_sku["P-00007-1"] == before["virtualPositions"]["BASE:1"][0]["quantity"] + 5
    )
    assert by_sku["P-00009-1"] == 1234
    same = client.control(
        "POST",
        "/inventory",
        json={"items": [{"productRef": "P-00009-1", "quantity": 1234}]},
    ).json()
    assert same["changedVirtualPositions"] == 0


def _on_hand(client: FluentClient, sku: str, loc: str = "LOC-001") -> int:
    stock = client.control("GET", "/stock", params={"productRef": sku}).json()
    return int(stock["onHand"][loc])


def test_search_virtual_inventory_orders_by_proximity(client: FluentClient) -> None:
    client.seed_retailer()
    query = """query($lat: Float!, $lon: Float!, $excluded: [String!]) {
      searchVirtualInventory(virtualCatalogue: {ref: "BASE:1"},
        productQuantities: [{productRef: "TSHIRT-1-RED-M", quantity: 1},
                            {productRef: "SNEAKER-1-42", quantity: 1}],
        excludedLocationRefs: $excluded,
        orderByProximity: {latitude: $lat, longitude: $lon}, first: 10) {
        edges { node { location { ref primaryAddress { city } }
          virtualPositions { productRef quantity groupRef } } } } }"""
    near_melbourne = client.gql(query, {"lat": -37.81, "lon": 144.96})
    edges = near_melbourne["searchVirtualInventory"]["edges"]
    assert [e["node"]["location"]["ref"] for e in edges] == [
        "STORE_MEL",
        "DC_SYD",
        "STORE_SYD",
    ]
    mel = {p["productRef"]: p["quantity"] for p in edges[0]["node"]["virtualPositions"]}
    assert mel == {"TSHIRT-1-RED-M": 2, "SNEAKER-1-42": 3}
    near_sydney = client.gql(
        query, {"lat": -33.87, "lon": 151.21, "excluded": ["STORE_SYD"]}
    )
    refs = [
        e["node"]["location"]["ref"]
        for e in near_sydney["searchVirtualInventory"]["edges"]
    ]
    assert refs == ["DC_SYD", "STORE_MEL"]  # STORE_OLD is INACTIVE


def test_fulfilment_options_source_from_stock(client: FluentClient) -> None:
    client.seed_retailer()
    mutation = """mutation($i: CreateFulfilmentOptionInput) {
      createFulfilmentOption(input: $i, executionMode: AWAIT_ORCHESTRATION) {
        status plans { edges { node { splitCount eta fulfilments { locationRef
          fulfilmentType eta items { productRef availableQuantity requestedQuantity } }
          exceptions { code } } } } } }"""
    single = client.gql(
        mutation,
        {
            "i": {
                "ref": "FO-1",
                "type": "DEFAULT",
                "retailerId": 1,
                "orderType": "CC",
                "locationRef": "STORE_SYD",
                "products": [{"productRef": "TSHIRT-1-RED-M", "requestedQuantity": 2}],
            }
        },
    )
    plan = single["createFulfilmentOption"]["plans"]["edges"][0]["node"]
    assert plan["splitCount"] == 1 and plan["eta"] == "2 HOURS"
    assert plan["fulfilments"][0]["fulfilmentType"] == "CC_PFS"
    split = client.gql(
        mutation,
        {
            "i": {
                "ref": "FO-2",
                "type": "DEFAULT",
                "retailerId": 1,
                "orderType": "HD",
                "address": {"latitude": -37.81, "longitude": 144.96},
                "products": [
                    {"productRef": "SNEAKER-1-42", "requestedQuantity": 1},
                    {"productRef": "SNEAKER-1-43", "requestedQuantity": 1},
                ],
            }
        },
    )
    [edge] = split["createFulfilmentOption"]["plans"]["edges"]
    assert edge["node"]["splitCount"] == 2
    assert [f["locationRef"] for f in edge["node"]["fulfilments"]] == [
        "STORE_MEL",
        "DC_SYD",
    ]
    short = client.gql(
        mutation,
        {
            "i": {
                "ref": "FO-3",
                "type": "DEFAULT",
                "retailerId": 1,
                "products": [{"productRef": "SNEAKER-1-43", "requestedQuantity": 99}],
            }
        },
    )
    [edge] = short["createFulfilmentOption"]["plans"]["edges"]
    assert edge["node"]["exceptions"] == [{"code": "INSUFFICIENT_STOCK"}]
    queued = client.gql("""mutation { createFulfilmentOption(input: {ref: "FO-4",
        type: "DEFAULT", retailerId: 1}) { status plans { edges { cursor } } } }""")
    assert queued["createFulfilmentOption"] == {
        "status": "CREATED",
        "plans": {"edges": []},
    }
