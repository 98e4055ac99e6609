"""Jobs API through the served app with the real worker.

The batch module used is ``jobs_probe``, a tiny in-memory stream defined here: its task
is registered at import (before any worker starts) and its spec is added to the running
connector's enabled modules for the test only, so the test does not depend on another
module's data or correctness.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
import requests

from connector import create_app
from connector.api.openapi import document, response_problems
from connector.config import Config
from connector.specs import ModuleSpec
from connector.store import migrate, runs
from connector.sync import Page, Planned, Skip, Stream, Window, WriteOutcome
from tasks.base import batch_task

TOKEN = {"Authorization": "Bearer test-token-2"}
PROBE = "jobs_probe"
RECORDS = [{"id": f"r{i}", "value": i} for i in range(1, 6)]  # r5 is skipped
WRITES: list[tuple[str, str]] = []  # (thread name, key) of every write
_lock = threading.Lock()


class ProbeStream(Stream):
    module = PROBE

    def scope(self) -> str:
        return "probe:memory"

    def pages(self, window: Window) -> Iterator[Page]:
        rows = [r for r in RECORDS if not window.after or r["id"] > window.after]
        for i in range(0, len(rows), 2):
            yield Page(rows[i : i + 2], rows[i : i + 2][-1]["id"])

    def plan(self, record: dict[str, Any]):
        if record["value"] == 5:
            yield Skip(record["id"], "odd one out")
            return
        yield Planned(record["id"], {"value": record["value"]})

    def write(self, batch: list[Planned], known: Mapping[str, Any]):
        with _lock:
            WRITES.extend((threading.current_thread().name, p.key) for p in batch)
        return [
            WriteOutcome(p.key, "updated" if p.key in known else "created")
            for p in batch
        ]


def build_probe(runtime: Any) -> ProbeStream:
    return ProbeStream()


PROBE_SPEC = ModuleSpec(name=PROBE, batch=f"{__name__}:build_probe")
probe_sync_batch = batch_task(PROBE)  # registered before any Celery app is finalized


@pytest.fixture
def jobs(connected, monkeypatch):
    runtime = connected.runtime
    monkeypatch.setitem(runtime.__dict__, "specs", [*runtime.specs, PROBE_SPEC])
    WRITES.clear()
    return connected


def call(stack, method, path, headers=TOKEN, **kw):
    resp = requests.request(
        method, f"{stack.url}{path}", headers=headers, timeout=10, **kw
    )
    problems = response_problems(
        method, path, resp.status_code, resp.json(), document(stack.stack.app)
    )
    assert problems == [], problems
    return resp


def wait_finished(stack, run_id: int) -> dict[str, Any]:
    def finished():
        body = call(stack, "GET", f"/api/v1/jobs/{run_id}").json()
        return body if body["status"] not in ("pending", "running") else None

    return stack.wait_until(finished, timeout=20, message=f"run {run_id} finished")


def test_post_starts_a_run_the_worker_executes(jobs):
    resp = call(jobs, "POST", f"/api/v1/jobs/{PROBE}", json={"full": True})
    assert resp.status_code == 202, resp.text
    body = resp.json()
    run_id = body["run_id"]
    assert body["status"] == "pending" and body["full"] is True
    assert resp.headers["Location"].endswith(f"/api/v1/jobs/{run_id}")
    run = wait_finished(jobs, run_id)
    assert run["status"] == "succeeded", run
    assert run["module"] == PROBE and run["scope"] == "probe:memory"
    assert run["trigger"] == "api" and run["full"] is True
    counts = run["counts"]
    assert (counts["read"], counts["created"], counts["skipped"]) == (5, 4, 1)
    assert run["started_at"] and run["finished_at"] and run["error"] is None
    assert sorted(key for _, key in WRITES) == ["r1", "r2", "r3", "r4"]
    assert all(name != threading.main_thread().name for name, _ in WRITES)
    # the same run id was executed (no second row), and a dry run writes nothing
    assert [r.id for r in runs.recent(jobs.runtime.store, PROBE)] == [run_id]
    dry = call(jobs, "POST", f"/api/v1/jobs/{PROBE}?dry_run=true&full=1")
    dry_run = wait_finished(jobs, dry.json()["run_id"])
    assert dry_run["status"] == "succeeded" and dry_run["dry_run"] is True
    assert len(WRITES) == 4
    listed = call(jobs, "GET", f"/api/v1/jobs?module={PROBE}").json()["runs"]
    assert [r["run_id"] for r in listed] == [dry.json()["run_id"], run_id]


def test_unknown_module_bad_params_and_missing_runs(jobs):
    unknown = call(jobs, "POST", "/api/v1/jobs/nope")
    assert unknown.status_code == 404
    assert PROBE in unknown.json()["modules"] and PROBE in unknown.json()["message"]
    not_batch = call(jobs, "POST", "/api/v1/jobs/availability")  # enabled, no batch
    assert not_batch.status_code == 404
    bad = call(jobs, "POST", f"/api/v1/jobs/{PROBE}", json={"full": "maybe"})
    assert bad.status_code == 400 and "full" in bad.json()["parameters"]
    extra = call(jobs, "POST", f"/api/v1/jobs/{PROBE}", json={"fast": True})
    assert extra.status_code == 400 and "fast" in extra.json()["parameters"]
    not_object = call(jobs, "POST", f"/api/v1/jobs/{PROBE}", json=[1])
    assert not_object.status_code == 400
    assert runs.recent(jobs.runtime.store, PROBE) == []
    assert call(jobs, "GET", "/api/v1/jobs/999999").status_code == 404


def test_token_required(jobs):
    for headers in ({}, {"X-API-Token": "wrong"}):
        assert call(jobs, "POST", f"/api/v1/jobs/{PROBE}", headers).status_code == 401
        assert call(jobs, "GET", "/api/v1/jobs/1", headers).status_code == 401
    assert runs.recent(jobs.runtime.store, PROBE) == []


def test_broker_down_is_503_and_the_run_failed(tmp_path, monkeypatch):
    env = {
        "CONNECTOR_DATA_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'c.db'}",
        "CELERY_BROKER_URL": "redis://127.0.0.1:1/0",  # nothing listens there
        "CONNECTOR_API_TOKENS": "t",
        "CONNECTOR_MODULES": "availability",
    }
    migrate.upgrade(env["DATABASE_URL"])
    app = create_app(Config.from_env(env))
    runtime = app.extensions["connector"]
    monkeypatch.setitem(runtime.__dict__, "specs", [*runtime.specs, PROBE_SPEC])
    resp = app.test_client().post(f"/api/v1/jobs/{PROBE}", headers={"X-API-Token": "t"})
    assert resp.status_code == 503
    assert resp.headers["Retry-After"]
    body = resp.get_json()
    path = f"/api/v1/jobs/{PROBE}"
    assert response_problems("POST", path, 503, body, document(app)) == []
    run = runs.get(runtime.store, body["run_id"])
    assert run.status == "failed" and "broker" in run.error
    runtime.store.dispose()
