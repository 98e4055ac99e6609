"""GET /api/v1/availability through the served app against the Fluent sandbox.

Data: the Fluent sandbox's ``retailer`` fixture (STORE_SYD, STORE_MEL, DC_SYD active;
STORE_OLD inactive). TSHIRT-1-RED-M: SYD 5, MEL 2, DC 40. TSHIRT-1-RED-L: SYD 0, DC 12.
SNEAKER-1-42: MEL 3, OLD 9 (inactive, not counted).
"""

from __future__ import annotations

import dataclasses
import time
import types

import pytest
import requests

from connector.api.openapi import document, response_problems

TOKEN = {"Authorization": "Bearer test-token-1"}
MELBOURNE = {"lat": "-37.8136", "lon": "144.9631"}
SYDNEY = {"lat": "-33.8688", "lon": "151.2093"}
PATH = "/api/v1/availability"


@pytest.fixture
def avail(connected):
    requests.post(
        f"{connected.fluent_url}/_sandbox/seed",
        json={"fixture": "retailer"},
        timeout=10,
    ).raise_for_status()
    service = connected.stack.app.extensions["availability"]
    service.cache.clear()
    return connected


def get(stack, params=None, headers=TOKEN, timeout=10):
    resp = requests.get(
        f"{stack.url}{PATH}", params=params, headers=headers, timeout=timeout
    )
    problems = response_problems(
        "GET", PATH, resp.status_code, resp.json(), document(stack.stack.app)
    )
    assert problems == [], problems
    return resp


def fluent_graphql_calls(stack) -> int:
    counts = requests.get(f"{stack.fluent_url}/_sandbox/calls", timeout=10).json()
    return counts["counts"].get("POST /graphql", 0)


def fault(stack, **rule):
    requests.post(
        f"{stack.fluent_url}/_sandbox/faults", json=rule, timeout=10
    ).raise_for_status()


def cache_metric(stack, result: str) -> float:
    text = requests.get(f"{stack.url}/metrics", timeout=10).text
    prefix = f'connector_cache_requests_total{{cache="availability",result="{result}"}}'
    for line in text.splitlines():
        if line.startswith(prefix):
            return float(line.split()[-1])
    return 0.0


