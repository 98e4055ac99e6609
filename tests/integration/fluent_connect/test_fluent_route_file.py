"""Fluent's ``application-connector.yml`` route shape in the file CONNECTOR_CONFIG
points at: the Customer Sync example from Fluent's docs loads, overrides our route of
the same name, and routes a commercetools customer notification to the real worker."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
import requests

from connector.config import Config
from connector.errors import ConfigError
from connector.inbound.routing import Registry
from connector.settings_file import load_settings_file
from tests.integration.modules.test_external_support import reconfigure

TOKEN = {"Authorization": "Bearer test-token-1"}
# Fluent's docs, "Customer Sync - commercetools Connector", Developer Extension Points
CUSTOMER_SYNC = """
routes:
- route: "commercetools.connect.customer.upsert"
  props:
    name: "customer"
    inclusion-filter:
      - "ResourceUpdated"
      - "ResourceCreated"
"""
WITH_EXTRAS = """
fluent-connect:
  connector-name: commercetools
  listeners: {sqs: {queue: ct-queue}}
  routes:
    - route: commercetools.connect.order.create
      handler: OrderCreateHandler
      priority: 10
      props: {name: order, inclusion-filter: [OrderCreated], retries: 3}
"""


class Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.details: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.details.append(getattr(record, "detail", record.getMessage()))


def test_unsupported_keys_are_reported_with_file_and_key(tmp_path):
    path = tmp_path / "application-connector.yml"
    path.write_text(WITH_EXTRAS)
    collect = Collect()
    logger = logging.getLogger("connector.fluent_routes")
    logger.addHandler(collect)
    try:
        loaded = load_settings_file(path)
    finally:
        logger.removeHandler(collect)
    text = " | ".join(collect.details)
    assert f"{path}: fluent-connect.listeners: not supported" in text
    assert f"{path}: fluent-connect.routes[0].priority: not supported" in text
    assert f"{path}: fluent-connect.routes[0].props.retries: not supported" in text
    (route,) = loaded.routes
    assert (route.name, route.handler, route.types, route.resource_types) == (
        "commercetools.connect.order.create",
        "orders.create",
        ("OrderCreated",),
        ("order",),
    )
    path.write_text("routes:\n- route: commercetools.connect.thing\n")
    with pytest.raises(ConfigError, match="commercetools.connect.thing"):
        Registry([], load_settings_file(path).routes)


def test_customer_sync_example_routes_a_customer_message(
    connected, monkeypatch, tmp_path: Path
):
    config: Config = reconfigure(connected, monkeypatch, tmp_path, CUSTOMER_SYNC)
    route = connected.runtime.registry.route("commercetools.connect.customer.upsert")
    assert route.origin == "Fluent route file"
    assert route.handler == "customers.upsert"  # kept from ours
    assert route.types == ("ResourceUpdated", "ResourceCreated")
    assert [r.name for r in config.routes] == ["commercetools.connect.customer.upsert"]

    resp = requests.post(
        f"{connected.ct_url}/_sandbox/seed",
        json={
            "messages": False,
            "customers": [
                {
                    "key": "kim",
                    "email": "kim.lee@example.com",
                    "firstName": "Kim",
                    "lastName": "Lee",
                }
            ],
        },
        timeout=10,
    )
    assert resp.status_code == 201, resp.text
    kim_id = resp.json()["ids"]["customers"]["kim"]
    created = {
        "notificationType": "ResourceCreated",
        "projectKey": "demo-shop",
        "resource": {"typeId": "customer", "id": kim_id},
        "version": 1,
        "modifiedAt": "2026-12-05T10:00:00.000Z",
    }
    resp = connected.client.post("/webhooks/commercetools", json=created, headers=TOKEN)
    assert resp.status_code == 200 and resp.json["status"] == "accepted", resp.json
    row = connected.wait_for(resp.json["id"])
    assert row.route == "commercetools.connect.customer.upsert"
    assert row.status == "done", row.last_error
    data = connected.runtime.fluent().graphql(
        'query { customer(ref: "1_kim.lee@example.com") { firstName lastName } }'
    )
    assert data["customer"] == {"firstName": "Kim", "lastName": "Lee"}

    # the Fluent route's inclusion filter replaced ours: CustomerCreated is not taken
    message = {
        "notificationType": "Message",
        "id": "m-kim-1",
        "type": "CustomerCreated",
        "resource": {"typeId": "customer", "id": kim_id},
        "resourceVersion": 1,
        "sequenceNumber": 1,
        "createdAt": "2026-12-05T10:00:00.000Z",
    }
    resp = connected.client.post("/webhooks/commercetools", json=message, headers=TOKEN)
    assert resp.json["status"] == "ignored"

    listed = requests.get(f"{connected.url}/api/v1/routes", headers=TOKEN, timeout=10)
    entry = next(
        r
        for r in listed.json()["sections"]["message"]
        if r["route"] == "commercetools.connect.customer.upsert"
    )
    assert entry["source"].startswith("Fluent route file ")
    assert entry["inclusion_filters"]["types"] == ["ResourceUpdated", "ResourceCreated"]
