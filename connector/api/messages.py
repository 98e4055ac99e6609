"""Ops API for inbound messages, sync runs and status (API token).

- ``GET /api/v1/messages``: filter by status, source, route, received time; cursor pages.
- ``GET /api/v1/messages/<id>``: one message with its error, attempts, a timeline and its
  payload with personal data masked.
- ``POST /api/v1/messages/<id>/replay``: re-drive one message (202; 409 if not replayable).
- ``POST /api/v1/messages/replay``: re-drive the oldest ``limit`` messages matching a
  filter (failed by default), answering how many matched, were replayed and remain.
- ``GET /api/v1/runs``: sync runs with their counts; ``GET /api/v1/status``: what
  ``connector status`` shows, as JSON.

Only HTTP here: arguments and answers go through ``ops_schemas``; queries live in
``connector.store``; replay in ``connector.replay``.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify, request
from flask.typing import ResponseReturnValue
from marshmallow import Schema, ValidationError

from connector import masking
from connector.api import ops_schemas as s
from connector.api.auth import require_token
from connector.api.docs import ERROR, INVALID, UNAVAILABLE, documented
from connector.models import InboundMessage, SyncRun
from connector.replay import replay
from connector.runtime import Runtime
from connector.status import collect_status
from connector.store import message_search, messages, runs

ROW_ID = {"row_id": {"description": "The message's row id (`id` in listings)."}}
bp = Blueprint("ops_api", __name__)


@bp.before_request
@require_token
def _authenticated() -> None:
    """Every endpoint here needs an API token (401 otherwise)."""


def runtime() -> Runtime:
    return current_app.extensions["connector"]  # type: ignore[no-any-return]


def invalid(exc: ValidationError) -> ResponseReturnValue:
    found = exc.messages if isinstance(exc.messages, dict) else {"_": exc.messages}
    text = "; ".join(f"{k}: {' '.join(map(str, v))}" for k, v in found.items())
    return jsonify(error="invalid_parameter", message=text, parameters=found), 400


def load(schema: Schema, data: Any) -> dict[str, Any]:
    return schema.load(data)  # type: ignore[return-value]


def json_body() -> dict[str, Any]:
    """The JSON object body (empty body: {}); ValidationError otherwise."""
    if not request.get_data(cache=True):
        return {}
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ValidationError({"body": ["must be a JSON object"]})
    return body


def summary(row: InboundMessage) -> dict[str, Any]:
    data = {c: getattr(row, c) for c in s.MessageSummarySchema().fields if c != "error"}
    data["error"] = masking.EMAIL.sub(masking.MASK, row.last_error or "") or None
    return data


def timeline(row: InboundMessage) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = [
        {"at": row.received_at, "event": "received", "detail": f"from {row.source}"}
    ]
    if row.started_at:
        events.append(
            {
                "at": row.started_at,
                "event": "attempt started",
                "detail": f"attempt {row.attempts}",
            }
        )
    if row.finished_at:
        events.append({"at": row.finished_at, "event": row.status, "detail": None})
    elif row.updated_at and row.status not in ("received", "queued"):
        events.append({"at": row.updated_at, "event": row.status, "detail": None})
    for d in message_search.deliveries_of(runtime().store, row.id):
        events.append(
            {
                "at": d.created_at,
                "event": "outbound delivery",
                "detail": f"{d.target}: {d.status} after {d.attempts} attempt(s)",
            }
        )
    return sorted(events, key=lambda e: e["at"])


def detail(row: InboundMessage) -> dict[str, Any]:
    return {
        **summary(row),
        "result": masking.mask(row.result),
        "payload": masking.mask(row.payload),
        "timeline": timeline(row),
    }


@bp.get("/api/v1/messages")
@documented(
    "listMessages",
    "Inbound messages, newest first, filtered, in cursor pages",
    tags=["operations"],
    description=(
        "Filters combine; `since`/`until` bound `received_at` (ISO 8601, UTC when no "
        "zone). `next_cursor` (null on the last page) is passed back as `cursor`."
    ),
    query=s.MessageListQuerySchema,
    responses={200: s.MessagePageSchema, 400: INVALID, 401: ERROR, 503: UNAVAILABLE},
)
def list_messages() -> ResponseReturnValue:
    try:
        args = load(s.MessageListQuerySchema(), request.args.to_dict())
    except ValidationError as exc:
        return invalid(exc)
    flt = message_search.MessageFilter(
        args.get("status"),
        args.get("source"),
        args.get("route"),
        args.get("since"),
        args.get("until"),
    )
    rows, below = message_search.page(
        runtime().store, flt, before_id=args.get("cursor"), limit=args["limit"]
    )
    return jsonify(
        s.MessagePageSchema().dump(
            {"messages": [summary(r) for r in rows], "next_cursor": below}
        )
    )


@bp.get("/api/v1/messages/<int:row_id>")
@documented(
    "getMessage",
    "One message with its error, attempts, timeline and masked payload",
    tags=["operations"],
    description=(
        "Names, email addresses, phone numbers and addresses in the payload and result "
        "are replaced by `***`."
    ),
    path_params=ROW_ID,
    responses={200: s.MessageDetailSchema, 401: ERROR, 404: ERROR, 503: UNAVAILABLE},
)
def show_message(row_id: int) -> ResponseReturnValue:
    row = messages.get(runtime().store, row_id)
    if row is None:
        return jsonify(error="not_found", message=f"no message with id {row_id}"), 404
    return jsonify(s.MessageDetailSchema().dump(detail(row)))


@bp.post("/api/v1/messages/<int:row_id>/replay")
@documented(
    "replayMessage",
    "Re-drive one failed (or stuck) message through its handler",
    tags=["operations"],
    description=(
        "Resets the retry budget and queues the message (`status: queued`). With the "
        "broker down it stays `received` and the sweeper publishes it later. Done, "
        "ignored or running messages answer 409."
    ),
    path_params=ROW_ID,
    responses={
        202: s.ReplayOneSchema,
        401: ERROR,
        404: ERROR,
        409: ERROR,
        503: UNAVAILABLE,
    },
)
def replay_message(row_id: int) -> ResponseReturnValue:
    row = messages.get(runtime().store, row_id)
    if row is None:
        return jsonify(error="not_found", message=f"no message with id {row_id}"), 404
    result = replay(runtime(), [row_id])
    if result.not_replayable:
        return jsonify(
            error="not_replayable",
            message=f"message {row_id} is {row.status}; only failed or stuck "
            "messages with a handler can be replayed",
        ), 409
    if result.unrouted:
        return jsonify(
            error="route_not_configured",
            message=f"route {row.route!r} of message {row_id} is no longer configured",
        ), 409
    if result.deferred:
        answer = {
            "id": row_id,
            "status": "received",
            "message": "broker unreachable: the sweeper publishes it when it is back",
        }
    else:
        answer = {"id": row_id, "status": "queued", "message": "replay queued"}
    return jsonify(s.ReplayOneSchema().dump(answer)), 202


@bp.post("/api/v1/messages/replay")
@documented(
    "replayMessages",
    "Re-drive the oldest messages matching a filter (bounded)",
    tags=["operations"],
    description=(
        "Selects the oldest `limit` (default 100, at most 500) messages of `status` "
        "(default `failed`) matching the filter and replays them; the answer says how "
        "many matched, were replayed and remain. Filter in a JSON body or the query."
    ),
    query=s.ReplayFilterSchema,
    body=s.ReplayFilterSchema,
    body_required=False,
    responses={202: s.ReplayBulkSchema, 400: INVALID, 401: ERROR, 503: UNAVAILABLE},
)
def replay_matching() -> ResponseReturnValue:
    try:
        args = load(s.ReplayFilterSchema(), {**request.args.to_dict(), **json_body()})
    except ValidationError as exc:
        return invalid(exc)
    result = bulk_replay(runtime(), args)
    return jsonify(s.ReplayBulkSchema().dump(result)), 202


def bulk_replay(rt: Runtime, args: dict[str, Any]) -> dict[str, Any]:
    """Replay the oldest ``limit`` matches of a filter (also used by the console)."""
    flt = message_search.MessageFilter(
        args.get("status"),
        args.get("source"),
        args.get("route"),
        args.get("since"),
        args.get("until"),
    )
    ids, matched = message_search.replay_selection(rt.store, flt, limit=args["limit"])
    result = replay(rt, ids)
    return {
        "matched": matched,
        "selected": len(ids),
        "replayed": len(result.published),
        "deferred": len(result.deferred),
        "not_replayable": result.not_replayable + result.unrouted,
        "remaining": max(0, matched - len(ids)),
        "limit": args["limit"],
    }


@bp.get("/api/v1/runs")
@documented(
    "listRuns",
    "Batch sync runs with their counts, newest first, in cursor pages",
    tags=["operations"],
    query=s.RunListQuerySchema,
    responses={200: s.RunPageSchema, 400: INVALID, 401: ERROR, 503: UNAVAILABLE},
)
def list_runs() -> ResponseReturnValue:
    try:
        args = load(s.RunListQuerySchema(), request.args.to_dict())
    except ValidationError as exc:
        return invalid(exc)
    rows, below = run_page(runtime(), args)
    return jsonify(s.RunPageSchema().dump({"runs": rows, "next_cursor": below}))


def run_page(rt: Runtime, args: dict[str, Any]) -> tuple[list[SyncRun], int | None]:
    """One page of runs for loaded ``RunListQuerySchema`` args (API and console)."""
    return runs.page(
        rt.store,
        module=args.get("module"),
        status=args.get("status"),
        before_id=args.get("cursor"),
        limit=args["limit"],
    )


@bp.get("/api/v1/status")
@documented(
    "getStatus",
    "What `connector status` shows, as JSON",
    tags=["operations"],
    responses={200: s.StatusSchema, 401: ERROR, 503: UNAVAILABLE},
)
def status() -> ResponseReturnValue:
    return jsonify(s.StatusSchema().dump(collect_status(runtime())))
