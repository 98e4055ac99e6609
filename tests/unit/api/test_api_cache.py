"""connector/cache.py: TTL expiry, size bound, hit/miss counting, Redis failures as misses."""

from __future__ import annotations

import json
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


class Reversed:
    """A codec that stores the JSON reversed and refuses bytes not ending in '{'."""

    def encode(self, key: str, value: object) -> bytes:
        return json.dumps(value).encode()[::-1]

    def decode(self, key: str, raw: bytes) -> object:
        if not raw.endswith(b"{"):
            raise ValueError("not ours")
        return json.loads(raw[::-1])


def test_a_codec_stores_the_bytes_and_what_it_cannot_read_is_a_miss():
    backend = MemoryBackend()
    cache = TtlCache("unit-codec", backend, ttl=5, codec=Reversed())
    cache.set("k", {"a": 1})
    assert backend.get("k") == b'}1 :"a"{'
    assert cache.get("k") == {"a": 1}
    misses = counted("unit-codec", "miss")
    backend.set("k", b"[1]", 5)
    assert cache.get("k") is None
    assert counted("unit-codec", "miss") == misses + 1
    cache.set("k", {"a": 2})
    cache.delete("k")
    assert cache.get("k") is None and backend.get("k") is None
