"""Operator notifications for failed messages, failed sync runs and summaries.

``message_failed`` and ``sync_failed`` only log: the failed rows are already in the
store, which is the buffer. The ``notifications.flush`` beat task reads what failed
since its checkpoint and sends ONE grouped summary per run (a storm of 500 failures is
one message, not 500). ``summary``/``send`` deliver a notification to every configured
channel of the YAML ``notifications`` section (Slack-compatible webhook, SMTP email,
generic HTTP: connector/modules/notifications/). A channel that fails is logged and
skipped: notifying never breaks the caller.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from connector.config import Config
from connector.errors import ConfigError

log = logging.getLogger("connector.notify")


@dataclass(frozen=True)
class Notification:
    """One message to operators: a title, a few lines, a kind and a total count."""

    title: str
    lines: Sequence[str] = ()
    kind: str = "summary"
    total: int = 0
    extra: Mapping[str, Any] = field(default_factory=dict)

    def text(self, max_chars: int | None = None) -> str:
        body = "\n".join([self.title, *self.lines])
        if max_chars and len(body) > max_chars:
            return body[: max(0, max_chars - 1)] + "…"
        return body


class Channel(Protocol):
    name: str
    kinds: tuple[str, ...]

    def send(self, notification: Notification) -> None: ...


@dataclass
class SendReport:
    """Which channels took a notification. ``ok``: nothing to retry later."""

    sent: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.sent) or not self.failed


class Notifier:
    def __init__(self, config: Config) -> None:
        self.config = config
        self._channels: list[Channel] | None = None
        self._lock = threading.Lock()
        self.problem: str | None = None

    @classmethod
    def from_config(cls, config: Config) -> Notifier:
        return cls(config)

    @property
    def section(self) -> Any:
        return self.config.extra.get("notifications")

    @property
    def channels(self) -> list[Channel]:
        """The configured channels (a broken section is logged once: log-only)."""
        from connector.notify_channels import build_channels

        with self._lock:
            if self._channels is None:
                try:
                    self._channels = build_channels(self.section)
                except ConfigError as exc:
                    self.problem = str(exc)
                    self._channels = []
                    log.error("notify.config.invalid", extra={"error": str(exc)})
            return self._channels

    def message_failed(self, *, message_id: int, route: str | None, error: str) -> None:
        """A message failed for good (permanent error or retries exhausted)."""
        log.error(
            "message.failed",
            extra={"message_row": message_id, "route": route, "error": error[:500]},
        )

    def sync_failed(self, *, module: str, run_id: int, error: str) -> None:
        log.error(
            "sync.run.failed",
            extra={"sync_module": module, "run_id": run_id, "error": error[:500]},
        )

    def summary(self, title: str, lines: list[str], **extra: Any) -> SendReport:
        """Send a summary (kind ``extra['kind']``, default ``summary``) everywhere."""
        kind = str(extra.pop("kind", "summary"))
        total = int(extra.pop("total", len(lines)))
        return self.send(Notification(title, tuple(lines), kind, total, extra))

    def send(self, notification: Notification) -> SendReport:
        log.warning(
            "notify.summary",
            extra={
                "title": notification.title,
                "lines": list(notification.lines)[:50],
                "kind": notification.kind,
            },
        )
        report = SendReport()
        for channel in self.channels:
            if channel.kinds and notification.kind not in channel.kinds:
                report.skipped.append(channel.name)
                continue
            try:
                channel.send(notification)
            except Exception as exc:  # any channel failure: log it, try the next one
                report.failed.append(channel.name)
                log.error(
                    "notify.channel.failed",
                    extra={
                        "channel": channel.name,
                        "kind": notification.kind,
                        "error": f"{type(exc).__name__}: {str(exc)[:300]}",
                    },
                )
            else:
                report.sent.append(channel.name)
        return report
