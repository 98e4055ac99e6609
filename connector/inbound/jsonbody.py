"""Defensive JSON parsing of webhook bodies: every malformed body becomes a 400.

Flask answers 500 to very deep nesting and accepts NaN (DESIGN.md §8); here NaN and
Infinity are refused, runaway nesting (RecursionError) is a 400, invalid UTF-8 is a 400,
and the top level must be an object.
"""

from __future__ import annotations

import json
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
    return value
