"""Fluent sandbox building blocks: paging, filters, timestamps, stock grid, signatures."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from sandbox.fluent.events import generated_on
from sandbox.fluent.grid import InventoryGrid
from sandbox.fluent.keys import process_key_pair
from sandbox.fluent.resolvers.common import (
    FluentError,
    connection,
    decode_cursor,
    encode_cursor,
    filter_rows,
    upsert_attributes,
    upsert_prices,
)
from sandbox.fluent.store import iso, parse_iso

ROWS = [
    {
        "_seq": i,
        "ref": f"R-{i}",
        "status": "ACTIVE" if i % 2 else "INACTIVE",
        "_u": float(i),
    }
    for i in range(1, 26)
]


def test_connection_pages_forward_and_backward() -> None:
    first = connection(ROWS, {"first": 10})
    assert [e["node"]["ref"] for e in first["edges"]][-1] == "R-10"
    assert first["pageInfo"] == {"hasNextPage": True, "hasPreviousPage": False}
    second = connection(ROWS, {"first": 10, "after": first["edges"][-1]["cursor"]})
    assert second["edges"][0]["node"]["ref"] == "R-11"
    assert second["pageInfo"]["hasPreviousPage"] is True
    last = connection(ROWS, {"last": 3, "before": encode_cursor(20)})
    assert [e["node"]["ref"] for e in last["edges"]] == ["R-17", "R-18", "R-19"]
    assert len(connection(ROWS, {})["edges"]) == 10
    with pytest.raises(FluentError):
        connection(ROWS, {"first": -1})


def test_cursor_round_trip_and_garbage() -> None:
    assert decode_cursor(encode_cursor(4242)) == 4242
    with pytest.raises(FluentError):
        decode_cursor("not-a-cursor")


def test_filters_lists_wildcards_and_date_ranges() -> None:
    assert len(filter_rows(ROWS, {"status": ["ACTIVE"]}, {"status": "status"})) == 13
    wild = filter_rows(ROWS, {"ref": ["R-1%"]}, {"ref": "ref"})
    assert [r["ref"] for r in wild] == ["R-1"] + [f"R-{i}" for i in range(10, 20)]
    dated = filter_rows(ROWS, {"updatedOn": {"from": 5.0, "to": 7.0}}, {})
    assert [r["_seq"] for r in dated] == [5, 6, 7]
    with pytest.raises(FluentError, match="C0101E"):
        filter_rows(ROWS, {"updatedOn": {}}, {})


def test_attribute_and_price_upserts() -> None:
    attrs = upsert_attributes(
        [{"name": "a", "type": "STRING", "value": "1"}],
        [
            {"name": "a", "type": "STRING", "value": "2"},
            {"name": "b", "type": "INTEGER", "value": 3},
        ],
    )
    assert [(a["name"], a["value"]) for a in attrs] == [("a", "2"), ("b", 3)]
    prices = upsert_prices(
        [{"type": "DEFAULT", "currency": "EUR", "value": 1.0}],
        [
            {"type": "DEFAULT", "currency": "EUR", "value": 2.0},
            {"type": "DEFAULT", "currency": "USD", "value": 3.0},
        ],
    )
    assert sorted(p["value"] for p in prices) == [2.0, 3.0]


@pytest.mark.parametrize(
    "text",
    [
        "2023-03-06T01:05:45.00Z",
        "2023-03-06T01:05:45Z",
        "2023-03-06T11:05:45+10:00",
        "2023-03-06T01:05:45.000+0000",
        "2023-03-06T01:05:45",
    ],
)
def test_parse_iso_accepts_fluent_forms(text: str) -> None:
    assert iso(parse_iso(text)) == "2023-03-06T01:05:45.000Z"


@pytest.mark.parametrize(
    "ts", [0, 0.0005, 1.5, 1733450000.123, 1733450000.9995, -86400.25, 4e10]
)
def test_iso_and_generated_on_format_every_instant_the_same_twice(ts: float) -> None:
    """iso() keeps the last instant's text (one-entry cache): a repeat, and the
    instant after another one, give strftime's text."""
    dt = datetime.fromtimestamp(ts, tz=UTC)
    text = dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}"
    for _ in range(2):
        assert iso(ts) == text + "Z"
        assert generated_on(ts) == text + "+0000"
        assert iso(ts + 1) != text + "Z"


def test_grid_positions_totals_and_iteration() -> None:
    grid = InventoryGrid("DEFAULT:1", 1000.0)
    assert grid.set("SKU-1", "LOC-A", 5, 1001.0) is True
    assert grid.set("SKU-1", "LOC-A", 5, 1002.0) is False
    grid.set("SKU-1", "LOC-B", 7, 1003.0)
    grid.set("SKU-2", "LOC-B", 1, 1004.0)
    assert grid.position_count() == 3
    assert grid.get("SKU-2", "LOC-A") is None
    assert grid.total("SKU-1") == 12
    assert grid.total("SKU-1", [grid.loc_index["LOC-B"]]) == 7
    cells = list(grid.iter_cells())
    assert [grid.position(r, c)["ref"] for r, c in cells] == [
        "SKU-1:LOC-A",
        "SKU-1:LOC-B",
        "SKU-2:LOC-B",
    ]
    after_first = list(grid.iter_cells(start_seq=grid.seq(*cells[0])))
    assert after_first == cells[1:]
    assert grid.locate_ref("SKU-2:LOC-B") == cells[2]
    assert grid.position(*cells[0])["updatedOn"] == iso(1001.0)


def test_process_key_pair_signs_sha512_and_md5() -> None:
    keys = process_key_pair()
    assert keys is process_key_pair()
    public = load_pem_public_key(keys.public_key_pem.encode())
    assert isinstance(public, rsa.RSAPublicKey) and public.key_size == 2048
    body = b'{"id":"1","name":"x"}'
    public.verify(
        base64.b64decode(keys.sign_sha512(body)),
        body,
        padding.PKCS1v15(),
        hashes.SHA512(),
    )
    public.verify(
        base64.b64decode(keys.sign_md5(body)), body, padding.PKCS1v15(), hashes.MD5()
    )
    with pytest.raises(InvalidSignature):
        public.verify(
            base64.b64decode(keys.sign_sha512(body)),
            body + b" ",
            padding.PKCS1v15(),
            hashes.SHA512(),
        )
