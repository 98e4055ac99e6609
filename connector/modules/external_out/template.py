"""Shape an outbound payload from the message with a small, safe template (no eval).

A template is a JSON-like structure (mapping or list). Strings are templates over the
message: ``"${order.id}"`` alone keeps the value's JSON type (a number stays a number,
an object stays an object; absent -> null); inside longer text ``${path}`` is replaced
by the value's text (absent -> empty). Paths are dotted keys or list indexes into the
message payload; ``_meta.source``, ``_meta.name``, ``_meta.message_id``, ``_meta.route``
describe the message. ``$$`` is a literal ``$``. Other values are copied as they are.
Without a template the message payload is sent as is.
"""

from __future__ import annotations

import json
import re
import string
from collections.abc import Mapping
from typing import Any

from connector.errors import ConfigError
from connector.payload import dotted

MAX_DEPTH = 20


class _PathTemplate(string.Template):
    idpattern = r"[_a-zA-Z0-9][_a-zA-Z0-9.\-]*"


_WHOLE = re.compile(r"^\$\{([_a-zA-Z0-9][_a-zA-Z0-9.\-]*)\}$")


class _Lookup(Mapping[str, str]):
    def __init__(self, context: Mapping[str, Any]) -> None:
        self.context = context

    def __getitem__(self, key: str) -> str:
        value = dotted(self.context, key)
        if value is None:
            return ""
        if isinstance(value, (dict, list)):
            return json.dumps(value, separators=(",", ":"), sort_keys=True)
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)

    def __iter__(self) -> Any:
        return iter(())

    def __len__(self) -> int:
        return 0


def check_template(template: Any, depth: int = 0) -> None:
    """ConfigError if the template has an invalid placeholder or is not JSON-like."""
    if depth > MAX_DEPTH:
        raise ConfigError("template: nested too deeply")
    if isinstance(template, Mapping):
        for key, value in template.items():
            if not isinstance(key, str):
                raise ConfigError(f"template: key {key!r} must be a string")
            check_template(value, depth + 1)
    elif isinstance(template, list):
        for value in template:
            check_template(value, depth + 1)
    elif isinstance(template, str):
        try:
            _PathTemplate(template).substitute(_Anything())
        except (ValueError, KeyError) as exc:
            raise ConfigError(
                f"template: invalid placeholder in {template!r}: {exc}"
            ) from None
    elif template is not None and not isinstance(template, (int, float, bool)):
        raise ConfigError(f"template: unsupported value {template!r}")


class _Anything(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return ""


def render(template: Any, context: Mapping[str, Any], depth: int = 0) -> Any:
    """The template filled from ``context`` (see module docstring)."""
    if depth > MAX_DEPTH:
        raise ConfigError("template: nested too deeply")
    if isinstance(template, Mapping):
        return {k: render(v, context, depth + 1) for k, v in template.items()}
    if isinstance(template, list):
        return [render(v, context, depth + 1) for v in template]
    if isinstance(template, str):
        whole = _WHOLE.match(template)
        if whole:
            return dotted(context, whole.group(1))
        return _PathTemplate(template).safe_substitute(_Lookup(context))
    return template


def context_for(payload: dict[str, Any], meta: dict[str, Any]) -> dict[str, Any]:
    """The template context: the payload's fields plus ``_meta``."""
    return {**payload, "_meta": meta}
