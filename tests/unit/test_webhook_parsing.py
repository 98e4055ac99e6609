"""Defensive JSON, signature verification and token comparison."""

from __future__ import annotations

import base64
import json

import pytest
from cryptography.hazmat.primitives import hashes

from connector.errors import ConfigError
from connector.inbound.commercetools import inbound_from_notification
from connector.inbound.jsonbody import BodyError, parse_object
from connector.inbound.pipeline import Rejected
from connector.inbound.verifiers import (
    FluentSignatureVerifier,
    bearer_token,
    load_public_key,
    token_matches,
)
from tests.support import signing


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"", "empty"),
        (b"\xc3\x28", "UTF-8"),
        (b'{"a": Infinity}', "Infinity"),
        (b'{"a": NaN}', "NaN"),
        (b"[" * 100_000, "nested"),
        (b'"text"', "object"),
        (b"{'single': 1}", "valid JSON"),
    ],
)
def test_bad_bodies(raw, reason):
    with pytest.raises(BodyError, match=reason):
        parse_object(raw)


def test_good_body():
    assert parse_object(b'{"a": [1, {"b": null}]}') == {"a": [1, {"b": None}]}


def test_signature_rotation_and_md5_switch():
    body = signing.fluent_body()
    verifier = FluentSignatureVerifier(
        [signing.public_pem("primary"), signing.public_der_b64("rotated")]
    )
    assert verifier.verify(body, {"Fluent-Signature": signing.sign(body)}) is None
    assert (
        verifier.verify(body, {"fluent-signature": signing.sign(body, "rotated")})
        is None
    )
    assert "does not match" in verifier.verify(
        body + b" ", {"fluent-signature": signing.sign(body)}
    )
    legacy = {"flex.signature": signing.sign(body, algorithm=hashes.MD5())}
    assert verifier.verify(body, legacy) == "missing fluent-signature header"
    md5_ok = FluentSignatureVerifier([signing.public_pem()], allow_md5=True)
    assert md5_ok.verify(body, legacy) is None
    assert FluentSignatureVerifier([]).verify(body, {}).startswith("no Fluent webhook")
    assert (
        verifier.verify(body, {"fluent-signature": "***"}) == "signature is not base64"
    )


def test_bad_public_key_named():
    with pytest.raises(ConfigError, match="FLUENT_WEBHOOK_PUBLIC_KEYS"):
        load_public_key(base64.b64encode(b"not a key").decode())


def test_tokens_constant_time_helper():
    assert token_matches("b", ("a", "b"))
    assert not token_matches("c", ("a", "b"))
    assert not token_matches("", ("a",))
    assert not token_matches("a", ())
    assert bearer_token({"Authorization": "Bearer xyz"}) == "xyz"
    assert bearer_token({"X-API-Token": "t"}) == "t"
    assert bearer_token({}) is None


def test_ct_notification_shapes():
    msg = {
        "notificationType": "Message",
        "id": "m-1",
        "type": "OrderCreated",
        "resource": {"typeId": "order", "id": "o-1"},
        "resourceVersion": 1,
    }
    inbound = inbound_from_notification(msg)
    assert (inbound.message_id, inbound.name, inbound.resource_type) == (
        "m-1",
        "OrderCreated",
        "order",
    )
    change = {
        "notificationType": "ResourceUpdated",
        "resource": {"typeId": "category", "id": "c-1"},
        "version": 5,
        "oldVersion": 4,
    }
    assert (
        inbound_from_notification(change).message_id == "ResourceUpdated:category:c-1:5"
    )
    with pytest.raises(Rejected) as err:
        inbound_from_notification(
            {"notificationType": "Message", "id": "x", "resource": {"typeId": "order"}}
        )
    assert "type" in err.value.message and "resource" in err.value.message
    assert json.dumps(msg)  # payload kept whole


def _old_parse(raw: bytes) -> str:
    """The outcome of parsing with the full walk of every body (before the pre-check)."""
    from connector.inbound.jsonbody import unstorable

    try:
        value = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return "refused"
    if not isinstance(value, dict):
        return "refused"
    return "refused" if unstorable(value) else "ok"


