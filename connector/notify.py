"""Operator notifications for failed messages and sync runs.

The base ``Notifier`` logs. Channels (Slack-compatible webhook, SMTP, HTTP gateway) and
grouping of failure storms are configured under ``notifications`` in the YAML file.
"""

from __future__ import annotations

import logging
from typing import Any

from connector.config import Config

log = logging.getLogger("connector.notify")


class Notifier:
    def __init__(self, config: Config) -> None:
        self.config = config

    @classmethod
    def from_config(cls, config: Config) -> Notifier:
        return cls(config)

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

    def summary(self, title: str, lines: list[str], **extra: Any) -> None:
        log.warning(
            "notify.summary", extra={"title": title, "lines": lines[:50], **extra}
        )
