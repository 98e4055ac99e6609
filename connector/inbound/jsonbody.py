"""Defensive JSON parsing of webhook bodies: every malformed body becomes a 400.

Flask answers 500 to very deep nesting and accepts NaN (DESIGN.md §8); here NaN and
Infinity are refused, runaway nesting (RecursionError) is a 400, invalid UTF-8 is a 400,
and the top level must be an object.

Strings no store can hold are refused too, naming the field: a NUL character (JSON
``\u0000``; PostgreSQL text and JSONB cannot contain it) and a lone UTF-16 surrogate
(``\ud800``; not encodable as UTF-8). Rejecting (rather than rewriting) keeps the stored
payload exactly what the sender sent; no real commercetools or Fluent payload has them.
"""

from __future__ import annotations

import json
import re
from typing import Any


class BodyError(ValueError):
    """The body is not an acceptable JSON object; the message says why."""


def _reject_constant(name: str) -> Any:
    raise BodyError(f"JSON constant {name} is not allowed")


def parse_object(raw: bytes) -> dict[str, Any]:
    if not raw:
        raise BodyError("empty body")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BodyError("body is not UTF-8") from None
    try:
        value = json.loads(text, parse_constant=_reject_constant)
    except BodyError:
        raise
    except RecursionError:
        raise BodyError("JSON nested too deeply") from None
    except ValueError as exc:
        raise BodyError(f"body is not valid JSON: {str(exc)[:200]}") from None
    if not isinstance(value, dict):
        raise BodyError("body must be a JSON object")
    if _ESCAPED_UNSTORABLE.search(text):  # else no string can hold one: skip the walk
        problem = unstorable(value)
        if problem:
            raise BodyError(problem)
    return value


# In a parsed JSON text a NUL or a lone surrogate can only come from a ``\u`` escape:
# a raw NUL (any raw control character) is invalid JSON for ``json.loads`` (strict),
# and surrogate code points are invalid UTF-8, refused by the strict decode above. So
# a body without ``\u0000`` or ``\ud800``-``\udfff`` (any case) holds neither; a
# match (even an escaped backslash followed by ``u0000``) walks the value as before.
_ESCAPED_UNSTORABLE = re.compile(r"\\u(?:0000|[dD][89a-fA-F])")


def _bad_text(text: str) -> str | None:
    if "\x00" in text:
        return "contains a NUL character (\\u0000)"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "contains a lone surrogate (\\ud800-\\udfff)"
    return None


def unstorable(value: Any, path: str = "$") -> str | None:
    """The first key or string no store can hold, as ``"<path>: <why>"``; else None."""
    stack: list[tuple[Any, str]] = [(value, path)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, str):
            why = _bad_text(item)
            if why:
                return f"{where}: {why}"
        elif isinstance(item, dict):
            for key, child in item.items():
                why = _bad_text(key)
                if why:
                    return f"{where}: a key {why}"
                stack.append((child, f"{where}.{key}"))
        elif isinstance(item, list):
            stack.extend((child, f"{where}[{i}]") for i, child in enumerate(item))
    return None
