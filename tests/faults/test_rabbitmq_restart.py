"""A RabbitMQ restart with messages queued loses nothing and needs no sweeper: the
queues are durable quorum queues and a publish returns only once the broker confirmed
it, so what was queued before the restart is on disk and delivered after it.

This restarts the machine's RabbitMQ application (``rabbitmqctl stop_app`` /
``start_app``: the node's queues are recovered from disk as after a service restart);
queues of this test carry a private prefix. It runs in CI (services required) or with
``CONNECTOR_TEST_RABBITMQ_RESTART=1``; elsewhere it is skipped, since other sessions on
the same machine may be using that broker."""

from __future__ import annotations

import os
import shutil
import subprocess
import time

import pytest

from tests.faults import procs
from tests.support import services


def _restart_rabbitmq() -> float:
    """Stop and start the broker application; seconds until it accepts connections."""
    ctl = shutil.which("rabbitmqctl") or "/usr/sbin/rabbitmqctl"
    subprocess.run([ctl, "stop_app"], check=True, capture_output=True, timeout=60)
    subprocess.run([ctl, "start_app"], check=True, capture_output=True, timeout=120)
    started = time.monotonic()
    procs.wait_until(
        lambda: services._reachable("127.0.0.1", 5672), 60, "RabbitMQ back"
    )
    return time.monotonic() - started


def test_rabbitmq_restart_with_messages_queued_loses_nothing(system):
    if not (services.required() or os.environ.get("CONNECTOR_TEST_RABBITMQ_RESTART")):
        pytest.skip(
            "restarts the shared RabbitMQ: CI or CONNECTOR_TEST_RABBITMQ_RESTART"
        )
    amqp = services.amqp_url()
    prefix = f"{services.SESSION_PREFIX}restart-"
    env = {"CELERY_BROKER_URL": amqp, "CONNECTOR_REDIS_PREFIX": prefix}
    web = procs.start_web({**system.env, **env}, system.tmp, workers=1)
    try:
        queued = []
        for i in range(10):
            resp = system.post_fluent(
                base=web.url, id=f"rmq-q-{i}", name="fault.record", entityRef=f"Q-{i}"
            )
            assert resp.status_code == 200, resp.text
            assert resp.json()["status"] == "accepted", resp.json()
            queued.append(int(resp.json()["id"]))
        # published and confirmed: the rows say so before the broker goes away
        assert {system.row(r).status for r in queued} == {"queued"}
        web.kill()
        _restart_rabbitmq()
        worker = procs.worker({**system.env, **env}, system.tmp)
        worker.argv.remove("-B")  # no beat: no sweeper may help
        worker.start()
        system.workers.append(worker)
        for row_id in queued:
            assert system.wait_status(row_id, ("done",), timeout=60).status == "done"
        for i in range(10):
            assert len(system.effects(f"Q-{i}")) == 1
    finally:
        web.kill()
        system.stop_workers()
        services.delete_amqp_queues(amqp, prefix)
