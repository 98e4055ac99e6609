"""Fluent drives an order RECEIVED -> COMPLETE; the CT order follows (order_status,
fulfilments, consignments), replays change nothing, foreign accounts are refused."""

from __future__ import annotations

import base64
import json
import uuid

import pytest
import requests
from test_order_lifecycle_support import Scenario, ct_deliveries, line_fields

from connector.store import messages
from tests.support.profiles import use_profile

WEBHOOK = "/api/v1/fluent-connect/webhook"


@pytest.fixture(autouse=True)
def connector_profile(connected, monkeypatch) -> None:
    """These tests assert the ``connector`` field profile's names."""
    use_profile(connected, monkeypatch, "connector")


@pytest.fixture
def scenario(connected) -> Scenario:
    return Scenario(connected)


def test_lifecycle_to_complete(connected, scenario: Scenario) -> None:
    number = "CT-1001"
    seeded = scenario.seed(number)
    m_line = next(li for li in seeded["lineItems"] if li["variant"]["sku"] == "SHIRT-M")

    # RECEIVED: shipment pending, the watermark is recorded, nothing else moves
    order = scenario.wait_order(
        number,
        lambda o: o.get("shipmentState") == "Pending",
        "RECEIVED applied",
    )
    assert (order["orderState"], order["paymentState"]) == ("Open", "Pending")
    assert order["custom"]["fields"]["fluentOrderStatus"] == "RECEIVED"

    # BOOKED: a fulfilment holds both lines
    scenario.advance(number, "BOOKED")
    order = scenario.wait_order(
        number,
        lambda o: (
            o["orderState"] == "Confirmed"
            and line_fields(o)["SHIRT-L"].get("fluentFulfilmentStatus")
            == "AWAITING_WAVE"
        ),
        "BOOKED applied",
    )
    assert order["paymentState"] == "Paid" and order["shipmentState"] == "Pending"
    assert line_fields(order)["SHIRT-M"]["fluentFulfilmentRef"] == f"{number}-F1"
    assert line_fields(order)["SHIRT-M"]["fluentRequestedQuantity"] == 2

    # PICK_PACK with SHIRT-L rejected
    scenario.advance(number, "PICK_PACK", reject={"SHIRT-L": 1})
    order = scenario.wait_order(
        number,
        lambda o: (
            line_fields(o)["SHIRT-L"].get("fluentItemStatus") == "REJECTED"
            and o["custom"]["fields"]["fluentOrderStatus"] == "PICK_PACK"
        ),
        "PICK_PACK applied",
    )
    assert line_fields(order)["SHIRT-L"]["fluentRejectedQuantity"] == 1
    assert line_fields(order)["SHIRT-M"]["fluentFilledQuantity"] == 2
    assert line_fields(order)["SHIRT-M"]["fluentItemStatus"] == "FULFILLED"

    # AWAITING_COURIER_COLLECTION: a consignment -> one delivery with a tracked parcel
    scenario.advance(number, "AWAITING_COURIER_COLLECTION")
    order = scenario.wait_order(
        number,
        lambda o: o.get("shipmentState") == "Ready" and ct_deliveries(o),
        "consignment delivered to CT",
    )
    fluent_order = scenario.fluent("GET", f"/orders/{number}").json()
    consignment = fluent_order["fulfilments"][0]["articles"][0]["consignments"][0]
    label = consignment["trackingLabel"]
    [delivery] = ct_deliveries(order)
    assert delivery["key"] == f"fluent-{consignment['ref']}"
    assert delivery["items"] == [{"id": m_line["id"], "quantity": 2}]  # L rejected
    [parcel] = delivery["parcels"]
    assert parcel["trackingData"]["trackingId"] == label
    assert parcel["trackingData"]["carrier"] == "DHL Express"
    assert parcel["custom"]["fields"]["trackingUrl"] == (
        f"https://www.dhl.com/en/express/tracking.html?AWB={label}"
    )
    assert delivery["custom"]["fields"]["fluentConsignmentStatus"] == "CREATED"

    # COMPLETE: final states, consignment DELIVERED, still one delivery
    scenario.advance(number, "COMPLETE")
    order = scenario.wait_order(
        number,
        lambda o: (
            o["orderState"] == "Complete"
            and ct_deliveries(o)[0]["custom"]["fields"]["fluentConsignmentStatus"]
            == "DELIVERED"
            and line_fields(o)["SHIRT-M"].get("fluentFulfilmentStatus") == "COMPLETE"
        ),
        "COMPLETE applied",
    )
    scenario.settle()
    assert scenario.failures() == []
    order = scenario.order(number)
    assert (order["orderState"], order["paymentState"], order["shipmentState"]) == (
        "Complete",
        "Paid",
        "Delivered",
    )
    assert len(ct_deliveries(order)) == 1
    assert len(ct_deliveries(order)[0]["parcels"]) == 1
    by_route = {r.route for r in scenario.rows()}
    assert {
        "fc.connect.order.webhook.order-status-update",
        "fc.connect.order.webhook.fulfilment-update",
        "fc.connect.order.webhook.consignment-update",
    } <= by_route

    _replays_change_nothing(connected, scenario, number, order)
    _foreign_account_refused(connected, scenario)


def _replays_change_nothing(connected, scenario: Scenario, number: str, order) -> None:
    rows_before = len(scenario.rows())
    booked = next(
        d
        for d in scenario.deliveries(entityType="ORDER")
        if d["entityStatus"] == "BOOKED"
    )
    raw = base64.b64decode(booked["body_b64"])
    url = f"{connected.url}{WEBHOOK}"
    # the exact signed bytes again: a duplicate, nothing recorded or enqueued
    resp = requests.post(url, data=raw, headers=booked["headers"], timeout=10)
    assert (resp.status_code, resp.json()["status"]) == (200, "duplicate")
    assert len(scenario.rows()) == rows_before
    # the same late webhook under a new id (re-signed): handled, the order stays put
    late = json.loads(raw)
    late["id"] = str(uuid.uuid4())
    body = json.dumps(late).encode()
    headers = scenario.fluent(
        "POST", "/webhooks/sign", json={"body_b64": base64.b64encode(body).decode()}
    ).json()["headers"]
    resp = requests.post(url, data=body, headers=headers, timeout=10)
    assert resp.status_code == 200 and resp.json()["status"] == "accepted"
    row = connected.wait_for(resp.json()["id"])
    assert row.status == "done", row.last_error
    assert row.result["actions"] == [] and row.result["fluentStatus"] == "COMPLETE"
    after = scenario.order(number)
    assert after["version"] == order["version"]
    assert after["orderState"] == "Complete"


def _foreign_account_refused(connected, scenario: Scenario) -> None:
    counts = messages.counts_by_status(connected.runtime.store)
    body = json.dumps(
        {
            "id": str(uuid.uuid4()),
            "name": "fc.connect.order.webhook.order-status-update",
            "accountId": "SOMEONE_ELSE",
            "retailerId": "1",
            "entityId": "1",
            "entityRef": "CT-1001",
            "entityType": "ORDER",
        }
    ).encode()
    headers = scenario.fluent(
        "POST", "/webhooks/sign", json={"body_b64": base64.b64encode(body).decode()}
    ).json()["headers"]
    resp = requests.post(f"{connected.url}{WEBHOOK}", data=body, headers=headers)
    assert resp.status_code == 403 and resp.json()["error"] == "foreign_account"
    assert messages.counts_by_status(connected.runtime.store) == counts
