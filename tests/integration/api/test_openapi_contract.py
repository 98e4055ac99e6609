"""The OpenAPI description stays true: it documents exactly the served routes, is served
without auth, and real answers of the running connector match its schemas (availability
and jobs answers are checked in their own tests through the same helper)."""

from __future__ import annotations

import requests

from connector.api import openapi

CT_MESSAGE = {
    "notificationType": "Message",
    "id": "c3f1d1a0-0000-4000-8000-000000000001",
    "type": "SomethingNobodyRoutes",
    "resource": {"typeId": "order", "id": "o-1"},
    "resourceVersion": 1,
    "sequenceNumber": 1,
}


def test_documented_operations_match_the_url_map(connected):
    served = openapi.app_operations(connected.stack.app)
    documented = openapi.documented_operations(openapi.document(connected.stack.app))
    assert served - documented == set(), "served but not documented"
    assert documented - served == set(), "documented but not served"


def test_document_is_served_without_auth(connected):
    resp = requests.get(f"{connected.url}/api/v1/openapi.json", timeout=10)
    assert resp.status_code == 200
    body = resp.json()
    assert body == openapi.document(connected.stack.app)
    assert body["openapi"].startswith("3.1")


def test_real_answers_match_the_documented_schemas(connected):
    doc = openapi.document(connected.stack.app)

    def check(method, path, expected_status, **kw):
        resp = requests.request(method, f"{connected.url}{path}", timeout=10, **kw)
        assert resp.status_code == expected_status, resp.text
        problems = openapi.response_problems(
            method, path, resp.status_code, resp.json(), doc
        )
        assert problems == [], (path, problems)
        return resp.json()

    assert check("GET", "/health", 200) == {"status": "ok"}
    check("GET", "/ready", 200)
    metrics = requests.get(f"{connected.url}/metrics", timeout=10)
    assert metrics.status_code == 200
    assert metrics.headers["Content-Type"].startswith("text/plain")
    token = {"X-API-Token": "test-token-1"}
    first = check(
        "POST", "/webhooks/commercetools", 200, json=CT_MESSAGE, headers=token
    )
    again = check(
        "POST", "/webhooks/commercetools", 200, json=CT_MESSAGE, headers=token
    )
    assert (first["status"], again["status"]) == ("ignored", "duplicate")
    check("POST", "/webhooks/commercetools", 401, json=CT_MESSAGE)
    check("POST", "/webhooks/commercetools", 400, json={"id": 1}, headers=token)
    check("POST", "/webhooks/nope", 404, json={})
    check("POST", "/api/v1/fluent-connect/webhook", 401, json={"id": "x"})
    check("GET", "/api/v1/jobs", 200, headers=token)
    check("GET", "/api/v1/jobs?limit=0", 400, headers=token)
