"""The REST Event API v4.1 (reference §4) and the sandbox's event log.

``POST /api/v4.1/event/async|sync`` validate the body (400 with Fluent's ``errors`` body),
log the event, run the sandbox's few stand-in rulesets (``handlers.py``) and answer like
Fluent: sync ``{"eventId", "entityId", "eventStatus": "COMPLETE"}``, or 400 with
``eventStatus`` ``FAILED`` (plus ``errorMessage``) / ``NO_MATCH``; async 200 right away
[I: Fluent's async body is undocumented; the sandbox returns ``{"eventId"}``].
``GET /api/v4.1/event`` filters the log (``context.*``, ``from``/``to`` with a 30-day
default window, ``name``, ``category``, ``retailerId``, ``eventType``, ``eventStatus``,
``start``, ``count`` default 100) and pages it newest first [I].
Mutations log a ``CREATE`` event per created entity, as Fluent's do.
"""

from __future__ import annotations

import threading
import uuid
from collections import deque
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from flask import Blueprint, Response, jsonify, request

from .store import iso, now_ts, parse_iso

if TYPE_CHECKING:
    from .state import FluentSandbox

MAX_EVENTS = 200_000
WINDOW_SECONDS = 30 * 24 * 3600
CONTEXT_KEYS = (
    "entityType",
    "entityId",
    "entityRef",
    "rootEntityType",
    "rootEntityId",
    "rootEntityRef",
)


def generated_on(ts: float) -> str:
    """Fluent's event timestamp form, e.g. ``2025-05-01T10:00:00.000+0000``: the
    entity timestamp's text (``iso``) with ``+0000`` for ``Z``."""
    return iso(ts)[:-1] + "+0000"


def rest_error(
    status: int, message: str, code: str | None = None
) -> tuple[Response, int]:
    return jsonify(
        {"errors": [{"code": code or str(status), "message": message}]}
    ), status


