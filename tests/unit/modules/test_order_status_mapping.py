"""order_status mappings: settings formats, precedence, defaults, minimal actions."""

from __future__ import annotations

from connector.modules.order_status.fluent_settings import resolve
from connector.modules.order_status.mapping import (
    DEFAULT_ORDER_MAPPING,
    SETTING_NAMES,
    Mappings,
    defaults,
    parse_setting_value,
    state_actions,
)

ORDER, PAYMENT, SHIPMENT = (SETTING_NAMES[k] for k in ("order", "payment", "shipment"))


def setting(name, context="RETAILER", context_id=1, lob=None, value=None):
    return {
        "name": name,
        "context": context,
        "contextId": context_id,
        "lobValue": lob,
        "value": value,
    }


def test_setting_formats_and_validation():
    assert parse_setting_value("order", {"fluent": {"booked": "confirmed"}}) == {
        "BOOKED": "Confirmed"
    }
    assert parse_setting_value("shipment", '{"PICK_PACK": "Ready"}') == {
        "PICK_PACK": "Ready"
    }
    # unknown CT values are dropped, the rest kept
    assert parse_setting_value(
        "shipment", {"fluent": {"A": "Cancelled", "B": "Canceled"}}
    ) == {"B": "Canceled"}
    for bad in ("not json", 42, ["x"], {"fluent": {"A": 1}}, None):
        assert parse_setting_value("order", bad) is None


def test_retailer_then_account_then_default():
    nodes = [
        setting(ORDER, "ACCOUNT", 0, lob={"fluent": {"BOOKED": "Complete"}}),
        setting(ORDER, lob={"fluent": {"BOOKED": "Open"}}),
        setting(ORDER, "RETAILER", 2, lob={"fluent": {"BOOKED": "Cancelled"}}),
        setting(PAYMENT, "ACCOUNT", 0, value='{"fluent": {"BOOKED": "Failed"}}'),
        setting(SHIPMENT, lob="{broken"),  # unreadable RETAILER -> ACCOUNT -> default
    ]
    found = resolve(nodes, "1", defaults())
    assert found.order == {"BOOKED": "Open"}  # retailer 1, not retailer 2
    assert found.payment == {"BOOKED": "Failed"}
    assert found.shipment["COMPLETE"] == "Delivered"
    assert found.sources == {
        "order": "RETAILER",
        "payment": "ACCOUNT",
        "shipment": "default",
    }


def test_documented_defaults_and_yaml_override():
    built = defaults()
    assert built["order"] == DEFAULT_ORDER_MAPPING
    assert built["order"]["RECEIVED"] == "Open"
    assert built["order"]["AWAITING_COURIER_COLLECTION"] == "Confirmed"
    assert built["payment"]["BOOKED"] == "Paid" and "CANCELLED" not in built["payment"]
    assert built["shipment"]["AWAITING_COURIER_COLLECTION"] == "Ready"
    overridden = defaults({"payment": {"COMPLETE": "paid"}})
    assert overridden["payment"] == {"COMPLETE": "Paid"}
    assert overridden["order"] == DEFAULT_ORDER_MAPPING


def test_only_changes_are_sent_and_unmapped_states_stay():
    mappings = Mappings(
        order={"BOOKED": "Confirmed"},
        payment={},
        shipment={"BOOKED": "Pending"},
    )
    order = {
        "orderState": "Open",
        "paymentState": "Pending",
        "shipmentState": "Pending",
    }
    assert state_actions(order, "booked", mappings) == [
        {"action": "changeOrderState", "orderState": "Confirmed"}
    ]
    assert state_actions({**order, "orderState": "Confirmed"}, "BOOKED", mappings) == []
    assert state_actions(order, "ESCALATED", mappings) == []
    assert state_actions(order, None, mappings) == []
