"""fulfilments: item matching, per-line progress, custom field and state actions."""

from __future__ import annotations

from connector.fluent_orders.ct_orders import match_line_items, order_number_for
from connector.fluent_orders.fetch import flatten_order, order_key
from connector.modules.fulfilments.mapping import (
    FIELD_NAMES,
    custom_field_actions,
    is_stale,
    line_progress,
    state_transitions,
)

T1, T2 = "2026-11-29T10:00:00.000Z", "2026-11-29T11:00:00.000Z"
CT_ORDER = {
    "lineItems": [
        {"id": "L1", "key": "k1", "quantity": 2, "variant": {"sku": "SKU-A"}},
        {"id": "L2", "quantity": 1, "variant": {"sku": "SKU-B"}},
        {"id": "L3", "quantity": 3, "variant": {"sku": "SKU-C"}},
    ]
}
ORDER = {
    "ref": "CT-1",
    "items": [
        {"id": "1", "ref": "L1", "productRef": "SKU-A"},  # by line id
        {"id": "2", "ref": "CT-1-2", "productRef": "SKU-B"},  # by SKU
        {"id": "3", "ref": "nope", "productRef": "SKU-X"},  # no match
    ],
    "fulfilments": [
        {
            "ref": "F1",
            "status": "REJECTED",
            "updatedOn": T1,
            "items": [
                {
                    "orderItemId": "1",
                    "status": "REJECTED",
                    "requestedQuantity": 2,
                    "filledQuantity": 0,
                    "rejectedQuantity": 2,
                },
            ],
        },
        {
            "ref": "F2",
            "status": "PICK_PACK",
            "updatedOn": T2,
            "items": [
                {
                    "orderItemRef": "L1",
                    "status": "FULFILLED",
                    "requestedQuantity": 2,
                    "filledQuantity": 2,
                    "rejectedQuantity": 0,
                },
                {
                    "orderItemId": "2",
                    "status": "FULFILLED",
                    "requestedQuantity": 1,
                    "filledQuantity": 1,
                    "rejectedQuantity": 0,
                },
                {
                    "orderItemId": "3",
                    "status": "FULFILLED",
                    "requestedQuantity": 1,
                    "filledQuantity": 1,
                    "rejectedQuantity": 0,
                },
            ],
        },
    ],
}


def test_matching_and_order_keys():
    assert match_line_items(CT_ORDER, ORDER["items"]) == {"1": "L1", "2": "L2"}
    assert match_line_items(CT_ORDER, [{"id": "9", "ref": "k1"}]) == {"9": "L1"}
    assert order_number_for("HD_1001", "HD_") == "1001"
    assert order_number_for("1001", "HD_") == "1001"
    assert (
        order_key({"entityType": "ORDER", "entityRef": "R", "entityId": 5}).ref == "R"
    )
    key = order_key(
        {
            "entityType": "FULFILMENT",
            "rootEntityType": "ORDER",
            "rootEntityId": "7",
            "entityRef": "F",
        }
    )
    assert (key.ref, key.id) == (None, "7")


def test_flatten_dedupes_consignments():
    con = {"ref": "C1", "carrier": {"ref": "DHL", "name": "DHL Express"}}
    node = {
        "ref": "F1",
        "items": {"edges": []},
        "articles": {
            "edges": [
                {
                    "node": {
                        "consignmentArticles": {
                            "edges": [{"node": {"consignment": con}}]
                        }
                    }
                },
                {
                    "node": {
                        "consignmentArticles": {
                            "edges": [{"node": {"consignment": con}}]
                        }
                    }
                },
            ]
        },
    }
    flat = flatten_order({"ref": "R", "fulfilments": {"edges": [{"node": node}]}})
    [fulfilment] = flat["fulfilments"]
    assert [c["ref"] for c in fulfilment["consignments"]] == ["C1"]
    assert fulfilment["consignments"][0]["carrierName"] == "DHL Express"


def test_progress_sums_fulfilments_and_takes_latest_status():
    progress = line_progress(ORDER, match_line_items(CT_ORDER, ORDER["items"]))
    assert set(progress) == {"L1", "L2"}
    l1 = progress["L1"]
    assert l1.fulfilment_refs == ("F1", "F2")
    assert (l1.fulfilment_status, l1.item_status) == ("PICK_PACK", "FULFILLED")
    assert (l1.requested, l1.filled, l1.rejected) == (4, 2, 2)
    assert l1.updated_on == T2
    assert l1.fields()["fluentFulfilmentRef"] == "F1,F2"


def test_custom_fields_written_once_and_replay_is_free():
    progress = line_progress(ORDER, match_line_items(CT_ORDER, ORDER["items"]))["L2"]
    line = {"id": "L2"}
    [action] = custom_field_actions(line, progress, "T", None)
    assert action["action"] == "setLineItemCustomType"
    assert set(action["fields"]) == FIELD_NAMES
    written = {"id": "L2", "custom": {"type": {"id": "T"}, "fields": action["fields"]}}
    assert custom_field_actions(written, progress, "T", None) == []
    assert not is_stale(written, progress)
    newer = {
        **written,
        "custom": {
            "type": {"id": "T"},
            "fields": {"fluentUpdatedOn": "2030-01-01T00:00:00Z"},
        },
    }
    assert is_stale(newer, progress)
    foreign = {"id": "L2", "custom": {"type": {"id": "shop"}, "fields": {}}}
    assert custom_field_actions(foreign, progress, "T", frozenset({"x"})) is None
    sets = custom_field_actions(foreign, progress, "T", FIELD_NAMES | {"x"})
    assert {a["action"] for a in sets} == {"setLineItemCustomField"}
    assert len(sets) == len(FIELD_NAMES)


def _line(*states, quantity=3):
    return {
        "id": "L",
        "quantity": quantity,
        "state": [{"quantity": q, "state": {"id": s}} for s, q in states],
    }


def _moves(actions):
    return [(a["fromState"]["id"], a["toState"]["id"], a["quantity"]) for a in actions]


def test_state_transitions_are_minimal_and_idempotent():
    fresh = _line(("init", 3))
    assert _moves(state_transitions(fresh, {"filled": 2, "rejected": 1}, "init")) == [
        ("init", "filled", 2),
        ("init", "rejected", 1),
    ]
    done = _line(("filled", 2), ("rejected", 1))
    assert state_transitions(done, {"filled": 2, "rejected": 1}, "init") == []
    # a re-read says only 1 was filled and 2 rejected: move between managed states
    assert _moves(state_transitions(done, {"filled": 1, "rejected": 2}, "init")) == [
        ("filled", "rejected", 1)
    ]
    # never more than the line holds; other states are used last
    other = _line(("init", 1), ("picked", 2))
    assert _moves(state_transitions(other, {"filled": 5, "rejected": 0}, "init")) == [
        ("init", "filled", 1),
        ("picked", "filled", 2),
    ]