def test_escape_precheck_never_skips_an_unstorable_body():
    import random

    rng = random.Random(14)
    pieces = ["a", "é", "\x00", "\ud800", "\udbff", "\udc00", "\udfff", "\ud83d\ude00"]
    pieces += ["\\", "u", "0000", "D800", "\\u0000", "\x1f", '"']
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 6)))
        key = rng.choice(["k", text])
        body = {key: rng.choice([text, [text, {"n": text}], 1])}
        for raw in (
            json.dumps(body).encode(),
            json.dumps(body, ensure_ascii=False).encode("utf-8", "surrogatepass"),
            # upper-case hex digits (\uD800); keys and text upper-cased too
            json.dumps(body).upper().replace("\\U", "\\u").encode(),
        ):
            try:
                parse_object(raw)
                outcome = "ok"
            except BodyError:
                outcome = "refused"
            assert outcome == _old_parse(raw), raw


def test_raw_nul_and_surrogate_bytes_are_refused_without_the_walk():
    for raw in (b'{"a": "x\x00y"}', b'{"a": 1}\x00', b'{"a\xed\xa0\x80": 1}'):
        with pytest.raises(BodyError):
            parse_object(raw)


def _fluent_source(**fluent: object) -> object:
    from types import SimpleNamespace

    from connector.inbound.fluent import FluentSource

    options = {"webhook_public_keys": (), "allow_md5_signature": False}
    options.update(account_id="ACME", retailer_id="1", **fluent)
    return FluentSource(SimpleNamespace(fluent=SimpleNamespace(**options)))  # type: ignore[arg-type]


def test_envelope_check_agrees_with_the_schema():
    """The fast check accepts exactly what FluentEnvelopeSchema accepts, with the
    same loaded values; whatever it does not accept goes to the schema."""
    import random

    from marshmallow import ValidationError

    source = _fluent_source()
    check, schema = source.check, source.schema  # type: ignore[attr-defined]
    assert check.enabled
    rng = random.Random(14)
    names = [name for name, *_ in check.fields]
    values = [
        "x", " x ", "", "   ", "\u2003", "\u2003y\u00a0", None, 0, 1, 1.5, True,
        [], {}, ["x"], "a" * 64, "a" * 65, " " + "a" * 64, "b" * 255, "b" * 256,
        "b" * 255 + " ", "é" * 70, "\x00",
    ]  # fmt: skip
    agreed = accepted = 0
    for _ in range(20000):
        body: dict[str, object] = {"extra": rng.choice(values)}
        for name in names:
            if rng.random() < 0.85:
                body[name] = rng.choice(values) if rng.random() < 0.3 else "v"
        try:
            expected = schema.load(body)
        except ValidationError:
            expected = None
        fast = check.values(body)
        if fast is None:
            agreed += expected is None
            continue
        accepted += 1
        assert expected is not None, body
        assert fast == {k: v for k, v in expected.items() if k in names}, body
        agreed += 1
    assert agreed == 20000
    assert 1000 < accepted < 19000  # both outcomes were exercised


def test_envelope_check_steps_aside_for_a_richer_schema():
    from marshmallow import fields, validate

    from connector.inbound.fluent import EnvelopeCheck, FluentEnvelopeSchema, IdField

    class WithValidator(FluentEnvelopeSchema):
        name = IdField(required=True, validate=validate.Length(max=3))

    class WithOtherField(FluentEnvelopeSchema):
        entityId = fields.Str(required=True)  # noqa: N815 - Fluent's field name

    class WithDataKey(FluentEnvelopeSchema):
        entityRef = IdField(required=True, data_key="ref")  # noqa: N815

    for schema in (WithValidator(), WithOtherField(), WithDataKey()):
        assert not EnvelopeCheck(schema).enabled
        assert EnvelopeCheck(schema).values({"id": "x"}) is None


def test_invalid_envelope_answers_the_schema_message():
    source = _fluent_source()
    body = {"id": " ", "name": 3, "accountId": "ACME", "retailerId": "1"}
    with pytest.raises(Rejected) as info:
        source.parse(json.dumps(body).encode(), {})  # type: ignore[attr-defined]
    assert info.value.status == 400 and info.value.error == "invalid_envelope"
    assert "id: must not be empty" in info.value.message
    assert "name: must be a string" in info.value.message
    assert "entityId: Missing data for required field." in info.value.message
