"""Redaction of secrets in log text: query-string tokens, credentials, e-mail addresses.

The one place that knows what a secret looks like in a log line. Used by the app's log
formatter (connector.logs) and by gunicorn's access/error logger (connector.gunicorn_logging).
It must not be bypassed by logging raw request data elsewhere: log ids, not payloads.
"""

from __future__ import annotations

import logging
import re

REDACTED = "[redacted]"

# Query-string / form parameters that carry credentials (the commercetools webhook's
# `?token=` exists only for Google Pub/Sub push, which cannot send headers).
SECRET_PARAMS = (
    "token",
    "access_token",
    "refresh_token",
    "id_token",
    "api_key",
    "apikey",
    "api_token",
    "key",
    "secret",
    "client_secret",
    "password",
    "passwd",
    "signature",
    "sig",
    "code",
)
_NAMES = "|".join(SECRET_PARAMS)
_PARAM = re.compile(rf"(?i)(?<![A-Za-z0-9_])((?:{_NAMES})=)[^&\s\"'#;,]+")
# the same names as JSON string members (e.g. a log record's `extra` dumped as JSON)
_JSON = re.compile(rf'(?i)("(?:{_NAMES})"\s*:\s*")(?:[^"\\]|\\.)*"')
# `Authorization: Bearer xyz`, `Basic xyz` wherever they appear in a message
_SCHEME = re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{6,}")
# e-mail addresses (customer personal data that API error texts may quote)
_EMAIL = re.compile(
    r"(?<![\w.%+-])[\w.%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b"
)
# header values that are secrets as a whole (lower-case names)
SECRET_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "cookie",
        "set-cookie",
        "x-api-token",
        "x-api-key",
        "fluent-signature",
        "flex.signature",
        "x-connector-signature",
        "x-signature",
        "x-hub-signature",
        "x-hub-signature-256",
    }
)


def redact(text: str) -> str:
    """``text`` with credential values (query strings, auth schemes, secret-named JSON
    members) and e-mail addresses replaced."""
    if "=" not in text and " " not in text and ":" not in text and "@" not in text:
        return text
    text = _PARAM.sub(lambda m: m.group(1) + REDACTED, text)
    text = _JSON.sub(lambda m: m.group(1) + REDACTED + '"', text)
    text = _SCHEME.sub(lambda m: m.group(1) + " " + REDACTED, text)
    return _EMAIL.sub("[email]", text) if "@" in text else text


class RedactingFilter(logging.Filter):
    """Rewrites a record's message (args folded in) and exception text with ``redact``.

    For handlers whose formatter is not ours (gunicorn's, Celery's worker log).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(
                logging.Formatter().formatException(record.exc_info)
            )
        return True
