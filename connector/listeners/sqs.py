"""The ct-queue listener: commercetools messages from an AWS SQS queue into the inbox.

Long-polls ``receive_message`` and runs stage 1 for each queue message exactly like
``POST /webhooks/commercetools`` (connector.inbound.commercetools parsing, the
projectKey check, connector.inbound.pipeline.accept: routed, recorded once per message
id, enqueued). Three deliveries are understood: the message as an SQS destination
sends it (the Platform-format notification), wrapped by EventBridge (the notification
in ``detail``) or by SNS (the notification, JSON, in ``Message``).

A queue message is deleted only after its inbox row is committed (a duplicate is deleted
too: its row already exists). A message that cannot be parsed or is refused stays on the
queue for its redrive policy (dead-letter queue after ``maxReceiveCount``) and is counted.
When the store is unreachable nothing is deleted; the messages come back after the
visibility timeout. Several listeners on one queue are safe: the inbox's unique
(source, message id) is the dedup. ``stop()`` (SIGTERM) finishes the batch in hand.
"""

from __future__ import annotations

import json
import logging
import random
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from connector import metrics
from connector.inbound.commercetools import (
    CommercetoolsSource,
    inbound_from_notification,
)
from connector.inbound.jsonbody import BodyError, parse_object
from connector.inbound.pipeline import Answer, Inbound, Rejected, accept
from connector.runtime import Runtime

log = logging.getLogger(__name__)

SOURCE = "commercetools"
METRIC_SOURCE = "commercetools-sqs"
MAX_WRAPPERS = 3  # e.g. SNS -> EventBridge -> notification
_REGION = re.compile(r"^https://sqs[.-]([a-z0-9-]+)\.amazonaws\.com", re.IGNORECASE)


def region_from_url(queue_url: str) -> str | None:
    """``https://sqs.eu-west-1.amazonaws.com/123/ct-queue`` -> ``eu-west-1``."""
    match = _REGION.match(queue_url)
    return match.group(1) if match else None


def unwrap(body: dict[str, Any]) -> dict[str, Any]:
    """The commercetools notification inside an SNS and/or EventBridge envelope."""
    for _ in range(MAX_WRAPPERS):
        if body.get("Type") == "Notification" and isinstance(body.get("Message"), str):
            try:
                body = parse_object(body["Message"].encode("utf-8"))
            except BodyError as exc:
                raise Rejected(400, "invalid_envelope", f"Message: {exc}") from None
        elif "detail" in body and "detail-type" in body:
            if not isinstance(body["detail"], dict):
                raise Rejected(400, "invalid_envelope", "detail: not an object")
            body = body["detail"]
        else:
            return body
    return body


def parse_message(raw: str, source: CommercetoolsSource) -> Inbound:
    """A queue message body -> a validated, authorized Inbound (or Rejected)."""
    try:
        body = parse_object(raw.encode("utf-8"))
    except BodyError as exc:
        raise Rejected(400, "malformed_body", str(exc)) from None
    inbound = inbound_from_notification(unwrap(body))
    source.authorize(inbound)
    return inbound


@dataclass
class ListenerStats:
    """Counts since the listener started (also the CLI's final report)."""

    batches: int = 0
    received: int = 0
    accepted: int = 0
    duplicates: int = 0
    ignored: int = 0
    unparseable: int = 0
    failed: int = 0
    deleted: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


