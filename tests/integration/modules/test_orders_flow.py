"""Orders end to end: CT OrderCreated (webhook raw / Pub/Sub, poller) -> real worker ->
Fluent order, customer and payment transactions; duplicates, rejection and replay."""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner

from connector.cli import main
from connector.modules.ct_messages.poller import poll
from connector.modules.orders.options import OrderOptions
from connector.modules.orders.service import sync_order
from connector.store import messages

TOKEN = {"Authorization": "Bearer test-token-1"}
WEBHOOK = "/webhooks/commercetools"

PAYLOADS = Path(__file__).parents[2] / "payloads" / "commercetools"
# types, shipping methods, an OrderExport channel, products, customer "jane"
CT_FIXTURE = json.loads((PAYLOADS / "orders_sandbox_seed.json").read_text("utf-8"))
FLUENT_FIXTURE = {
    "locations": [
        {
            "ref": "STORE_BERLIN",
            "name": "Berlin Mitte",
            "networks": ["BASE_NETWORK"],
            "primaryAddress": {"city": "Berlin", "country": "DE"},
        }
    ],
    "products": [
        {
            "ref": "runner",
            "name": "Trail Runner",
            "variants": [{"ref": "RUN-42-BLK"}, {"ref": "SOCK-3PK"}],
        }
    ],
}
ORDER_QUERY = """query($ref: String!) { order(ref: $ref) {
  id ref type status totalPrice totalTaxPrice
  customer { id username firstName lastName primaryEmail }
  fulfilmentChoice { deliveryType pickupLocationRef currency fulfilmentPrice
    deliveryAddress { name street city postcode country } }
  items(first: 20) { edges { node { ref quantity price paidPrice totalPrice currency
    product { ... on VariantProduct { ref } ... on StandardProduct { ref } } } } }
  financialTransactions(first: 20) { edges { node { ref type total currency } } }
} }"""


@pytest.fixture
def shop(connected):
    seeded = requests.post(
        f"{connected.ct_url}/_sandbox/seed", json=CT_FIXTURE, timeout=10
    )
    assert seeded.status_code == 201, seeded.text
    resp = requests.post(
        f"{connected.fluent_url}/_sandbox/seed", json=FLUENT_FIXTURE, timeout=10
    )
    assert resp.status_code == 201, resp.text
    connected.jane_id = seeded.json()["ids"]["customers"]["jane"]
    return connected


def place(stack, number: str, **extra) -> dict:
    fixture = {
        "orderNumber": number,
        "shippingMethod": {"key": "standard"},
        "taxRate": 0.19,
        "lineItems": [
            {"sku": "RUN-42-BLK", "quantity": 2},
            {"sku": "SOCK-3PK", "quantity": 1},
        ],
        "shippingAddress": {
            "firstName": "Jane",
            "lastName": "Doe",
            "streetName": "Hauptstraße",
            "streetNumber": "12",
            "postalCode": "10115",
            "city": "Berlin",
            "country": "DE",
        },
        **extra,
    }
    resp = requests.post(f"{stack.ct_url}/_sandbox/orders", json=fixture, timeout=10)
    assert resp.status_code == 201, resp.text
    return resp.json()


def payment(order_cents: int, tx_id: str) -> dict:
    money = {"currencyCode": "EUR", "centAmount": order_cents, "fractionDigits": 2}
    return {
        "payments": [
            {
                "typeId": "payment",
                "id": f"pay-{tx_id}",
                "obj": {
                    "id": f"pay-{tx_id}",
                    "paymentMethodInfo": {
                        "paymentInterface": "adyen",
                        "method": "CREDIT_CARD",
                    },
                    "transactions": [
                        {
                            "id": tx_id,
                            "type": "Charge",
                            "amount": money,
                            "state": "Success",
                        },
                        {
                            "id": f"{tx_id}-f",
                            "type": "Charge",
                            "amount": money,
                            "state": "Failure",
                        },
                    ],
                },
            }
        ]
    }


def notification(stack, order_id: str) -> dict:
    found = stack.runtime.ct().query(
        "messages", where=['type = "OrderCreated"', f'resource(id = "{order_id}")']
    )["results"]
    assert len(found) == 1
    return {"notificationType": "Message", "projectKey": "demo-shop", **found[0]}


def fluent_order(stack, ref: str) -> dict | None:
    return stack.runtime.fluent().graphql(ORDER_QUERY, {"ref": ref})["order"]


def fluent_order_refs(stack) -> list[str]:
    data = stack.runtime.fluent().graphql(
        "{ orders(first: 100) { edges { node { ref } } } }"
    )
    return sorted(e["node"]["ref"] for e in data["orders"]["edges"])


def ct_rows(stack) -> list:
    return messages.list_messages(
        stack.runtime.store, source="commercetools", limit=100
    )


