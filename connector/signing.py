"""The connector's HMAC-SHA256 webhook signature scheme (external_in and external_out).

Signed string: ``<timestamp>.<raw body>`` (bytes), where ``<timestamp>`` is the decimal
Unix time in seconds sent in ``X-Connector-Timestamp``. Signature header:
``X-Connector-Signature: v1=<lowercase hex HMAC-SHA256(secret, signed string)>``; several
``v1=`` values may be sent, comma-separated (rotation: sign with old and new secret).
The receiver accepts the request if ANY signature matches ANY of its secrets (compared
in constant time) and the timestamp is within ``tolerance`` seconds of its clock (either
direction); anything else is rejected, so a captured request cannot be replayed later.
This is the Stripe/Slack construction; two connectors configured with the same secret
talk to each other out of the box.

Secrets are referenced by environment variable NAME (never inline); a variable may hold
several secrets separated by commas.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

from connector.errors import ConfigError

if TYPE_CHECKING:  # typing only: importing connector.webhooks here would be circular
    from connector.inbound.verifiers import HeaderMap

SIGNATURE_HEADER = "X-Connector-Signature"
TIMESTAMP_HEADER = "X-Connector-Timestamp"
DELIVERY_HEADER = "X-Connector-Delivery"
VERSION = "v1"
DEFAULT_TOLERANCE = 300.0


def secrets_from_env(name: str, what: str) -> tuple[str, ...]:
    """The comma-separated secrets in env var ``name``; ConfigError naming it if empty."""
    raw = os.environ.get(name, "")
    values = tuple(s.strip() for s in raw.split(",") if s.strip())
    if not values:
        raise ConfigError(f"{what} needs the environment variable {name} to be set")
    return values


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """Lowercase hex HMAC-SHA256 of ``<timestamp>.<body>``."""
    signed = timestamp.encode("ascii") + b"." + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def sign(
    secrets: Sequence[str], body: bytes, *, now: float | None = None
) -> dict[str, str]:
    """The two headers for ``body``, signed with every secret given."""
    timestamp = str(int(time.time() if now is None else now))
    value = ",".join(f"{VERSION}={signature(s, timestamp, body)}" for s in secrets)
    return {TIMESTAMP_HEADER: timestamp, SIGNATURE_HEADER: value}


def _header(headers: HeaderMap, name: str) -> str | None:
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    return None


def verify(
    secrets: Sequence[str],
    body: bytes,
    headers: HeaderMap,
    *,
    tolerance: float = DEFAULT_TOLERANCE,
    signature_header: str = SIGNATURE_HEADER,
    timestamp_header: str = TIMESTAMP_HEADER,
    now: float | None = None,
) -> str | None:
    """None if the request is authentic and fresh, else the reason it is not."""
    stamp = (_header(headers, timestamp_header) or "").strip()
    given = _header(headers, signature_header)
    if not stamp:
        return f"missing {timestamp_header} header"
    if not given:
        return f"missing {signature_header} header"
    if not stamp.isdigit() or len(stamp) > 12:
        return f"{timestamp_header} must be Unix seconds"
    current = time.time() if now is None else now
    if abs(current - int(stamp)) > tolerance:
        return f"timestamp outside the tolerance of {int(tolerance)} s (replay?)"
    candidates = [
        part.strip()[len(VERSION) + 1 :]
        for part in given.split(",")
        if part.strip().startswith(f"{VERSION}=")
    ]
    if not candidates:
        return f"{signature_header} has no {VERSION}= signature"
    found = False
    for secret in secrets:
        expected = signature(secret, stamp, body).encode()
        for candidate in candidates:
            found |= hmac.compare_digest(expected, candidate.encode())
    return None if found else "signature does not match"
