"""Publishing for the Redis broker: one Redis client per kombu channel, and the
fast path of ``Runtime.enqueue`` (``FastPublisher``).

kombu's Redis channel builds a new ``redis.Redis`` client object for every publish
(``Channel.conn_or_acquire`` without a client), which costs more CPU at ingress than
the LPUSH itself. ``PooledRedisTransport`` (set as Celery's ``broker_transport`` for
``redis://`` and ``rediss://`` broker URLs) keeps one client per channel instead,
built on the channel's connection pool (a client is thread-safe: every command takes
a connection from the pool). Nothing else changes: the same message, the same LPUSH,
and a dead broker still fails the publish at once (the row stays for the sweeper).
"""

from __future__ import annotations

import json as stdjson
import logging
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from uuid import uuid4

import orjson
import redis
from celery import Celery, signals
from celery.utils.nodenames import anon_nodename
from kombu import Queue
from kombu.common import maybe_declare
from kombu.entity import maybe_delivery_mode
from kombu.transport import redis as kombu_redis
from kombu.utils import json

SCHEMES = ("redis", "rediss")
TRANSPORT = "connector.publish:PooledRedisTransport"
log = logging.getLogger(__name__)


class PooledChannel(kombu_redis.Channel):  # type: ignore[misc]
    _shared_client: Any = None

    @contextmanager
    def conn_or_acquire(self, client: Any = None) -> Iterator[Any]:
        if client:
            yield client
            return
        shared = self._shared_client
        if shared is None or shared.connection_pool is not self.pool:
            shared = self._shared_client = self._create_client()
        yield shared


class PooledRedisTransport(kombu_redis.Transport):  # type: ignore[misc]
    Channel = PooledChannel


def transport_for(broker_url: str | None) -> str | None:
    """The ``broker_transport`` setting for this URL (None: kombu's default)."""
    scheme = (broker_url or "").split("://", 1)[0].lower()
    if scheme in SCHEMES:
        return TRANSPORT
    return None


# -- fast path of Runtime.enqueue ------------------------------------------------------
EMBED = {"callbacks": None, "errbacks": None, "chain": None, "chord": None}
PUBLISH_SIGNALS = (
    signals.before_task_publish,
    signals.after_task_publish,
    signals.task_sent,
)


def _dumps(value: Any) -> str:
    """kombu's ``json.dumps``, through the standard library's encoder whenever the
    value holds only JSON types (same text: kombu's encoder differs only in its
    ``default`` hook, called for other types, which go to kombu)."""
    try:
        return stdjson.dumps(value)
    except TypeError:
        return json.dumps(value)  # type: ignore[no-any-return]


def _envelope(message: dict[str, Any]) -> bytes | str:
    """The Redis message as JSON text: orjson for the envelope the fast path builds
    (headers, properties, the base64 body: strings, numbers, None, lists, dicts),
    the same JSON value as kombu's ``dumps`` in compact form (the consumer parses it;
    the task body inside stays kombu's text byte for byte); kombu's ``dumps`` for any
    value orjson does not take (e.g. an integer beyond 64 bits in a header)."""
    try:
        return orjson.dumps(message)
    except TypeError:
        return json.dumps(message)  # type: ignore[no-any-return]


