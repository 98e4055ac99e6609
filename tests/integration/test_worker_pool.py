"""The event worker as the Procfile runs it (its pool and options, in a real process):
a commercetools endpoint that never answers stalls only the customers messages holding
pool slots while another module's (categories) messages are handled, and the soft time
limit still stops a task hung in an HTTP call."""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from connector import create_app
from connector.config import Config
from connector.models import InboundMessage
from connector.modules.ct_messages.poller import poll
from connector.runtime import Runtime
from connector.store import messages, migrate
from sandbox.serve import connector_env
from tests.support import services

ROOT = Path(__file__).resolve().parents[2]
HANG = "GET /<project_key>/customers/<res_id>"


def procfile_worker() -> str:
    for line in (ROOT / "Procfile").read_text().splitlines():
        if line.startswith("worker: "):
            return line.split(": ", 1)[1]
    raise AssertionError("no worker line in the Procfile")


@pytest.fixture
def pool_env(ct_sandbox, fluent_sandbox, tmp_path) -> Iterator[dict[str, str]]:
    """Sandboxes + a private store and broker (PostgreSQL/Redis when reachable)."""
    key = requests.get(f"{fluent_sandbox.url}/_sandbox/keys", timeout=10).json()
    env = {
        **connector_env(ct_sandbox.url, fluent_sandbox.url, key["public_key_pem"]),
        "CONNECTOR_MODULES": "customers,categories,ct_messages",
        "CONNECTOR_API_TOKENS": "test-token-1",
        "CONNECTOR_DATA_DIR": str(tmp_path),
        "WORKER_CONCURRENCY": "4",
    }
    cleanup = []
    try:
        services.redis_url()
        services.need("PostgreSQL", services.PG_HOST, services.PG_PORT)
        backend = "postgres"
    except pytest.skip.Exception:
        backend = "sqlite"
    if backend == "postgres":
        url, name = services.create_pg_database()
        prefix = f"{services.SESSION_PREFIX}pool-{uuid.uuid4().hex[:6]}:"
        env |= {
            "DATABASE_URL": url,
            "REDIS_URL": services.redis_url(),
            "CONNECTOR_REDIS_PREFIX": prefix,
        }
        cleanup.append(lambda: services.drop_pg_database(name))
        cleanup.append(lambda: services.flush_redis(env["REDIS_URL"], prefix))
    else:
        env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'connector.db'}"
    try:
        migrate.upgrade(env["DATABASE_URL"])
        yield env
    finally:
        for step in cleanup:
            step()


@contextmanager
def worker_process(env: dict[str, str], log: Path, *extra: str) -> Iterator[None]:
    """The Procfile's worker command (shell-expanded as honcho does), plus ``extra``."""
    command = procfile_worker() + " " + " ".join(shlex.quote(a) for a in extra)
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("CONNECTOR_")}
    full_env.pop("REDIS_URL", None)
    full_env.pop("CELERY_BROKER_URL", None)
    bin_dir = str(
        Path(sys.executable).parent
    )  # `celery` of this venv, as honcho finds it
    full_env["PATH"] = bin_dir + os.pathsep + full_env.get("PATH", "")
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            ["sh", "-c", f"exec {command}"],
            cwd=ROOT,
            env={**full_env, **env},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 60
        while b"ready." not in log.read_bytes():
            if proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError("worker did not start:\n" + log.read_text())
            time.sleep(0.2)
        yield
    finally:
        # cold stop: a warm shutdown would wait for the hung calls
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


def runtime_for(env: dict[str, str]) -> Runtime:
    config = Config.from_env({**os.environ, **env})
    return create_app(config).extensions["connector"]


def seed(ct_url: str, body: dict) -> None:
    resp = requests.post(f"{ct_url}/_sandbox/seed", json=body, timeout=10)
    assert resp.status_code == 201, resp.text


def hang_customer_reads(ct_url: str) -> None:
    rule = {"endpoint": HANG, "rate_timeout": 1.0, "timeout_seconds": 60}
    resp = requests.post(f"{ct_url}/_sandbox/faults", json=rule, timeout=10)
    assert resp.status_code == 201, resp.text


def rows(runtime: Runtime, route_prefix: str) -> list[InboundMessage]:
    return [
        r
        for r in messages.list_messages(runtime.store, source="commercetools")
        if (r.route or "").startswith(route_prefix)
    ]


