"""Pure helpers of the ops API and console: personal-data masking, page cursors, the
24 h chart geometry and the console's session key."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from marshmallow import ValidationError

from connector import masking
from connector.api.ops_schemas import Cursor, MessageListQuerySchema
from connector.config import Config
from connector.console import chart, secret_key


def test_masking_hides_names_emails_phones_addresses_and_keeps_the_rest():
    payload = {
        "customer": {
            "firstName": "Ada",
            "lastName": "Lovelace",
            "primaryEmail": "ada@x.io",
        },
        "billingAddress": {
            "streetName": "1 Main",
            "postalCode": "10115",
            "country": "DE",
        },
        "contact_phone": "+44 1",
        "lineItems": [{"sku": "S1", "quantity": 1, "note": "mail ada@x.io"}],
        "emailVerified": True,
        "total": 12.5,
    }
    out = masking.mask(payload)
    assert out["customer"] == {
        "firstName": "***",
        "lastName": "***",
        "primaryEmail": "***",
    }
    assert out["billingAddress"] == {
        "streetName": "***",
        "postalCode": "***",
        "country": "***",
    }
    assert out["contact_phone"] == "***"
    assert out["lineItems"] == [{"sku": "S1", "quantity": 1, "note": "mail ***"}]
    assert out["emailVerified"] is True and out["total"] == 12.5
    assert payload["customer"]["firstName"] == "Ada"  # the input is untouched


def test_cursor_round_trip_and_refusal():
    field = Cursor("m")
    token = field._serialize(42, "c", None)
    assert token and "42" not in token
    assert field.deserialize(token) == 42
    with pytest.raises(ValidationError):
        Cursor("r").deserialize(token)  # a runs cursor is not a messages cursor
    with pytest.raises(ValidationError):
        field.deserialize("%%%")


def test_naive_times_are_utc_and_until_must_follow_since():
    args = MessageListQuerySchema().load({"since": "2026-12-01T10:00:00"})
    assert args["since"] == datetime(2026, 12, 1, 10, tzinfo=UTC)
    with pytest.raises(ValidationError) as exc:
        MessageListQuerySchema().load(
            {"since": "2026-12-02T00:00:00Z", "until": "2026-12-01T00:00:00Z"}
        )
    assert "until" in exc.value.messages


def test_chart_scales_to_the_busiest_hour():
    start = datetime(2026, 12, 5, 0, tzinfo=UTC)
    buckets = [(start + timedelta(hours=i), 0, 0) for i in range(24)]
    buckets[5] = (buckets[5][0], 6, 2)
    buckets[6] = (buckets[6][0], 2, 0)
    c = chart.build(buckets)
    assert (c.peak, c.total_done, c.total_failed, len(c.bars)) == (8, 8, 2, 24)
    full = c.baseline - c.top
    assert c.bars[5].done_h + c.bars[5].failed_h == pytest.approx(full)
    assert c.bars[6].done_h == pytest.approx(full / 4)
    assert (
        c.bars[0].done_h == 0 and c.bars[0].label == "00:00" and c.bars[1].label == ""
    )


def test_console_secret_key_is_configured_or_derived_from_tokens():
    base = {"DATABASE_URL": "sqlite://", "CONNECTOR_API_TOKENS": "a,b"}
    derived = secret_key(Config.from_env(base))
    assert derived == secret_key(
        Config.from_env({**base, "CONNECTOR_API_TOKENS": "b,a"})
    )
    assert derived != secret_key(
        Config.from_env({**base, "CONNECTOR_API_TOKENS": "a,c"})
    )
    assert "a" != derived and len(derived) == 64
    assert secret_key(Config.from_env({**base, "CONNECTOR_SECRET_KEY": "s3"})) == "s3"
