"""Logging setup: one line per event, `area.thing.outcome` names plus `extra` fields.

Never log secrets or customer personal data: handlers pass ids, not payloads. As a
second line of defence every formatted line goes through ``connector.redact`` (query-string
tokens, bearer credentials, secret-named JSON members, e-mail addresses).
"""

from __future__ import annotations

import json
import logging
import os

from connector.redact import redact

_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}
_configured = False


class KeyValueFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        base = super().format(record)
        extra = {k: v for k, v in record.__dict__.items() if k not in _STANDARD}
        if extra:
            base += " " + json.dumps(extra, default=str, sort_keys=True)
        return redact(base)


def configure_logging(level: str | None = None) -> None:
    global _configured
    if _configured:
        return
    _configured = True
    handler = logging.StreamHandler()
    handler.setFormatter(
        KeyValueFormatter("%(asctime)s %(levelname)s %(name)s %(message)s")
    )
    root = logging.getLogger("connector")
    root.addHandler(handler)
    root.setLevel(level or os.environ.get("CONNECTOR_LOG_LEVEL", "INFO"))
    root.propagate = False