def test_hd_order_raw_webhook_once_even_when_delivered_again(shop):
    order = place(
        shop,
        "ORD-1",
        customerId=shop.jane_id,
        billingAddress={"country": "DE", "firstName": "Jane"},
        paymentInfo=payment(19792, "tx-ord-1"),
    )
    body = json.dumps(notification(shop, order["id"]))
    resp = shop.client.post(WEBHOOK, data=body, headers=TOKEN)
    assert resp.status_code == 200 and resp.json["status"] == "accepted"
    row = shop.wait_for(resp.json["id"])
    assert row.status == "done", row.last_error
    assert row.result["status"] == "created" and row.result["type"] == "HD"
    assert row.result["customer"]["status"] == "created"

    got = fluent_order(shop, "ORD-1")
    assert got["type"] == "HD" and got["totalPrice"] == 197.92
    assert got["customer"]["username"] == "1_jane.doe@example.com"
    assert (got["customer"]["firstName"], got["customer"]["lastName"]) == (
        "Jane",
        "Doe",
    )
    choice = got["fulfilmentChoice"]
    assert (choice["deliveryType"], choice["pickupLocationRef"]) == ("STANDARD", None)
    assert choice["fulfilmentPrice"] == 4.95 and choice["currency"] == "EUR"
    assert choice["deliveryAddress"]["street"] == "Hauptstraße 12"
    items = {e["node"]["product"]["ref"]: e["node"] for e in got["items"]["edges"]}
    assert items["RUN-42-BLK"]["quantity"] == 2
    assert (items["RUN-42-BLK"]["price"], items["RUN-42-BLK"]["totalPrice"]) == (
        89.99,
        179.98,
    )
    txs = [e["node"] for e in got["financialTransactions"]["edges"]]
    assert txs == [
        {"ref": "tx-ord-1", "type": "PAYMENT", "total": 197.92, "currency": "EUR"}
    ]

    # the same delivery again: 200 duplicate, nothing enqueued
    again = shop.client.post(WEBHOOK, data=body, headers=TOKEN)
    assert again.status_code == 200 and again.json["status"] == "duplicate"
    # the same order under another message id (a replay upstream): nothing new
    other = json.loads(body) | {"id": "replayed-copy-of-ord-1"}
    resp = shop.client.post(WEBHOOK, json=other, headers=TOKEN)
    row = shop.wait_for(resp.json["id"])
    assert row.status == "done", row.last_error
    assert row.result["status"] == "exists"
    assert row.result["transactions"] == {"created": 0, "existing": 1}
    time.sleep(0.3)
    assert [r.status for r in ct_rows(shop)] == ["done", "done"]
    assert fluent_order_refs(shop) == ["ORD-1"]
    assert len(fluent_order(shop, "ORD-1")["financialTransactions"]["edges"]) == 1


def test_cc_guest_order_through_pubsub_envelope(shop):
    order = place(
        shop,
        "ORD-CC-1",
        customerEmail="Guest.Buyer@Example.org",
        shippingMethod={"key": "click-collect"},
        billingAddress={"country": "DE", "firstName": "Gina", "lastName": "Guest"},
        custom={
            "type": {"key": "fluent-order"},
            "fields": {"pickupLocationRef": "STORE_BERLIN"},
        },
    )
    data = base64.b64encode(
        json.dumps(notification(shop, order["id"])).encode()
    ).decode()
    envelope = {
        "message": {
            "data": data,
            "messageId": "ps-1",
            "publishTime": "2026-11-23T10:15:03Z",
        },
        "subscription": "projects/p/subscriptions/connector",
    }
    resp = shop.client.post(f"{WEBHOOK}?token=test-token-2", json=envelope)
    assert resp.status_code == 200 and resp.json["status"] == "accepted", resp.json
    row = shop.wait_for(resp.json["id"])
    assert row.status == "done", row.last_error
    got = fluent_order(shop, "ORD-CC-1")
    assert got["type"] == "CC"
    assert got["fulfilmentChoice"]["pickupLocationRef"] == "STORE_BERLIN"
    assert got["fulfilmentChoice"]["deliveryAddress"] is None
    customer = got["customer"]
    assert customer["username"] == "1_guest.buyer@example.org"
    assert (customer["firstName"], customer["lastName"]) == ("Gina", "Guest")
    assert customer["primaryEmail"] == "Guest.Buyer@Example.org"


def test_orders_through_the_poller_share_one_customer(shop):
    first = place(shop, "ORD-P1", customerId=shop.jane_id)
    place(shop, "ORD-P2", customerId=shop.jane_id)
    counts = poll(shop.runtime)
    assert counts["accepted"] == 2, counts
    rows = ct_rows(shop)
    for row in rows:
        done = shop.wait_for(row.id)
        assert done.status == "done", done.last_error
    assert fluent_order_refs(shop) == ["ORD-P1", "ORD-P2"]
    assert (
        fluent_order(shop, "ORD-P1")["customer"]["id"]
        == fluent_order(shop, "ORD-P2")["customer"]["id"]
    )
    assert poll(shop.runtime)["accepted"] == 0  # already stored: duplicates
    assert first["id"] in {r.resource_id for r in rows}


