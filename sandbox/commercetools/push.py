"""Subscription push: delivers produced Messages and change notifications over HTTP.

Stands in for a CT Subscription whose destination forwards to an HTTP endpoint: each
subscription (configured through the control API) filters by ``messages`` (resourceTypeId +
optional types) and ``changes`` (resourceTypeId) like reference §7, and POSTs every match
to its ``url`` from its own background thread, in production order, either as the Platform
payload (``notificationType`` + ``projectKey`` + message fields) or wrapped in a Google
Pub/Sub push envelope (reference §8). Failed attempts (non-2xx or connection errors) are
retried with a short backoff; every attempt is recorded for ``/_sandbox/subscriptions/
deliveries``. Uses urllib (not ``requests``): this is sandbox code, not a connector client.
"""

from __future__ import annotations

import base64
import itertools
import json
import threading
import time
import urllib.error
import urllib.request
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from .util import new_id, now_iso

Doc = dict[str, Any]
RETRY_DELAYS_S = (0.05, 0.2, 0.5)
_message_ids = itertools.count(1_000_000_000)
# no proxies: destinations are loopback receivers in tests and demos
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class SubscriptionError(ValueError):
    """An invalid subscription configuration (answered 400 by the control API)."""


@dataclass
class Subscription:
    id: str
    key: str | None
    url: str
    format: str
    headers: dict[str, str]
    messages: list[Doc]
    changes: list[Doc]
    pubsub_subscription: str
    retry_delays: tuple[float, ...] = RETRY_DELAYS_S
    queue: deque[Doc] = field(default_factory=deque)
    cond: threading.Condition = field(default_factory=threading.Condition)
    busy: bool = False
    stopped: bool = False

    def to_json(self) -> Doc:
        return {
            "id": self.id,
            "key": self.key,
            "url": self.url,
            "format": self.format,
            "headers": self.headers,
            "messages": self.messages,
            "changes": self.changes,
            "subscription": self.pubsub_subscription,
            "pending": len(self.queue),
        }

    def wants(self, kind: str, payload: Doc) -> bool:
        type_id = payload["resource"]["typeId"]
        if kind == "message":
            return any(
                m["resourceTypeId"] == type_id
                and (not m.get("types") or payload["type"] in m["types"])
                for m in self.messages
            )
        return any(c["resourceTypeId"] == type_id for c in self.changes)


def _check_filters(value: Any, name: str, with_types: bool) -> list[Doc]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise SubscriptionError(f"{name} must be a list")
    out = []
    for item in value:
        if not isinstance(item, dict) or not isinstance(
            item.get("resourceTypeId"), str
        ):
            raise SubscriptionError(f"each {name} entry needs a resourceTypeId")
        entry: Doc = {"resourceTypeId": item["resourceTypeId"]}
        if with_types and item.get("types") is not None:
            types = item["types"]
            if not isinstance(types, list) or not all(
                isinstance(t, str) for t in types
            ):
                raise SubscriptionError("types must be a list of message type names")
            entry["types"] = list(types)
        out.append(entry)
    return out


