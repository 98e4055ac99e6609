"""POST /webhooks/external/<name> end to end: auth (HMAC with replay window, tokens),
schema, dedupe, routing to a partner's dotted-path handler run by the real worker."""

from __future__ import annotations

import json
import time

from connector.store import messages
from tests.integration.modules.test_external_support import reconfigure, signed

HANDLER = "tests.integration.modules.test_external_in_flow:partner_handler"

CONFIG = f"""
routes:
  - name: partner-orders
    source: external
    handler: {HANDLER}
    options:
      auth: hmac
      secret_env: TEST_PARTNER_SECRET
      tolerance_seconds: 300
      id_field: order.number
      schema:
        order: object
        total: number
        note: {{type: string, required: false}}
  - name: partner-stock
    source: external
    handler: {HANDLER}
    options:
      auth: token
      tokens_env: TEST_PARTNER_TOKENS
  - name: broken-route
    source: external
    handler: {HANDLER}
    options:
      auth: hmac
      secret_env: TEST_UNSET_SECRET
"""


def partner_handler(ctx):
    """A partner's handler, given by dotted path in the route."""
    order = (ctx.payload.get("order") or {}).get("number")
    return {"handled_by": "partner", "route": ctx.route.name, "order": order}


def post(connected, name, raw, headers):
    return connected.client.post(
        f"/webhooks/external/{name}", data=raw, headers=headers
    )


def test_hmac_route_auth_replay_schema_dedupe_and_handling(
    connected, monkeypatch, tmp_path
):
    monkeypatch.setenv("TEST_PARTNER_SECRET", "old-secret,s3cret")
    monkeypatch.delenv("TEST_UNSET_SECRET", raising=False)
    reconfigure(connected, monkeypatch, tmp_path, CONFIG)
    store = connected.runtime.store
    body = {"order": {"number": "PO-1001"}, "total": 12.5}

    resp = post(connected, "nobody", *signed(body, "s3cret"))
    assert resp.status_code == 404
    assert resp.json["error"] == "unknown_route"

    raw, headers = signed(body, "wrong-secret")
    resp = post(connected, "partner-orders", raw, headers)
    assert resp.status_code == 401
    assert resp.json == {
        "error": "invalid_signature",
        "message": "signature does not match",
    }

    raw, headers = signed(body, "s3cret")
    resp = post(connected, "partner-orders", raw + b" ", headers)  # body changed
    assert resp.status_code == 401

    raw, headers = signed(body, "s3cret", now=time.time() - 301)  # captured earlier
    resp = post(connected, "partner-orders", raw, headers)
    assert resp.status_code == 401
    assert "tolerance" in resp.json["message"]
    raw, headers = signed(body, "s3cret", now=time.time() + 400)  # from the future
    assert post(connected, "partner-orders", raw, headers).status_code == 401

    resp = post(connected, "partner-orders", raw, {"Content-Type": "application/json"})
    assert resp.status_code == 401 and "missing" in resp.json["message"]

    resp = post(
        connected, "partner-orders", *signed({**body, "total": "12.5"}, "s3cret")
    )
    assert resp.status_code == 400
    assert resp.json["error"] == "invalid_payload"
    assert resp.json["message"].startswith("total:")
    resp = post(connected, "partner-orders", *signed({"total": 1}, "s3cret"))
    assert resp.status_code == 400 and "order" in resp.json["message"]
    resp = post(connected, "partner-orders", *signed(b"[1, 2]", "s3cret"))
    assert resp.status_code == 400 and resp.json["error"] == "malformed_body"
    assert messages.counts_by_status(store) == {}  # nothing rejected was recorded

    resp = post(connected, "partner-orders", *signed(body, "s3cret"))
    assert resp.status_code == 200, resp.json
    assert resp.json["status"] == "accepted"
    row = connected.wait_for(resp.json["id"])
    assert row.status == "done", row.last_error
    assert row.result == {
        "handled_by": "partner",
        "route": "partner-orders",
        "order": "PO-1001",
    }
    assert (row.source, row.name, row.route) == (
        "external",
        "partner-orders",
        "partner-orders",
    )
    assert row.message_id == "partner-orders:PO-1001"

    # The same order again (fresh signature, signed with the rotated-out secret): a
    # duplicate, nothing enqueued.
    again = {**body, "note": "resent"}
    resp = post(connected, "partner-orders", *signed(again, "old-secret"))
    assert resp.status_code == 200 and resp.json["status"] == "duplicate"
    time.sleep(0.3)
    assert messages.counts_by_status(store) == {"done": 1}

    # A route whose secret variable is not set answers 500 (sender retries later).
    resp = post(connected, "broken-route", *signed(body, "s3cret"))
    assert resp.status_code == 500
    assert resp.json["error"] == "route_misconfigured"
    assert "TEST_UNSET_SECRET" not in json.dumps(resp.json)


def test_token_route_and_body_hash_dedupe(connected, monkeypatch, tmp_path):
    monkeypatch.setenv("TEST_PARTNER_SECRET", "s3cret")
    monkeypatch.setenv("TEST_PARTNER_TOKENS", "tok-A, tok-B")
    reconfigure(connected, monkeypatch, tmp_path, CONFIG)
    raw = json.dumps({"sku": "SKU-1", "qty": 4}).encode()

    for headers in (
        {},
        {"Authorization": "Bearer tok-C"},
        {"X-API-Token": "tok-A "},
        {"Authorization": "Basic dG9rLUE="},
    ):
        resp = post(connected, "partner-stock", raw, headers)
        assert resp.status_code == 401, headers
        assert resp.json["error"] == "unauthorized"

    resp = post(connected, "partner-stock", raw, {"Authorization": "Bearer tok-B"})
    assert resp.status_code == 200 and resp.json["status"] == "accepted"
    first = connected.wait_for(resp.json["id"])
    assert first.status == "done"
    assert first.message_id.startswith("partner-stock:sha256:")

    resp = post(connected, "partner-stock", raw, {"X-API-Token": "tok-A"})
    assert resp.json["status"] == "duplicate"  # same body -> same id

    other = json.dumps({"sku": "SKU-1", "qty": 5}).encode()
    resp = post(
        connected,
        "partner-stock",
        other,
        {"X-API-Token": "tok-A", "X-Connector-Delivery": "d-77"},
    )
    assert resp.json["status"] == "accepted"
    row = connected.wait_for(resp.json["id"])
    assert row.status == "done" and row.message_id == "partner-stock:d-77"
