"""Pure logic of external_in/external_out: the HMAC scheme, route options, payload
templates and the SSRF address policy."""

from __future__ import annotations

import ipaddress

import pytest

from connector import signing
from connector.clients.webhook import AddressPolicy, forbidden_reason
from connector.errors import ConfigError
from connector.modules.external_in.options import parse_options
from connector.modules.external_out.template import check_template, context_for, render

BODY = b'{"order":{"id":"A-1"}}'


def test_signature_is_hmac_sha256_of_timestamp_dot_body():
    import hashlib
    import hmac

    headers = signing.sign(["k1"], BODY, now=1_700_000_000)
    assert headers["X-Connector-Timestamp"] == "1700000000"
    expected = hmac.new(b"k1", b"1700000000." + BODY, hashlib.sha256).hexdigest()
    assert headers["X-Connector-Signature"] == f"v1={expected}"


@pytest.mark.parametrize(
    ("signed_with", "accepted_secrets", "skew", "problem"),
    [
        (["k1"], ["k1"], 0, None),
        (["old", "new"], ["new"], 0, None),  # rotation: several signatures
        (["new"], ["old", "new"], 0, None),  # rotation: several secrets
        (["k1"], ["k2"], 0, "signature does not match"),
        (["k1"], ["k1"], -301, "tolerance"),
        (["k1"], ["k1"], 301, "tolerance"),
        (["k1"], ["k1"], 299, None),
    ],
)
def test_verify(signed_with, accepted_secrets, skew, problem):
    now = 1_700_000_000
    headers = signing.sign(signed_with, BODY, now=now + skew)
    result = signing.verify(accepted_secrets, BODY, headers, now=now, tolerance=300)
    if problem is None:
        assert result is None
    else:
        assert problem in result


def test_verify_rejects_tampering_and_missing_headers():
    headers = signing.sign(["k1"], BODY, now=100)
    assert signing.verify(["k1"], BODY + b" ", headers, now=100)
    forged = {**headers, "X-Connector-Timestamp": "101"}  # timestamp is signed too
    assert signing.verify(["k1"], BODY, forged, now=100)
    assert "missing" in signing.verify(["k1"], BODY, {}, now=100)
    odd = {**headers, "X-Connector-Signature": "sha256=abc"}
    assert "no v1" in signing.verify(["k1"], BODY, odd, now=100)
    lower = {k.lower(): v for k, v in headers.items()}
    assert signing.verify(["k1"], BODY, lower, now=100) is None


def test_route_options_validation():
    opts = parse_options(
        "r", {"auth": "hmac", "secret_env": "S", "schema": {"a": "string"}}
    )
    assert opts.tolerance_seconds == 300 and opts.id_header == "X-Connector-Delivery"
    assert opts.payload_schema.load({"a": "x", "extra": 1}) == {"a": "x", "extra": 1}
    with pytest.raises(ConfigError, match="secret_env"):
        parse_options("r", {"auth": "hmac"})
    with pytest.raises(ConfigError, match="tokens_env"):
        parse_options("r", {"auth": "token"})
    with pytest.raises(ConfigError, match="auth"):
        parse_options("r", {"secret_env": "S"})
    with pytest.raises(ConfigError, match="secre_env"):
        parse_options("r", {"auth": "hmac", "secret_env": "S", "secre_env": "T"})
    with pytest.raises(ConfigError, match="unknown type 'text'"):
        parse_options("r", {"auth": "hmac", "secret_env": "S", "schema": {"a": "text"}})
    passed = parse_options(
        "r",
        {"auth": "token", "tokens_env": "T", "target": "erp", "handler_options": {}},
    )
    assert passed.auth == "token"


def test_payload_schema_types_are_strict():
    opts = parse_options(
        "r",
        {
            "auth": "hmac",
            "secret_env": "S",
            "schema": {
                "n": "integer",
                "x": "number",
                "ok": "boolean",
                "note": {"type": "string", "required": False},
            },
        },
    )
    schema = opts.payload_schema
    assert schema.validate({"n": 1, "x": 1.5, "ok": True}) == {}
    assert set(schema.validate({"n": "1", "x": True, "ok": 1})) == {"n", "x", "ok"}
    assert set(schema.validate({})) == {"n", "x", "ok"}
    assert schema.validate({"n": 1, "x": 2, "ok": False, "note": None}) == {}


def test_template_keeps_types_and_is_safe():
    ctx = context_for(
        {"order": {"id": "A-1", "total": 9.5, "lines": [{"sku": "S"}]}, "flag": False},
        {"source": "commercetools", "message_id": "m-1"},
    )
    template = {
        "id": "${order.id}",
        "total": "${order.total}",
        "sku": "${order.lines.0.sku}",
        "missing": "${order.nope}",
        "text": "Order ${order.id}: ${order.total} $$ ${order.nope}|${flag}",
        "nested": [{"src": "${_meta.source}"}, 7, None],
        "code": "${__class__}",
    }
    check_template(template)
    assert render(template, ctx) == {
        "id": "A-1",
        "total": 9.5,
        "sku": "S",
        "missing": None,
        "text": "Order A-1: 9.5 $ |false",
        "nested": [{"src": "commercetools"}, 7, None],
        "code": None,
    }
    with pytest.raises(ConfigError, match="placeholder"):
        check_template({"bad": "${order.id"})


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("127.8.9.10", "loopback"),
        ("::1", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.0.1", "private"),
        ("fd00::1", "private"),
        ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("::ffff:10.0.0.1", "private"),
        ("0.0.0.0", "unspecified"),
        ("224.0.0.1", "multicast"),
        ("100.64.1.1", "shared (CGNAT)"),
        ("93.184.216.34", None),
        ("2606:4700::1111", None),
    ],
)
def test_forbidden_addresses(address, reason):
    assert forbidden_reason(ipaddress.ip_address(address)) == reason


def test_allow_list():
    policy = AddressPolicy.from_options(["127.0.0.1/32", "10.9.0.0/16"])
    assert policy.check_address(ipaddress.ip_address("127.0.0.1")) is None
    assert policy.check_address(ipaddress.ip_address("::ffff:127.0.0.1")) is None
    assert policy.check_address(ipaddress.ip_address("10.9.3.4")) is None
    assert "loopback" in policy.check_address(ipaddress.ip_address("127.0.0.2"))
    assert "private" in policy.check_address(ipaddress.ip_address("10.8.0.1"))
    with pytest.raises(ConfigError, match="allow_networks"):
        AddressPolicy.from_options(["not-a-network"])
