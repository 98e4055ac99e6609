"""Pooled publishing for the Redis broker: one Redis client per kombu channel.

kombu's Redis channel builds a new ``redis.Redis`` client object for every publish
(``Channel.conn_or_acquire`` without a client), which costs more CPU at ingress than
the LPUSH itself. ``PooledRedisTransport`` (set as Celery's ``broker_transport`` for
``redis://`` and ``rediss://`` broker URLs) keeps one client per channel instead,
built on the channel's connection pool (a client is thread-safe: every command takes
a connection from the pool). Nothing else changes: the same message, the same LPUSH,
and a dead broker still fails the publish at once (the row stays for the sweeper).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from kombu.transport import redis as kombu_redis

SCHEMES = ("redis", "rediss")


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
        return "connector.publish:PooledRedisTransport"
    return None
