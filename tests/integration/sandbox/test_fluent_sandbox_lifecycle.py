"""Fluent sandbox: order lifecycle driver and signed webhook delivery to a receiver."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.serialization import load_der_public_key
from test_fluent_sandbox_support import CATALOGUE, FluentClient, Receiver

from sandbox import defaults
from sandbox.common import SandboxServer


@pytest.fixture
def client(fluent_sandbox: SandboxServer) -> FluentClient:
    client = FluentClient(fluent_sandbox.url)
    client.seed_retailer()
    return client


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.stop()


def _verify(key: rsa.RSAPublicKey, body: bytes, signature: str, algo: Any) -> bool:
    try:
        key.verify(base64.b64decode(signature), body, padding.PKCS1v15(), algo)
        return True
    except InvalidSignature:
        return False


def _order(client: FluentClient, ref: str, order_type: str = "HD") -> None:
    customer = client.gql('{ customer(ref: "jane@example.com") { id } }')["customer"]
    choice: dict[str, Any] = {"deliveryType": "STANDARD"}
    if order_type == "CC":
        choice["pickupLocationRef"] = "STORE_MEL"
    else:
        choice["deliveryAddress"] = {
            "ref": f"{ref}-a",
            "city": "Sydney",
            "latitude": -33.87,
            "longitude": 151.2,
        }
    client.gql(
        "mutation($i: CreateOrderInput) { createOrder(input: $i) { id } }",
        {
            "i": {
                "ref": ref,
                "type": order_type,
                "retailer": {"id": "1"},
                "customer": {"id": customer["id"]},
                "fulfilmentChoice": choice,
                "items": [
                    {
                        "ref": f"{ref}-1",
                        "productRef": "TSHIRT-1-RED-M",
                        "quantity": 2,
                        "productCatalogueRef": CATALOGUE["ref"],
                    },
                    {
                        "ref": f"{ref}-2",
                        "productRef": "TSHIRT-1-RED-L",
                        "quantity": 1,
                        "productCatalogueRef": CATALOGUE["ref"],
                    },
                ],
            }
        },
    )


def _advance(client: FluentClient, ref: str, **body: Any) -> requests.Response:
    return client.control("POST", f"/orders/{ref}/advance", json=body)


def test_lifecycle_to_complete_posts_signed_webhooks(
    client: FluentClient, receiver: Receiver
) -> None:
    client.control("POST", "/webhooks/config", json={"url": receiver.url})
    _order(client, "HD-1")
    resp = _advance(client, "HD-1", to="COMPLETE")
    assert resp.status_code == 200, resp.text
    result = resp.json()
    assert result["steps"] == [
        "BOOKED",
        "PICK_PACK",
        "AWAITING_COURIER_COLLECTION",
        "COMPLETE",
    ]
    assert client.control("POST", "/webhooks/drain", json={"timeout": 10}).json()[
        "drained"
    ]
    bodies = [json.loads(raw) for raw, _ in receiver.received]
    assert [b["id"] for b in bodies] == [
        w["id"] for w in result["webhooks"]
    ]  # in order
    order_statuses = [b["entityStatus"] for b in bodies if b["entityType"] == "ORDER"]
    assert order_statuses == [
        "BOOKED",
        "PICK_PACK",
        "AWAITING_COURIER_COLLECTION",
        "COMPLETE",
    ]
    names = {b["entityType"]: b["name"] for b in bodies}
    assert names == {
        "ORDER": defaults.WEBHOOK_ORDER_STATUS,
        "FULFILMENT": defaults.WEBHOOK_FULFILMENT,
        "CONSIGNMENT": defaults.WEBHOOK_CONSIGNMENT,
    }
    first = bodies[0]
    assert first["accountId"] == "SANDBOX" and first["retailerId"] == "1"
    assert first["rootEntityType"] == "ORDER" and first["rootEntityRef"] == "HD-1"
    assert first["type"] == "NORMAL" and first["meta"]["mode"] == "SYNC"
    assert len({b["id"] for b in bodies}) == len(bodies)

    keys = client.control("GET", "/keys").json()
    key = load_der_public_key(base64.b64decode(keys["public_key_der_b64"]))
    assert isinstance(key, rsa.RSAPublicKey)
    for raw, headers in receiver.received:
        lower = {k.lower(): v for k, v in headers.items()}
        assert _verify(key, raw, lower["fluent-signature"], hashes.SHA512())
        assert _verify(key, raw, lower["flex.signature"], hashes.MD5())
        tampered = bytearray(raw)
        tampered[10] ^= 0x01
        assert not _verify(
            key, bytes(tampered), lower["fluent-signature"], hashes.SHA512()
        )

    order = client.gql("""{ order(ref: "HD-1") { status fulfilments { edges { node {
        status fromLocation { ref } items { edges { node { filledQuantity } } }
        articles { edges { node { consignmentArticles { edges { node { consignment {
          status trackingLabel labelUrl carrier { ref name } } } } } } } } } } } } }""")
    fulfilment = order["order"]["fulfilments"]["edges"][0]["node"]
    assert order["order"]["status"] == fulfilment["status"] == "COMPLETE"
    assert fulfilment["fromLocation"]["ref"] == "DC_SYD"  # nearest holding all stock
    consignment = fulfilment["articles"]["edges"][0]["node"]["consignmentArticles"][
        "edges"
    ][0]["node"]["consignment"]
    assert consignment["status"] == "DELIVERED"
    assert consignment["carrier"]["ref"] == "DHL" and consignment["trackingLabel"]
    assert consignment["trackingLabel"] in consignment["labelUrl"]


def test_captured_delivery_replays_byte_for_byte(
    client: FluentClient, receiver: Receiver
) -> None:
    _order(client, "CC-1", order_type="CC")  # no URL yet: recorded as skipped
    _advance(client, "CC-1", to="BOOKED")
    recorded = client.control(
        "GET", "/webhooks/deliveries", params={"entityType": "ORDER"}
    ).json()["results"]
    assert [r["status"] for r in recorded] == ["skipped"]
    record = recorded[0]
    raw = base64.b64decode(record["body_b64"])
    assert raw == record["body"].encode()
    resp = requests.post(receiver.url, data=raw, headers=record["headers"], timeout=5)
    assert resp.status_code == 200
    got_raw, got_headers = receiver.received[0]
    assert got_raw == raw
    assert got_headers["Fluent-Signature"] == record["signature"]
    assert json.loads(raw)["entitySubtype"] == "CC"


def test_failed_delivery_is_retried_until_accepted(
    client: FluentClient, fluent_sandbox: SandboxServer
) -> None:
    flaky = Receiver(fail_first=2)
    try:
        client.control(
            "POST",
            "/webhooks/config",
            json={"url": flaky.url, "retry_delays": [0.05, 0.05, 0.05]},
        )
        _order(client, "HD-R")
        _advance(client, "HD-R", to="BOOKED")
        assert client.control("POST", "/webhooks/drain").json()["drained"]
        deliveries = client.control("GET", "/webhooks/deliveries").json()["results"]
        assert [d["status"] for d in deliveries] == ["delivered", "delivered"]
        assert [a["status_code"] for a in deliveries[0]["attempts"]] == [500, 500, 200]
        assert len(flaky.received) == 4
        assert flaky.received[0][0] == flaky.received[2][0]  # same bytes re-sent
    finally:
        flaky.stop()


def test_rejections_partial_fill_and_cancel(client: FluentClient) -> None:
    _order(client, "HD-2")
    resp = _advance(client, "HD-2", to="PICK_PACK", reject={"TSHIRT-1-RED-M": 1})
    assert resp.json()["steps"] == ["BOOKED", "PICK_PACK"]
    items = client.gql("""{ order(ref: "HD-2") { fulfilments { edges { node { items {
        edges { node { status requestedQuantity filledQuantity rejectedQuantity } } } } }
        } } }""")["order"]["fulfilments"]["edges"][0]["node"]["items"]["edges"]
    assert [i["node"]["filledQuantity"] for i in items] == [1, 1]
    assert items[0]["node"]["status"] == "PARTIALLY_FULFILLED"
    assert _advance(client, "HD-2", to="BOOKED").status_code == 409  # no going back
    cancelled = _advance(client, "HD-2", to="CANCELLED").json()
    assert cancelled["status"] == "CANCELLED"
    assert {w["entityType"] for w in cancelled["webhooks"]} == {"ORDER", "FULFILMENT"}
    assert _advance(client, "HD-2", to="COMPLETE").status_code == 409
    assert _advance(client, "NOPE", to="BOOKED").status_code == 404
    assert _advance(client, "HD-2", to="SHIPPED").status_code == 400


def test_everything_rejected_cancels_the_order(client: FluentClient) -> None:
    _order(client, "HD-3")
    result = _advance(
        client, "HD-3", to="COMPLETE", reject={"TSHIRT-1-RED-M": 5, "TSHIRT-1-RED-L": 1}
    ).json()
    assert result["status"] == "CANCELLED"
    assert result["steps"] == ["BOOKED", "CANCELLED"]
    view = client.control("GET", "/orders/HD-3").json()
    assert view["fulfilments"][0]["status"] == "REJECTED"


def test_seeded_orders_can_start_mid_lifecycle(client: FluentClient) -> None:
    order = {
        "ref": "SEED-1",
        "type": "CC",
        "status": "AWAITING_COURIER_COLLECTION",
        "customer": {"username": "max@example.com"},
        "fulfilmentChoice": {
            "deliveryType": "STANDARD",
            "pickupLocationRef": "STORE_SYD",
        },
        "items": [{"ref": "SEED-1-1", "productRef": "SNEAKER-1-43", "quantity": 1}],
    }
    resp = client.control("POST", "/seed", json={"orders": [order]})
    assert resp.status_code == 201, resp.text
    view = client.control("GET", "/orders/SEED-1").json()
    assert view["status"] == "AWAITING_COURIER_COLLECTION"
    [fulfilment] = view["fulfilments"]
    assert fulfilment["type"] == "CC_PFS" and fulfilment["fromLocation"] == {
        "ref": "STORE_SYD"
    }
    consignment = fulfilment["articles"][0]["consignments"][0]
    assert consignment["carrier"]["ref"] == "AUSPOST"
    bad = client.control(
        "POST",
        "/seed",
        json={"orders": [{**order, "ref": "SEED-2", "customer": {"username": "x"}}]},
    )
    assert bad.status_code == 400 and "orders" in bad.json()["message"]


# The "suggested status query" of reference §3.7, verbatim.
SUGGESTED_STATUS_QUERY = """
query OrderForSync($ref: String!) {
  order(ref: $ref) {
    id ref type status
    fulfilments(first: 50) { edges { node {
      id ref status type deliveryType
      items(first: 200) { edges { node { ref status requestedQuantity filledQuantity rejectedQuantity orderItem { ref } } } }
      articles(first: 50) { edges { node { ref status
        consignmentArticles(first: 10) { edges { node { consignment {
          ref status consignmentReference trackingLabel labelUrl carrier { name } } } } } } } }
    } } }
  }
}
"""


def test_reference_status_query_runs_unchanged(client: FluentClient) -> None:
    _order(client, "HD-Q")
    _advance(client, "HD-Q", to="AWAITING_COURIER_COLLECTION")
    order = client.gql(SUGGESTED_STATUS_QUERY, {"ref": "HD-Q"})["order"]
    assert order["status"] == "AWAITING_COURIER_COLLECTION"
    fulfilment = order["fulfilments"]["edges"][0]["node"]
    assert [i["node"]["orderItem"]["ref"] for i in fulfilment["items"]["edges"]] == [
        "HD-Q-1",
        "HD-Q-2",
    ]
    consignment = fulfilment["articles"]["edges"][0]["node"]["consignmentArticles"][
        "edges"
    ][0]["node"]["consignment"]
    assert consignment["status"] == "CREATED"
    assert consignment["carrier"] == {"name": "DHL Express"}
    assert consignment["consignmentReference"].endswith(consignment["trackingLabel"])
    network = client.gql("""{ network(ref: "CC_NETWORK") { locations(status: ["ACTIVE"],
        first: 10) { edges { node { ref } } } } }""")["network"]
    assert [e["node"]["ref"] for e in network["locations"]["edges"]] == [
        "STORE_SYD",
        "STORE_MEL",
    ]
