"""commercetools sandbox: fault injection with CT error bodies, and per-endpoint call counts."""

from __future__ import annotations

import time

import pytest
import requests

from sandbox.commercetools.testing import CtSandboxApi

CATEGORIES = "GET /<project_key>/categories"


@pytest.fixture
def ct(ct_sandbox) -> CtSandboxApi:
    api = CtSandboxApi(requests.Session(), ct_sandbox.url)
    api.login()
    return api


def _fault(ct: CtSandboxApi, **rule) -> None:
    ct.control("POST", "/faults", rule, 201)


def test_count_limited_503_then_success(ct):
    _fault(ct, endpoint=CATEGORIES, rate_5xx=1.0, status_5xx=503, count=2)
    first, second, third = (ct.get("/categories") for _ in range(3))
    assert (first.status_code, second.status_code, third.status_code) == (503, 503, 200)
    body = first.json()
    assert body["statusCode"] == 503
    assert body["errors"][0]["code"] == "OverCapacity"
    assert ct.get("/channels").status_code == 200  # other endpoints unaffected
    faults = ct.control("GET", "/faults")
    assert faults["rules"] == [] and faults["injected"] == {"503": 2}


def test_429_with_retry_after_and_500_general(ct):
    _fault(
        ct, endpoint="GET /<project_key>/orders*", rate_429=1.0, retry_after=7, count=1
    )
    resp = ct.get("/orders")
    assert resp.status_code == 429
    assert resp.headers["Retry-After"] == "7"
    assert resp.json()["statusCode"] == 429
    _fault(ct, endpoint="POST *", rate_5xx=1.0, status_5xx=500, count=1)
    resp = ct.post("/channels", {"key": "x"})
    assert resp.status_code == 500 and resp.json()["errors"][0]["code"] == "General"
    assert ct.get("/channels", where='key = "x"').json()["total"] == 0  # not created
    assert ct.post("/channels", {"key": "x"}).status_code == 201


def test_latency(ct):
    _fault(ct, endpoint=CATEGORIES, latency_ms=150, count=1)
    started = time.perf_counter()
    assert ct.get("/categories").status_code == 200
    slow = time.perf_counter() - started
    started = time.perf_counter()
    assert ct.get("/categories").status_code == 200
    fast = time.perf_counter() - started
    assert slow >= 0.15 and fast < 0.15


def test_token_endpoint_can_fail_too(ct):
    _fault(ct, endpoint="POST /oauth/token", rate_5xx=1.0, count=1)
    assert ct.token().status_code == 503
    assert ct.token().status_code == 200


def test_call_counts_per_endpoint(ct):
    ct.get("/categories")
    ct.get("/categories", where='key = "a"')
    ct.get("/orders/order-number=X")
    ct.get("/product-projections/key=p")
    ct.post("/channels", {"key": "c"})
    counts = ct.control("GET", "/calls")["counts"]
    assert counts[CATEGORIES] == 2
    assert counts["GET /<project_key>/orders/order-number=<number>"] == 1
    assert counts["GET /<project_key>/product-projections/key=<key>"] == 1
    assert counts["POST /<project_key>/channels"] == 1
    assert counts["POST /oauth/token"] == 1
    assert not any(k.startswith(("GET /_sandbox", "POST /_sandbox")) for k in counts)
    ct.control("DELETE", "/calls")
    assert ct.control("GET", "/calls")["counts"] == {}
