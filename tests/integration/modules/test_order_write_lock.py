"""The webhooks of one order (status, fulfilment, consignment) arrive together; their
handlers take turns on the CT order (per-order write lock) instead of racing into
409s: no update is refused, no handler reads the order twice, and every update lands."""

from __future__ import annotations

import pytest
from test_order_lifecycle_support import Scenario, ct_deliveries, line_fields

from tests.support.profiles import use_profile

READ = "GET /<project_key>/orders/order-number=<number>"  # a handler's first read
# update_with_retry's read: after a 409, or to confirm "nothing to change" on a copy
REREAD = "GET /<project_key>/orders/<res_id>"
UPDATE = "POST /<project_key>/orders/<res_id>"


@pytest.fixture(autouse=True)
def connector_profile(connected, monkeypatch) -> None:
    use_profile(connected, monkeypatch, "connector")


def test_one_orders_webhooks_take_turns_without_conflicts(connected) -> None:
    if connected.stack.backend != "postgres":
        pytest.skip("the write lock is a PostgreSQL advisory lock")
    scenario = Scenario(connected)
    number = "CT-LOCK-1"
    scenario.seed(number)
    scenario.wait_order(
        number, lambda o: o.get("shipmentState") == "Pending", "RECEIVED applied"
    )
    _all_finished(connected, scenario)
    version_before = scenario.order(number)["version"]
    rows_before = len(scenario.rows())
    scenario.ct_control("DELETE", "/calls")
    own_reads_before = scenario.own_reads
    # a slower CT widens the read-to-write window: without the lock they would collide
    scenario.ct_control(
        "POST", "/faults", json={"endpoint": "*orders*", "latency_ms": 40}
    )
    # BOOKED .. AWAITING_COURIER_COLLECTION: several status, fulfilment and
    # consignment webhooks of the same order, run by the worker's 4 threads at once
    scenario.advance(number, "AWAITING_COURIER_COLLECTION")
    order = scenario.wait_order(
        number,
        lambda o: (
            o.get("shipmentState") == "Ready"
            and bool(ct_deliveries(o))
            and bool(line_fields(o)["SHIRT-M"].get("fluentFulfilmentStatus"))
        ),
        "AWAITING_COURIER_COLLECTION applied",
    )
    _all_finished(connected, scenario)
    assert {r.status for r in scenario.rows()} == {"done"}
    assert len(scenario.rows()) >= 4  # several handlers ran on this one order
    counts = scenario.ct_control("GET", "/calls").json()["counts"]
    # the test's own polling (wait_order) reads the order by number too
    own_reads = scenario.own_reads - own_reads_before
    order = scenario.order(number)
    # every update was accepted (a 409 is a POST that adds no version)
    assert counts.get(UPDATE, 0) == order["version"] - version_before, counts
    # and no handler read the order twice: each read it once, or started from the
    # copy the previous update left (and read it once only to confirm a no-op)
    handlers = len(scenario.rows()) - rows_before
    connector_reads = counts.get(READ, 0) - own_reads + counts.get(REREAD, 0)
    assert connector_reads <= handlers, (counts, own_reads)
    assert order["orderState"] == "Confirmed"


def _all_finished(connected, scenario: Scenario) -> None:
    connected.wait_until(
        lambda: all(r.status in ("done", "failed") for r in scenario.rows()),
        timeout=30,
        message="every message finished",
    )
