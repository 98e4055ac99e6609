"""Stage-1 answers of the Fluent webhook endpoint (nothing is enqueued on a refusal)."""

from __future__ import annotations

import json

from connector.store import messages
from tests.support.signing import fluent_body, sign, signed_headers

WEBHOOK = "/api/v1/fluent-connect/webhook"


def count(stack) -> int:
    return sum(messages.counts_by_status(stack.runtime.store).values())


def test_missing_and_bad_signature_401(stack):
    body = fluent_body(id="e1")
    assert stack.client.post(WEBHOOK, data=body).status_code == 401
    resp = stack.client.post(
        WEBHOOK, data=body, headers={"fluent-signature": "bm9wZQ=="}
    )
    assert resp.status_code == 401
    assert resp.json["error"] == "invalid_signature"
    assert count(stack) == 0


def test_body_changed_after_signing_401(stack):
    body = fluent_body(id="e2")
    headers = signed_headers(body)
    tampered = body.replace(b'"BOOKED"', b'"CANCELLED"')
    assert tampered != body
    assert stack.client.post(WEBHOOK, data=tampered, headers=headers).status_code == 401
    assert count(stack) == 0


def test_malformed_bodies_400(stack):
    for raw in (
        b"{not json",
        b"[1, 2]",
        b'{"id": NaN}',
        b"\xff\xfe",
        b"[" * 5000 + b"]" * 5000,
    ):
        resp = stack.client.post(
            WEBHOOK, data=raw, headers={"fluent-signature": sign(raw)}
        )
        assert resp.status_code == 400, raw[:20]
        assert resp.json["error"] == "malformed_body"
    assert count(stack) == 0


def test_missing_field_named_400(stack):
    envelope = json.loads(fluent_body(id="e3"))
    del envelope["entityRef"]
    raw = json.dumps(envelope).encode()
    resp = stack.client.post(WEBHOOK, data=raw, headers=signed_headers(raw))
    assert resp.status_code == 400
    assert resp.json["error"] == "invalid_envelope"
    assert "entityRef" in resp.json["message"]


def test_foreign_account_403(stack):
    raw = fluent_body(id="e4", accountId="SOMEONE_ELSE")
    resp = stack.client.post(WEBHOOK, data=raw, headers=signed_headers(raw))
    assert resp.status_code == 403 and resp.json["error"] == "foreign_account"
    raw = fluent_body(id="e5", retailerId="99")
    assert (
        stack.client.post(WEBHOOK, data=raw, headers=signed_headers(raw)).status_code
        == 403
    )
    assert count(stack) == 0


def test_body_over_limit_413(stack):
    raw = fluent_body(
        id="e6", attributes={"blob": "x" * (stack.config.max_body_bytes + 10)}
    )
    resp = stack.client.post(WEBHOOK, data=raw, headers=signed_headers(raw))
    assert resp.status_code == 413
    assert resp.json["error"] == "request_entity_too_large"
    assert count(stack) == 0


def test_unknown_source_404_and_get_405(stack):
    resp = stack.client.post("/webhooks/nowhere", data=b"{}")
    assert resp.status_code == 404 and resp.json["error"] == "unknown_source"
    resp = stack.client.get(WEBHOOK)
    assert resp.status_code == 405 and resp.json["error"] == "method_not_allowed"


def test_ops_endpoints(stack):
    assert stack.client.get("/health").json == {"status": "ok"}
    ready = stack.client.get("/ready")
    assert ready.status_code == 200, ready.json
    assert ready.json["checks"] == {"database": "ok", "broker": "ok"}
    text = stack.client.get("/metrics").get_data(as_text=True)
    assert "connector_messages_handled" in text
    assert "connector_message_latency_seconds" in text


def test_webhooks_get_the_null_session_and_the_console_a_real_one(stack):
    from flask.sessions import NullSession

    from connector.webhooks import WEBHOOK_PATHS

    rules = [r.rule for r in stack.app.url_map.iter_rules()]
    webhook_rules = [
        r.rule
        for r in stack.app.url_map.iter_rules()
        if r.endpoint.startswith("webhooks.")
    ]
    assert webhook_rules and all(r.startswith(WEBHOOK_PATHS) for r in webhook_rules)
    assert not [
        r for r in rules if r.startswith(WEBHOOK_PATHS) and r not in webhook_rules
    ]
    iface = stack.app.session_interface
    with stack.app.test_request_context(WEBHOOK, method="POST"):
        from flask import request

        assert isinstance(iface.open_session(stack.app, request), NullSession)
    with stack.app.test_request_context("/console/"):
        from flask import request

        session = iface.open_session(stack.app, request)
        assert session is not None and not isinstance(session, NullSession)
    body = fluent_body(id="e-session")
    resp = stack.client.post(WEBHOOK, data=body, headers=signed_headers(body))
    assert resp.status_code == 200
    assert "Set-Cookie" not in resp.headers
