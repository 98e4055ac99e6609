"""The fast publish path of ``Runtime.enqueue`` writes exactly what ``send_task`` does.

These tests are the drift guard of ``connector.publish.FastPublisher``: if a Celery or
kombu release changes the task message or its Redis envelope, the comparison fails.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from celery import signals

from connector.config import Config
from connector.extensions import make_celery
from connector.publish import FastPublisher
from connector.runtime import Runtime
from tests.support import services

TASK = "order_status.handle_event"


@pytest.fixture
def runtime(tmp_path) -> Iterator[Runtime]:
    url = services.redis_url()
    prefix = f"fast-publish-{uuid.uuid4().hex[:8]}:"
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'store.db'}",
        "REDIS_URL": url,
        "CONNECTOR_REDIS_PREFIX": prefix,
        "CONNECTOR_MODULES": "order_status",
        "CONNECTOR_DATA_DIR": str(tmp_path),
    }
    rt = Runtime(Config.from_env(env))
    make_celery(rt)
    yield rt
    client = redis.Redis.from_url(url)
    keys = list(client.scan_iter(match=f"{prefix}*"))
    if keys:
        client.delete(*keys)


def _queued(rt: Runtime, queue: str = "events") -> list[dict[str, Any]]:
    client = redis.Redis.from_url(services.redis_url())
    key = f"{rt.config.redis_key_prefix}{queue}"
    raw = client.lrange(key, 0, -1)
    client.delete(key)
    return [json.loads(item) for item in reversed(raw)]  # oldest first


def _normalised(message: dict[str, Any]) -> dict[str, Any]:
    """The message with its random ids replaced by placeholders (checked equal)."""
    headers = dict(message["headers"])
    props = dict(message["properties"])
    task_id = headers["id"]
    assert headers["root_id"] == task_id == props["correlation_id"]
    uuid.UUID(props["delivery_tag"])
    headers["id"] = headers["root_id"] = props["correlation_id"] = "<task id>"
    props["delivery_tag"] = "<tag>"
    body = json.loads(base64.b64decode(message["body"]))
    return {**message, "headers": headers, "properties": props, "body": body}


def test_fast_message_is_the_send_task_message(runtime):
    celery = runtime.celery
    fast = FastPublisher(celery)
    assert fast.enabled
    kwargs = {"message_id": 42}
    # what Runtime.enqueue asked send_task for before the fast path existed
    celery.send_task(
        TASK,
        kwargs=kwargs,
        queue="events",
        retry=False,
        argsrepr="()",
        kwargsrepr=repr(kwargs),
    )
    assert fast.publish(TASK, "events", kwargs)
    reference, quick = _queued(runtime)
    assert _normalised(quick) == _normalised(reference)
    assert list(quick) == list(reference)  # same key order as kombu writes
    assert list(quick["headers"]) == list(reference["headers"])
    assert list(quick["properties"]) == list(reference["properties"])
    assert quick["body"] == reference["body"]  # byte-identical body
    assert quick["headers"]["id"] != reference["headers"]["id"]


def test_enqueue_uses_the_fast_path_on_redis(runtime, monkeypatch):
    calls: list[str] = []
    monkeypatch.setattr(runtime.celery, "send_task", lambda *a, **k: calls.append(a[0]))
    # a wrapped send_task is honoured: the fast path steps aside
    assert runtime.enqueue(TASK, queue="events", message_id=1)
    assert calls == [TASK]
    monkeypatch.undo()
    runtime._fast = None
    assert runtime.enqueue(TASK, queue="events", message_id=2)
    (message,) = _queued(runtime)
    assert message["headers"]["task"] == TASK
    assert runtime._fast is not None and runtime._fast.enabled


def test_fast_path_steps_aside_when_the_message_could_differ(runtime):
    celery = runtime.celery
    fast = FastPublisher(celery)
    assert not fast.publish(TASK, "no-such-queue", {"message_id": 1})

    def receiver(**kwargs: Any) -> None:
        pass

    signals.before_task_publish.connect(receiver)
    try:
        assert not fast.publish(TASK, "events", {"message_id": 1})
    finally:
        signals.before_task_publish.disconnect(receiver)

    @celery.task(name="fast.expiring", expires=60)
    def expiring() -> None:
        pass

    @celery.task(name="fast.limited", time_limit=30, soft_time_limit=20)
    def limited() -> None:
        pass

    celery.finalize()  # registers them, as a worker does
    # send_task would put an expiry in the message: left to it
    assert not fast.publish("fast.expiring", "default", {})
    # time limits are carried as send_task carries them
    assert fast.publish("fast.limited", "default", {})
    celery.send_task(
        "fast.limited", queue="default", retry=False, argsrepr="()", kwargsrepr="{}"
    )
    quick, reference = _queued(runtime, "default")
    assert quick["headers"]["timelimit"] == [30, 20]
    assert _normalised(quick) == _normalised(reference)


def test_fast_path_is_off_for_other_brokers(tmp_path):
    for url in ("amqp://guest:guest@127.0.0.1:5672//", ""):
        env = {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'store.db'}",
            "CELERY_BROKER_URL": url,
            "CONNECTOR_DATA_DIR": str(tmp_path),
            "CONNECTOR_MODULES": "order_status",
        }
        if not url:
            env.pop("CELERY_BROKER_URL")
        rt = Runtime(Config.from_env(env))
        make_celery(rt)
        assert not FastPublisher(rt.celery).enabled


def test_dead_broker_fails_the_fast_publish(tmp_path):
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'store.db'}",
        "REDIS_URL": "redis://127.0.0.1:1/0",
        "CONNECTOR_MODULES": "order_status",
        "CONNECTOR_DATA_DIR": str(tmp_path),
    }
    rt = Runtime(Config.from_env(env))
    make_celery(rt)
    assert FastPublisher(rt.celery).enabled
    assert rt.enqueue(TASK, queue="events", message_id=1) is False


def test_a_dropped_connection_is_replaced_by_the_second_try(runtime):
    """The LPUSH runs on the thread's own connection: one dropped under it fails that
    publish (redis-py raises and closes it), ``enqueue``'s second try reconnects."""
    import socket

    assert runtime.enqueue(TASK, queue="events", message_id=1)
    fast = runtime._fast
    assert fast is not None and fast.enabled
    fast._local.client.connection._sock.shutdown(socket.SHUT_RDWR)
    assert runtime.enqueue(TASK, queue="events", message_id=2)
    ids = [json.loads(base64.b64decode(m["body"]))[1] for m in _queued(runtime)]
    assert ids == [{"message_id": 1}, {"message_id": 2}]


def test_a_non_json_kwarg_is_published_as_kombu_encodes_it(runtime):
    """kombu's encoder turns some types into tagged values; the fast path gives such
    a body to kombu's ``dumps`` (the standard library refuses it)."""
    from datetime import UTC, datetime

    when = datetime(2026, 12, 6, 3, 0, tzinfo=UTC)
    runtime.celery.send_task(
        TASK,
        kwargs={"at": when},
        queue="events",
        retry=False,
        argsrepr="()",
        kwargsrepr=repr({"at": when}),
    )
    assert FastPublisher(runtime.celery).publish(TASK, "events", {"at": when})
    reference, quick = _queued(runtime)
    assert quick["body"] == reference["body"]
