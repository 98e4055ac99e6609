"""The foundation end to end: webhook -> store -> broker -> real worker -> handler."""

from __future__ import annotations

import time

import pytest
from click.testing import CliRunner

from connector import create_app
from connector.cli import main
from connector.config import Config
from connector.inbound.sweeper import sweep
from connector.store import messages
from tests import handlers
from tests.support.signing import fluent_body, signed_headers

WEBHOOK = "/api/v1/fluent-connect/webhook"


def post(stack, body: bytes, path: str = WEBHOOK, headers=None):
    return stack.client.post(path, data=body, headers=headers or signed_headers(body))


def test_accepted_handled_done(stack):
    body = fluent_body(id="evt-100", entityRef="ORDER-100")
    resp = post(stack, body)
    assert resp.status_code == 200
    assert resp.json["status"] == "accepted"
    row = stack.wait_for(resp.json["id"])
    assert row.status == "done", row.last_error
    assert row.attempts == 1
    assert row.result == {"ref": "ORDER-100"}
    assert handlers.EFFECTS["ORDER-100"] == 1


def test_fast_published_task_runs_on_the_real_worker(stack, monkeypatch):
    """On Redis the webhook's task goes through the fast publish path (not
    ``send_task``), and the real worker consumes and runs it."""
    fast = stack.runtime._fast_publisher()
    outcomes: list[bool] = []
    publish = fast.publish

    def spy(*args, **kwargs):
        outcomes.append(publish(*args, **kwargs))
        return outcomes[-1]

    monkeypatch.setattr(fast, "publish", spy)
    body = fluent_body(id="evt-102", entityRef="ORDER-102")
    resp = post(stack, body)
    assert resp.json["status"] == "accepted"
    row = stack.wait_for(resp.json["id"])
    assert row.status == "done", row.last_error
    assert handlers.EFFECTS["ORDER-102"] == 1
    assert outcomes == [stack.backend == "postgres"]  # Redis broker: fast path


def test_alias_path_and_rotated_key(stack):
    body = fluent_body(id="evt-101", entityRef="ORDER-101")
    resp = post(
        stack, body, path="/webhooks/fluent", headers=signed_headers(body, "rotated")
    )
    assert resp.status_code == 200, resp.json
    assert stack.wait_for(resp.json["id"]).status == "done"