class Pusher:
    """Subscriptions, their delivery threads and the delivery log."""

    def __init__(self, project_key: str) -> None:
        self.project_key = project_key
        self.lock = threading.Lock()
        self.subscriptions: list[Subscription] = []
        self.deliveries: deque[Doc] = deque(maxlen=10_000)

    # -- configuration --------------------------------------------------------------------

    def add(self, config: Doc) -> Subscription:
        url = config.get("url")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise SubscriptionError("url must be an http(s) URL")
        fmt = str(config.get("format", "platform")).lower()
        if fmt not in ("platform", "pubsub"):
            raise SubscriptionError("format must be 'platform' or 'pubsub'")
        headers = config.get("headers") or {}
        if not isinstance(headers, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in headers.items()
        ):
            raise SubscriptionError("headers must be an object of strings")
        messages = _check_filters(config.get("messages"), "messages", True)
        changes = _check_filters(config.get("changes"), "changes", False)
        if not messages and not changes:
            raise SubscriptionError("at least one of messages or changes is required")
        delays = config.get("retryDelays", RETRY_DELAYS_S)
        if not isinstance(delays, (list, tuple)) or not all(
            isinstance(d, (int, float)) and 0 <= d <= 10 for d in delays
        ):
            raise SubscriptionError("retryDelays must be a list of seconds (0..10)")
        sub_id = new_id()
        key = config.get("key")
        sub = Subscription(
            id=sub_id,
            key=key if isinstance(key, str) else None,
            url=url,
            format=fmt,
            headers=dict(headers),
            messages=messages,
            changes=changes,
            pubsub_subscription=str(
                config.get("subscription")
                or f"projects/ct-sandbox/subscriptions/{key or sub_id}"
            ),
            retry_delays=tuple(float(d) for d in delays),
        )
        with self.lock:
            self.subscriptions.append(sub)
        threading.Thread(
            target=self._run, args=(sub,), name=f"ct-push-{sub_id[:8]}", daemon=True
        ).start()
        return sub

    def clear(self) -> None:
        with self.lock:
            subs, self.subscriptions = self.subscriptions, []
        for sub in subs:
            with sub.cond:
                sub.stopped = True
                sub.queue.clear()
                sub.cond.notify_all()

    def reset(self) -> None:
        self.clear()
        self.deliveries.clear()

    # -- production ------------------------------------------------------------------------

    def listener(self, kind: str, payload: Doc) -> None:
        """Store listener: queue ``payload`` for every subscription that wants it."""
        for sub in self.subscriptions:
            if sub.wants(kind, payload):
                with sub.cond:
                    sub.queue.append({"kind": kind, "payload": payload})
                    sub.cond.notify_all()

    def pending(self) -> int:
        return sum(len(s.queue) + (1 if s.busy else 0) for s in self.subscriptions)

    def wait_idle(self, timeout: float) -> bool:
        """Block until every queue is drained (True) or ``timeout`` passes (False)."""
        deadline = time.monotonic() + timeout
        while self.pending():
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.01)
        return True

    # -- delivery --------------------------------------------------------------------------

    def _run(self, sub: Subscription) -> None:
        while True:
            with sub.cond:
                while not sub.queue and not sub.stopped:
                    sub.cond.wait()
                if sub.stopped:
                    return
                item = sub.queue[0]
                sub.busy = True
            try:
                self._deliver(sub, item)
            finally:
                with sub.cond:
                    if sub.queue and sub.queue[0] is item:
                        sub.queue.popleft()
                    sub.busy = False

    def _body(self, sub: Subscription, item: Doc) -> bytes:
        payload = item["payload"]
        if item["kind"] == "message":
            payload = {
                "notificationType": "Message",
                "projectKey": self.project_key,
                **payload,
            }
        data = json.dumps(payload, separators=(",", ":")).encode()
        if sub.format == "platform":
            return data
        msg_id = str(next(_message_ids))
        stamp = now_iso()
        # standard Pub/Sub push envelope [I: shape not confirmed by CT docs]
        envelope = {
            "message": {
                "data": base64.b64encode(data).decode(),
                "messageId": msg_id,
                "message_id": msg_id,
                "publishTime": stamp,
                "publish_time": stamp,
                "attributes": {},
            },
            "subscription": sub.pubsub_subscription,
        }
        return json.dumps(envelope, separators=(",", ":")).encode()

    def _deliver(self, sub: Subscription, item: Doc) -> None:
        body = self._body(sub, item)
        payload = item["payload"]
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "ct-sandbox-push/1",
            **sub.headers,
        }
        for attempt in range(1, len(sub.retry_delays) + 2):
            if sub.stopped:
                return
            status, error = None, None
            try:
                req = urllib.request.Request(
                    sub.url, data=body, headers=headers, method="POST"
                )
                with _OPENER.open(req, timeout=5) as resp:
                    status = resp.status
            except urllib.error.HTTPError as exc:
                status, error = exc.code, f"HTTP {exc.code}"
            except (urllib.error.URLError, OSError) as exc:
                error = f"{type(exc).__name__}: {exc}"
            ok = status is not None and 200 <= status < 300
            self.deliveries.append(
                {
                    "subscriptionId": sub.id,
                    "subscriptionKey": sub.key,
                    "url": sub.url,
                    "format": sub.format,
                    "attempt": attempt,
                    "status": status,
                    "ok": ok,
                    "error": error,
                    "at": now_iso(),
                    "notificationType": payload.get("notificationType", "Message"),
                    "messageType": payload.get("type"),
                    "messageId": payload.get("id"),
                    "resource": payload["resource"],
                }
            )
            if ok or attempt > len(sub.retry_delays):
                return
            time.sleep(sub.retry_delays[attempt - 1])
