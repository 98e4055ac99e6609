"""Fluent's connector paths on the served connector with the real worker: the
scheduler PUT, job names on the jobs API, the external-system webhook, the route list."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta

import requests

from connector.api.openapi import document, response_problems
from connector.models import InboundMessage
from connector.store import messages, runs
from tests.integration.modules.test_external_support import reconfigure

TOKEN = {"Authorization": "Bearer test-token-1"}
SCHEDULER = "/api/v1/fluent-connect/scheduler/add"
EXTERNAL = "/api/v1/fluent-connect/external-system/webhook"
HANDLER = "tests.integration.fluent_connect.test_connect_api:partner_handler"
CONFIG = f"""
routes:
  - name: erp.stock.changed
    source: external
    handler: {HANDLER}
    options: {{auth: token, tokens_env: TEST_ERP_TOKENS, id_field: eventId}}
"""


def partner_handler(ctx):
    return {"route": ctx.route.name, "sku": ctx.payload.get("sku")}


def put(connected, path, headers=TOKEN):
    resp = requests.put(f"{connected.url}{path}", headers=headers, timeout=10)
    problems = response_problems(
        "PUT", path, resp.status_code, resp.json(), document(connected.stack.app)
    )
    assert problems == [], problems
    return resp


def wait_run(connected, run_id):
    def finished():
        run = runs.get(connected.runtime.store, run_id)
        return run if run and run.status not in ("pending", "running") else None

    return connected.wait_until(finished, timeout=30, message=f"run {run_id}")


def test_scheduler_put_runs_the_inventory_sync_once(connected):
    requests.post(
        f"{connected.fluent_url}/_sandbox/generate",
        json={
            "skus": 5,
            "locations": 2,
            "stock_min": 1,
            "timestamp": (datetime.now(UTC) - timedelta(hours=1)).isoformat(),
        },
        timeout=30,
    ).raise_for_status()
    path = f"{SCHEDULER}/SANDBOX/1/batch-inventory-sync"
    assert put(connected, path, {}).status_code == 401
    assert put(connected, path, {"Authorization": "Bearer nope"}).status_code == 401
    other = put(connected, f"{SCHEDULER}/OTHER/1/batch-inventory-sync")
    assert other.status_code == 403 and other.json()["error"] == "forbidden"
    assert (
        put(connected, f"{SCHEDULER}/SANDBOX/2/batch-inventory-sync").status_code == 403
    )
    unknown = put(connected, f"{SCHEDULER}/SANDBOX/1/batch-nothing-sync")
    assert (
        unknown.status_code == 404 and "batch-inventory-sync" in unknown.json()["jobs"]
    )
    assert runs.recent(connected.runtime.store, "inventory") == []
    bad = requests.put(f"{connected.url}{path}?full=maybe", headers=TOKEN, timeout=10)
    assert bad.status_code == 400 and "full" in bad.json()["parameters"]

    answers: list[requests.Response] = []

    def scheduler_call() -> None:  # as EventBridge sends it: a JSON input body
        answers.append(
            requests.put(
                f"{connected.url}{path}",
                json={"source": "aws.events", "detail": {}},
                headers=TOKEN,
                timeout=10,
            )
        )

    threads = [threading.Thread(target=scheduler_call) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(a.status_code for a in answers) == [202, 202]
    run_ids = {a.json()["run_id"] for a in answers}
    for run_id in run_ids:
        wait_run(connected, run_id)
    found = runs.recent(connected.runtime.store, "inventory")
    assert [r.status for r in found if r.status == "succeeded"] == ["succeeded"]
    done = next(r for r in found if r.status == "succeeded")
    assert done.trigger == "scheduler" and done.counts["created"] == 5
    assert {r.status for r in found} <= {"succeeded", "skipped"}


def test_job_names_on_the_jobs_api(connected):
    resp = requests.post(
        f"{connected.url}/api/v1/jobs/batch-location-sync", headers=TOKEN, timeout=10
    )
    assert resp.status_code == 202, resp.text
    path = "/api/v1/jobs/batch-location-sync"
    assert (
        response_problems("POST", path, 202, resp.json(), document(connected.stack.app))
        == []
    )
    assert resp.headers["Location"].endswith(f"/api/v1/jobs/{resp.json()['run_id']}")
    run = wait_run(connected, resp.json()["run_id"])
    assert run.module == "locations" and run.status == "succeeded"
    monitor = requests.post(
        f"{connected.url}/api/v1/jobs/event-failure-summary-monitor",
        headers=TOKEN,
        timeout=10,
    )
    assert monitor.status_code == 202
    assert monitor.json()["task"] == "event_errors.summarize"


def test_external_system_webhook_routed_by_name(connected, monkeypatch, tmp_path):
    monkeypatch.setenv("TEST_ERP_TOKENS", "erp-only-token")
    reconfigure(connected, monkeypatch, tmp_path, CONFIG)
    store = connected.runtime.store
    body = {"name": "erp.stock.changed", "eventId": "E-1", "sku": "SKU-1"}
    raw = json.dumps(body).encode()
    headers = {"Content-Type": "application/json"}

    for bad in ({}, {"Authorization": "Bearer erp-only-token"}):
        resp = connected.client.post(EXTERNAL, data=raw, headers={**headers, **bad})
        assert resp.status_code == 401
    with store.session() as session:
        assert session.query(InboundMessage).count() == 0

    resp = connected.client.post(EXTERNAL, data=raw, headers={**headers, **TOKEN})
    assert resp.status_code == 200 and resp.json["status"] == "accepted"
    row = connected.wait_for(resp.json["id"])
    assert row.status == "done", row.last_error
    assert (row.source, row.route, row.message_id) == (
        "external",
        "erp.stock.changed",
        "erp.stock.changed:E-1",
    )
    assert row.result == {"route": "erp.stock.changed", "sku": "SKU-1"}
    again = connected.client.post(EXTERNAL, data=raw, headers={**headers, **TOKEN})
    assert again.json["status"] == "duplicate"

    nameless = connected.client.post(
        EXTERNAL, data=b'{"sku": 1}', headers={**headers, **TOKEN}
    )
    assert nameless.status_code == 400 and "name" in nameless.json["message"]
    other = connected.client.post(
        EXTERNAL, data=b'{"name": "nobody"}', headers={**headers, **TOKEN}
    )
    assert other.status_code == 200 and other.json["status"] == "ignored"
    assert messages.get(store, other.json["id"]).status == "ignored"


def test_route_listing_by_section(connected):
    assert requests.get(f"{connected.url}/api/v1/routes", timeout=10).status_code == 401
    for path in ("/api/v1/routes", "/actuator/routes", "/actuator/handlers"):
        resp = requests.get(f"{connected.url}{path}", headers=TOKEN, timeout=10)
        assert resp.status_code == 200
        assert (
            response_problems(
                "GET", path, 200, resp.json(), document(connected.stack.app)
            )
            == []
        )
    sections = resp.json()["sections"]
    assert set(sections) == {"message", "job", "notification", "configuration"}
    customer = next(
        r
        for r in sections["message"]
        if r["route"] == "commercetools.connect.customer.upsert"
    )
    assert customer["handler"] == "customers.upsert" and customer["active"]
    assert customer["source"] == "module customers"
    assert customer["inclusion_filters"]["resource_types"] == ["customer"]
    assert "ResourceCreated" in customer["inclusion_filters"]["types"]
    jobs = {j["route"]: j for j in sections["job"]}
    assert jobs["batch-product-catalogue-sync"]["handler"] == (
        "categories.sync_batch then products.sync_batch"
    )
    assert jobs["inventory"]["active"]
    config = {c["route"]: c for c in sections["configuration"]}
    assert config["fc.connect.commercetools.general"]["active"] is False
