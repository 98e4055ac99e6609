"""The ct-queue listener against a real SQS-compatible server (moto, loopback):
OrderCreated raw / EventBridge / SNS -> one Fluent order; twice -> one order; a poison
message stays on the queue and is counted; a listener SIGKILLed mid-batch loses
nothing (the unacknowledged messages come back and the inbox dedupes them)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from test_orders_flow import fluent_order_refs, notification, place, shop  # noqa: F401

from connector.listeners.sqs import SqsListener
from connector.store import messages
from tests.support import sqs

ROOT = Path(__file__).parents[3]


@pytest.fixture(scope="module")
def sqs_endpoint():
    pytest.importorskip("moto.server")
    with sqs.moto_sqs() as url:
        yield url


@pytest.fixture
def queue(sqs_endpoint):
    """A fresh queue with a 10 s visibility timeout (and a dead-letter queue)."""
    client = sqs.client(sqs_endpoint)
    return client, sqs.make_queue(client, visibility=10)


@pytest.fixture
def short_queue(sqs_endpoint):
    """A fresh queue whose unacknowledged messages come back after 2 s."""
    client = sqs.client(sqs_endpoint)
    return client, sqs.make_queue(client, visibility=2)


def drain(connected, client, queue_url: str, *, until_empty: bool = True):
    """Run an in-process listener until the queue is empty (bounded)."""
    listener = SqsListener(connected.runtime, client, queue_url, wait_seconds=1)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        listener.run(max_batches=1)
        if not until_empty or sqs.depth(client, queue_url) == 0:
            break
    return listener.stats


def place_order(shop, number: str) -> dict:  # noqa: F811
    return place(shop, number, customerId=shop.jane_id)


def ct_rows(connected) -> list:
    return messages.list_messages(
        connected.runtime.store, source="commercetools", limit=200
    )


def wait_done(connected, count: int) -> list:
    connected.wait_until(
        lambda: (
            len(ct_rows(connected)) == count
            and all(r.status in ("done", "failed") for r in ct_rows(connected))
        ),
        timeout=30,
        message=f"{count} commercetools messages handled",
    )
    rows = ct_rows(connected)
    assert [r.last_error for r in rows if r.status != "done"] == []
    return rows


@pytest.mark.parametrize("wrapping", ["raw", "eventbridge", "sns"])
def test_order_created_reaches_fluent_once(shop, queue, wrapping):  # noqa: F811
    client, queue_url = queue
    number = f"SQS-{wrapping}"
    order = place_order(shop, number)
    body = notification(shop, order["id"])
    wrapped = {"raw": body, "eventbridge": sqs.eventbridge(body), "sns": sqs.sns(body)}
    text = json.dumps(wrapped[wrapping])
    client.send_message(QueueUrl=queue_url, MessageBody=text)
    client.send_message(QueueUrl=queue_url, MessageBody=text)  # delivered twice

    stats = drain(shop, client, queue_url)
    assert (stats.accepted, stats.duplicates, stats.unparseable) == (1, 1, 0)
    assert stats.deleted == 2 and sqs.depth(client, queue_url) == 0
    [row] = wait_done(shop, 1)
    assert (row.name, row.message_id) == ("OrderCreated", body["id"])
    assert row.route == "commercetools.connect.order.create"
    assert row.result["status"] == "created"
    assert fluent_order_refs(shop).count(number) == 1


def test_poison_message_stays_on_the_queue_and_is_counted(connected, short_queue):
    client, queue_url = short_queue
    client.send_message(QueueUrl=queue_url, MessageBody="{not json")
    client.send_message(
        QueueUrl=queue_url, MessageBody=json.dumps({"detail-type": "x", "detail": 1})
    )
    listener = SqsListener(connected.runtime, client, queue_url, wait_seconds=1)
    listener.run(max_batches=1)
    assert (listener.stats.received, listener.stats.unparseable) == (2, 2)
    assert listener.stats.deleted == 0
    assert sqs.depth(client, queue_url) == 2  # not deleted: in flight, then visible
    assert ct_rows(connected) == []
    time.sleep(2.2)  # the visibility timeout: it is received (and counted) again
    listener.run(max_batches=1)
    assert listener.stats.unparseable == 4 and listener.stats.deleted == 0
    assert sqs.depth(client, queue_url) == 2


def test_listener_killed_mid_batch_loses_nothing(shop, short_queue):  # noqa: F811
    client, queue_url = short_queue
    numbers = [f"SQS-KILL-{i}" for i in range(6)]
    bodies = [notification(shop, place_order(shop, n)["id"]) for n in numbers]
    client.send_message_batch(
        QueueUrl=queue_url,
        Entries=[
            {"Id": str(i), "MessageBody": json.dumps(b)} for i, b in enumerate(bodies)
        ],
    )
    env = {**os.environ, **shop.env, **sqs.CREDENTIALS}
    child = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.support.sqs_child",
            queue_url,
            client.meta.endpoint_url,
            "0.5",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        shop.wait_until(
            lambda: len(ct_rows(shop)) >= 2 or child.poll() is not None,
            timeout=60,
            message="the child listener recorded two messages",
        )
        assert child.poll() is None, child.stderr.read() if child.stderr else ""
        child.kill()  # SIGKILL in the middle of the batch: nothing deleted yet
    finally:
        child.kill()
        child.wait(timeout=10)
    recorded = len(ct_rows(shop))
    assert 2 <= recorded < len(bodies)
    # the batch in hand was not deleted: its recorded messages are still on the queue
    assert sqs.depth(client, queue_url) >= len(bodies) - recorded + 1

    time.sleep(2.2)  # the visibility timeout of the queue
    stats = drain(shop, client, queue_url)
    assert stats.duplicates >= 1  # recorded before the kill, delivered again, deduped
    assert stats.accepted == len(bodies) - recorded
    assert sqs.depth(client, queue_url) == 0
    rows = wait_done(shop, len(bodies))
    assert sorted(r.message_id for r in rows) == sorted(b["id"] for b in bodies)
    refs = fluent_order_refs(shop)
    assert all(refs.count(n) == 1 for n in numbers)


def test_sigterm_finishes_the_batch_in_hand(connected, queue):
    client, queue_url = queue
    listener = SqsListener(connected.runtime, client, queue_url, wait_seconds=1)
    for i in range(3):
        client.send_message(
            QueueUrl=queue_url,
            MessageBody=json.dumps(
                {
                    "notificationType": "Message",
                    "id": f"term-{i}",
                    "type": "SomethingUnrouted",
                    "resource": {"typeId": "order", "id": f"o-{i}"},
                }
            ),
        )
    original = listener._handle

    def handle_then_stop(message):
        listener.stop()  # as the SIGTERM handler does, mid-batch
        return original(message)

    listener._handle = handle_then_stop  # type: ignore[method-assign]
    thread = threading.Thread(target=listener.run)
    thread.start()
    thread.join(timeout=20)
    assert not thread.is_alive()
    assert listener.stats.batches == 1
    handled = listener.stats.ignored
    assert handled >= 1 and listener.stats.deleted == handled
    assert sqs.depth(client, queue_url) == 3 - handled


def test_procfile_command_reads_the_queue_and_stops_on_sigterm(connected, queue):
    client, queue_url = queue
    env = {
        **os.environ,
        **connected.env,
        **sqs.CREDENTIALS,
        "CTP_QUEUE_URL": queue_url,
        "AWS_ENDPOINT_URL_SQS": client.meta.endpoint_url,
    }
    client.send_message(
        QueueUrl=queue_url,
        MessageBody=json.dumps(
            sqs.eventbridge(
                {
                    "notificationType": "Message",
                    "projectKey": "demo-shop",
                    "id": "cli-1",
                    "type": "SomethingUnrouted",
                    "resource": {"typeId": "order", "id": "o-cli"},
                }
            )
        ),
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "connector.cli", "listen", "sqs", "--wait-seconds", "1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        connected.wait_until(
            lambda: sqs.depth(client, queue_url) == 0 or proc.poll() is not None,
            timeout=60,
            message="the listener process emptied the queue",
        )
        assert proc.poll() is None
        proc.terminate()  # SIGTERM, as the platform stops a process
        out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 0, err[-2000:]
    stats = json.loads(out.strip().splitlines()[-1])
    assert (stats["received"], stats["ignored"], stats["deleted"]) == (1, 1, 1)
    [row] = ct_rows(connected)
    assert (row.message_id, row.status) == ("cli-1", "ignored")


def test_two_listeners_on_one_queue_record_each_message_once(connected, queue):
    client, queue_url = queue
    bodies = [
        json.dumps(
            {
                "notificationType": "Message",
                "id": f"two-{i}",
                "type": "SomethingUnrouted",
                "resource": {"typeId": "order", "id": f"o-{i}"},
            }
        )
        for i in range(8)
    ]
    for body in bodies * 2:  # every message delivered twice
        client.send_message(QueueUrl=queue_url, MessageBody=body)
    listeners = [
        SqsListener(connected.runtime, client, queue_url, wait_seconds=1, batch_size=3)
        for _ in range(2)
    ]
    deadline = time.monotonic() + 30

    def work(listener: SqsListener) -> None:
        while sqs.depth(client, queue_url) and time.monotonic() < deadline:
            listener.run(max_batches=1)

    threads = [threading.Thread(target=work, args=(lis,)) for lis in listeners]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sqs.depth(client, queue_url) == 0
    assert sum(lis.stats.ignored for lis in listeners) == 8
    assert sum(lis.stats.duplicates for lis in listeners) == 8
    assert sorted(r.message_id for r in ct_rows(connected)) == sorted(
        f"two-{i}" for i in range(8)
    )
