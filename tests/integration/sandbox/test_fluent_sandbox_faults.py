"""Fluent sandbox: fault injection (429/5xx/latency) with Fluent error bodies, call counts."""

from __future__ import annotations

import time

import pytest
from test_fluent_sandbox_support import FluentClient

from sandbox.common import SandboxServer

QUERY = "{ locations(first: 1) { edges { node { ref } } } }"


@pytest.fixture
def client(fluent_sandbox: SandboxServer) -> FluentClient:
    return FluentClient(fluent_sandbox.url)


def test_429_then_success_with_retry_after_and_counts(client: FluentClient) -> None:
    rule = {"endpoint": "POST /graphql", "rate_429": 1.0, "retry_after": 3, "count": 2}
    assert client.control("POST", "/faults", json=rule).status_code == 201
    statuses = []
    for _ in range(3):
        resp = client.post_graphql(QUERY)
        statuses.append(resp.status_code)
        if resp.status_code == 429:
            assert resp.headers["Retry-After"] == "3"
            assert resp.json() == {
                "errors": [{"code": "429", "message": "Injected fault"}]
            }
    assert statuses == [429, 429, 200]
    faults = client.control("GET", "/faults").json()
    assert faults["injected"] == {"429": 2} and faults["rules"] == []
    counts = client.control("GET", "/calls").json()["counts"]
    assert counts["POST /graphql"] == 3
    assert counts["graphql:locations"] == 1  # faulted requests never reached GraphQL


def test_5xx_on_event_api_and_latency_only_where_matched(client: FluentClient) -> None:
    client.control(
        "POST",
        "/faults",
        json={
            "rules": [
                {
                    "endpoint": "POST /api/v4.1/event/*",
                    "rate_5xx": 1.0,
                    "status_5xx": 502,
                    "count": 1,
                },
                {"endpoint": "POST /graphql", "latency_ms": 150, "count": 1},
            ]
        },
    )
    event = {"name": "X", "retailerId": "1", "entityType": "ORDER", "entityRef": "O-1"}
    failed = client.session.post(
        f"{client.url}/api/v4.1/event/async", json=event, timeout=5
    )
    assert failed.status_code == 502
    assert failed.json()["errors"][0]["code"] == "502"
    started = time.perf_counter()
    assert client.post_graphql(QUERY).status_code == 200
    assert time.perf_counter() - started >= 0.15
    started = time.perf_counter()
    assert client.post_graphql(QUERY).status_code == 200
    assert time.perf_counter() - started < 0.15
    control_calls = client.control("GET", "/calls").json()["counts"]
    assert not any(key.startswith("GET /_sandbox") for key in control_calls)


def test_reset_clears_data_faults_and_deliveries(client: FluentClient) -> None:
    client.seed_retailer()
    client.control("POST", "/faults", json={"rate_5xx": 1.0})
    client.control("POST", "/webhooks/config", json={"url": "http://127.0.0.1:9/x"})
    assert client.control("POST", "/reset").status_code == 200
    state = client.control("GET", "/state").json()
    assert state["counts"]["locations"] == 0 and state["counts"]["carriers"] == 3
    assert state["webhooks"]["url"] is None
    assert client.post_graphql(QUERY).status_code == 200