def test_token_required(avail):
    params = {"sku": "TSHIRT-1-RED-M"}
    assert get(avail, params, headers={}).status_code == 401
    wrong = get(avail, params, headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    assert wrong.json()["error"] == "unauthorized"
    assert (
        get(avail, params, headers={"X-API-Token": "test-token-2"}).status_code == 200
    )


def test_stock_overall_and_per_location_nearest_first(avail):
    resp = get(avail, {"items": "TSHIRT-1-RED-M:3,SNEAKER-1-42", **MELBOURNE})
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["mode"] == "stock" and body["virtualCatalogueRef"] == "BASE:1"
    assert body["items"] == [
        {"sku": "TSHIRT-1-RED-M", "requested": 3, "available": 47, "sufficient": True},
        {"sku": "SNEAKER-1-42", "requested": 1, "available": 3, "sufficient": True},
    ]
    assert body["available"] is True
    refs = [loc["ref"] for loc in body["locations"]]
    assert refs[0] == "STORE_MEL" and set(refs) == {"STORE_MEL", "STORE_SYD", "DC_SYD"}
    distances = [loc["distanceKm"] for loc in body["locations"]]
    assert distances == sorted(distances) and distances[0] < 1 < 600 < distances[1]
    mel = body["locations"][0]
    assert mel["items"] == [
        {"sku": "TSHIRT-1-RED-M", "available": 2, "sufficient": False},
        {"sku": "SNEAKER-1-42", "available": 3, "sufficient": True},
    ]
    assert mel["available"] is False and mel["address"]["city"] == "Melbourne"
    # from Sydney the order flips
    sydney = get(avail, {"sku": "TSHIRT-1-RED-M", **SYDNEY}).json()
    assert [loc["ref"] for loc in sydney["locations"]][0] == "STORE_SYD"
    # without coordinates: no distances; a SKU Fluent does not know answers 0
    plain = get(avail, {"sku": ["TSHIRT-1-RED-L", "NO-SUCH-SKU"]}).json()
    assert plain["items"][1] == {
        "sku": "NO-SUCH-SKU",
        "requested": 1,
        "available": 0,
        "sufficient": False,
    }
    assert plain["available"] is False
    assert [loc["ref"] for loc in plain["locations"]] == ["DC_SYD"]
    assert plain["locations"][0]["distanceKm"] is None


def test_pickup_location_filter(avail):
    params = {"sku": "TSHIRT-1-RED-L", "quantity": "2"}
    body = get(avail, {**params, "location": ["STORE_SYD", "DC_SYD"]}).json()
    assert [(loc["ref"], loc["available"]) for loc in body["locations"]] == [
        ("STORE_SYD", False),  # listed although it holds none
        ("DC_SYD", True),
    ]
    assert body["locations"][0]["items"][0]["available"] == 0
    assert body["locations"][1]["items"][0]["available"] == 12
    unknown = get(avail, {**params, "location": "NOWHERE"})
    assert unknown.status_code == 400
    assert "NOWHERE" in unknown.json()["parameters"]["location"][0]


def test_fulfilment_options_with_eta(avail):
    home = get(avail, {"sku": "TSHIRT-1-RED-M", "quantity": "2", "mode": "options"})
    body = home.json()
    assert home.status_code == 200, body
    assert body["orderType"] == "HD" and body["available"] is True
    by_location = {p["fulfilments"][0]["locationRef"]: p for p in body["plans"]}
    assert set(by_location) == {"STORE_SYD", "STORE_MEL", "DC_SYD"}
    assert by_location["DC_SYD"]["eta"] == "1 DAY"
    assert by_location["DC_SYD"]["etaDuration"] == "P1D"
    assert by_location["STORE_MEL"]["etaDuration"] == "P2D"
    near = get(avail, {"sku": "TSHIRT-1-RED-M", "mode": "options", **MELBOURNE}).json()
    assert near["plans"][0]["fulfilments"][0]["locationRef"] == "STORE_MEL"
    pickup = get(
        avail,
        {"items": "TSHIRT-1-RED-M:2", "mode": "options", "location": "STORE_MEL"},
    ).json()
    assert pickup["orderType"] == "CC"
    assert [p["etaDuration"] for p in pickup["plans"]] == ["PT2H"]
    short = get(avail, {"sku": "TSHIRT-1-RED-M", "quantity": 500, "mode": "options"})
    short_body = short.json()
    assert short_body["available"] is False
    assert short_body["plans"][0]["exceptions"][0]["code"] == "INSUFFICIENT_STOCK"


def test_second_identical_request_is_served_from_cache(avail):
    params = {"items": "SNEAKER-1-42:1,TSHIRT-1-RED-M:2", **SYDNEY}
    hits, misses = cache_metric(avail, "hit"), cache_metric(avail, "miss")
    first = get(avail, params)
    assert first.headers["X-Cache"] == "MISS" and first.json()["cached"] is False
    calls = fluent_graphql_calls(avail)
    same = {"items": "TSHIRT-1-RED-M:2,SNEAKER-1-42", **SYDNEY}  # same, reordered
    second = get(avail, same)
    assert second.headers["X-Cache"] == "HIT" and second.json()["cached"] is True
    assert fluent_graphql_calls(avail) == calls, "a cache hit must not call Fluent"
    assert {k: v for k, v in second.json().items() if k != "cached"} == {
        k: v for k, v in first.json().items() if k != "cached"
    }
    assert cache_metric(avail, "hit") == hits + 1
    assert cache_metric(avail, "miss") == misses + 1
    other = get(avail, {**params, "items": "SNEAKER-1-42:2,TSHIRT-1-RED-M:2"})
    assert other.headers["X-Cache"] == "MISS"
    assert fluent_graphql_calls(avail) == calls + 1


@pytest.mark.parametrize(
    "rule, error, retry_after",
    [
        ({"rate_5xx": 1.0}, "fluent_unavailable", "5"),
        ({"rate_429": 1.0, "retry_after": 7}, "fluent_unavailable", "7"),
        ({"latency_ms": 6000}, "fluent_timeout", "5"),
    ],
    ids=["5xx", "429", "slow"],
)
def test_fluent_down_or_slow_is_503_within_the_budget(avail, rule, error, retry_after):
    budget = avail.stack.app.extensions["availability"].options.timeout_seconds
    fault(avail, endpoint="POST /graphql", **rule)
    started = time.monotonic()
    resp = get(avail, {"sku": "TSHIRT-1-RED-M", "quantity": "1", "limit": "3"})
    elapsed = time.monotonic() - started
    assert resp.status_code == 503, resp.text
    assert resp.json()["error"] == error
    assert resp.headers["Retry-After"] == retry_after
    assert elapsed < budget + 1.0
    # nothing was cached: once Fluent is back the answer is fresh
    requests.delete(f"{avail.fluent_url}/_sandbox/faults", timeout=10)
    again = get(avail, {"sku": "TSHIRT-1-RED-M", "quantity": "1", "limit": "3"})
    assert again.status_code == 200 and again.headers["X-Cache"] == "MISS"


def test_fluent_rejecting_the_query_is_502(avail, monkeypatch):
    service = avail.stack.app.extensions["availability"]
    config = service.runtime.config
    wrong = dataclasses.replace(
        config, fluent=dataclasses.replace(config.fluent, virtual_catalogue_ref="NO:1")
    )
    monkeypatch.setattr(service, "runtime", types.SimpleNamespace(config=wrong))
    resp = get(avail, {"sku": "TSHIRT-1-RED-M"})
    assert resp.status_code == 502
    assert resp.json()["error"] == "fluent_error"
    assert "C0120E" in resp.json()["message"] or "not found" in resp.json()["message"]


@pytest.mark.parametrize(
    "params, parameter",
    [
        ({}, "sku"),
        ({"sku": "A", "quantity": "0"}, "quantity"),
        ({"sku": ["A", "B"], "quantity": ["1", "2", "3"]}, "quantity"),
        ({"sku": "A", "lat": "91", "lon": "0"}, "lat"),
        ({"sku": "A", "lat": "10"}, "lon"),
        ({"items": "A:two"}, "items"),
        ({"items": "A:1", "quantity": "2"}, "quantity"),
        ({"sku": "A", "qty": "2"}, "qty"),
        ({"sku": "A", "mode": "fast"}, "mode"),
        ({"sku": "A", "order_type": "CC"}, "order_type"),
        ({"sku": "A", "limit": "0"}, "limit"),
    ],
)
def test_bad_parameters_are_400_naming_them(avail, params, parameter):
    resp = get(avail, params)
    assert resp.status_code == 400
    body = resp.json()
    assert body["error"] == "invalid_parameter"
    assert parameter in body["parameters"], body
    assert body["message"].startswith(parameter) or f"{parameter}:" in body["message"]
