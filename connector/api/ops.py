"""Liveness, readiness (database and broker) and Prometheus metrics."""

from __future__ import annotations

import logging

from flask import Blueprint, Response, current_app, jsonify
from flask.typing import ResponseReturnValue

from connector import metrics
from connector.api.docs import PUBLIC, documented, json_response

log = logging.getLogger(__name__)
bp = Blueprint("ops", __name__)


@bp.get("/health")
@documented(
    "health",
    "Liveness",
    tags=["operations"],
    security=PUBLIC,
    responses={
        200: json_response(
            "The process answers",
            {
                "type": "object",
                "required": ["status"],
                "properties": {"status": {"const": "ok"}},
            },
        )
    },
)
def health() -> ResponseReturnValue:
    return jsonify(status="ok")


@bp.get("/ready")
@documented(
    "ready",
    "Readiness (database and broker reachable)",
    tags=["operations"],
    security=PUBLIC,
    responses={200: "Ready", 503: "Ready"},
)
def ready() -> ResponseReturnValue:
    runtime = current_app.extensions["connector"]
    checks: dict[str, str] = {}
    try:
        runtime.store.ping()
        checks["database"] = "ok"
    except Exception as exc:  # report, never raise, from a readiness probe
        checks["database"] = f"error: {type(exc).__name__}"
    celery = current_app.extensions["celery"]
    try:
        with celery.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, timeout=2)
        checks["broker"] = "ok"
    except Exception as exc:
        checks["broker"] = f"error: {type(exc).__name__}"
    ok = all(v == "ok" for v in checks.values())
    return jsonify(
        status="ready" if ok else "not_ready", checks=checks
    ), 200 if ok else 503


@bp.get("/metrics")
@documented(
    "metrics",
    "Prometheus metrics",
    tags=["operations"],
    description=(
        "Webhook counters, broker publish failures, cache lookups and message "
        "counts/latency read from the store."
    ),
    security=PUBLIC,
    responses={
        200: json_response(
            "Prometheus text exposition format",
            {"type": "string"},
            content_type="text/plain",
        )
    },
)
def prometheus() -> ResponseReturnValue:
    body, content_type = metrics.render(current_app.extensions["connector"])
    return Response(body, content_type=content_type)
