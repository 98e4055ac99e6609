"""Rate limit of failed authentication attempts, per client.

Every answer 401 (a wrong or missing API token, a bad webhook signature) counts against
its client (the peer address). More than ``limit`` in one ``window`` (default 60 a
minute) and further failures are answered 429 with ``Retry-After`` until the window
ends. A correct token is never counted nor slowed.

Counts are kept in Redis when ``REDIS_URL`` is set (fixed one-minute windows,
``INCR`` + ``EXPIRE``: shared by every gunicorn worker and host), in process otherwise
(or for a moment while Redis does not answer).
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable

log = logging.getLogger(__name__)

KEY = "connector:auth-failures:"
REDIS_RETRY_SECONDS = 10.0


class MemoryCounter:
    """Per-process fixed-window counters."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[tuple[str, int], int] = {}

    def incr(self, client: str, window_index: int, window: float) -> int:
        with self._lock:
            if len(self._counts) > 10_000:  # drop past windows
                self._counts = {
                    k: v for k, v in self._counts.items() if k[1] >= window_index
                }
            key = (client, window_index)
            self._counts[key] = self._counts.get(key, 0) + 1
            return self._counts[key]


class RedisCounter:
    """Fixed-window counters in Redis, shared by every process using the same prefix."""

    def __init__(self, url: str, prefix: str) -> None:
        import redis

        self.client = redis.Redis.from_url(
            url, socket_timeout=1, socket_connect_timeout=1
        )
        self.prefix = prefix

    def incr(self, client: str, window_index: int, window: float) -> int:
        key = f"{self.prefix}{KEY}{client}:{window_index}"
        pipe = self.client.pipeline()
        pipe.incr(key)
        pipe.expire(key, int(window) + 1)
        count, _ = pipe.execute()
        return int(count)


class FailedAuthLimiter:
    def __init__(
        self,
        redis_url: str | None = None,
        prefix: str = "",
        *,
        limit: int = 60,
        window: float = 60.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self.memory = MemoryCounter()
        self.redis = RedisCounter(redis_url, prefix) if redis_url else None
        self._redis_down_until = 0.0  # after a failure, count in process for a while

    def failed(self, client: str) -> float | None:
        """Count one failed attempt; seconds to wait when over the limit, else None."""
        now = self.clock()
        index = int(now // self.window)
        count = None
        if self.redis is not None and now >= self._redis_down_until:
            try:
                count = self.redis.incr(client, index, self.window)
            except Exception as exc:  # Redis down: keep limiting in process
                self._redis_down_until = now + REDIS_RETRY_SECONDS
                log.warning("auth.limit.redis_failed", extra={"error": str(exc)[:200]})
        if count is None:
            count = self.memory.incr(client, index, self.window)
        if count <= self.limit:
            return None
        return max(1.0, math.ceil((index + 1) * self.window - now))
