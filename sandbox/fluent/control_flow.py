"""Control API, behaviour side: webhooks, order lifecycle, events, tokens (no auth).

POST /_sandbox/webhooks/config     {"url", "names": {"order_status"|"fulfilment"|
                                   "consignment": name}, "retry_delays": [s...],
                                   "timeout": s} -> current config (GET reads it)
GET  /_sandbox/webhooks/deliveries recorded deliveries (?name= ?status= ?entityType=
                                   ?since=<seq>); each has body, body_b64, signature,
                                   headers, status, status_code, attempts
POST /_sandbox/webhooks/drain      {"timeout": 30} -> 200 {"drained": true} or 504
POST /_sandbox/webhooks/send       {"payload": {...}, "url"?} sign + deliver as is
POST /_sandbox/webhooks/sign       {"body": "<text>"} -> both signature headers
POST /_sandbox/orders/<ref>/advance  {"to": STATUS, "reject": {"<productRef>": qty}}
POST /_sandbox/lifecycle/config    {"auto_receive": bool, "notify_received": bool}
POST /_sandbox/events/fail-next    {"name": "<event name>|*", "count": 1,
                                   "entityType"?, "message"?, "rule"?}
POST /_sandbox/events/failed       inject FAILED audit events: {"entityType",
                                   "entityRef"|"entityId", "rootEntityType"?,
                                   "rootEntityRef"?, "rootEntityId"?, "name"?, "rule"?,
                                   "message"?, "generatedOn"?, "count"?}
POST /_sandbox/events/config       {"unmatched": "COMPLETE"|"NO_MATCH"}
POST /_sandbox/tokens/expire       {"access_token"?}: expire it (default: every token)
POST /_sandbox/tokens/config       {"expires_in": s, "refresh_tokens": bool}
GET  /_sandbox/tokens              token settings and counts
"""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Any

from flask import Blueprint, Response, jsonify, request

from ..common import CONTROL_PREFIX
from .control import body_object, control_error
from .lifecycle import LifecycleError
from .store import parse_iso

if TYPE_CHECKING:
    from .state import FluentSandbox

EVENT_STATUSES = {"COMPLETE", "NO_MATCH", "FAILED"}


def _deliveries(state: FluentSandbox) -> list[dict[str, Any]]:
    args = request.args
    since = args.get("since", 0, type=int)
    out = []
    for record in list(state.webhooks.deliveries):
        if record["seq"] <= since:
            continue
        if any(
            args.get(k) and record.get(k) != args[k]
            for k in ("name", "status", "entityType", "entityRef")
        ):
            continue
        out.append({**record, "attempts": list(record["attempts"])})
    return out


