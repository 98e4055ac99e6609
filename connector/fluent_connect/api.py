"""Fluent's connector HTTP paths (API token): the scheduler, the external-system
webhook, and the route listing.

- ``PUT /api/v1/fluent-connect/scheduler/add/<account>/<retailer>/<job-name>``: start
  a Fluent job name exactly as ``POST /api/v1/jobs/<name>`` does (jobs.py); another
  account or retailer than FLUENT_ACCOUNT_ID/FLUENT_RETAILER_ID -> 403, unknown job ->
  404, broker down -> 503.
- ``POST /api/v1/fluent-connect/external-system/webhook``: a JSON object whose
  ``name`` selects the external route (external_webhook.py).
- ``GET /api/v1/routes`` (also ``/actuator/routes``, ``/actuator/handlers``): every
  route by section (listing.py).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, current_app, jsonify, request, url_for
from flask.typing import ResponseReturnValue
from marshmallow import EXCLUDE, Schema, ValidationError, fields

from connector.api.auth import require_token
from connector.api.docs import (
    ERROR,
    INVALID,
    UNAVAILABLE,
    documented,
    json_response,
)
from connector.fluent_connect import external_webhook, listing
from connector.fluent_connect.jobs import JOBS, BrokerDown, Job, JobUnavailable, start
from connector.runtime import Runtime

bp = Blueprint("fluent_connect", __name__)
RETRY_AFTER_SECONDS = 10


def job_response(
    runtime: Runtime, job: Job, params: dict[str, Any], trigger: str
) -> ResponseReturnValue:
    """Start ``job`` and answer like the jobs API (202 + Location of the run)."""
    try:
        body = start(
            runtime,
            job,
            full=params["full"],
            dry_run=params["dry_run"],
            trigger=trigger,
        )
    except JobUnavailable as exc:
        batch = sorted(s.name for s in runtime.specs if s.batch)
        return jsonify(
            error="unknown_job", message=str(exc), jobs=sorted(JOBS), modules=batch
        ), 404
    except BrokerDown as exc:
        response = jsonify(
            error="broker_unavailable", message=str(exc), run_id=exc.run_id
        )
        response.status_code = 503
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    response = jsonify(body)
    response.status_code = 202
    if "run_id" in body:
        location = url_for("jobs.show", job=body["run_id"])
        body["url"] = location
        response = jsonify(body)
        response.status_code = 202
        response.headers["Location"] = location
    return response


class SchedulerQuery(Schema):
    """The scheduler call's options (a JSON body may carry them too)."""

    full = fields.Boolean(load_default=False)
    dry_run = fields.Boolean(load_default=False)


@bp.put("/api/v1/fluent-connect/scheduler/add/<account>/<retailer>/<job_name>")
@documented(
    "fluentSchedulerAdd",
    "Start one of Fluent's connector jobs (the path its scheduler calls)",
    tags=["jobs"],
    description=(
        "Jobs: `batch-product-catalogue-sync` (categories, then products), "
        "`batch-inventory-sync`, `batch-location-sync`, "
        "`event-failure-summary-monitor`. Started exactly as `POST /api/v1/jobs/<job>`; "
        "a job whose module already has a pending or running run answers that run "
        "(`already_running`). A body other than `full`/`dry_run` is ignored."
    ),
    path_params={
        "account": {"description": "FLUENT_ACCOUNT_ID, else 403"},
        "retailer": {"description": "FLUENT_RETAILER_ID, else 403"},
        "job_name": {"schema": {"type": "string", "enum": sorted(JOBS)}},
    },
    query=SchedulerQuery,
    responses={
        202: json_response("Job recorded and queued", "#FluentJobStarted"),
        400: INVALID,
        401: ERROR,
        403: ERROR,
        404: ERROR,
        503: UNAVAILABLE,
    },
)
@require_token
def scheduler_add(account: str, retailer: str, job_name: str) -> ResponseReturnValue:
    from connector.api.jobs import _invalid

    runtime: Runtime = current_app.extensions["connector"]
    job = JOBS.get(job_name)
    if job is None:
        return jsonify(
            error="unknown_job",
            message=f"no job named {job_name!r}; jobs: {', '.join(sorted(JOBS))}",
            jobs=sorted(JOBS),
        ), 404
    fluent = runtime.config.fluent
    if (account, retailer) != (fluent.account_id, fluent.retailer_id):
        return jsonify(
            error="forbidden",
            message=(
                f"this connector serves Fluent account {fluent.account_id!r} retailer "
                f"{fluent.retailer_id!r}, not {account!r}/{retailer!r}"
            ),
        ), 403
    try:
        params = scheduler_params()
    except ValidationError as exc:
        return _invalid(exc)
    return job_response(runtime, job, params, "scheduler")


def scheduler_params() -> dict[str, Any]:
    """``full``/``dry_run`` from the query string or a JSON body; anything else a
    scheduler sends (EventBridge input, an empty or non-JSON body) is ignored."""
    from connector.api.jobs import StartSchema

    params: dict[str, Any] = dict(request.args.items())
    body = request.get_json(silent=True) if request.get_data(cache=True) else None
    if isinstance(body, dict):
        params.update({k: v for k, v in body.items() if k in ("full", "dry_run")})
    return StartSchema(unknown=EXCLUDE).load(params)


external_webhook.register(bp)
listing.register(bp)


def register_fluent_connect(app: Flask) -> None:
    """Mount the paths; a bad ``fluent_connect`` YAML section stops the start."""
    from connector.fluent_connect.effective import options

    options(app.extensions["connector"].config)
    app.register_blueprint(bp)
