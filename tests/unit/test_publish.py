"""Pooled publishing: the Redis broker keeps one client per kombu channel."""

from __future__ import annotations

from kombu import Connection

from connector.publish import PooledRedisTransport, transport_for
from tests.support import services


def test_transport_for_redis_urls_only():
    assert transport_for("redis://127.0.0.1:6379/0") is not None
    assert transport_for("rediss://example:6380/0") is not None
    assert transport_for("amqp://guest:guest@127.0.0.1:5672//") is None
    assert transport_for(None) is None


def test_channel_reuses_one_client_per_pool():
    conn = Connection(services.redis_url(), transport=PooledRedisTransport)
    channel = conn.default_channel
    with channel.conn_or_acquire() as first, channel.conn_or_acquire() as second:
        assert first is second
        assert first.connection_pool is channel.pool
        assert first.ping()
    given = object()
    with channel.conn_or_acquire(given) as client:
        assert client is given
    channel._pool = None  # kombu drops the pool after a connection error
    with channel.conn_or_acquire() as third:
        assert third is not first and third.connection_pool is channel.pool
    conn.release()
