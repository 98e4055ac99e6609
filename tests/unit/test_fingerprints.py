"""``fingerprints.canonical`` (orjson when it gives the same bytes) equals the canonical
JSON the stored hashes were made of, so no stored fingerprint changes."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import hashlib
import json
import uuid
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from connector.store.fingerprints import canonical, canonical_json, fingerprint


def legacy(payload: Any) -> str:
    """The fingerprint as every earlier version computed it."""
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


text = st.text(
    st.characters(codec="utf-8")  # every code point but surrogates: DEL, U+2028, astral
    | st.sampled_from(["\x7f", "\n", "\x00", '"', "\\", "é", "e", "-", "0", "."])
) | st.sampled_from(["e-5", "null", "0.00001", "size e-1 x"])
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.floats(min_value=-1e-3, max_value=1e-3)
    | text
)
payloads = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=5) | st.dictionaries(text, inner, max_size=5)
    ),
    max_leaves=30,
)


@settings(max_examples=1000, deadline=None)
@given(payloads)
def test_same_bytes_as_the_canonical_json(payload: Any) -> None:
    assert canonical(payload) == canonical_json(payload)
    assert fingerprint(payload) == legacy(payload)


class Colour(enum.IntEnum):
    RED = 1


class Size(enum.StrEnum):
    S = "S"


@dataclasses.dataclass
class Point:
    x: int


@pytest.mark.parametrize(
    "value",
    [
        dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC),
        dt.date(2026, 1, 2),
        Decimal("1.10"),
        uuid.UUID(int=7),
        Colour.RED,
        Size.S,
        Point(1),
        (1, "a"),
        {1: "int key"},
        b"bytes",
        {3, 1},
        1e-7,
        1e22,
        float("nan"),
        "Grün 😀 \u2028",
    ],
)
def test_values_beyond_json_data_hash_as_before(value: Any) -> None:
    payload = {"kind": "variant", "value": value, "list": [value]}
    assert fingerprint(payload) == legacy(payload)


def test_a_mapped_product_is_made_by_orjson_unchanged() -> None:
    payload = {"ref": "SKU-1", "prices": [{"value": 96.99}], "name": "Vintage Dress"}
    assert canonical(payload) == json.dumps(
        payload, sort_keys=True, separators=(",", ":")
    ).encode("ascii")
