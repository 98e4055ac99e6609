"""The Celery app of a runtime, and its attachment to the Flask app.

Reliability settings follow DESIGN.md §8: acks_late + reject_on_worker_lost (with a
redelivery cap enforced by the store), prefetch 1, JSON only, time limits, and a Redis
visibility timeout longer than the longest hard time limit plus the longest retry delay
(a dead worker's message does not wait for it: the store's lease re-runs it in seconds).
Without a broker URL the embedded broker is kombu's SQLAlchemy transport on SQLite.

RabbitMQ (``CELERY_BROKER_URL=amqp://…``): durable quorum queues on topic exchanges
(so countdowns use RabbitMQ's native delayed delivery, not ETAs held by a worker) and
publisher confirms — a publish that returned is on the broker's disk.
"""

from __future__ import annotations

import importlib.util
import logging
import sys
import time
from typing import Any

from celery import Celery
from celery.worker.consumer import Consumer
from flask import Flask
from kombu import Exchange, Queue
from kombu.transport.sqlalchemy import Channel as SqlaChannel
from kombu.transport.sqlalchemy import Transport as SqlaTransport
from sqlalchemy.exc import IntegrityError

from connector.publish import transport_for
from connector.runtime import Runtime

log = logging.getLogger(__name__)

QUEUES = ("events", "batch", "default")
BATCH_TIME_LIMIT = 3 * 3600  # hard limit of batch syncs


class EmbeddedBrokerChannel(SqlaChannel):  # type: ignore[misc]
    """kombu's SQLAlchemy channel, safe when two processes declare a queue at once.

    kombu creates a queue's row with select-then-insert under a lock that holds only
    within one process; the web app, the worker and its beat each declare the queues on
    start, and the loser of that race got ``UNIQUE constraint failed: kombu_queue.name``
    (kombu only catches OperationalError). The loser now takes the winner's row.
    """

    def _get_or_create(self, queue: str) -> Any:
        try:
            return super()._get_or_create(queue)
        except IntegrityError:
            self.session.rollback()
            found = (
                self.session.query(self.queue_cls)
                .filter(self.queue_cls.name == queue)
                .first()
            )
            if found is None:
                raise
            return found


class EmbeddedBrokerTransport(SqlaTransport):
    """kombu's SQLAlchemy transport polling every 0.1 s (the default 1 s adds latency)."""

    Channel = EmbeddedBrokerChannel
    polling_interval = 0.1


EVENT_FLUSH_SECONDS = 0.1
# seconds any read on a Redis broker connection may wait (kombu's default: for ever)
REDIS_BROKER_SOCKET_TIMEOUT = 10.0
# Celery's own buffer limit: a buffer this full is published at once, not after 0.1 s
EVENT_BUFFER_LIMIT = 24


class EventBatchingConsumer(Consumer):  # type: ignore[misc]
    """Celery's consumer, publishing buffered task events at most every
    ``EVENT_FLUSH_SECONDS`` instead of at the next loop tick, and only from the
    event loop's thread.

    With the event loop (prefork or threads on Redis or RabbitMQ) Celery already
    buffers the ``task-received/started/succeeded`` events and publishes them as one
    ``task.multi`` message, but it flushes on the next tick, so at 200 messages/s
    nearly every tick publishes one or two events: in the worker's main process a
    quarter of its CPU went to these publishes. Flushed every 0.1 s (or at the next
    tick once ``EVENT_BUFFER_LIMIT`` events wait) Flower and its /metrics see the same
    events, at most 0.1 s later. What is buffered is published before the worker stops.

    Only the loop's thread publishes. Celery's dispatcher flushes a full buffer inside
    ``send``, in the thread that sends, which with the threads pool is a task thread;
    on RabbitMQ that thread then waits for its publisher confirm on the events
    connection, which Celery also registers with the loop (to read broker
    heartbeats). The loop can read that confirm first, and then both threads wait
    for ever: the worker stops consuming. So ``send`` never flushes here (its limit
    is lifted) and a full buffer asks the loop to flush (``call_soon`` is the hub's
    thread-safe entry; its timers are not, so they are only set from the loop).
    """

    _flush_due: float | None = None

    def on_send_event_buffered(self) -> None:
        hub, dispatcher = self.hub, self.event_dispatcher
        if not hub or dispatcher is None:
            return
        dispatcher.buffer_limit = sys.maxsize  # a new dispatcher after a reconnect too
        if _buffered(dispatcher) >= EVENT_BUFFER_LIMIT:
            # Celery's own flush promise (one object: the hub's ready set keeps it once)
            hub.call_soon(self._flush_events_promise)
            return
        now = time.monotonic()
        # a timer lost with a restarted loop is scheduled again, never waited for
        if self._flush_due is not None and now < self._flush_due + 1.0:
            return
        self._flush_due = now + EVENT_FLUSH_SECONDS
        hub.call_soon(self._schedule_flush)

    def _schedule_flush(self) -> None:
        """On the loop's thread: flush in ``EVENT_FLUSH_SECONDS``."""
        self.hub.call_later(EVENT_FLUSH_SECONDS, self._flush_batched)

    def _flush_batched(self) -> None:
        self._flush_due = None
        self._flush_events()

    def shutdown(self) -> None:
        self._flush_events()
        super().shutdown()