class SqsListener:
    """One listener process's loop over one queue."""

    def __init__(
        self,
        runtime: Runtime,
        client: Any,
        queue_url: str,
        *,
        wait_seconds: int = 20,
        batch_size: int = 10,
        accept_fn: Callable[[Runtime, str, Inbound], Answer] = accept,
    ) -> None:
        self.runtime = runtime
        self.client = client
        self.queue_url = queue_url
        self.wait_seconds = max(0, min(20, wait_seconds))
        self.batch_size = max(1, min(10, batch_size))
        self.accept_fn = accept_fn
        self.source = CommercetoolsSource(runtime.config)
        self.stats = ListenerStats()
        self._stopping = False
        self._errors = 0

    def stop(self) -> None:
        """Finish the batch in hand, then return from ``run``."""
        self._stopping = True

    @property
    def stopping(self) -> bool:
        return self._stopping

    def run(self, max_batches: int | None = None) -> ListenerStats:
        """Poll until ``stop()`` (or ``max_batches`` polls); transient errors back off."""
        polls = 0
        while not self._stopping and (max_batches is None or polls < max_batches):
            polls += 1
            try:
                self.poll_once()
                self._errors = 0
            except Exception as exc:  # the queue or the store is unreachable: retry
                self._errors += 1
                delay = min(30.0, 0.5 * 2 ** min(self._errors, 6))
                log.warning(
                    "sqs.poll.failed",
                    extra={"error": str(exc)[:300], "retry_in": round(delay, 1)},
                )
                self._sleep(random.uniform(0, delay))
        return self.stats

    def _sleep(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not self._stopping and time.monotonic() < deadline:
            time.sleep(min(0.2, max(0.0, deadline - time.monotonic())))

    def poll_once(self) -> int:
        """Receive one batch, accept each message, delete the accepted ones."""
        resp = self.client.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=self.batch_size,
            WaitTimeSeconds=self.wait_seconds,
            MessageSystemAttributeNames=["ApproximateReceiveCount"],
        )
        batch = resp.get("Messages") or []
        if not batch:
            return 0
        self.stats.batches += 1
        self.stats.received += len(batch)
        done = [m for m in batch if self._handle(m)]
        self._delete(done)
        return len(batch)

    def _handle(self, message: Mapping[str, Any]) -> bool:
        """True when the message may be deleted (its row is committed)."""
        attrs = message.get("Attributes") or {}
        ids = {
            "sqs_message_id": message.get("MessageId"),
            "receive_count": attrs.get("ApproximateReceiveCount"),
        }
        try:
            inbound = parse_message(str(message.get("Body") or ""), self.source)
        except Rejected as exc:
            self.stats.unparseable += 1
            metrics.REJECTED.labels(METRIC_SOURCE, exc.error).inc()
            log.warning(
                "sqs.message.unparseable",
                extra={**ids, "reason": exc.error, "detail": exc.message[:200]},
            )
            return False  # left for the queue's redrive policy
        try:
            answer = self.accept_fn(self.runtime, SOURCE, inbound)
        except Exception as exc:  # store unreachable: it comes back after the timeout
            self.stats.failed += 1
            log.warning(
                "sqs.message.not_recorded",
                extra={
                    **ids,
                    "message_id": inbound.message_id,
                    "error": str(exc)[:300],
                },
            )
            return False
        status = answer.body.get("status")
        if status == "duplicate":
            self.stats.duplicates += 1
        elif status == "ignored":
            self.stats.ignored += 1
        else:
            self.stats.accepted += 1
        return True

    def _delete(self, done: list[Mapping[str, Any]]) -> None:
        if not done:
            return
        resp = self.client.delete_message_batch(
            QueueUrl=self.queue_url,
            Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                for i, m in enumerate(done)
            ],
        )
        self.stats.deleted += len(resp.get("Successful") or [])
        for failure in resp.get("Failed") or []:  # comes back, deduped by the inbox
            log.warning(
                "sqs.delete.failed",
                extra={"code": failure.get("Code"), "error": failure.get("Message")},
            )


def make_client(
    queue_url: str, endpoint_url: str | None = None, region: str | None = None
) -> Any:
    """A boto3 SQS client (credentials and region from the standard AWS environment;
    the region falls back to the one in the queue URL)."""
    try:
        import boto3
        from botocore.config import Config as BotoConfig
    except ImportError:
        from connector.errors import ConfigError

        raise ConfigError(
            "the SQS listener needs boto3: pip install 'ct-fluent-connector[aws]'"
        ) from None
    session = boto3.session.Session()
    region = region or session.region_name or region_from_url(queue_url)
    if region is None:
        from connector.errors import ConfigError

        raise ConfigError(
            "the SQS listener needs a region: set AWS_REGION or AWS_DEFAULT_REGION"
        )
    return session.client(
        "sqs",
        region_name=region,
        endpoint_url=endpoint_url or None,
        config=BotoConfig(retries={"mode": "standard", "max_attempts": 5}),
    )


def describe(stats: ListenerStats) -> str:
    return json.dumps(stats.as_dict(), sort_keys=True)
