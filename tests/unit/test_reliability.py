"""Reliability pieces without processes: the failed-auth limiter, unstorable strings,
RabbitMQ queue declarations, time limits and the retry bound."""

from __future__ import annotations

import re

import pytest

from connector.config import Config
from connector.extensions import is_amqp, make_celery, queues_for, soft_limit
from connector.inbound.jsonbody import BodyError, parse_object, unstorable
from connector.ratelimit import FailedAuthLimiter
from connector.runtime import Runtime


class Clock:
    def __init__(self, now: float = 1_000_040.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_limiter_allows_60_failures_a_minute_then_asks_to_wait():
    clock = Clock()
    limiter = FailedAuthLimiter(clock=clock)
    assert all(limiter.failed("10.0.0.1") is None for _ in range(60))
    wait = limiter.failed("10.0.0.1")
    assert wait == 40  # the window started 20 s ago
    assert limiter.failed("10.0.0.2") is None  # per client
    clock.now += 40  # next window
    assert limiter.failed("10.0.0.1") is None


def test_limiter_keeps_limiting_in_process_when_redis_is_down():
    limiter = FailedAuthLimiter("redis://127.0.0.1:1/0", clock=Clock())
    results = [limiter.failed("c") for _ in range(61)]
    assert results[:60] == [None] * 60
    assert results[60] is not None


@pytest.mark.parametrize(
    ("raw", "where"),
    [
        (b'{"a": "x\\u0000"}', "$.a: contains a NUL"),
        (b'{"a": [{"b": "\\udc00"}]}', "$.a[0].b: contains a lone surrogate"),
        (b'{"\\ud800": 1}', "$: a key contains a lone surrogate"),
    ],
)
def test_unstorable_strings_are_refused_naming_the_field(raw, where):
    with pytest.raises(BodyError, match=re.escape(where)):
        parse_object(raw)


def test_valid_unicode_is_kept():
    body = parse_object('{"name": "Zoë 😀", "n": [1, "\\u00e9"]}'.encode())
    assert body == {"name": "Zoë 😀", "n": [1, "é"]}
    assert unstorable(body) is None


def _config(**env: str) -> Config:
    base = {"DATABASE_URL": "sqlite://", "CONNECTOR_MODULES": "ct_messages"}
    return Config.from_env({**base, **env}, read_dotenv=False)


def test_rabbitmq_queues_are_durable_quorum_queues_with_publisher_confirms():
    url = "amqp://guest:guest@127.0.0.1:5672//"
    assert is_amqp(url) and not is_amqp("redis://x")
    queues = {q.alias or q.name: q for q in queues_for(url, "p:")}
    assert set(queues) == {"events", "batch", "default"}
    events = queues["events"]
    assert events.name == "p:events" and events.durable
    assert events.queue_arguments == {"x-queue-type": "quorum"}
    assert events.exchange.type == "topic"  # native delayed delivery for countdowns
    app = make_celery(Runtime(_config(CELERY_BROKER_URL=url)))
    options = app.conf.broker_transport_options
    assert options["confirm_publish"] is True
    assert "visibility_timeout" not in options


def test_no_read_on_a_redis_broker_connection_waits_for_ever():
    """A worker's event loop that reads a Redis connection with nothing to read must
    not block for good: the read times out and the consumer reconnects."""
    from connector.extensions import REDIS_BROKER_SOCKET_TIMEOUT

    app = make_celery(Runtime(_config(CELERY_BROKER_URL="redis://127.0.0.1:6379/0")))
    options = app.conf.broker_transport_options
    assert options["socket_timeout"] == REDIS_BROKER_SOCKET_TIMEOUT
    assert 1 < REDIS_BROKER_SOCKET_TIMEOUT <= 15  # above BRPOP's 1 s, below a test wait
    amqp = make_celery(Runtime(_config(CELERY_BROKER_URL="amqp://guest@127.0.0.1//")))
    assert "socket_timeout" not in amqp.conf.broker_transport_options


def test_time_limits_soft_before_hard_and_configurable():
    assert soft_limit(120) == 105
    app = make_celery(Runtime(_config(CONNECTOR_EVENT_TIME_LIMIT="10")))
    assert app.conf.task_time_limit == 10
    assert app.conf.task_soft_time_limit == 8


def test_celery_never_bounds_event_retries_the_policy_does():
    from tasks.base import ConnectorTask

    assert ConnectorTask.max_retries is None
    config = _config(CONNECTOR_MAX_RETRIES="9", CONNECTOR_LEASE_SECONDS="7")
    assert config.retry.max_retries == 9
    assert config.retry.lease_seconds == 7


def test_sweep_every_15_seconds_by_default():
    from tasks.schedule import build_schedule

    schedule = build_schedule(Runtime(_config()))
    assert schedule["messages-sweep"]["schedule"] == 15.0
    faster = build_schedule(Runtime(_config(SYNC_MESSAGES_SWEEP_EVERY_SECONDS="3")))
    assert faster["messages-sweep"]["schedule"] == 3.0