class EventLog:
    """Logged events and audit records, plus the fail-next rules."""

    def __init__(self, state: FluentSandbox) -> None:
        self.state = state
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with getattr(self, "_lock", threading.Lock()):
            self.records: deque[dict[str, Any]] = deque(maxlen=MAX_EVENTS)
            self.by_id: dict[str, dict[str, Any]] = {}
            self.fail_rules: list[dict[str, Any]] = []
            self.unmatched_status = "COMPLETE"
            self.muted = False  # the generator creates entities without events

    # ------------------------------------------------------------------ recording
    def add(self, record: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            if len(self.records) == self.records.maxlen:
                self.by_id.pop(self.records[0]["id"], None)
            self.records.append(record)
            self.by_id[record["id"]] = record
        return record

    def record(
        self,
        name: str,
        context: Mapping[str, Any],
        *,
        event_type: str = "ORCHESTRATION",
        status: str = "COMPLETE",
        category: str = "snapshot",
        attributes: Any = None,
        source_events: list[str] | None = None,
        ts: float | None = None,
        retailer_id: str | None = None,
    ) -> dict[str, Any]:
        ts = now_ts() if ts is None else ts
        ctx: dict[str, Any] = {"sourceEvents": source_events or []}
        ctx.update(
            {
                k: (str(context[k]) if context.get(k) is not None else None)
                for k in CONTEXT_KEYS
            }
        )
        return self.add(
            {
                "id": str(uuid.uuid4()),
                "name": name,
                "type": event_type,
                "accountId": self.state.account_id,
                "retailerId": str(retailer_id or self.state.retailer_id),
                "category": category,
                "context": ctx,
                "eventStatus": status,
                "attributes": attributes if attributes is not None else [],
                "source": None,
                "generatedBy": "Rubix User",
                "generatedOn": generated_on(ts),
                "_ts": ts,
            }
        )

    def entity_event(
        self,
        name: str,
        entity_type: str,
        row: Mapping[str, Any],
        root_type: str,
        root: Mapping[str, Any],
        subtype: str | None = None,
    ) -> dict[str, Any]:
        """The orchestration event a mutation fires for a new/changed entity."""
        if self.muted:
            return {}
        return self.record(
            name,
            {
                "entityType": entity_type,
                "entityId": row.get("id"),
                "entityRef": row.get("ref"),
                "rootEntityType": root_type,
                "rootEntityId": root.get("id"),
                "rootEntityRef": root.get("ref"),
            },
            attributes={"entitySubtype": subtype} if subtype else [],
        )

    def failure(
        self,
        source: dict[str, Any],
        message: str,
        rule: str | None = None,
        ts: float | None = None,
    ) -> dict[str, Any]:
        """The ORCHESTRATION_AUDIT exception record of a failed event."""
        attributes = [
            {"name": "message", "type": "STRING", "value": message},
            {
                "name": "ruleName",
                "type": "STRING",
                "value": rule or "sandbox.rule.FailedRule",
            },
            {
                "name": "exception",
                "type": "STRING",
                "value": f"com.fluentretail.rubix.exceptions.RubixException: {message}",
            },
        ]
        return self.record(
            source["name"],
            source["context"],
            event_type="ORCHESTRATION_AUDIT",
            status="FAILED",
            category="exception",
            attributes=attributes,
            source_events=[source["id"]],
            ts=ts,
            retailer_id=source["retailerId"],
        )

    # ------------------------------------------------------------------ fail rules
    def add_fail_rule(self, rule: dict[str, Any]) -> None:
        with self._lock:
            self.fail_rules.append(rule)

    def take_fail_rule(
        self, name: str, entity_type: str | None
    ) -> dict[str, Any] | None:
        with self._lock:
            for rule in self.fail_rules:
                if rule["name"] not in ("*", name):
                    continue
                if rule.get("entityType") not in (None, entity_type):
                    continue
                rule["count"] -= 1
                if rule["count"] <= 0:
                    self.fail_rules.remove(rule)
                return rule
        return None

    # ------------------------------------------------------------------ search
    def search(self, params: Mapping[str, str]) -> dict[str, Any]:
        now = now_ts()
        upper = parse_iso(params["to"]) if params.get("to") else now
        lower = (
            parse_iso(params["from"]) if params.get("from") else upper - WINDOW_SECONDS
        )
        start = max(0, int(params.get("start", 0)))
        count = max(0, min(int(params.get("count", 100)), 5000))
        wanted = {k: v for k, v in params.items() if k.startswith("context.")}
        plain = {
            key: params[arg]
            for arg, key in (
                ("name", "name"),
                ("category", "category"),
                ("retailerId", "retailerId"),
                ("eventType", "type"),
                ("eventStatus", "eventStatus"),
            )
            if params.get(arg)
        }
        with self._lock:
            records = list(self.records)
        hits = []
        for rec in reversed(records):
            if not lower <= rec["_ts"] <= upper:
                continue
            if any(str(rec.get(k)) != v for k, v in plain.items()):
                continue
            if any(str(rec["context"].get(k[8:])) != v for k, v in wanted.items()):
                continue
            hits.append(rec)
        page = hits[start : start + count]
        return {
            "start": start,
            "count": len(page),
            "hasMore": start + count < len(hits),
            "results": [public(r) for r in page],
        }


def public(record: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if not k.startswith("_")}


def event_blueprint(state: FluentSandbox) -> Blueprint:
    bp = Blueprint("fluent_events", __name__, url_prefix="/api/v4.1/event")

    def post(mode: str) -> tuple[Response, int]:
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            return rest_error(400, "Request body must be a JSON object")
        for field, code in (
            ("name", "400"),
            ("retailerId", "NotNull"),
            ("entityType", "NotNull"),
        ):
            if not body.get(field):
                return rest_error(400, f"'{field}' is required", code)
        if not (body.get("entityId") or body.get("entityRef")):
            return rest_error(400, "'entityId' or 'entityRef' is required", "NotNull")
        from .handlers import process_event

        with state.lock:
            record, outcome, message = process_event(state, body)
        answer: dict[str, Any] = {
            "eventId": record["id"],
            "entityId": record["context"].get("entityId"),
            "eventStatus": outcome,
        }
        if mode == "async":
            return jsonify({"eventId": record["id"]}), 200
        if outcome == "FAILED":
            answer["errorMessage"] = message or "Event has Failed"
            return jsonify(answer), 400
        if outcome == "NO_MATCH":
            return jsonify(answer), 400
        return jsonify(answer), 200

    @bp.post("/async")
    def post_async() -> tuple[Response, int]:
        return post("async")

    @bp.post("/sync")
    def post_sync() -> tuple[Response, int]:
        return post("sync")

    @bp.get("")
    def search() -> tuple[Response, int]:
        try:
            return jsonify(state.events.search(request.args.to_dict())), 200
        except ValueError as exc:
            return rest_error(400, f"Invalid query parameter: {exc}", "C0100E")

    @bp.get("/<event_id>")
    def get_one(event_id: str) -> tuple[Response, int]:
        record = state.events.by_id.get(event_id)
        if record is None:
            return rest_error(404, f"Event with id [{event_id}] not found")
        return jsonify(public(record)), 200

    return bp
