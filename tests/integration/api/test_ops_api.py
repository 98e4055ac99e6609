"""Ops API (messages, replay, runs, status) on both backends with the real worker:
auth, filters, cursor paging, masking, replay of a failed message ending `done`, the
bulk replay bound; every answer is checked against the OpenAPI document."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from connector.api.openapi import document, response_problems
from connector.store import messages, runs
from connector.store.messages import NewMessage
from tests import handlers
from tests.support.signing import fluent_body, signed_headers

TOKEN = {"X-API-Token": "test-token-1"}
WEBHOOK = "/api/v1/fluent-connect/webhook"


def call(stack, method, path, status, headers=TOKEN, **kw):
    resp = stack.client.open(path, method=method, headers=headers, **kw)
    assert resp.status_code == status, resp.get_data(as_text=True)
    problems = response_problems(
        method, path, resp.status_code, resp.json, document(stack.app)
    )
    assert problems == [], problems
    return resp.json


def webhook(stack, **fields):
    body = fluent_body(**fields)
    resp = stack.client.post(WEBHOOK, data=body, headers=signed_headers(body))
    assert resp.status_code == 200, resp.json
    return resp.json["id"]


def record(stack, n, **kw):
    defaults = {"source": "fluent", "name": "test.broken", "payload": {"n": n}}
    msg = NewMessage(message_id=f"m-{n}", **{**defaults, **kw})
    return messages.record(stack.runtime.store, msg)


@pytest.mark.parametrize(
    "method,path",
    [
        ("GET", "/api/v1/messages"),
        ("GET", "/api/v1/messages/1"),
        ("POST", "/api/v1/messages/1/replay"),
        ("POST", "/api/v1/messages/replay"),
        ("GET", "/api/v1/runs"),
        ("GET", "/api/v1/status"),
    ],
)
def test_every_endpoint_needs_a_token(stack, method, path):
    body = call(stack, method, path, 401, headers={})
    assert body["error"] == "unauthorized"
    call(stack, method, path, 401, headers={"X-API-Token": "wrong"})


def test_filters_and_cursor_paging(stack):
    ids = [record(stack, i, status="failed", route="test.broken") for i in range(5)]
    time.sleep(0.05)
    middle = datetime.now(UTC)
    time.sleep(0.05)
    ids += [record(stack, i, status="ignored", source="commercetools") for i in (5, 6)]
    page = call(stack, "GET", "/api/v1/messages?status=failed&limit=2", 200)
    assert [m["id"] for m in page["messages"]] == ids[4:2:-1]
    seen = [m["id"] for m in page["messages"]]
    while page["next_cursor"]:
        page = call(
            stack,
            "GET",
            f"/api/v1/messages?status=failed&limit=2&cursor={page['next_cursor']}",
            200,
        )
        seen += [m["id"] for m in page["messages"]]
    assert seen == ids[4::-1]
    by_source = call(stack, "GET", "/api/v1/messages?source=commercetools", 200)
    assert {m["id"] for m in by_source["messages"]} == set(ids[5:])
    by_route = call(stack, "GET", "/api/v1/messages?route=test.broken", 200)
    assert {m["id"] for m in by_route["messages"]} == set(ids[:5])
    stamp = middle.isoformat().replace("+00:00", "Z")
    later = call(stack, "GET", f"/api/v1/messages?since={stamp}", 200)
    assert {m["id"] for m in later["messages"]} == set(ids[5:])
    earlier = call(stack, "GET", f"/api/v1/messages?until={stamp}", 200)
    assert {m["id"] for m in earlier["messages"]} == set(ids[:5])
    bad = call(stack, "GET", "/api/v1/messages?status=lost&cursor=x&limit=0", 400)
    assert set(bad["parameters"]) == {"status", "cursor", "limit"}
    call(stack, "GET", "/api/v1/messages?colour=red", 400)


def test_detail_has_error_timeline_and_masked_payload(stack):
    payload = {
        "type": "OrderCreated",
        "order": {
            "customerEmail": "jane.doe@example.com",
            "shippingAddress": {
                "firstName": "Jane",
                "streetName": "Main St",
                "country": "DE",
            },
            "lineItems": [{"sku": "SKU-1", "quantity": 2}],
        },
        "customer": {"firstName": "Jane", "lastName": "Doe", "phone": "+49 30 123"},
        "note": "call jane.doe@example.com first",
    }
    row_id = record(stack, 1, status="queued", payload=payload)
    messages.finish(stack.runtime.store, row_id, "failed", error="boom for a@b.co")
    body = call(stack, "GET", f"/api/v1/messages/{row_id}", 200)
    assert body["status"] == "failed" and body["error"] == "boom for ***"
    text = str(body["payload"])
    for secret in ("jane", "Jane", "Doe", "Main St", "+49"):
        assert secret not in text, secret
    assert body["payload"]["order"]["lineItems"] == [{"sku": "SKU-1", "quantity": 2}]
    assert body["payload"]["order"]["shippingAddress"]["firstName"] == "***"
    assert [e["event"] for e in body["timeline"]] == ["received", "failed"]
    call(stack, "GET", "/api/v1/messages/999999", 404)


def test_replay_of_a_failed_message_ends_done(stack):
    row_id = webhook(stack, id="evt-r1", name="test.broken", entityRef="SKU-R1")
    assert stack.wait_for(row_id).status == "failed"
    failed = call(stack, "GET", "/api/v1/messages?status=failed", 200)
    assert "SKU-R1 is unknown to Fluent" in failed["messages"][0]["error"]
    handlers.FIXED.add("SKU-R1")
    answer = call(stack, "POST", f"/api/v1/messages/{row_id}/replay", 202)
    assert answer == {"id": row_id, "status": "queued", "message": "replay queued"}
    assert stack.wait_for(row_id, statuses=("done",)).attempts == 1
    assert handlers.EFFECTS["SKU-R1"] == 1
    detail = call(stack, "GET", f"/api/v1/messages/{row_id}", 200)
    assert detail["status"] == "done"
    again = call(stack, "POST", f"/api/v1/messages/{row_id}/replay", 409)
    assert again["error"] == "not_replayable"
    call(stack, "POST", "/api/v1/messages/999999/replay", 404)


def test_bulk_replay_is_bounded_and_reports_counts(stack):
    ids = [
        webhook(stack, id=f"evt-b{i}", name="test.broken", entityRef=f"SKU-B{i}")
        for i in range(5)
    ]
    for row_id in ids:
        assert stack.wait_for(row_id).status == "failed"
    done_id = webhook(stack, id="evt-b-ok", entityRef="ORDER-B")
    stack.wait_for(done_id)
    handlers.FIXED.update(f"SKU-B{i}" for i in range(5))
    answer = call(
        stack,
        "POST",
        "/api/v1/messages/replay",
        202,
        json={"route": "test.broken", "limit": 2},
    )
    assert answer == {
        "matched": 5,
        "selected": 2,
        "replayed": 2,
        "deferred": 0,
        "not_replayable": [],
        "remaining": 3,
        "limit": 2,
    }
    for row_id in ids[:2]:  # the oldest first
        assert stack.wait_for(row_id, statuses=("done",)).status == "done"
    assert [messages.get(stack.runtime.store, i).status for i in ids[2:]] == [
        "failed"
    ] * 3
    too_many = call(stack, "POST", "/api/v1/messages/replay", 400, json={"limit": 501})
    assert "limit" in too_many["parameters"]
    call(stack, "POST", "/api/v1/messages/replay", 400, json={"status": "done"})
    call(
        stack,
        "POST",
        "/api/v1/messages/replay",
        400,
        data="[1]",
        content_type="application/json",
    )
    rest = call(stack, "POST", "/api/v1/messages/replay?limit=500", 202)
    assert (rest["matched"], rest["replayed"], rest["remaining"]) == (3, 3, 0)
    for row_id in ids[2:]:
        assert stack.wait_for(row_id, statuses=("done",)).status == "done"


def test_runs_with_counts_filtered_and_paged(stack):
    store = stack.runtime.store
    made = []
    for i, module in enumerate(["products", "inventory", "products"]):
        run_id = runs.start(
            store,
            module,
            "s",
            trigger="cli",
            full=False,
            dry_run=False,
            app_version="t",
        )
        runs.finish(
            store,
            run_id,
            "succeeded" if i else "failed",
            {"read": i, "created": i},
            None if i else "boom",
        )
        made.append(run_id)
    page = call(stack, "GET", "/api/v1/runs?module=products&limit=1", 200)
    assert [r["run_id"] for r in page["runs"]] == [made[2]]
    assert page["runs"][0]["counts"] == {"read": 2, "created": 2}
    page = call(
        stack,
        "GET",
        f"/api/v1/runs?module=products&limit=1&cursor={page['next_cursor']}",
        200,
    )
    assert [r["run_id"] for r in page["runs"]] == [made[0]] and page[
        "next_cursor"
    ] is None
    failed = call(stack, "GET", "/api/v1/runs?status=failed", 200)
    assert [(r["run_id"], r["error"]) for r in failed["runs"]] == [(made[0], "boom")]
    call(stack, "GET", "/api/v1/runs?status=weird", 400)


def test_status_is_the_cli_status_as_json(stack):
    webhook(stack, id="evt-s1", name="fc.unknown")
    body = call(stack, "GET", "/api/v1/status", 200)
    assert body["messages"] == {"ignored": 1}
    assert set(body["queues"]) == {"events", "batch", "default"}
    assert all(isinstance(v, int) for v in body["queues"].values())
