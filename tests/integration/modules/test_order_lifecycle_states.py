"""fulfilments with ``mode: both``: line item states follow filled/rejected quantities
(transitionLineItemState against the CT sandbox), and a replay transitions nothing."""

from __future__ import annotations

import dataclasses

import pytest
from test_order_lifecycle_support import Scenario

from connector.context import HandlerContext
from connector.modules.fulfilments.service import handle

ROUTE = "fc.connect.order.webhook.fulfilment-update"


@pytest.fixture
def scenario(connected) -> Scenario:
    return Scenario(connected)


def test_line_item_states_mode(connected, scenario: Scenario) -> None:
    number = "CT-3001"
    scenario.seed(number, notify_received=False)
    scenario.advance(number, "PICK_PACK", reject={"SHIRT-L": 1})
    scenario.settle()
    row = scenario.rows(ROUTE)[0]
    runtime = connected.runtime
    route = runtime.registry.route(ROUTE)
    assert route is not None
    states_route = dataclasses.replace(
        route, options={"mode": "both", "states": {"rejected": "oos"}}
    )
    ctx = HandlerContext(runtime, row, states_route)

    result = handle(ctx)
    assert result["actions"].count("transitionLineItemState") == 2
    keys = {
        s["id"]: s["key"] for s in runtime.ct().query("states", limit=50)["results"]
    }
    order = scenario.order(number)
    held = {
        li["variant"]["sku"]: {
            keys[e["state"]["id"]]: e["quantity"] for e in li["state"]
        }
        for li in order["lineItems"]
    }
    assert held == {"SHIRT-M": {"fluent-filled": 2}, "SHIRT-L": {"oos": 1}}

    again = handle(ctx)
    assert again["actions"] == []
    assert scenario.order(number)["version"] == order["version"]