def flow_control_blueprint(state: FluentSandbox) -> Blueprint:
    bp = Blueprint("fluent_control_flow", __name__, url_prefix=CONTROL_PREFIX)

    @bp.route("/webhooks/config", methods=["GET", "POST"])
    def webhooks_config() -> tuple[Response, int]:
        if request.method == "GET":
            return jsonify(state.webhooks.config()), 200
        try:
            return jsonify(state.webhooks.configure(body_object())), 200
        except (ValueError, TypeError) as exc:
            return control_error(400, "invalid_config", str(exc))

    @bp.get("/webhooks/deliveries")
    def webhooks_deliveries() -> Response:
        results = _deliveries(state)
        return jsonify({"count": len(results), "results": results})

    @bp.post("/webhooks/drain")
    def webhooks_drain() -> tuple[Response, int]:
        body = request.get_json(silent=True) or {}
        drained = state.webhooks.drain(float(body.get("timeout", 30)))
        return jsonify({"drained": drained, **state.webhooks.summary()}), (
            200 if drained else 504
        )

    @bp.post("/webhooks/send")
    def webhooks_send() -> tuple[Response, int]:
        try:
            body = body_object()
            payload = body["payload"]
            if not isinstance(payload, dict):
                raise ValueError("payload must be an object")
        except (KeyError, ValueError) as exc:
            return control_error(400, "invalid_webhook", str(exc))
        record = state.webhooks.send(payload, url=body.get("url"))
        return jsonify(record), 202

    @bp.post("/webhooks/sign")
    def webhooks_sign() -> tuple[Response, int]:
        body = request.get_json(silent=True) or {}
        if isinstance(body.get("body_b64"), str):
            raw = base64.b64decode(body["body_b64"])
        elif isinstance(body.get("body"), str):
            raw = body["body"].encode("utf-8")
        else:
            return control_error(400, "invalid_body", "give 'body' or 'body_b64'")
        return jsonify({"headers": state.webhooks.sign(raw)}), 200

    @bp.post("/orders/<ref>/advance")
    def advance(ref: str) -> tuple[Response, int]:
        try:
            body = body_object()
            reject = {str(k): int(v) for k, v in (body.get("reject") or {}).items()}
            with state.lock:
                result = state.lifecycle.advance(ref, str(body.get("to", "")), reject)
        except LifecycleError as exc:
            return control_error(exc.status, "invalid_transition", exc.message)
        except (ValueError, TypeError, AttributeError) as exc:
            return control_error(400, "invalid_request", str(exc))
        return jsonify(result), 200

    @bp.post("/lifecycle/config")
    def lifecycle_config() -> tuple[Response, int]:
        body = request.get_json(silent=True) or {}
        lifecycle = state.lifecycle
        lifecycle.auto_receive = bool(body.get("auto_receive", lifecycle.auto_receive))
        lifecycle.notify_received = bool(
            body.get("notify_received", lifecycle.notify_received)
        )
        return jsonify(
            {
                "auto_receive": lifecycle.auto_receive,
                "notify_received": lifecycle.notify_received,
            }
        ), 200

    @bp.post("/events/fail-next")
    def fail_next() -> tuple[Response, int]:
        body = request.get_json(silent=True) or {}
        if not body.get("name"):
            return control_error(400, "invalid_rule", "'name' is required ('*' = any)")
        rule = {
            "name": str(body["name"]),
            "count": max(1, int(body.get("count", 1))),
            "entityType": body.get("entityType"),
            "message": body.get("message"),
            "rule": body.get("rule"),
        }
        state.events.add_fail_rule(rule)
        return jsonify({"rules": state.events.fail_rules}), 201

    @bp.post("/events/failed")
    def inject_failed() -> tuple[Response, int]:
        body = request.get_json(silent=True) or {}
        if not body.get("entityType") or not (
            body.get("entityRef") or body.get("entityId")
        ):
            return control_error(
                400, "invalid_event", "entityType and entityRef/Id needed"
            )
        try:
            ts = parse_iso(body["generatedOn"]) if body.get("generatedOn") else None
        except ValueError as exc:
            return control_error(400, "invalid_event", str(exc))
        context = {k: body.get(k) for k in ("entityType", "entityId", "entityRef")}
        context["rootEntityType"] = body.get("rootEntityType", body["entityType"])
        context["rootEntityId"] = body.get("rootEntityId", body.get("entityId"))
        context["rootEntityRef"] = body.get("rootEntityRef", body.get("entityRef"))
        created = []
        for _ in range(max(1, int(body.get("count", 1)))):
            source = state.events.record(
                body.get("name", "SandboxFailure"), context, status="FAILED", ts=ts
            )
            audit = state.events.failure(
                source, body.get("message", "Injected failure"), body.get("rule"), ts
            )
            created += [source["id"], audit["id"]]
        return jsonify({"created": created}), 201

    @bp.post("/events/config")
    def events_config() -> tuple[Response, int]:
        body = request.get_json(silent=True) or {}
        status = body.get("unmatched", state.events.unmatched_status)
        if status not in EVENT_STATUSES:
            return control_error(400, "invalid_config", f"unmatched: {EVENT_STATUSES}")
        state.events.unmatched_status = status
        return jsonify({"unmatched": status}), 200

    @bp.post("/tokens/expire")
    def tokens_expire() -> Response:
        body = request.get_json(silent=True) or {}
        return jsonify({"expired": state.tokens.expire(body.get("access_token"))})

    @bp.post("/tokens/config")
    def tokens_config() -> Response:
        body = request.get_json(silent=True) or {}
        if "expires_in" in body:
            state.tokens.expires_in = int(body["expires_in"])
        if "refresh_tokens" in body:
            state.tokens.refresh_enabled = bool(body["refresh_tokens"])
        return jsonify(state.tokens.to_json())

    @bp.get("/tokens")
    def tokens_get() -> Response:
        return jsonify(state.tokens.to_json())

    return bp
