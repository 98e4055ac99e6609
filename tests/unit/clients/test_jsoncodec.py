"""The clients' JSON bodies: orjson gives the same values as requests' json.dumps /
Response.json(), and everything it would treat differently goes back to requests."""

from __future__ import annotations

import dataclasses
import json
import math
import random
import re
import struct
from datetime import UTC, datetime
from typing import Any

import pytest
import requests
import responses

from connector.clients.base import ApiClient
from connector.clients.jsoncodec import decode_json, request_body

PAYLOADS: list[Any] = [
    {},
    [],
    {"a": 1, "b": [1, 2.5, -0.0, 1e-7, 1e22, 123456789012345678], "c": {"d": True}},
    {"ref": "SKU-1", "name": "Grün Straße ✓ 𝄞", "quote": 'a"b\\c\n\t\x00\x1f\u2028'},
    {"prices": [{"type": "DEFAULT", "currency": "EUR", "value": 116.99}]},
    {"big": 18446744073709551615, "neg": -9223372036854775808, "f": 5e-324},
    ("tuple", "as", "list"),
]


@pytest.mark.parametrize("value", PAYLOADS)
def test_request_body_is_the_same_json(value: Any) -> None:
    body = request_body(value)
    assert body is not None
    assert json.loads(body) == json.loads(json.dumps(value, allow_nan=False))


class Text(str):
    pass


@dataclasses.dataclass
class Point:
    x: int


@pytest.mark.parametrize(
    "value",
    [
        {"a": None},  # null: re-checked by requests (it may hide a NaN)
        {"a": math.nan},
        [math.inf],
        {"a": 2**64},  # beyond 64 bits
        {"a": -(2**63) - 1},
        {1: "int key"},
        {"a": Text("subclass")},
        {"a": datetime(2026, 1, 1, tzinfo=UTC)},
        {"a": Point(1)},
        {"a": {1, 2}},
        {"a": "\ud800"},  # a lone surrogate
    ],
)
def test_request_body_leaves_the_rest_to_requests(value: Any) -> None:
    assert request_body(value) is None


def response_json(resp: requests.Response) -> Any:
    """What ``ApiClient.request`` reads from a response: ``decode_json``."""
    return decode_json(resp.content, resp.encoding, lambda: resp)


def _response(content: bytes, content_type: str | None) -> requests.Response:
    resp = requests.Response()
    resp._content = content
    resp.status_code = 200
    if content_type:
        resp.headers["Content-Type"] = content_type
    resp.encoding = requests.utils.get_encoding_from_headers(resp.headers)
    return resp


def _same(content: bytes, content_type: str | None = "application/json") -> None:
    try:
        expected: Any = _response(content, content_type).json()
    except (ValueError, RecursionError) as exc:
        with pytest.raises(type(exc)):
            response_json(_response(content, content_type))
        return
    got = response_json(_response(content, content_type))
    assert repr(got) == repr(expected)  # repr: 1 vs 1.0, -0.0 vs 0.0 differ


BODIES = [
    b'{"a": 1, "b": [true, false, null], "c": "Gr\\u00fcn", "d": "Gr\xc3\xbcn"}',
    b"12345678901234567890123",  # beyond 64 bits: exact
    b'{"v": -9223372036854775809}',
    b'{"v": 18446744073709551616, "w": 1}',
    b'{"id": "1234567890123456789"}',
    b"[1e400, -1e400]",  # infinity
    b"[NaN, Infinity]",
    b'"\\ud800"',  # a lone surrogate escape
    b'\xef\xbb\xbf{"a": 1}',  # BOM
    b'{"a": "\xff"}',  # not UTF-8
    b'{"a": 1, "a": 2}',
    b"[-0, -0.0, 1E2, 1.5e-7, 2.4e-324]",
    b"not json",
    b"[" * 2000 + b"]" * 2000,
]


@pytest.mark.parametrize("content", BODIES)
def test_response_json_same_value_or_same_error(content: bytes) -> None:
    _same(content)
    _same(content, None)


def test_response_json_other_charsets_go_to_requests() -> None:
    content = '{"name": "Grün"}'.encode("latin-1")
    _same(content, "application/json; charset=ISO-8859-1")
    _same('{"name": "Grün"}'.encode("utf-16"), None)


def test_response_json_floats_and_ints_like_json(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rnd = random.Random(14)
    numbers = []
    for _ in range(3000):
        bits = struct.unpack("d", rnd.getrandbits(64).to_bytes(8, "little"))[0]
        if math.isfinite(bits):
            numbers.append(repr(bits))
        whole = str(rnd.randrange(10 ** rnd.randint(1, 18)))
        frac = "".join(rnd.choice("0123456789") for _ in range(rnd.randint(1, 18)))
        exp = rnd.choice(["", f"e{rnd.randint(-330, 280)}", f"E+{rnd.randint(0, 280)}"])
        numbers.append(f"-{whole}.{frac}{exp}")
        numbers.append(str(rnd.randrange(-(10**18) + 1, 10**18)))
    _same(("[" + ", ".join(numbers) + "]").encode())  # some take requests' path
    # the fast path: no run of 19 digits (repr of 0.000123... has up to 21)
    numbers = [n for n in numbers if not re.search("[0-9]{19}", n)]
    content = ("[" + ", ".join(numbers) + "]").encode()
    _same(content)
    expected = json.loads(content)

    def no_fallback(self: requests.Response) -> Any:
        raise AssertionError("decoded by requests")

    monkeypatch.setattr(requests.Response, "json", no_fallback)
    got = response_json(_response(content, "application/json"))
    assert [repr(x) for x in got] == [repr(x) for x in expected]


@responses.activate
def test_api_client_sends_the_same_json() -> None:
    responses.post("https://api.example.com/x", json={"ok": 1})
    client = ApiClient("https://api.example.com", None)
    payload = {"name": "Grün", "n": 1.5, "items": [1, 2]}
    assert client.request("POST", "/x", json=payload) == {"ok": 1}
    sent = responses.calls[0].request
    assert sent.headers["Content-Type"] == "application/json"
    assert json.loads(sent.body) == payload
    # a body orjson leaves to requests is sent as requests makes it
    client.request("POST", "/x", json={"a": None})
    assert responses.calls[1].request.body == json.dumps({"a": None}).encode()
    assert responses.calls[1].request.headers["Content-Type"] == "application/json"
    with pytest.raises(requests.exceptions.InvalidJSONError):
        client.request("POST", "/x", json={"a": math.nan})
