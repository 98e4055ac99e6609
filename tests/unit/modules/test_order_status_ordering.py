"""The anti-backwards rule and where the watermark is written."""

from __future__ import annotations

import pytest

from connector.errors import ConfigError
from connector.fluent_orders.ct_types import CtType
from connector.fluent_orders.ordering import (
    OrderingRule,
    Watermark,
    newest,
    parse_time,
)
from connector.modules.order_status.service import watermark_actions, watermark_on

RULE = OrderingRule.from_options({})
T1, T2 = "2026-11-29T10:00:00.000Z", "2026-11-29T10:00:05.000Z"


def w(status, when=None):
    return Watermark(status, when)


@pytest.mark.parametrize(
    "incoming, applied, stale",
    [
        (w("BOOKED", T1), None, False),  # nothing applied yet
        (w("PICK_PACK", T2), w("BOOKED", T1), False),  # newer, forward
        (w("BOOKED", T1), w("PICK_PACK", T2), True),  # older read: ignored
        (w("PICK_PACK", T1), w("PICK_PACK", T2), True),  # older, same status
        (w("BOOKED", T1), w("BOOKED", T1), False),  # replay of the same read
        (w("BOOKED", T1), w("PICK_PACK", T1), True),  # same time: rank decides
        (w("BOOKED"), w("PICK_PACK"), True),  # no times: rank decides
        (w("ESCALATED", T2), w("PICK_PACK", T1), False),  # newer, unranked
        (w("BOOKED", T2), w("ESCALATED", T1), False),  # back from escalation
        (w("BOOKED", T2), w("PICK_PACK", T1), False),  # newer beats rank
        (w("RECEIVED", T2), w("COMPLETE", T1), True),  # final is never left
        (w("CANCELLED", T2), w("COMPLETE", T1), True),
        (w("COMPLETE", T2), w("COMPLETE", T1), False),
    ],
)
def test_stale_rule(incoming, applied, stale):
    assert (RULE.stale_reason(incoming, applied) is not None) is stale


def test_configured_ranks_and_finals():
    rule = OrderingRule.from_options(
        {"status_rank": {"booked": 5, "shipped": 1}, "final_statuses": []}
    )
    assert rule.stale_reason(w("SHIPPED"), w("BOOKED"))
    assert rule.stale_reason(w("BOOKED", T2), w("COMPLETE", T1)) is None
    with pytest.raises(ConfigError):
        OrderingRule.from_options({"status_rank": {"A": "high"}})
    with pytest.raises(ConfigError):
        OrderingRule.from_options({"final_statuses": "COMPLETE"})


def test_times_and_encoding():
    assert parse_time("2026-11-29T10:00:00.000Z") == parse_time(
        "2026-11-29T10:00:00.000+0000"
    )
    assert parse_time("2026-11-29T10:00:00") is not None
    assert parse_time("yesterday") is None and parse_time(None) is None
    mark = w("AWAITING_COURIER_COLLECTION", T1)
    assert len(mark.encode()) <= 64
    assert Watermark.decode(mark.encode()) == mark
    assert Watermark.decode(None) is None
    assert newest(w("BOOKED", T1), None, w("PICK_PACK", T2)) == w("PICK_PACK", T2)
    assert newest(w("BOOKED", T1), w("X")) == w("BOOKED", T1)


def test_watermark_written_only_where_it_belongs():
    ours = CtType(
        "type-1", "fluent-order", frozenset({"fluentOrderStatus", "fluentUpdatedOn"})
    )
    mark = w("BOOKED", T1)
    bare = {"id": "o1"}
    [action] = watermark_actions(bare, mark, ours, None)
    assert action["action"] == "setCustomType"
    assert action["fields"] == {"fluentOrderStatus": "BOOKED", "fluentUpdatedOn": T1}
    on_ours = {
        "custom": {
            "type": {"id": "type-1"},
            "fields": {"fluentOrderStatus": "RECEIVED", "fluentUpdatedOn": T1},
        }
    }
    assert watermark_actions(on_ours, mark, ours, None) == [
        {"action": "setCustomField", "name": "fluentOrderStatus", "value": "BOOKED"}
    ]
    assert watermark_on(on_ours) == w("RECEIVED", T1)
    foreign = {"custom": {"type": {"id": "shop-type"}, "fields": {"giftNote": "hi"}}}
    assert watermark_actions(foreign, mark, ours, frozenset({"giftNote"})) == []
    extended = frozenset({"giftNote", "fluentOrderStatus", "fluentUpdatedOn"})
    assert len(watermark_actions(foreign, mark, ours, extended)) == 2
    assert watermark_actions(bare, mark, None, None) == []  # type disabled: store only
    assert watermark_on(foreign) is None
