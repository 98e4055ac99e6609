"""Small helpers for validated payloads and options, shared by several modules:
``describe_errors`` (marshmallow messages as one line naming each field) and
``dotted`` (a value at a dotted path of a JSON document).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def describe_errors(messages: Any, prefix: str = "") -> str:
    """marshmallow error messages as ``field: problem; ...`` (nested names dotted)."""
    if isinstance(messages, Mapping):
        parts = [
            describe_errors(v, f"{prefix}.{k}" if prefix else str(k))
            for k, v in messages.items()
        ]
        return "; ".join(p for p in parts if p)
    if isinstance(messages, list):
        text = " ".join(str(m) for m in messages if not isinstance(m, (dict, list)))
        return f"{prefix}: {text}" if prefix else text
    return f"{prefix}: {messages}" if prefix else str(messages)


def dotted(data: Any, path: str) -> Any:
    """``data`` at a dotted path (``a.b.0.c``); None when absent."""
    current = data
    for part in path.split("."):
        if isinstance(current, Mapping):
            current = current.get(part)
        elif isinstance(current, list) and part.isdigit() and int(part) < len(current):
            current = current[int(part)]
        else:
            return None
        if current is None:
            return None
    return current