def test_rejected_order_fails_then_replays_after_the_fix(shop):
    order = place(
        shop,
        "ORD-BAD",
        customerId=shop.jane_id,
        lineItems=[{"sku": "MYSTERY-1", "quantity": 1}],
    )
    resp = shop.client.post(
        WEBHOOK, json=notification(shop, order["id"]), headers=TOKEN
    )
    row = shop.wait_for(resp.json["id"])
    assert row.status == "failed"
    assert "Fluent rejected order ORD-BAD" in row.last_error
    assert "Product with ref [MYSTERY-1] not found" in row.last_error
    assert fluent_order(shop, "ORD-BAD") is None

    fix = {"products": [{"ref": "mystery", "variants": [{"ref": "MYSTERY-1"}]}]}
    requests.post(
        f"{shop.fluent_url}/_sandbox/seed", json=fix, timeout=10
    ).raise_for_status()
    result = CliRunner().invoke(main, ["messages", "replay", str(row.id)], env=shop.env)
    assert result.exit_code == 0, result.output
    row = shop.wait_for(row.id, statuses=("done",))
    assert row.result["status"] == "created"
    assert fluent_order(shop, "ORD-BAD")["items"]["edges"][0]["node"]["product"][
        "ref"
    ] == ("MYSTERY-1")


def test_shipping_method_mapping_by_key_and_sync_info_write_back(shop):
    order = place(
        shop,
        "ORD-MAP",
        customerEmail="mapped@example.com",
        shippingMethod={"key": "click-collect"},
    )
    opts = OrderOptions.from_mapping(
        {
            "ref_prefix": "CT-",
            "shipping_methods": {
                "click-collect": {"type": "CC", "pickupLocationRef": "STORE_BERLIN"}
            },
            "sync_info_channel": "fluent-oms",
        }
    )
    result = sync_order(shop.runtime, order, opts)
    assert result["status"] == "created"
    assert (result["type"], result["rule"]) == ("CC", "shipping method click-collect")
    assert result["sync_info"] == "written"
    stored = shop.runtime.ct().get(f"orders/{order['id']}")
    assert [i["externalId"] for i in stored["syncInfo"]] == [result["fluent_order_id"]]
    again = sync_order(shop.runtime, order, opts)
    assert (again["status"], again["sync_info"]) == ("exists", "present")
    assert fluent_order(shop, "CT-ORD-MAP")["fulfilmentChoice"][
        "pickupLocationRef"
    ] == ("STORE_BERLIN")


def test_ct_webhook_answers(shop):
    order = place(shop, "ORD-W", customerId=shop.jane_id)
    body = json.dumps(notification(shop, order["id"]))
    assert shop.client.post(WEBHOOK, data=body).status_code == 401
    bad = shop.client.post(WEBHOOK, data=body, headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401
    malformed = shop.client.post(
        WEBHOOK, data=b'{"notificationType": "Mess', headers=TOKEN
    )
    assert malformed.status_code == 400
    no_resource = shop.client.post(
        WEBHOOK,
        json={"notificationType": "Message", "id": "m-1", "type": "OrderCreated"},
        headers=TOKEN,
    )
    assert no_resource.status_code == 400 and "resource" in no_resource.json["message"]
    unknown = json.loads(body) | {"id": "m-unknown", "type": "OrderStateChanged"}
    resp = shop.client.post(WEBHOOK, json=unknown, headers=TOKEN)
    assert resp.status_code == 200 and resp.json["status"] == "ignored"
    assert [r.status for r in ct_rows(shop)] == ["ignored"]
    assert fluent_order_refs(shop) == []


def test_concurrent_copies_create_one_order_and_one_customer(shop):
    order = place(
        shop,
        "ORD-RACE",
        customerEmail="race@example.com",
        paymentInfo=payment(19792, "tx-race"),
    )
    base = notification(shop, order["id"])
    ids = []
    for n in range(4):  # four copies under different message ids, handled in parallel
        resp = shop.client.post(WEBHOOK, json=base | {"id": f"copy-{n}"}, headers=TOKEN)
        ids.append(resp.json["id"])
    rows = [shop.wait_for(i) for i in ids]
    assert [r.status for r in rows] == ["done"] * 4, [r.last_error for r in rows]
    assert sorted(r.result["status"] for r in rows).count("created") == 1
    got = fluent_order(shop, "ORD-RACE")
    assert len(got["financialTransactions"]["edges"]) == 1
    data = shop.runtime.fluent().graphql(
        "{ customers(first: 50) { edges { node { username } } } }"
    )
    assert [e["node"]["username"] for e in data["customers"]["edges"]] == [
        "1_race@example.com"
    ]
