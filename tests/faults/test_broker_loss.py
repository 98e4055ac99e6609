"""Broker faults: a Redis restart without persistence loses every queued message, and
the sweeper notices at once (the broker epoch key is gone) instead of 15 minutes later;
a broker down at ingress leaves rows `received` for the sweeper. On RabbitMQ the queues
are durable quorum queues: a killed worker's message comes back from the broker itself."""

from __future__ import annotations

import time

import redis

from connector.inbound.sweeper import EPOCH_KEY
from tests.faults import procs
from tests.support import services


def test_redis_restart_without_persistence_republishes_within_seconds(system):
    client = redis.Redis.from_url(system.redis.url)
    worker = system.start_worker()
    procs.wait_until(
        lambda: client.exists(EPOCH_KEY), 10, "broker epoch set by a sweep"
    )
    worker.kill()
    system.workers.clear()
    queued = [
        system.accept(id=f"lost-{i}", name="fault.record", entityRef=f"LOST-{i}")
        for i in range(5)
    ]
    assert client.llen("events") == 5  # on the broker, waiting for a worker
    system.redis.restart()  # no RDB/AOF: the queue and the epoch are gone
    client = redis.Redis.from_url(system.redis.url)
    assert client.llen("events") == 0
    system.start_worker()
    ready = time.monotonic()
    for row_id in queued:
        assert system.wait_status(row_id, ("done",), timeout=30).status == "done"
    assert time.monotonic() - ready < 20  # default requeue_after is 900 s
    for i in range(5):
        assert len(system.effects(f"LOST-{i}")) == 1


def test_broker_down_at_ingress_keeps_the_message_for_the_sweeper(system):
    system.redis.kill()
    resp = system.post_fluent(id="down-1", name="fault.record", entityRef="DOWN-1")
    assert resp.status_code == 200, resp.text  # it is in the store: accepted
    row_id = int(resp.json()["id"])
    assert system.row(row_id).status == "received"
    system.redis.start()
    system.start_worker()
    assert system.wait_status(row_id, ("done",), timeout=30).status == "done"
    assert len(system.effects("DOWN-1")) == 1


def test_rabbitmq_redelivers_a_killed_workers_message_without_a_sweeper(system):
    """Durable quorum queues + publisher confirms on the shared RabbitMQ (queues named
    with a private prefix). No beat runs: the broker itself gives the message back when
    the dead worker's connection closes; the lease then lets it run once."""
    amqp = services.amqp_url()
    prefix = f"{services.SESSION_PREFIX}faults-"
    env = {"CELERY_BROKER_URL": amqp, "CONNECTOR_REDIS_PREFIX": prefix}
    web = procs.start_web({**system.env, **env}, system.tmp, workers=1)
    try:
        body = {"id": "rmq-1", "name": "fault.slow", "entityRef": "RMQ-1", "sleep": 30}
        resp = system.post_fluent(base=web.url, **body)
        assert resp.status_code == 200 and resp.json()["status"] == "accepted", (
            resp.text
        )
        row_id = int(resp.json()["id"])
        worker = procs.worker({**system.env, **env}, system.tmp)
        worker.argv.remove("-B")  # no beat, no sweeper
        worker.start()
        system.workers.append(worker)
        procs.wait_until(lambda: system.effects("RMQ-1:start"), 30, "task started")
        worker.kill()
        system.workers.clear()
        assert system.row(row_id).status == "processing"
        worker = procs.worker({**system.env, **env}, system.tmp)
        worker.argv.remove("-B")
        worker.start()
        system.workers.append(worker)
        row = system.wait_status(row_id, ("done", "failed"), timeout=40)
        assert row.status == "done", row.last_error
        assert len(system.effects("RMQ-1")) == 1
        _assert_quorum(amqp, prefix + "events")
    finally:
        web.kill()
        system.stop_workers()
        services.delete_amqp_queues(amqp, prefix)


def _assert_quorum(url: str, queue: str) -> None:
    from kombu import Connection

    with Connection(url) as conn:
        channel = conn.default_channel
        # re-declaring with other arguments fails: only a durable quorum queue matches
        channel.queue_declare(
            queue,
            durable=True,
            auto_delete=False,
            arguments={"x-queue-type": "quorum"},
        )


def test_redis_down_for_a_while_under_a_running_worker_loses_nothing(system):
    """The worker keeps running through a 10 s Redis outage; messages queued before it
    are re-published once Redis is back (the epoch is gone), within the sweep period."""
    client = redis.Redis.from_url(system.redis.url)
    worker = system.start_worker(CELERY_WORKER_CONCURRENCY="2")
    procs.wait_until(
        lambda: client.exists(EPOCH_KEY), 10, "broker epoch set by a sweep"
    )
    busy = [
        system.accept(id=f"hold-{i}", name="fault.slow", entityRef=f"HOLD-{i}", sleep=3)
        for i in range(2)
    ]
    procs.wait_until(
        lambda: (
            len(system.effects("HOLD-0:start") + system.effects("HOLD-1:start")) == 2
        ),
        15,
        "both children busy",
    )
    queued = [
        system.accept(id=f"wait-{i}", name="fault.record", entityRef=f"WAIT-{i}")
        for i in range(10)
    ]
    system.redis.kill()
    time.sleep(10)
    system.redis.start()
    back = time.monotonic()
    for row_id in busy + queued:
        assert system.wait_status(row_id, ("done",), timeout=45).status == "done"
    assert time.monotonic() - back < 30
    assert worker.alive()
    for i in range(10):
        assert len(system.effects(f"WAIT-{i}")) == 1
