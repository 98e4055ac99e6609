"""What the last handler of a Fluent order left for the next webhook of the same
order, kept in Redis for a short time: the commercetools order its update returned and
the Fluent order it read.

Fluent sends a fulfilment, a consignment and a status webhook for one change; their
handlers take turns under the order's write lock (``store.locks``). Each used to read
the Fluent order and the CT order again; the next one can start from these copies:

- **The CT order** is exact or harmless: every CT update carries the copy's
  ``version``, so a copy that is no longer current is refused with a 409 and
  ``update_with_retry`` re-reads and rebuilds. What a version cannot guard (an update
  with no actions, a handler that returns before writing) is decided again on a fresh
  read by ``pair.with_order``.
- **The Fluent order** serves a webhook only if the read started after that webhook
  was stored (``Copies.fluent_for``: the inbound message sequence's value read before
  the read, against the message's id): Fluent sent the webhook after the change, so
  such a read shows it. Anything else reads Fluent again.

The value is JSON encrypted with AES-GCM under a key derived (HKDF-SHA256) from the
commercetools client secret, with the Redis key as associated data: an order holds a
customer's name, e-mail and addresses, and Redis is often less guarded than the
database. Without REDIS_URL, or with ``modules.orders.ct_order_cache_seconds: 0``,
nothing is kept. Like ``connector.cache``, a Redis error is logged and counted and is a
miss, never raised (metric ``connector_cache_requests_total{cache="ct_order"}``).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
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
    """One entry of encrypted ``Copies`` per Fluent order, under
    ``<prefix>connector:cache:ct_order:<CT project>:<Fluent account>:<order ref>``."""

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

    def get(self, fluent_ref: str) -> Copies:
        """The copies kept for the Fluent order ``fluent_ref`` (empty when none)."""
        key = self.key(fluent_ref)
        try:
            raw = self.backend.get(key)
        except self.backend.errors as exc:
            self._failed("cache.get.failed", exc)
            return Copies()
        if raw is None or len(raw) <= _NONCE:
            metrics.CACHE.labels(NAME, "miss").inc()
            return Copies()
        try:
            plain = self._aead.decrypt(raw[:_NONCE], raw[_NONCE:], key.encode())
            copies = Copies.from_json(orjson.loads(plain))
        except (InvalidTag, orjson.JSONDecodeError, TypeError, ValueError):
            # another secret (rotated) or a foreign value: not ours to use
            metrics.CACHE.labels(NAME, "miss").inc()
            return Copies()
        metrics.CACHE.labels(NAME, "hit").inc()
        return copies

    def put(self, fluent_ref: str, copies: Copies) -> None:
        """Keep ``copies`` for ``ttl`` seconds (nothing to keep drops the entry)."""
        try:
            plain = orjson.dumps(copies.to_json()) if not copies.empty else None
        except TypeError:  # e.g. an integer beyond 64 bits: keep nothing
            plain = None
        if plain is None:
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


Parts = tuple[bool, bool]  # fetch_order's (fulfilments, consignments)


@dataclass
class Copies:
    """What one Fluent order's last handler left: the CT order as its update returned
    it, and the Fluent order it read with the parts it asked for and its ``mark``.

    ``mark`` is the inbound message sequence's value read before that Fluent read
    started (``messages.sequence_mark``): every message with an id up to it was stored
    before the read, so the read already shows what those webhooks announced.
    """

    ct: dict[str, Any] | None = None
    fluent: dict[str, Any] | None = None
    fluent_parts: Parts = (False, False)
    fluent_mark: int | None = None

    @property
    def empty(self) -> bool:
        return self.ct is None and self.fluent is None

    def fluent_for(self, message_id: int, parts: Parts) -> dict[str, Any] | None:
        """The kept Fluent order if it was read after message ``message_id`` was
        stored and has every part asked for; else None (read it again)."""
        if self.fluent is None or self.fluent_mark is None:
            return None
        if message_id > self.fluent_mark:
            return None
        if any(
            want and not have
            for want, have in zip(parts, self.fluent_parts, strict=True)
        ):
            return None
        return self.fluent

    def to_json(self) -> dict[str, Any]:
        return {
            "ct": self.ct,
            "fluent": self.fluent,
            "parts": list(self.fluent_parts),
            "mark": self.fluent_mark,
        }

    @classmethod
    def from_json(cls, value: Any) -> Copies:
        if not isinstance(value, dict):
            raise ValueError("not a mapping")
        ct, fluent, mark = value.get("ct"), value.get("fluent"), value.get("mark")
        parts = value.get("parts") or [False, False]
        if ct is not None and not (
            isinstance(ct, dict) and isinstance(ct.get("version"), int) and ct.get("id")
        ):
            raise ValueError("not a commercetools order")
        if fluent is not None and not isinstance(fluent, dict):
            raise ValueError("not a Fluent order")
        if mark is not None and not isinstance(mark, int):
            raise ValueError("not a mark")
        return cls(ct, fluent, (bool(parts[0]), bool(parts[1])), mark)


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
        scope=f"{config.ct.project_key}:{config.fluent.account_id}",
        ttl=seconds,
        prefix=config.redis_key_prefix,
    )
