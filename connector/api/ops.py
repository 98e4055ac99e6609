"""Liveness, readiness (database and broker) and Prometheus metrics."""

from __future__ import annotations

import logging

from flask import Blueprint, Response, current_app, jsonify
from flask.typing import ResponseReturnValue

from connector import metrics

log = logging.getLogger(__name__)
bp = Blueprint("ops", __name__)


@bp.get("/health")
def health() -> ResponseReturnValue:
    return jsonify(status="ok")


@bp.get("/ready")
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
def prometheus() -> ResponseReturnValue:
    body, content_type = metrics.render(current_app.extensions["connector"])
    return Response(body, content_type=content_type)
