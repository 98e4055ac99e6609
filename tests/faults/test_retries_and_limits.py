"""Retries run their whole schedule; an API that never answers hits the client timeout,
and a call without one hits the soft time limit before the hard one."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest


def test_transient_failures_run_every_retry_then_fail_and_notify(system):
    """MAX_RETRIES=5: 6 attempts, each ≥ Retry-After after the previous, then failed
    (Celery's default max_retries=3 used to stop at 4 and park the row `retrying`)."""
    system.start_worker()
    row_id = system.accept(id="retry-1", name="fault.busy", entityRef="BUSY-1")
    row = system.wait_status(row_id, ("failed",), timeout=30)
    assert row.attempts == 6
    assert "503" in (row.last_error or "")
    times = [float(e[3]) for e in system.effects("BUSY-1")]
    assert len(times) == 6
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert min(gaps) >= 0.4, gaps  # Retry-After 0.4 s is a floor of every delay
    log = system.workers[0].output()
    assert "message.failed" in log  # the notifier's failure line
    assert "MaxRetriesExceeded" not in log


@pytest.fixture
def blackhole() -> Iterator[str]:
    """A TCP server that accepts connections and never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def serve() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}"
    stop.set()
    thread.join(timeout=2)
    for conn in held:
        conn.close()
    server.close()


def test_api_that_never_answers_hits_the_client_timeout(system, blackhole):
    system.start_worker()
    row_id = system.accept(
        id="hole-1",
        name="fault.blackhole",
        entityRef="HOLE-1",
        url=blackhole,
        timeout=0.5,
    )
    row = system.wait_status(row_id, ("failed",), timeout=40)
    assert row.attempts == 6  # every attempt ended by the client's timeout: retried
    assert "ReadTimeout" in (row.last_error or ""), row.last_error
    assert row.deliveries == 1  # every attempt recorded an outcome: no child was lost


def test_soft_time_limit_fires_before_the_hard_one(system):
    """EVENT_TIME_LIMIT=6: the soft limit (4.8 s) interrupts the handler, the attempt is
    recorded and retried with backoff; the hard limit never kills the child."""
    system.start_worker(CONNECTOR_MAX_RETRIES="1")
    row_id = system.accept(id="spin-1", name="fault.spin", entityRef="SPIN-1")
    row = system.wait_status(row_id, ("failed",), timeout=30)
    assert row.attempts == 2
    assert row.deliveries == 1  # each attempt recorded its outcome: no child was lost
    assert "SoftTimeLimitExceeded" in (row.last_error or "")
    log = system.workers[0].output()
    assert "Hard time limit" not in log
    assert "WorkerLostError" not in log
