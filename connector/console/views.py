"""Console pages (blueprint ``console`` at ``/console``): sign in/out, overview,
messages (failed by default) with replay, a message's detail, run history.

Every POST is CSRF-checked and every page but sign-in needs a session; data comes from
``connector.store`` and the ops API's helpers (same masking, same bounded replay).
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError
from marshmallow import ValidationError

from connector.api import ops_schemas as s
from connector.api.messages import bulk_replay, detail, run_page, summary
from connector.console import auth, chart, csrf
from connector.models import utcnow
from connector.replay import replay
from connector.runtime import Runtime
from connector.status import collect_status
from connector.store import message_search, messages
from connector.store.message_search import REPLAYABLE, MessageFilter

bp = Blueprint(
    "console",
    __name__,
    url_prefix="/console",
    template_folder="templates",
    static_folder="static",
)
OPEN = {"console.login", "console.static"}


def runtime() -> Runtime:
    return current_app.extensions["connector"]  # type: ignore[no-any-return]


@bp.before_request
def guard() -> ResponseReturnValue | None:
    if request.method == "POST":
        csrf.protect()  # CSRFError (400) without a valid token
    if request.endpoint in OPEN or auth.signed_in():
        return None
    return redirect(url_for("console.login", next=request.full_path.rstrip("?")))


@bp.context_processor
def signed_in_flag() -> dict[str, Any]:
    return {"signed_in": request.endpoint not in OPEN and auth.signed_in()}


@bp.after_request
def no_store(response: Any) -> Any:
    response.headers.setdefault("Cache-Control", "no-store")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response


@bp.errorhandler(CSRFError)
def csrf_refused(exc: CSRFError) -> ResponseReturnValue:
    return render_template(
        "console/error.html", title="Refused", reason=exc.description
    ), 400


def safe_next(target: str | None) -> str:
    if target and target.startswith("/console") and "//" not in target:
        return target
    return url_for("console.overview")


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    if request.method == "POST":
        if auth.sign_in(request.form.get("token", "").strip()):
            return redirect(safe_next(request.form.get("next")))
        return render_template(
            "console/login.html",
            error="That API token is not valid.",
            next=request.form.get("next"),
        ), 401
    return render_template(
        "console/login.html", error=None, next=request.args.get("next")
    )


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    auth.sign_out()
    flash("Signed out.")
    return redirect(url_for("console.login"))


@bp.get("/")
def overview() -> ResponseReturnValue:
    rt = runtime()
    data = collect_status(rt)
    batch = sorted(spec.name for spec in rt.specs if spec.batch)
    last_run: dict[str, Any] = {}
    for run in data["runs"]:  # newest per (module, scope): keep the newest per module
        if run.module not in last_run or run.id > last_run[run.module].id:
            last_run[run.module] = run
    checkpoints: dict[str, list[Any]] = {}
    for cp in data["checkpoints"]:
        checkpoints.setdefault(cp.module, []).append(cp)
    modules = [
        {
            "name": spec.name,
            "batch": spec.name in batch,
            "run": last_run.get(spec.name),
            "checkpoints": checkpoints.get(spec.name, []),
        }
        for spec in sorted(rt.specs, key=lambda sp: sp.name)
    ]
    buckets = message_search.hourly_outcomes(rt.store, utcnow())
    return render_template(
        "console/overview.html",
        modules=modules,
        counts=data["messages"],
        queues=data["queues"],
        outbox=data["outbox"],
        chart=chart.build(buckets),
    )


def _filter_args() -> dict[str, Any]:
    raw = {k: v.strip() for k, v in request.args.items() if v.strip()}
    raw.setdefault("status", "failed")
    if raw["status"] == "all":
        raw.pop("status")
    return raw


@bp.get("/messages")
def message_list() -> ResponseReturnValue:
    raw = _filter_args()
    try:
        args = s.MessageListQuerySchema().load(raw)
    except ValidationError as exc:
        flash(f"Invalid filter: {exc.messages}")
        args = {"status": "failed", "limit": 50}
        raw = {"status": "failed"}
    flt = MessageFilter(args.get("status"), args.get("source"), args.get("route"))
    rows, below = message_search.page(
        runtime().store, flt, before_id=args.get("cursor"), limit=args["limit"]
    )
    cursor = s.MessagePageSchema().dump({"messages": [], "next_cursor": below})[
        "next_cursor"
    ]
    return render_template(
        "console/messages.html",
        rows=[summary(r) for r in rows],
        flt=flt,
        status=raw.get("status", "all"),
        statuses=messages.STATUSES,
        matched=message_search.count(runtime().store, flt),
        next_cursor=cursor,
        replayable=REPLAYABLE,
        max_replay=s.MAX_REPLAY,
    )


@bp.get("/messages/<int:row_id>")
def message_detail(row_id: int) -> ResponseReturnValue:
    row = messages.get(runtime().store, row_id)
    if row is None:
        return render_template(
            "console/error.html",
            title="Not found",
            reason=f"No message with id {row_id}.",
        ), 404
    return render_template("console/message.html", m=detail(row), replayable=REPLAYABLE)


@bp.post("/messages/<int:row_id>/replay")
def replay_one(row_id: int) -> ResponseReturnValue:
    result = replay(runtime(), [row_id])
    if result.published:
        flash(f"Message {row_id} queued for replay.")
    elif result.deferred:
        flash(f"Broker unreachable: message {row_id} will be published by the sweeper.")
    else:
        flash(
            f"Message {row_id} cannot be replayed (done, ignored, running or unknown route)."
        )
    return redirect(safe_next(request.form.get("next")))


@bp.post("/messages/replay")
def replay_matching() -> ResponseReturnValue:
    raw = {
        k: v.strip()
        for k, v in request.form.items()
        if v.strip() and k in ("status", "source", "route")
    }
    raw["limit"] = str(s.MAX_REPLAY)
    try:
        args = s.ReplayFilterSchema().load(raw)
    except ValidationError as exc:
        flash(f"Nothing replayed: {exc.messages}")
        return redirect(url_for("console.message_list"))
    res = bulk_replay(runtime(), args)
    flash(
        f"Replayed {res['replayed']} of {res['matched']} matching message(s)"
        + (f"; {res['remaining']} remain (replay again)" if res["remaining"] else "")
        + (f"; {res['deferred']} wait for the broker" if res["deferred"] else "")
        + "."
    )
    return redirect(safe_next(request.form.get("next")))


@bp.get("/runs")
def run_list() -> ResponseReturnValue:
    raw = {k: v.strip() for k, v in request.args.items() if v.strip()}
    try:
        args = s.RunListQuerySchema().load(raw)
    except ValidationError as exc:
        flash(f"Invalid filter: {exc.messages}")
        args = {"limit": 50}
    rows, below = run_page(runtime(), args)
    cursor = s.RunPageSchema().dump({"runs": [], "next_cursor": below})["next_cursor"]
    modules = sorted(spec.name for spec in runtime().specs if spec.batch)
    return render_template(
        "console/runs.html",
        rows=rows,
        module=args.get("module"),
        modules=modules,
        next_cursor=cursor,
    )