def test_same_message_three_times_one_effect(stack):
    body = fluent_body(id="evt-200", entityRef="ORDER-200")
    answers = [post(stack, body) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert [a.json["status"] for a in answers] == ["accepted", "duplicate", "duplicate"]
    stack.wait_for(answers[0].json["id"])
    time.sleep(0.3)  # give a wrongly enqueued duplicate the chance to run
    assert handlers.EFFECTS["ORDER-200"] == 1
    assert messages.counts_by_status(stack.runtime.store) == {"done": 1}
    metrics = stack.client.get("/metrics").get_data(as_text=True)
    assert 'connector_webhooks_duplicates_total{source="fluent"}' in metrics


def test_unknown_name_recorded_as_ignored(stack):
    body = fluent_body(id="evt-300", name="fc.unknown.webhook")
    resp = post(stack, body)
    assert resp.status_code == 200
    assert resp.json["status"] == "ignored"
    row = messages.get(stack.runtime.store, resp.json["id"])
    assert row.status == "ignored" and row.route is None


def test_broker_down_then_sweeper_enqueues_once(stack):
    # A second web app on the same store whose broker is unreachable.
    down_env = {
        **stack.env,
        "REDIS_URL": "redis://127.0.0.1:1/0",
        "CELERY_BROKER_URL": "redis://127.0.0.1:1/0",
    }
    down_app = create_app(Config.from_env(down_env))
    body = fluent_body(id="evt-400", entityRef="ORDER-400")
    started = time.monotonic()
    resp = down_app.test_client().post(WEBHOOK, data=body, headers=signed_headers(body))
    assert resp.status_code == 200 and resp.json["status"] == "accepted"
    assert time.monotonic() - started < 2.0  # a dead broker does not hold the sender
    row_id = resp.json["id"]
    assert messages.get(stack.runtime.store, row_id).status == "received"
    time.sleep(0.5)
    assert handlers.EFFECTS["ORDER-400"] == 0
    # The broker "comes back": the sweeper of the working stack publishes the row.
    assert sweep(stack.runtime)["republished"] == 1
    assert stack.wait_for(row_id).status == "done"
    assert sweep(stack.runtime)["republished"] == 0
    time.sleep(0.3)
    assert handlers.EFFECTS["ORDER-400"] == 1


def test_transient_twice_then_done_after_three_attempts(stack):
    body = fluent_body(id="evt-500", name="test.flaky", entityRef="ORDER-500")
    resp = post(stack, body)
    row = stack.wait_for(resp.json["id"])
    assert row.status == "done", row.last_error
    assert row.attempts == 3
    assert "503" in (row.last_error or "")
    assert handlers.EFFECTS["ORDER-500"] == 1


def test_permanent_error_fails_then_replay_succeeds(stack):
    body = fluent_body(id="evt-600", name="test.broken", entityRef="SKU-600")
    resp = post(stack, body)
    row = stack.wait_for(resp.json["id"])
    assert row.status == "failed"
    assert row.attempts == 1
    assert "product SKU-600 is unknown to Fluent" in row.last_error
    handlers.FIXED.add("SKU-600")
    result = CliRunner().invoke(
        main, ["messages", "replay", str(row.id)], env=stack.env
    )
    assert result.exit_code == 0, result.output
    assert "replayed 1 message" in result.output
    row = stack.wait_for(row.id, statuses=("done",))
    assert handlers.EFFECTS["SKU-600"] == 1
    listing = CliRunner().invoke(
        main, ["messages", "list", "--status", "done"], env=stack.env
    )
    assert "test.broken" in listing.output


def test_status_command_shows_counts_and_queues(stack):
    post(stack, fluent_body(id="evt-700", name="fc.unknown"))
    result = CliRunner().invoke(main, ["status"], env=stack.env)
    assert result.exit_code == 0, result.output
    assert "ignored=1" in result.output
    assert "events=" in result.output and "unreachable" not in result.output


def test_bursts_of_webhooks_are_all_handled(stack):
    """Bursts fill the worker's task-event buffer over and over (3 events a task, 24
    a buffer). On RabbitMQ a threads-pool thread that published a full buffer itself
    could wait for ever for a publisher confirm the event loop had read, and the
    worker stopped consuming (seen in CI); only the loop publishes events now."""
    for burst in range(4):
        ids = []
        for n in range(30):
            body = fluent_body(id=f"evt-burst-{burst}-{n}", entityRef=f"ORDER-B{n}")
            resp = post(stack, body)
            assert resp.json["status"] == "accepted"
            ids.append(resp.json["id"])
        for row_id in ids:
            row = stack.wait_for(row_id, timeout=15)
            assert row.status == "done", row.last_error


def test_a_worker_loop_blocked_on_a_redis_read_recovers(stack):
    """The worker's event loop made to read its pub/sub connection with nothing to
    read (what a spurious or stale readiness does) blocked until some broadcast came:
    no task ran meanwhile. With the broker's socket timeout the read fails, the
    consumer reconnects and the next webhook is handled."""
    if stack.backend != "postgres":
        pytest.skip("the Redis broker's pub/sub connection")
    consumer = stack.extra["worker"].consumer
    control = consumer.blueprint.steps["celery.worker.consumer.control.Control"]
    channel = control.box.node.channel  # subscribed to the control broadcasts
    assert channel.subclient.connection is not None
    consumer.hub.call_soon(channel._receive)  # on the loop's thread: blocks there
    time.sleep(0.5)
    body = fluent_body(id="evt-blocked-loop", entityRef="ORDER-BLOCKED")
    resp = post(stack, body)
    assert resp.json["status"] == "accepted"
    started = time.monotonic()
    row = stack.wait_for(resp.json["id"], timeout=25)
    assert row.status == "done", row.last_error
    assert time.monotonic() - started > 5  # it was blocked, then recovered
