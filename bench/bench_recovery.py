"""Recovery times with the product's defaults: a worker crash and a broker restart.

Processes (the fault suite's helpers, tests/faults/procs.py): a PRIVATE redis-server on
a free port (no persistence; the shared Redis is never touched), a fresh PostgreSQL
database, gunicorn serving the connector and ``celery worker -B`` (prefork, embedded
beat: the sweeper every 15 s). Every reliability setting is left at its default
(lease 20 s, sweep every 15 s, requeue after 900 s, redelivery cap 10).

Measures:
- worker crash: a message is running when the whole worker (main process and children)
  is SIGKILLed; a new worker starts; time from that worker being ready to the message
  done (the sweeper re-publishes once the lease expired);
- worker child crash: only the pool child running the message is SIGKILLed; time from
  the kill to the message done (the broker redelivers at once; the redelivery waits for
  the lease);
- broker restart: messages are queued on Redis with no worker running; Redis restarts
  without its data; time from Redis and a worker being back to every message done (the
  sweeper sees the broker epoch key gone and re-publishes at once);
- broker outage: the same with the worker running through a Redis outage (``--outage``
  s): time from Redis being back to every message done (the worker reconnects, the
  next sweep re-publishes).

Not a test. Run: ``.venv/bin/python bench/bench_recovery.py`` (``--messages``).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))

from connector.store import Store, messages, migrate  # noqa: E402
from tests.faults import procs  # noqa: E402
from tests.faults.conftest import System, fault_env  # noqa: E402
from tests.support import services  # noqa: E402

# the fault suite shortens these; the benchmark keeps the product's defaults
TEST_OVERRIDES = (
    "CONNECTOR_RETRY_BASE_SECONDS",
    "CONNECTOR_RETRY_MAX_SECONDS",
    "CONNECTOR_MAX_RETRIES",
    "CONNECTOR_MAX_DELIVERIES",
    "CONNECTOR_LEASE_SECONDS",
    "CONNECTOR_EVENT_TIME_LIMIT",
    "CONNECTOR_SWEEP_AFTER_SECONDS",
    "SYNC_MESSAGES_SWEEP_EVERY_SECONDS",
)


def wait_done(system: System, ids: list[int], timeout: float = 300) -> float:
    start = time.monotonic()
    for row_id in ids:
        remaining = timeout - (time.monotonic() - start)
        row = system.wait_status(row_id, ("done", "failed"), timeout=remaining)
        assert row.status == "done", row.last_error
    return time.monotonic()


def worker_crash(system: System) -> float:
    worker = system.start_worker()
    row_id = system.accept(
        id="bench-crash", name="fault.slow", entityRef="B-CRASH", sleep=90
    )
    procs.wait_until(lambda: system.effects("B-CRASH:start"), 30, "task started")
    worker.kill()
    system.workers.clear()
    system.start_worker()
    ready = time.monotonic()
    return wait_done(system, [row_id]) - ready


def child_crash(system: System) -> float:
    worker = system.workers[0] if system.workers else system.start_worker()
    row_id = system.accept(
        id="bench-child", name="fault.slow", entityRef="B-CHILD", sleep=90
    )
    start = procs.wait_until(lambda: system.effects("B-CHILD:start"), 30, "started")
    child = int(start[0][4])
    assert child in worker.children()
    os.kill(child, signal.SIGKILL)
    killed = time.monotonic()
    return wait_done(system, [row_id]) - killed


def broker_restart(system: System, count: int) -> float:
    system.stop_workers()
    ids = [
        system.accept(
            id=f"bench-lost-{i}", name="fault.record", entityRef=f"B-LOST-{i}"
        )
        for i in range(count)
    ]
    system.redis.restart()  # no RDB/AOF: every queued message is gone
    system.start_worker()
    back = time.monotonic()
    return wait_done(system, ids) - back


def broker_outage(system: System, count: int, down: float) -> float:
    """Redis down for ``down`` s under a running worker (both children busy, so the
    queued messages sit on Redis when it dies)."""
    system.stop_workers()
    system.start_worker()
    held = [
        system.accept(
            id=f"bench-hold-{i}", name="fault.slow", entityRef=f"B-HOLD-{i}", sleep=3
        )
        for i in range(2)
    ]
    ids = [
        system.accept(id=f"bench-out-{i}", name="fault.record", entityRef=f"B-OUT-{i}")
        for i in range(count)
    ]
    system.redis.kill()
    time.sleep(down)
    system.redis.start()
    back = time.monotonic()
    return wait_done(system, held + ids) - back


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--messages", type=int, default=20, help="queued at the restart"
    )
    parser.add_argument("--outage", type=float, default=20.0, help="Redis down (s)")
    args = parser.parse_args()
    # a SIGTERM (e.g. `timeout`) still runs the cleanup: no orphaned Redis or worker
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    tmp = Path(tempfile.mkdtemp(prefix="bench-recovery-"))
    redis = procs.PrivateRedis(tmp).start()
    url, name = services.create_pg_database()
    migrate.upgrade(url)
    env = fault_env(tmp, url, redis.url)
    for key in TEST_OVERRIDES:
        env.pop(key, None)
    store = Store(url)
    web = procs.start_web(env, tmp)
    system = System(tmp, env, redis, store, web)
    try:
        crash = worker_crash(system)
        child = child_crash(system)
        restart = broker_restart(system, args.messages)
        outage = broker_outage(system, args.messages, args.outage)
        counts = messages.counts_by_status(store)
    finally:
        system.stop_workers()
        web.kill()
        redis.kill()
        store.dispose()
        services.drop_pg_database(name)
    print("recovery times, defaults (lease 20 s, sweep every 15 s, requeue 900 s)")
    print(
        f"  worker crash (whole worker SIGKILL): {crash:6.1f} s after a new worker is ready"
    )
    print(f"  worker child crash (pool child SIGKILL): {child:6.1f} s after the kill")
    print(
        f"  broker restart without persistence ({args.messages} queued): "
        f"{restart:6.1f} s after Redis and a worker are back"
    )
    print(
        f"  Redis down {args.outage:.0f} s under a running worker ({args.messages} queued):"
        f" {outage:6.1f} s after Redis is back"
    )
    print(f"  store: {counts}")


if __name__ == "__main__":
    main()
