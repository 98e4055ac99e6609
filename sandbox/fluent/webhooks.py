"""Signed webhook delivery, in order, on a background thread, with Fluent's retries.

Each webhook body is serialised once to bytes and both signatures are computed over those
exact bytes (``fluent-signature`` SHA512withRSA, legacy ``flex.signature`` MD5withRSA,
reference §5.3). Deliveries run one at a time in queue order; a non-2xx answer or a
connection error is retried after 2, 4 and 8 seconds (Fluent's default schedule,
configurable for tests) [I: which codes Fluent retries is undocumented; any non-2xx is].
Every delivery is recorded (body, signature, headers, each attempt's status and response)
so tests can replay a captured delivery, out of order, at will. With no URL configured
webhooks are still built, signed and recorded, with status ``skipped``.
"""

from __future__ import annotations

import base64
import json
import threading
import time
import uuid
from collections import deque
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import requests

from .. import defaults
from .store import iso, now_ts

if TYPE_CHECKING:
    from .state import FluentSandbox

DEFAULT_NAMES = {
    "order_status": defaults.WEBHOOK_ORDER_STATUS,
    "fulfilment": defaults.WEBHOOK_FULFILMENT,
    "consignment": defaults.WEBHOOK_CONSIGNMENT,
}
DEFAULT_RETRY_DELAYS = (2.0, 4.0, 8.0)
MAX_RESPONSE_CHARS = 2000


