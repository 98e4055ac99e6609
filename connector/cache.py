"""A small short-lived cache for API answers: Redis when REDIS_URL is configured (shared
by every web process), an in-process TTL cache otherwise.

It owns cache keys, expiry and the hit/miss counts (``connector.metrics.CACHE``, label
``cache`` = the cache's name). It must not hold anything that has to survive: a Redis
error is logged and treated as a miss, never raised to the caller.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from collections import OrderedDict
from typing import Any, Protocol

from connector import metrics

log = logging.getLogger(__name__)

KEY_PREFIX = "connector:cache:"
REDIS_TIMEOUT_SECONDS = 0.25


class Backend(Protocol):
    def get(self, key: str) -> bytes | None: ...

    def set(self, key: str, value: bytes, ttl: float) -> None: ...

    def delete(self, key: str) -> None: ...

    def clear(self, prefix: str) -> None: ...


class MemoryBackend:
    """Thread-safe TTL dictionary with a size bound (oldest entries go first)."""

    def __init__(self, max_entries: int = 10_000) -> None:
        self.max_entries = max_entries
        self._lock = threading.Lock()
        self._items: OrderedDict[str, tuple[float, bytes]] = OrderedDict()

    def get(self, key: str) -> bytes | None:
        now = time.monotonic()
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            if item[0] <= now:
                del self._items[key]
                return None
            return item[1]

    def set(self, key: str, value: bytes, ttl: float) -> None:
        now = time.monotonic()
        with self._lock:
            self._items.pop(key, None)
            self._items[key] = (now + ttl, value)
            while len(self._items) > self.max_entries:
                self._items.popitem(last=False)

    def delete(self, key: str) -> None:
        with self._lock:
            self._items.pop(key, None)

    def clear(self, prefix: str) -> None:
        with self._lock:
            for key in [k for k in self._items if k.startswith(prefix)]:
                del self._items[key]


class RedisBackend:
    """Redis with short socket timeouts; values expire through ``PX``."""

    def __init__(self, url: str) -> None:
        import redis

        # what a call may raise that is the backend's trouble, not the caller's
        self.errors: tuple[type[Exception], ...] = (redis.RedisError, OSError)
        self.client = redis.Redis.from_url(
            url,
            socket_timeout=REDIS_TIMEOUT_SECONDS,
            socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
        )

    def get(self, key: str) -> bytes | None:
        value = self.client.get(key)
        return value if isinstance(value, bytes) else None

    def set(self, key: str, value: bytes, ttl: float) -> None:
        self.client.set(key, value, px=max(1, int(ttl * 1000)))

    def delete(self, key: str) -> None:
        self.client.delete(key)

    def clear(self, prefix: str) -> None:
        keys = list(self.client.scan_iter(match=f"{prefix}*", count=500))
        if keys:
            self.client.delete(*keys)


class Codec(Protocol):
    """How values become stored bytes and back; ``decode`` raises ValueError for
    bytes it cannot read (then the lookup is a miss). ``key`` is the entry's key."""

    def encode(self, key: str, value: Any) -> bytes: ...

    def decode(self, key: str, raw: bytes) -> Any: ...


class JsonCodec:
    def encode(self, key: str, value: Any) -> bytes:
        return json.dumps(value, separators=(",", ":")).encode()

    def decode(self, key: str, raw: bytes) -> Any:
        return json.loads(raw)


class TtlCache:
    """Values (JSON unless another ``codec``) under normalised keys, counted as hits
    and misses."""

    def __init__(
        self, name: str, backend: Backend, ttl: float, codec: Codec | None = None
    ) -> None:
        self.name = name
        self.backend = backend
        self.ttl = ttl
        self.codec: Codec = codec or JsonCodec()
        self.prefix = f"{KEY_PREFIX}{name}:"
        self._errors: tuple[type[Exception], ...] = getattr(
            backend, "errors", (OSError,)
        )

    @property
    def kind(self) -> str:
        return "redis" if isinstance(self.backend, RedisBackend) else "memory"

    def key(self, parts: Any) -> str:
        """A stable key for a JSON-able description of the request."""
        text = json.dumps(parts, sort_keys=True, separators=(",", ":"), default=str)
        return self.prefix + hashlib.sha256(text.encode()).hexdigest()

    def get(self, key: str) -> Any | None:
        """The cached value, or None (a miss; also on a backend error or bytes the
        codec cannot read)."""
        if self.ttl <= 0:
            return None
        try:
            raw = self.backend.get(key)
        except self._errors as exc:
            self._failed("cache.get.failed", exc)
            return None
        if raw is not None:
            try:
                value = self.codec.decode(key, raw)
            except ValueError:
                raw = None
        if raw is None:
            metrics.CACHE.labels(self.name, "miss").inc()
            return None
        metrics.CACHE.labels(self.name, "hit").inc()
        return value

    def set(self, key: str, value: Any) -> None:
        """Keep ``value`` for ``ttl`` seconds; what the codec cannot encode raises
        (TypeError) before anything is stored."""
        if self.ttl <= 0:
            return
        raw = self.codec.encode(key, value)
        try:
            self.backend.set(key, raw, self.ttl)
        except self._errors as exc:
            log.warning(
                "cache.set.failed", extra={"cache": self.name, "error": repr(exc)}
            )

    def delete(self, key: str) -> None:
        try:
            self.backend.delete(key)
        except self._errors as exc:
            self._failed("cache.delete.failed", exc)

    def _failed(self, event: str, exc: Exception) -> None:
        metrics.CACHE.labels(self.name, "error").inc()
        log.warning(event, extra={"cache": self.name, "error": repr(exc)})

    def clear(self) -> None:
        """Drop every entry of this cache (tests, operators)."""
        try:
            self.backend.clear(self.prefix)
        except self._errors as exc:
            log.warning(
                "cache.clear.failed", extra={"cache": self.name, "error": repr(exc)}
            )


def make_cache(
    name: str,
    *,
    ttl: float,
    redis_url: str | None,
    max_entries: int = 10_000,
    key_prefix: str = "",
) -> TtlCache:
    """Redis when ``redis_url`` is set, the in-process backend otherwise.

    ``key_prefix`` (CONNECTOR_REDIS_PREFIX) namespaces the keys in a shared Redis.
    """
    backend: Backend = (
        RedisBackend(redis_url) if redis_url else MemoryBackend(max_entries)
    )
    cache = TtlCache(name, backend, ttl)
    cache.prefix = key_prefix + cache.prefix
    return cache
