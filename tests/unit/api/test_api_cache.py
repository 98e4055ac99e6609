"""connector/cache.py: TTL expiry, size bound, hit/miss counting, Redis failures as misses."""

from __future__ import annotations

import time

from connector import metrics
from connector.cache import MemoryBackend, RedisBackend, TtlCache, make_cache


def counted(name: str, result: str) -> float:
    return metrics.CACHE.labels(name, result)._value.get()


def test_memory_cache_hits_until_expiry_and_counts():
    cache = make_cache("unit-memory", ttl=0.2, redis_url=None)
    assert cache.kind == "memory"
    key = cache.key({"b": [1, 2], "a": "x"})
    assert key == cache.key({"a": "x", "b": [1, 2]})  # order of keys is irrelevant
    assert key != cache.key({"a": "x", "b": [2, 1]})
    hits, misses = counted("unit-memory", "hit"), counted("unit-memory", "miss")
    assert cache.get(key) is None
    cache.set(key, {"answer": 42})
    assert cache.get(key) == {"answer": 42}
    assert counted("unit-memory", "hit") == hits + 1
    assert counted("unit-memory", "miss") == misses + 1
    time.sleep(0.25)
    assert cache.get(key) is None
    cache.set(key, [1])
    cache.clear()
    assert cache.get(key) is None


def test_memory_backend_drops_the_oldest_entries_beyond_its_bound():
    backend = MemoryBackend(max_entries=2)
    for key in ("a", "b", "c"):
        backend.set(key, key.encode(), ttl=60)
    assert backend.get("a") is None
    assert backend.get("b") == b"b" and backend.get("c") == b"c"


def test_zero_ttl_disables_the_cache():
    cache = make_cache("unit-off", ttl=0, redis_url=None)
    cache.set("k", 1)
    assert cache.get("k") is None


def test_unreachable_redis_is_a_miss_not_an_error():
    cache = TtlCache("unit-redis-down", RedisBackend("redis://127.0.0.1:1/0"), ttl=5)
    assert cache.kind == "redis"
    errors = counted("unit-redis-down", "error")
    started = time.monotonic()
    assert cache.get(cache.key("x")) is None
    cache.set(cache.key("x"), {"v": 1})  # logged, not raised
    cache.clear()
    assert time.monotonic() - started < 3
    assert counted("unit-redis-down", "error") == errors + 1
