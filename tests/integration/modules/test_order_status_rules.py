"""order_status rules end to end: Fluent settings mappings, the anti-backwards
watermark, and a 409 in the middle of an update."""

from __future__ import annotations

import time

import pytest
from test_order_lifecycle_support import Scenario, line_fields

from connector.modules.order_status.mapping import SETTING_NAMES
from connector.modules.order_status.service import order_type_draft
from tests.support.profiles import use_profile

ROUTE = "fc.connect.order.webhook.order-status-update"


@pytest.fixture(autouse=True)
def connector_profile(connected, monkeypatch) -> None:
    """These tests assert the ``connector`` field profile's names."""
    use_profile(connected, monkeypatch, "connector")


@pytest.fixture
def scenario(connected) -> Scenario:
    return Scenario(connected)


def _status_rows(scenario: Scenario) -> list:
    return [r for r in scenario.rows(ROUTE) if r.status == "done"]


def test_custom_mappings_in_fluent_settings_are_honoured(scenario: Scenario) -> None:
    account = {"context": "ACCOUNT", "contextId": 0}
    settings = [
        # RETAILER wins over ACCOUNT; BOOKED is absent -> orderState left alone
        {
            "name": SETTING_NAMES["order"],
            "value": {"fluent": {"PICK_PACK": "Complete"}},
        },
        {
            "name": SETTING_NAMES["order"],
            **account,
            "value": {"fluent": {"BOOKED": "Cancelled"}},
        },
        # only an ACCOUNT payment mapping, stored as a JSON string in `value`
        {
            "name": SETTING_NAMES["payment"],
            **account,
            "valueType": "STRING",
            "value": '{"fluent": {"BOOKED": "balancedue"}}',
        },
        {
            "name": SETTING_NAMES["shipment"],
            "value": {"fluent": {"BOOKED": "Backorder"}},
        },
    ]
    number = "CT-2001"
    scenario.seed(number, settings=settings, notify_received=False)
    scenario.advance(number, "BOOKED")
    order = scenario.wait_order(
        number, lambda o: o.get("shipmentState") == "Backorder", "custom shipment state"
    )
    scenario.settle()
    order = scenario.order(number)
    assert (order["orderState"], order["paymentState"]) == ("Open", "BalanceDue")
    [row] = _status_rows(scenario)
    assert row.result["mappings"] == {
        "order": "RETAILER",
        "payment": "ACCOUNT",
        "shipment": "RETAILER",
    }
    scenario.advance(number, "PICK_PACK")
    scenario.wait_order(number, lambda o: o["orderState"] == "Complete", "PICK_PACK")


def test_newer_state_already_applied_is_never_moved_back(scenario: Scenario) -> None:
    """The CT order already shows PICK_PACK from a later Fluent read: the BOOKED read
    that arrives now is older and changes nothing (fulfilments still progress)."""
    number = "CT-2002"
    watermark = {
        "type": {"key": "fluent-order"},
        "fields": {
            "fluentOrderStatus": "PICK_PACK",
            "fluentUpdatedOn": "2999-01-01T00:00:00.000Z",
        },
    }
    seeded = scenario.seed(
        number,
        ct_types=[order_type_draft("fluent-order")],
        ct_order={"orderState": "Confirmed", "custom": watermark},
        notify_received=False,
    )
    scenario.advance(number, "BOOKED")
    scenario.wait_order(
        number,
        lambda o: line_fields(o)["SHIRT-M"].get("fluentFulfilmentStatus"),
        "fulfilment progress written",
    )
    scenario.settle()
    [row] = _status_rows(scenario)
    assert row.result["actions"] == []
    assert "older than PICK_PACK" in row.result["stale"]
    order = scenario.order(number)
    assert order["paymentState"] == "Pending"  # BOOKED would have made it Paid
    assert "shipmentState" not in order
    assert order["custom"]["fields"] == watermark["fields"]
    assert order["version"] == seeded["version"] + 1  # only the line item progress


def test_conflict_in_the_middle_of_an_update_converges(
    connected, scenario: Scenario
) -> None:
    """The handler reads the CT order, someone else updates it while the handler's
    write is on the wire: 409, re-read, rebuild, write -- in the same attempt."""
    number = "CT-2003"
    update_key = "POST /<project_key>/orders/<res_id>"
    scenario.ct_control(
        "POST",
        "/faults",
        json={"endpoint": update_key, "latency_ms": 1500, "count": 1},
    )
    seeded = scenario.seed(number)  # Fluent sends the RECEIVED webhook
    connected.wait_until(
        lambda: not scenario.ct_control("GET", "/faults").json()["rules"],
        timeout=20,
        message="the handler's update is in flight",
    )
    time.sleep(0.1)
    scenario.ct.update(
        f"orders/{seeded['id']}",
        seeded["version"],
        [{"action": "setCustomerEmail", "email": "changed@example.com"}],
    )
    order = scenario.wait_order(
        number, lambda o: o.get("shipmentState") == "Pending", "RECEIVED applied"
    )
    scenario.settle()
    assert order["customerEmail"] == "changed@example.com"  # both writes kept
    assert order["custom"]["fields"]["fluentOrderStatus"] == "RECEIVED"
    [row] = _status_rows(scenario)
    assert row.attempts == 1 and row.result["version"] == order["version"] == 3
    calls = scenario.ct_control("GET", "/calls").json()["counts"]
    assert calls[update_key] == 3  # conflicting write, ours, the retried write
