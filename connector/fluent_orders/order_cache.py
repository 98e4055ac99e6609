"""The last known copy of a commercetools order, kept in Redis for a short time
between the webhooks of one Fluent order.

Fluent sends a fulfilment, a consignment and a status webhook for one change; each
handler reads the CT order under the order's write lock (``store.locks``), updates it
and lets the next one in. The next one can start from what the previous update
returned instead of reading the order again: one commercetools read fewer (a 20 ms+
round trip and ~1.5 ms of CPU on both ends) for the 2nd and 3rd webhook.

A copy is exact or harmless: every CT update carries the copy's ``version``, so a copy
that is no longer current is refused with a 409, and ``update_with_retry`` re-reads
and rebuilds. What a version cannot guard (an update with no actions, a handler that
returns before writing) is re-decided on a fresh read by ``pair.with_ct_order``.

The value is the order JSON encrypted with AES-GCM under a key derived (HKDF-SHA256)
from the commercetools client secret, with the Redis key as associated data: an order
holds a customer's name, e-mail and addresses, and Redis is often less guarded than
the database. Without REDIS_URL, or with ``modules.orders.ct_order_cache_seconds: 0``,
nothing is kept. Like ``connector.cache``, a Redis error is logged and counted and is a
miss, never raised (metric ``connector_cache_requests_total{cache="ct_order"}``).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import Any

import orjson
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from connector import metrics
from connector.cache import KEY_PREFIX, RedisBackend
from connector.context import Services
from connector.fluent_orders.options import ct_order_cache_seconds

log = logging.getLogger(__name__)

NAME = "ct_order"
_NONCE = 12


class CtOrderCache:
    """Encrypted copies of CT orders under ``<prefix>connector:cache:ct_order:...``."""

    def __init__(
        self, backend: RedisBackend, secret: str, scope: str, ttl: float, prefix: str
    ) -> None:
        self.backend = backend
        self.ttl = ttl
        self.prefix = f"{prefix}{KEY_PREFIX}{NAME}:{scope}:"
        key = HKDF(
            algorithm=hashes.SHA256(),
            length=32,
            salt=None,
            info=b"connector ct-order cache v1",
        ).derive(secret.encode())
        self._aead = AESGCM(key)

    def key(self, fluent_ref: str) -> str:
        return self.prefix + fluent_ref

    def get(self, fluent_ref: str) -> dict[str, Any] | None:
        """The copy stored for the Fluent order ``fluent_ref``, or None."""
        key = self.key(fluent_ref)
        try:
            raw = self.backend.get(key)
        except self.backend.errors as exc:
            self._failed("cache.get.failed", exc)
            return None
        if raw is None or len(raw) <= _NONCE:
            metrics.CACHE.labels(NAME, "miss").inc()
            return None
        try:
            plain = self._aead.decrypt(raw[:_NONCE], raw[_NONCE:], key.encode())
            body = orjson.loads(plain)
        except (InvalidTag, orjson.JSONDecodeError):
            # another secret (rotated) or a foreign value: not ours to use
            metrics.CACHE.labels(NAME, "miss").inc()
            return None
        if not isinstance(body, dict) or not isinstance(body.get("version"), int):
            metrics.CACHE.labels(NAME, "miss").inc()
            return None
        metrics.CACHE.labels(NAME, "hit").inc()
        return body

    def put(self, fluent_ref: str, body: Mapping[str, Any]) -> None:
        """Keep ``body`` (an order as commercetools returned it) for ``ttl`` seconds."""
        if not isinstance(body.get("version"), int) or not body.get("id"):
            return
        try:
            plain = orjson.dumps(body)
        except TypeError:  # e.g. an integer beyond 64 bits: keep nothing
            self.drop(fluent_ref)
            return
        key = self.key(fluent_ref)
        nonce = os.urandom(_NONCE)
        value = nonce + self._aead.encrypt(nonce, plain, key.encode())
        try:
            self.backend.set(key, value, self.ttl)
        except self.backend.errors as exc:
            self._failed("cache.set.failed", exc)

    def drop(self, fluent_ref: str) -> None:
        try:
            self.backend.delete(self.key(fluent_ref))
        except self.backend.errors as exc:
            self._failed("cache.delete.failed", exc)

    def _failed(self, event: str, exc: Exception) -> None:
        metrics.CACHE.labels(NAME, "error").inc()
        log.warning(event, extra={"cache": NAME, "error": repr(exc)})


def order_cache(runtime: Services) -> CtOrderCache | None:
    """The process's copy cache, or None (no Redis, no CT secret, or turned off)."""
    return runtime.caches.get("fluent_orders.ct_order_cache", lambda: _build(runtime))


def _build(runtime: Services) -> CtOrderCache | None:
    config = runtime.config
    seconds = ct_order_cache_seconds(config.options("orders"))
    secret = config.ct.client_secret
    if not seconds or not config.redis_url or not secret:
        return None
    return CtOrderCache(
        RedisBackend(config.redis_url),
        secret,
        scope=str(config.ct.project_key),
        ttl=seconds,
        prefix=config.redis_key_prefix,
    )
