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
nothing is kept. The entries are a ``connector.cache.TtlCache`` with a sealing codec
(``SealedJson``): a Redis error is logged and counted and is a miss, never raised
(metric ``connector_cache_requests_total{cache="ct_order"}``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import orjson
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from connector.cache import Backend, RedisBackend, TtlCache
from connector.context import Services
from connector.fluent_orders.options import ct_order_cache_seconds

NAME = "ct_order"
_NONCE = 12


class SealedJson:
    """A ``connector.cache`` codec: JSON sealed with AES-GCM under a key derived
    (HKDF-SHA256) from ``secret``, the entry's key as associated data (a value cannot
    be moved to another key). Bytes sealed with another secret do not decode."""

    def __init__(self, secret: str) -> None:
        key = HKDF(
            algorithm=hashes.SHA256(),
            length=32,
            salt=None,
            info=b"connector ct-order cache v1",
        ).derive(secret.encode())
        self._aead = AESGCM(key)

    def encode(self, key: str, value: Any) -> bytes:
        plain = orjson.dumps(value)  # TypeError: e.g. an integer beyond 64 bits
        nonce = os.urandom(_NONCE)
        return nonce + self._aead.encrypt(nonce, plain, key.encode())

    def decode(self, key: str, raw: bytes) -> Any:
        if len(raw) <= _NONCE:
            raise ValueError("too short to be sealed")
        try:
            plain = self._aead.decrypt(raw[:_NONCE], raw[_NONCE:], key.encode())
        except InvalidTag as exc:  # another secret (rotated) or a foreign value
            raise ValueError("sealed with another key") from exc
        return orjson.loads(plain)  # JSONDecodeError is a ValueError


class CtOrderCache:
    """One entry of sealed ``Copies`` per Fluent order (a ``TtlCache`` named
    ``ct_order``), under
    ``<prefix>connector:cache:ct_order:<CT project>:<Fluent account>:<order ref>``."""

    def __init__(
        self, backend: Backend, secret: str, scope: str, ttl: float, prefix: str
    ) -> None:
        self.cache = TtlCache(NAME, backend, ttl, SealedJson(secret))
        self.cache.prefix = f"{prefix}{self.cache.prefix}{scope}:"

    @property
    def ttl(self) -> float:
        return self.cache.ttl

    def key(self, fluent_ref: str) -> str:
        return self.cache.prefix + fluent_ref

    def get(self, fluent_ref: str) -> Copies:
        """The copies kept for the Fluent order ``fluent_ref`` (empty when none, or
        when what is kept is not ``Copies``)."""
        value = self.cache.get(self.key(fluent_ref))
        if value is None:
            return Copies()
        try:
            return Copies.from_json(value)
        except ValueError:
            return Copies()

    def put(self, fluent_ref: str, copies: Copies) -> None:
        """Keep ``copies`` for ``ttl`` seconds (nothing to keep drops the entry)."""
        if copies.empty:
            self.drop(fluent_ref)
            return
        try:
            self.cache.set(self.key(fluent_ref), copies.to_json())
        except TypeError:  # not JSON as orjson writes it: keep nothing
            self.drop(fluent_ref)

    def drop(self, fluent_ref: str) -> None:
        self.cache.delete(self.key(fluent_ref))


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
        if not isinstance(parts, list) or len(parts) != 2:
            raise ValueError("not the parts of a Fluent read")
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
