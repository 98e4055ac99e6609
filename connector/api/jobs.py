"""Jobs API (API token): start a module's batch sync now and follow its run.

- ``POST /api/v1/jobs/<module>`` (``full``, ``dry_run`` in a JSON body or the query
  string): records a ``pending`` run, enqueues ``<module>.sync_batch`` with its id and
  answers 202 with the run id. Unknown or non-batch module -> 404 naming the enabled
  batch modules; broker unreachable -> 503 and the run is marked failed.
- ``GET /api/v1/jobs/<run_id>``: status, counts, error and timestamps of one run (a
  non-numeric id is a 404 like an unknown one).
- ``GET /api/v1/jobs``: the latest runs (``module``, empty = all; ``limit``).

No sync work and no API clients here: the worker builds the stream and runs the row
(tasks/base.py ``run_batch``); a run that cannot start (e.g. a missing setting) is
marked failed by the worker with the reason, visible through ``GET``.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify, request, url_for
from flask.typing import ResponseReturnValue
from marshmallow import RAISE, Schema, ValidationError, fields, validate

from connector.api.auth import require_token
from connector.api.docs import ERROR, INVALID, UNAVAILABLE, documented, json_response
from connector.fluent_connect.api import job_response
from connector.fluent_connect.jobs import JOBS
from connector.models import SyncRun
from connector.runtime import Runtime
from connector.store import runs
from connector.version import APP_VERSION

bp = Blueprint("jobs", __name__)
BATCH_QUEUE = "batch"  # tasks/routing.py sends *.sync_batch there
RETRY_AFTER_SECONDS = 10
PENDING_SCOPE = ""  # runs failing before they start (e.g. a missing setting) keep it


class StartSchema(Schema):
    """Options of a run (JSON body or query string)."""

    class Meta:
        unknown = RAISE

    full = fields.Boolean(load_default=False)
    dry_run = fields.Boolean(load_default=False)
    force = fields.Boolean(
        load_default=False,
        metadata={
            "description": "Rewrite every entity read and let the run past the "
            "mass-removal guard (as `connector sync --force`)."
        },
    )


class ListSchema(Schema):
    class Meta:
        unknown = RAISE

    module = fields.String(validate=validate.Length(max=64))  # empty: every module
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=200))


def _iso(value: Any) -> str | None:
    return value.isoformat() if value else None


def run_json(run: SyncRun) -> dict[str, Any]:
    return {
        "run_id": run.id,
        "module": run.module,
        "scope": run.scope,
        "trigger": run.trigger,
        "status": run.status,
        "full": run.full,
        "dry_run": run.dry_run,
        "counts": dict(run.counts or {}),
        "error": run.error,
        "app_version": run.app_version,
        "started_at": _iso(run.started_at),
        "finished_at": _iso(run.finished_at),
    }


def _invalid(exc: ValidationError) -> ResponseReturnValue:
    messages = exc.messages if isinstance(exc.messages, dict) else {"_": exc.messages}
    text = "; ".join(f"{k}: {' '.join(map(str, v))}" for k, v in messages.items())
    return jsonify(error="invalid_parameter", message=text, parameters=messages), 400


def _start_params() -> dict[str, Any]:
    """Body (JSON object) and query string merged; the body wins."""
    params: dict[str, Any] = dict(request.args.items())
    if request.get_data(cache=True):
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            raise ValidationError({"body": ["must be a JSON object"]})
        params.update(body)
    return StartSchema().load(params)


JOB_PARAM = {
    "job": {"description": "POST: the module whose batch sync to start. GET: a run id."}
}


@bp.post("/api/v1/jobs/<job>")
@require_token
@documented(
    "startJob",
    "Start a module's batch sync now",
    tags=["jobs"],
    description=(
        "Records a `pending` run, enqueues `<module>.sync_batch` and answers 202 with "
        "the run id (also in `Location`). A run already holding the module's lease "
        "makes this one `skipped`. Options in a JSON body or the query string."
    ),
    path_params=JOB_PARAM,
    query=StartSchema,
    body=StartSchema,
    body_required=False,
    responses={
        202: json_response(
            "Run recorded and queued (a Fluent job name answers as the scheduler)",
            {
                "oneOf": [
                    {"$ref": "#/components/schemas/JobStarted"},
                    {"$ref": "#/components/schemas/FluentJobStarted"},
                ]
            },
            headers={"Location": {}},
        ),
        400: INVALID,
        401: ERROR,
        404: json_response(
            "Unknown or non-batch module",
            {
                "allOf": [
                    {"$ref": "#/components/schemas/Error"},
                    {
                        "type": "object",
                        "required": ["modules"],
                        "properties": {
                            "modules": {"type": "array", "items": {"type": "string"}}
                        },
                    },
                ]
            },
        ),
        503: UNAVAILABLE,
    },
)
def start(job: str) -> ResponseReturnValue:
    module = job
    runtime: Runtime = current_app.extensions["connector"]
    batch_modules = sorted(s.name for s in runtime.specs if s.batch)
    if module in JOBS:  # Fluent's connector job names (fluent_connect/jobs.py)
        try:
            job_params = _start_params()
        except ValidationError as exc:
            return _invalid(exc)
        return job_response(runtime, JOBS[module], job_params, "api")
    if module not in batch_modules:
        return jsonify(
            error="unknown_module",
            message=(
                f"no enabled batch module named {module!r}; batch modules: "
                + (", ".join(batch_modules) or "none")
            ),
            modules=batch_modules,
        ), 404
    try:
        params = _start_params()
    except ValidationError as exc:
        return _invalid(exc)
    run_id = runs.start(
        runtime.store,
        module,
        PENDING_SCOPE,  # the worker sets the stream's scope when the run starts
        trigger="api",
        full=params["full"],
        dry_run=params["dry_run"],
        app_version=APP_VERSION,
        status="pending",
    )
    queued = runtime.enqueue(
        f"{module}.sync_batch",
        queue=BATCH_QUEUE,
        full=params["full"],
        dry_run=params["dry_run"],
        force=params["force"],
        trigger="api",
        run_id=run_id,
    )
    if not queued:
        runs.finish(runtime.store, run_id, "failed", {}, "broker unreachable")
        response = jsonify(
            error="broker_unavailable",
            message="the task broker is unreachable; the run was not started",
            run_id=run_id,
        )
        response.status_code = 503
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    location = url_for("jobs.show", job=run_id)
    response = jsonify(
        run_id=run_id,
        module=module,
        status="pending",
        full=params["full"],
        dry_run=params["dry_run"],
        url=location,
    )
    response.status_code = 202
    response.headers["Location"] = location
    return response


@bp.get("/api/v1/jobs/<job>")
@require_token
@documented(
    "getJob",
    "Status and counts of a run",
    tags=["jobs"],
    path_params=JOB_PARAM,
    responses={200: json_response("The run", "#Run"), 401: ERROR, 404: ERROR},
)
def show(job: str) -> ResponseReturnValue:
    runtime: Runtime = current_app.extensions["connector"]
    run = runs.get(runtime.store, int(job)) if job.isdigit() and len(job) < 19 else None
    if run is None:
        return jsonify(error="not_found", message=f"no run with id {job!r}"), 404
    return jsonify(run_json(run))


@bp.get("/api/v1/jobs")
@require_token
@documented(
    "listJobs",
    "Latest batch sync runs, newest first",
    tags=["jobs"],
    query=ListSchema,
    responses={
        200: json_response(
            "Runs",
            {
                "type": "object",
                "required": ["runs"],
                "properties": {
                    "runs": {
                        "type": "array",
                        "items": {"$ref": "#/components/schemas/Run"},
                    }
                },
            },
        ),
        400: INVALID,
        401: ERROR,
    },
)
def index() -> ResponseReturnValue:
    runtime: Runtime = current_app.extensions["connector"]
    try:
        params = ListSchema().load(dict(request.args.items()))
    except ValidationError as exc:
        return _invalid(exc)
    found = runs.recent(runtime.store, params.get("module") or None, params["limit"])
    return jsonify(runs=[run_json(r) for r in found])
