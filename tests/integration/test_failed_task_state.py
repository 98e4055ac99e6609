"""A permanently failed message ends its Celery task in state FAILURE (so Flower's
Failed view lists it, with the row id), once: no Celery retry, no redelivery; the
transient retry path and replay behave as before."""

from __future__ import annotations

import threading
import time

from celery import signals

from tasks.base import MessageFailed
from tests import handlers
from tests.support.signing import fluent_body, signed_headers

WEBHOOK = "/api/v1/fluent-connect/webhook"


class Recorder:
    """Task signals of the stack's worker, keyed by the message row id."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.failures: list[tuple[int, BaseException]] = []
        self.successes: list[int] = []
        self.retries: list[int] = []

    def on_failure(self, sender=None, exception=None, kwargs=None, **_):
        with self.lock:
            self.failures.append(((kwargs or {}).get("message_id"), exception))

    def on_success(self, sender=None, result=None, **_):
        with self.lock:
            if isinstance(result, dict) and "message_id" in result:
                self.successes.append(result["message_id"])

    def on_retry(self, sender=None, request=None, **_):
        with self.lock:
            self.retries.append((request.kwargs or {}).get("message_id"))


def recording():
    rec = Recorder()
    signals.task_failure.connect(rec.on_failure, weak=False)
    signals.task_success.connect(rec.on_success, weak=False)
    signals.task_retry.connect(rec.on_retry, weak=False)
    return rec


def stop(rec: Recorder) -> None:
    signals.task_failure.disconnect(rec.on_failure)
    signals.task_success.disconnect(rec.on_success)
    signals.task_retry.disconnect(rec.on_retry)


def post(stack, **fields):
    body = fluent_body(**fields)
    resp = stack.client.post(WEBHOOK, data=body, headers=signed_headers(body))
    assert resp.status_code == 200, resp.json
    return resp.json["id"]


def wait(predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


def test_permanent_failure_is_a_failed_task_once_then_replay_succeeds(stack):
    rec = recording()
    try:
        row_id = post(stack, id="evt-f1", name="test.broken", entityRef="SKU-F1")
        assert stack.wait_for(row_id).status == "failed"
        wait(lambda: rec.failures)
        time.sleep(0.5)  # a retry or redelivery would show up here
        assert [mid for mid, _ in rec.failures] == [row_id]
        exc = rec.failures[0][1]
        assert isinstance(exc, MessageFailed)
        assert f"message {row_id} failed" in str(exc)
        assert "SKU-F1 is unknown to Fluent" in str(exc)
        assert rec.retries == []
        from connector.store import messages

        row = messages.get(stack.runtime.store, row_id)
        assert (row.status, row.attempts, row.deliveries) == ("failed", 1, 1)
        # replay re-drives it as before: the task now succeeds
        handlers.FIXED.add("SKU-F1")
        assert messages.prepare_replay(stack.runtime.store, [row_id]) == [row_id]
        assert stack.runtime.enqueue(
            "messages.handle_event", queue="events", message_id=row_id
        )
        assert stack.wait_for(row_id, statuses=("done",)).status == "done"
        wait(lambda: row_id in rec.successes)
        assert len(rec.failures) == 1
    finally:
        stop(rec)


def test_transient_retries_stay_retries_and_end_success(stack):
    rec = recording()
    try:
        row_id = post(stack, id="evt-f2", name="test.flaky", entityRef="ORDER-F2")
        assert stack.wait_for(row_id, statuses=("done",)).attempts == 3
        wait(lambda: row_id in rec.successes)
        assert rec.retries.count(row_id) == 2
        assert rec.failures == []
    finally:
        stop(rec)