class WebhookDispatcher:
    """Builds, signs, queues and delivers webhooks; keeps a record of each."""

    def __init__(self, state: FluentSandbox, default_url: str | None) -> None:
        self.state = state
        self.default_url = default_url
        self._cond = threading.Condition()
        self._session = requests.Session()
        self._thread: threading.Thread | None = None
        self.generation = 0
        self.reset()

    # ------------------------------------------------------------------ config
    def reset(self) -> None:
        with self._cond:
            self.generation += 1
            self.url: str | None = self.default_url
            self.names = dict(DEFAULT_NAMES)
            self.retry_delays: list[float] = list(DEFAULT_RETRY_DELAYS)
            self.timeout = 5.0
            self.queue: deque[dict[str, Any]] = deque()
            self.deliveries: list[dict[str, Any]] = []
            self.busy = False
            self._seq = 0
            self._cond.notify_all()

    def configure(self, body: Mapping[str, Any]) -> dict[str, Any]:
        with self._cond:
            if "url" in body:
                self.url = body["url"] or None
            for key, name in (body.get("names") or {}).items():
                if key not in DEFAULT_NAMES:
                    raise ValueError(f"unknown webhook name key {key!r}")
                self.names[key] = name
            if "retry_delays" in body:
                delays = [float(d) for d in body["retry_delays"]]
                if any(d < 0 for d in delays):
                    raise ValueError("retry_delays must not be negative")
                self.retry_delays = delays
            if "timeout" in body:
                self.timeout = float(body["timeout"])
            return self.config()

    def config(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "names": dict(self.names),
            "retry_delays": list(self.retry_delays),
            "timeout": self.timeout,
        }

    # ------------------------------------------------------------------ building
    def payload(
        self,
        kind: str,
        entity_type: str,
        entity: Mapping[str, Any],
        root: Mapping[str, Any],
        *,
        subtype: str | None,
        attributes: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """A webhook body in the shape of Fluent's (reference §5.1)."""
        return {
            "id": str(uuid.uuid4()),
            "name": self.names[kind],
            "accountId": self.state.account_id,
            "retailerId": str(self.state.retailer_id),
            "rootEntityId": str(root["id"]),
            "rootEntityRef": root.get("ref"),
            "rootEntityType": "ORDER",
            "entityId": str(entity["id"]),
            "entityRef": entity.get("ref"),
            "entityType": entity_type,
            "entitySubtype": subtype,
            "entityStatus": entity.get("status"),
            "type": "NORMAL",
            "attributes": dict(attributes or {}),
            "meta": {"mode": "SYNC", "simulation": False, "models": []},
            "trailLogs": [],
            "errorLogs": [],
        }

    def sign(self, body: bytes) -> dict[str, str]:
        keys = self.state.keys
        return {
            "Content-Type": "application/json",
            "fluent-signature": keys.sign_sha512(body),
            "flex.signature": keys.sign_md5(body),
            "User-Agent": "Fluent-Sandbox-Webhook/1.0",
        }

    def send(
        self, payload: Mapping[str, Any], url: str | None = None
    ) -> dict[str, Any]:
        """Serialise once, sign those bytes, queue for delivery; returns the record."""
        body = json.dumps(payload, separators=(",", ":")).encode("utf-8")
        headers = self.sign(body)
        with self._cond:
            self._seq += 1
            target = url or self.url
            record: dict[str, Any] = {
                "seq": self._seq,
                "id": payload.get("id"),
                "name": payload.get("name"),
                "entityType": payload.get("entityType"),
                "entityRef": payload.get("entityRef"),
                "entityStatus": payload.get("entityStatus"),
                "url": target,
                "status": "pending" if target else "skipped",
                "status_code": None,
                "response_body": None,
                "attempts": [],
                "body": body.decode("utf-8"),
                "body_b64": base64.b64encode(body).decode("ascii"),
                "signature": headers["fluent-signature"],
                "headers": headers,
                "queued_at": iso(now_ts()),
                "completed_at": None,
            }
            self.deliveries.append(record)
            if target:
                self.queue.append(record)
                self._ensure_worker()
                self._cond.notify_all()
        return record

    # ------------------------------------------------------------------ delivery
    def _ensure_worker(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(
                target=self._run, name="fluent-sandbox-webhooks", daemon=True
            )
            self._thread.start()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self.queue:
                    self._cond.wait()
                record = self.queue[0]
                generation = self.generation
                delays = list(self.retry_delays)
                timeout = self.timeout
                self.busy = True
            self._deliver(record, generation, delays, timeout)
            with self._cond:
                if (
                    generation == self.generation
                    and self.queue
                    and self.queue[0] is record
                ):
                    self.queue.popleft()
                self.busy = False
                self._cond.notify_all()

    def _deliver(
        self,
        record: dict[str, Any],
        generation: int,
        delays: list[float],
        timeout: float,
    ) -> None:
        body = base64.b64decode(record["body_b64"])
        for attempt, delay in enumerate([0.0, *delays]):
            if delay:
                with self._cond:
                    if self._cond.wait_for(
                        lambda: self.generation != generation, delay
                    ):
                        return  # reset while waiting: drop this delivery
            started = time.perf_counter()
            entry: dict[str, Any] = {"attempt": attempt + 1, "at": iso(now_ts())}
            try:
                resp = self._session.post(
                    record["url"], data=body, headers=record["headers"], timeout=timeout
                )
                entry["status_code"] = resp.status_code
                record["status_code"] = resp.status_code
                record["response_body"] = resp.text[:MAX_RESPONSE_CHARS]
                ok = 200 <= resp.status_code < 300
            except requests.RequestException as exc:
                entry["error"] = f"{type(exc).__name__}: {exc}"
                ok = False
            entry["elapsed_ms"] = round((time.perf_counter() - started) * 1000, 1)
            record["attempts"].append(entry)
            if ok:
                record["status"] = "delivered"
                break
        else:
            record["status"] = "failed"
        record["completed_at"] = iso(now_ts())

    def drain(self, timeout: float = 30.0) -> bool:
        """Wait until every queued webhook has been delivered (or failed)."""
        with self._cond:
            return self._cond.wait_for(
                lambda: not self.queue and not self.busy, timeout
            )

    def summary(self) -> dict[str, Any]:
        with self._cond:
            return {
                "queued": len(self.queue),
                "busy": self.busy,
                "recorded": len(self.deliveries),
                **self.config(),
            }