def _buffered(dispatcher: Any) -> int:
    """Task events waiting in Celery's dispatcher (its per-group buffers)."""
    return sum(len(events) for events in dispatcher._group_buffer.values())


def soft_limit(hard: float) -> float:
    return max(hard - 15, hard * 0.8)


def is_amqp(url: str) -> bool:
    return url.split("://", 1)[0] in ("amqp", "amqps", "pyamqp")


def queues_for(broker_url: str, prefix: str = "") -> tuple[Queue, ...]:
    """The task queues. On RabbitMQ their names carry ``CONNECTOR_REDIS_PREFIX`` (several
    deployments or test sessions can share a vhost); ``-Q events`` still selects them
    by their alias."""
    if not is_amqp(broker_url):
        return tuple(Queue(name) for name in QUEUES)
    return tuple(
        Queue(
            prefix + name,
            Exchange(prefix + name, type="topic", durable=True),
            routing_key=prefix + name,
            durable=True,
            queue_arguments={"x-queue-type": "quorum"},
            alias=name if prefix else None,
        )
        for name in QUEUES
    )


class ConnectorCelery(Celery):
    """Celery app that carries the connector runtime (``app.runtime``)."""

    runtime: Runtime


def make_celery(runtime: Runtime) -> ConnectorCelery:
    config = runtime.config
    # a module without tasks (e.g. availability: an HTTP endpoint only) has no file
    include = ["tasks.messages"] + [
        spec.tasks_module
        for spec in runtime.specs
        if importlib.util.find_spec(spec.tasks_module) is not None
    ]
    app = ConnectorCelery("connector", include=include, set_as_current=False)
    visibility = BATCH_TIME_LIMIT + config.retry.backoff_max + 600
    settings: dict[str, Any] = {
        "broker_url": config.broker_url,
        "task_serializer": "json",
        "accept_content": ["json"],
        "result_serializer": "json",
        "result_backend": None,
        "task_ignore_result": True,
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        # the soft limit raises inside the handler (recorded, retried with backoff)
        # before the hard one kills the child; API clients time out (30 s) before both
        "task_time_limit": config.event_time_limit,
        "task_soft_time_limit": soft_limit(config.event_time_limit),
        "task_default_queue": "default",
        "task_queues": queues_for(config.broker_url, config.redis_key_prefix),
        "task_routes": ("tasks.routing.route_task",),
        "task_create_missing_queues": False,
        "worker_send_task_events": True,
        "worker_consumer": "connector.extensions:EventBatchingConsumer",
        # No "task-sent" event: it is a second broker write per webhook at ingress; Flower
        # still shows every task from the workers' received/started/succeeded events.
        "task_send_sent_event": False,
        "worker_hijack_root_logger": False,
        "broker_connection_retry_on_startup": True,
        "broker_connection_timeout": 3,
        # Publishing fails fast when the broker is down (one quick reconnect try):
        # the row stays `received` for the sweeper and the web answers at once.
        # Worker consumers keep Celery's own reconnect loop (broker_connection_*).
        "broker_transport_options": {
            "visibility_timeout": visibility,
            "max_retries": 1,
            "interval_start": 0,
            "interval_step": 0.2,
            "interval_max": 0.2,
        },
        "result_backend_transport_options": {"visibility_timeout": visibility},
        "enable_utc": True,
    }
    pooled = transport_for(config.broker_url)
    if is_amqp(config.broker_url):
        transport = dict(settings["broker_transport_options"])
        transport.pop("visibility_timeout")
        settings["broker_transport_options"] = {**transport, "confirm_publish": True}
    elif pooled is not None and not config.embedded_broker:
        settings["broker_transport"] = pooled  # one Redis client per channel
        # Redis: no read on a broker connection waits for ever. Without a timeout a
        # worker's event loop that reads a connection with nothing to read (the
        # pub/sub one; a broker gone without closing TCP) blocks, and stops fetching
        # and running due tasks until something arrives. Now the read fails after
        # REDIS_BROKER_SOCKET_TIMEOUT and the consumer reconnects (unacked messages
        # are restored). BRPOP asks the server to answer within 1 s, well inside it.
        settings["broker_transport_options"] = {
            **settings["broker_transport_options"],
            "socket_timeout": REDIS_BROKER_SOCKET_TIMEOUT,
        }
        if config.redis_key_prefix:
            # several deployments (or test sessions) can share one Redis
            for key in (
                "broker_transport_options",
                "result_backend_transport_options",
            ):
                settings[key] = {
                    **settings[key],
                    "global_keyprefix": config.redis_key_prefix,
                }
    if config.embedded_broker:
        settings["broker_transport"] = "connector.extensions:EmbeddedBrokerTransport"
        # kombu takes the transport from a ``sqla+`` scheme before ``broker_transport``:
        # without the prefix the URL is SQLAlchemy's and the class above is used
        settings["broker_url"] = config.broker_url.removeprefix("sqla+")
        settings["broker_transport_options"] = {}
        config.data_dir.mkdir(parents=True, exist_ok=True)
    app.conf.update(settings)
    app.runtime = runtime
    runtime.celery = app
    return app


def celery_init_app(flask_app: Flask, runtime: Runtime) -> ConnectorCelery:
    celery = make_celery(runtime)
    flask_app.extensions["celery"] = celery
    return celery