class FastPublisher:
    """Publish ``send_task(name, kwargs=..., queue=...)`` messages without its per-call
    work, on the pooled Redis transport only.

    Why: at ingress ``Celery.send_task`` costs ~0.25 ms of CPU per webhook (routing
    with copies of the queue entities, a producer from the pool, option merging, the
    task message, kombu's ``Producer.publish`` and its ``maybe_declare``), five times the
    LPUSH it ends in. Here the headers are filled in directly and kombu's channel
    builds the Redis envelope (``prepare_message``, then what ``basic_publish`` does:
    base64 body, delivery tag, priority key) before one LPUSH. The queue is declared
    once per channel, as ``maybe_declare`` would.

    The message is the one ``send_task`` builds for such a call (protocol 2, JSON,
    anonymous exchange of a direct queue, same properties including the ``argsrepr`` /
    ``kwargsrepr`` Celery leaves in them). ``publish`` returns False, and the caller
    uses ``send_task``, whenever that message could differ: another transport
    (RabbitMQ), a non-default serializer, compression or protocol, a wrapped
    ``send_task``, a publish signal receiver, a locally registered task with
    publishing options other than its time limits, a call made inside a running task
    (root and parent ids), an unknown or non-direct queue. Drift against new Celery or
    kombu releases is caught by tests/unit/test_fast_publish.py, which compares this
    message with the one ``send_task`` writes to Redis, and by the integration tests,
    whose workers consume these messages.

    One kombu connection per process (rebuilt after a fork or a publish error) for
    the declarations; the LPUSH goes through a single-connection Redis client per
    thread (the channel's client class, so the same key prefix, on a pool with the
    channel's connection settings): at ingress that saves ~0.03 ms of CPU per
    webhook over a pool checkout, its pending-data check and the release; the
    command is sent on that client's connection directly (``_lpush``). The task body
    is kombu's JSON text byte for byte (the standard library's encoder, which writes
    the same text for JSON types); the envelope around it is written by orjson (the
    same JSON value, compact). A queue with a TTL (``x-expires``) is published by
    kombu's ``basic_publish`` instead.
    """

    def __init__(self, celery: Any) -> None:
        self.celery = celery
        self._lock = threading.Lock()
        self._pid = 0
        self._connection: Any = None
        self._channel: Any = None
        self._pool: Any = None
        self._local = threading.local()
        self._declared: set[str] = set()
        self._origin = ""
        conf = celery.conf
        self.enabled = (
            str(conf.broker_transport or "") == TRANSPORT
            and int(conf.task_protocol) == 2
            and conf.task_serializer == "json"
            and not conf.task_compression
            and not conf.task_send_sent_event
            # not overridden or wrapped (by a subclass or on the instance)
            and getattr(celery.send_task, "__func__", None) is Celery.send_task
        )
        self._delivery_mode = maybe_delivery_mode(conf.task_default_delivery_mode)

    def _queue(self, name: str) -> Queue | None:
        queue = self.celery.amqp.queues.get(name)
        if queue is None or queue.exchange is None or queue.exchange.type != "direct":
            return None
        return queue  # type: ignore[no-any-return]

    def _timelimit(self, task: str) -> list[Any] | None:
        """The message's ``timelimit`` header; None when this call needs send_task."""
        if not self.enabled or any(s.receivers for s in PUBLISH_SIGNALS):
            return None
        if self.celery.current_worker_task is not None:
            return None
        registered = self.celery._tasks.get(task)  # as send_task looks it up
        if registered is None:
            return [None, None]
        # a task registered in this process (a worker) lends send_task its options
        options = registered._get_exec_options()
        extra = {k: v for k, v in options.items() if v is not None}
        limits = [extra.pop("time_limit", None), extra.pop("soft_time_limit", None)]
        if extra.pop("serializer", "json") != "json" or extra:
            return None
        return limits

    def _channel_for(self, queue: Queue) -> Any:
        channel = self._channel
        if (
            channel is None
            or queue.name not in self._declared
            or self._pid != os.getpid()
        ):
            with self._lock:
                if self._pid != os.getpid():  # a forked child: not the parent's
                    self._connection = self._channel = None
                    self._pid = os.getpid()
                    self._origin = anon_nodename()
                if self._channel is None:
                    self._declared = set()
                    self._connection = self.celery.connection_for_write()
                    self._channel = self._connection.default_channel
                    pool = self._channel.pool  # same settings, own connections
                    self._pool = redis.ConnectionPool(
                        connection_class=pool.connection_class,
                        **pool.connection_kwargs,
                    )
                channel = self._channel
                if queue.name not in self._declared:
                    maybe_declare(queue, channel)
                    self._declared.add(queue.name)
        return channel

    def _client(self, channel: Any) -> Any:
        """This thread's Redis client: the channel's client class (key prefix) on one
        connection of its own (redis-py's single-connection client: no pool checkout,
        no pending-data check and no release per command)."""
        local = self._local
        client = getattr(local, "client", None)
        if client is None or local.channel is not channel:
            client = channel.Client(
                connection_pool=self._pool, single_connection_client=True
            )
            local.client, local.channel = client, channel
        return client

    def _lpush(self, channel: Any, key: str, value: bytes | str) -> None:
        """LPUSH on this thread's connection: the command redis-py's ``lpush`` sends
        (the client's key prefix included), without its per-call layers (command
        dispatch, a retry object with no retries, the single-connection lock of a
        client no other thread uses, response callbacks). Errors are redis-py's own:
        the connection closes itself on a send or read error and raises
        (``ConnectionError``, ``TimeoutError``), an error reply raises
        ``ResponseError``; ``publish`` then drops the pool (``reset``)."""
        client = self._client(channel)
        conn = client.connection
        conn.send_command("LPUSH", f"{self._prefix(client)}{key}", value)
        conn.read_response()

    @staticmethod
    def _prefix(client: Any) -> str:
        """The key prefix kombu's client class adds to every key (``''`` if none)."""
        return str(getattr(client, "global_keyprefix", "") or "")

    def reset(self) -> None:
        """Forget the connection (after a publish error); the next publish reconnects."""
        with self._lock:
            connection, self._connection, self._channel = self._connection, None, None
            pool, self._pool = self._pool, None
            self._declared = set()
        if pool is not None:
            pool.disconnect(inuse_connections=True)
        if connection is not None:
            try:
                connection.release()
            except Exception:  # noqa: BLE001 - already broken; nothing to keep
                log.debug("broker.fast_publish.release_failed", exc_info=True)

    def publish(self, task: str, queue: str, kwargs: dict[str, Any]) -> bool:
        """Publish the task message; False if this call needs ``send_task`` instead.
        Broker errors propagate (the caller logs them and leaves the row)."""
        entity = self._queue(queue)
        timelimit = self._timelimit(task)
        if entity is None or timelimit is None:
            return False
        try:
            channel = self._channel_for(entity)
            task_id = str(uuid4())
            kwargsrepr = repr(kwargs)
            headers: dict[str, Any] = {
                "lang": "py",
                "task": task,
                "id": task_id,
                "shadow": None,
                "eta": None,
                "expires": None,
                "group": None,
                "group_index": None,
                "retries": 0,
                "timelimit": timelimit,
                "root_id": task_id,
                "parent_id": None,
                "argsrepr": "()",
                "kwargsrepr": kwargsrepr,
                "origin": self._origin,
                "ignore_result": None,
                "replaced_task_nesting": 0,
                "stamped_headers": None,
                "stamps": {},
            }
            properties = {
                "correlation_id": task_id,
                "reply_to": self.celery.thread_oid,
                "argsrepr": "()",
                "kwargsrepr": kwargsrepr,
                "delivery_mode": entity.exchange.delivery_mode or self._delivery_mode,
            }
            body = _dumps(((), kwargs, EMBED))
            message = channel.prepare_message(
                body, 0, "application/json", "utf-8", headers, properties
            )
            if channel._expires:  # queues with a TTL: kombu's own _put refreshes it
                channel.basic_publish(message, exchange="", routing_key=entity.name)
            else:  # what basic_publish + _put do, on this thread's own connection
                channel._inplace_augment_message(message, "", entity.name)
                key = channel._q_for_pri(
                    entity.name, channel._get_message_priority(message)
                )
                self._lpush(channel, key, _envelope(message))
        except Exception:
            self.reset()
            raise
        return True
