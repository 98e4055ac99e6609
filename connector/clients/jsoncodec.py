"""JSON bodies of the API clients, made and read by orjson where that gives the same
values as requests' own ``json.dumps`` / ``Response.json()``, and by requests otherwise.

Why: a products sync decodes 20 commercetools pages of ~2.3 MB and encodes and decodes
1,600 Fluent requests of 50 mutations for 10,000 products; with the standard library
that was ~1.9 s of the worker's CPU, with orjson ~1.0 s.

Encoding (``request_body``): orjson's text is compact and UTF-8 where ``json.dumps``
puts spaces after separators and ``\\uXXXX`` escapes; the JSON values are the same.
Everything orjson would write differently or accept where requests refuses goes back to
requests (None: the caller sends ``json=`` as before): a NaN or infinity (orjson writes
``null``, requests raises, so any ``null`` in the output is re-checked by requests),
integers beyond 64 bits, non-string keys, subclasses of str/int/dict/list, dataclasses,
datetimes and every type without a JSON form (orjson raises without ``default``).
A plain ``enum.Enum`` member is the exception: orjson writes its value where requests
raises; a request body is built from decoded JSON and mapped strings and numbers.

Decoding (``decode_json``): only for a body requests would read as UTF-8 (no declared
charset, or UTF-8); everything else, and anything orjson rejects (invalid UTF-8, a BOM,
NaN/Infinity literals, lone surrogate escapes, numbers beyond a double, deep nesting),
is decoded by ``Response.json()`` as before, errors included. orjson reads integers
beyond 64 bits as floats where ``json`` keeps them exact: a body with a run of 19 or
more digits (anywhere, also inside strings; 18 digits always fit) goes to
``Response.json()``. Floats are read to the same nearest double (tested against
``json.loads`` on generated numbers: tests/unit/test_jsoncodec.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
import requests

_DUMPS = orjson.OPT_PASSTHROUGH_SUBCLASS | orjson.OPT_PASSTHROUGH_DATACLASS
_DUMPS |= orjson.OPT_PASSTHROUGH_DATETIME
_UTF8 = frozenset({"utf-8", "utf8", "utf_8"})
_DIGITS = bytes.maketrans(b"123456789", b"000000000")
LONG_NUMBER = b"0" * 19  # 19 digits: the shortest number that may not fit 64 bits


def request_body(value: Any) -> bytes | None:
    """``value`` as JSON bytes, or None when requests must encode it itself."""
    try:
        body = orjson.dumps(value, option=_DUMPS)
    except TypeError:  # orjson.JSONEncodeError: a type or value left to requests
        return None
    if b"null" in body:  # None, or a NaN / infinity orjson wrote as null
        return None
    return body


def decode_json(
    content: bytes, encoding: str | None, response: Callable[[], requests.Response]
) -> Any:
    """``response().json()`` for a response with this body and encoding: decoded
    by orjson when that is safe, else by requests (``response()`` made only then)."""
    if (
        content
        and (encoding is None or encoding.lower() in _UTF8)
        and LONG_NUMBER not in content.translate(_DIGITS)
    ):
        try:
            return orjson.loads(content)
        except orjson.JSONDecodeError:
            pass  # requests says what is wrong, or reads what orjson does not
    return response().json()