def wait(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not within {timeout}s")
        time.sleep(0.2)


def test_hung_endpoint_stalls_only_its_share_of_the_pool(
    pool_env, ct_sandbox, tmp_path
) -> None:
    seed(
        ct_sandbox.url,
        {"customers": [{"key": f"c{i}", "email": f"c{i}@example.com"} for i in (1, 2)]},
    )
    seed(
        ct_sandbox.url,
        {"categories": [{"key": f"k{i}", "name": {"en": f"K{i}"}} for i in range(6)]},
    )
    hang_customer_reads(ct_sandbox.url)
    runtime = runtime_for(pool_env)
    with worker_process(pool_env, tmp_path / "worker.log"):
        assert poll(runtime)["accepted"] == 8
        customers = rows(runtime, "commercetools.connect.customer")
        assert len(customers) == 2
        # both customers messages are stuck in the endpoint that never answers ...
        wait(
            lambda: all(
                messages.get(runtime.store, r.id).status == "processing"
                for r in customers
            ),
            20,
            "customers messages processing",
        )
        # ... and every categories message is handled meanwhile
        started = time.monotonic()
        categories = wait(
            lambda: (
                [
                    r
                    for r in rows(runtime, "commercetools.connect.categor")
                    if r.status == "done"
                ]
                if len(rows(runtime, "commercetools.connect.categor")) == 6
                and all(
                    r.status == "done"
                    for r in rows(runtime, "commercetools.connect.categor")
                )
                else None
            ),
            30,
            "6 categories messages done",
        )
        assert len(categories) == 6
        assert time.monotonic() - started < 30  # well before the client's 30 s timeout
        still = [messages.get(runtime.store, r.id).status for r in customers]
        assert still == ["processing", "processing"]
    runtime.store.dispose()


def test_soft_time_limit_stops_a_hung_call_under_the_pool(
    pool_env, ct_sandbox, tmp_path, monkeypatch
) -> None:
    seed(ct_sandbox.url, {"customers": [{"key": "c9", "email": "c9@example.com"}]})
    hang_customer_reads(ct_sandbox.url)
    runtime = runtime_for(pool_env)
    # Short limits carried by the message (they win over the app's 105 s / 120 s):
    # soft 3 s, hard 25 s; the call hangs 60 s and the client's read timeout is 30 s.
    celery = runtime.celery
    assert celery is not None
    send_task = celery.send_task

    def with_short_limits(*args, **kwargs):
        return send_task(*args, soft_time_limit=3, time_limit=25, **kwargs)

    monkeypatch.setattr(celery, "send_task", with_short_limits)
    log = tmp_path / "worker.log"
    with worker_process(pool_env, log):
        started = time.monotonic()
        assert poll(runtime)["accepted"] == 1
        (row,) = rows(runtime, "commercetools.connect.customer")
        done = wait(
            lambda: (
                (r := messages.get(runtime.store, row.id))
                and r.status != "processing"
                and r.status != "queued"
                and r
            ),
            20,
            "the soft time limit",
        )
        elapsed = time.monotonic() - started
    assert "SoftTimeLimitExceeded" in (done.last_error or ""), done.last_error
    assert 3 <= elapsed < 20  # the soft limit, not the client timeout or the hard one
    text = log.read_text()
    assert "Hard time limit" not in text
    assert "WorkerLostError" not in text
    runtime.store.dispose()


def test_task_events_reach_flower_in_batches(pool_env, ct_sandbox, tmp_path) -> None:
    """Flower sees every task's received/started/succeeded events from the Procfile's
    worker; they arrive as ``task.multi`` messages of several events, not one each."""
    if "REDIS_URL" not in pool_env:
        pytest.skip("the event loop (and its batching) runs with a Redis broker")
    seed(
        ct_sandbox.url,
        {"categories": [{"key": f"e{i}", "name": {"en": f"E{i}"}} for i in range(8)]},
    )
    runtime = runtime_for(pool_env)
    celery = runtime.celery
    assert celery is not None
    events: list[dict] = []
    messages_in: list[int] = []

    class Counting(celery.events.Receiver):  # type: ignore[name-defined,misc]
        def _receive(self, body, message, *args, **kwargs):
            messages_in.append(len(body) if isinstance(body, list) else 1)
            return super()._receive(body, message, *args, **kwargs)

    with celery.connection_for_read() as conn:
        receiver = Counting(conn, handlers={"*": events.append}, app=celery)
        capture = threading.Thread(
            target=lambda: receiver.capture(limit=None, timeout=None, wakeup=False),
            daemon=True,
        )
        capture.start()
        time.sleep(0.5)  # the receiver's queue is bound before the worker sends
        with worker_process(pool_env, tmp_path / "worker.log"):
            assert poll(runtime)["accepted"] == 8
            wait(
                lambda: (
                    len({e["uuid"] for e in events if e["type"] == "task-succeeded"})
                    == 8
                ),
                30,
                "8 task-succeeded events",
            )
        receiver.should_stop = True
        capture.join(timeout=5)
    kinds = {}
    for e in events:
        if e["type"].startswith("task-"):
            kinds.setdefault(e["uuid"], set()).add(e["type"])
    assert len(kinds) == 8
    assert all(
        {"task-received", "task-started", "task-succeeded"} <= k for k in kinds.values()
    ), kinds
    task_events = sum(len(k) for k in kinds.values())
    # batched: far fewer broker messages than events (Celery's own flush sends
    # one message per loop tick, which for 8 quick tasks is close to one per event)
    assert len(messages_in) < task_events / 2, (len(messages_in), task_events)
    runtime.store.dispose()
