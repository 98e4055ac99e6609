"""Customers end to end: CT customer messages (poller, webhook) -> real worker ->
Fluent customers found by the username rule or email, created, updated."""

from __future__ import annotations

import requests

from connector.modules.ct_messages.poller import poll
from connector.store import messages

TOKEN = {"Authorization": "Bearer test-token-1"}
QUERY = """query($ref: String!) { customer(ref: $ref) {
  id ref username firstName lastName primaryEmail primaryPhone country timezone
  promotionOptIn retailer { id } } }"""


def fluent_customer(stack, ref: str) -> dict | None:
    return stack.runtime.fluent().graphql(QUERY, {"ref": ref})["customer"]


def fluent_customer_count(stack) -> int:
    data = stack.runtime.fluent().graphql(
        "{ customers(first: 100) { edges { node { id } } } }"
    )
    return len(data["customers"]["edges"])


def drain(stack, expected: int) -> list:
    counts = poll(stack.runtime)
    assert counts["accepted"] == expected, counts
    rows = messages.list_messages(stack.runtime.store, source="commercetools")
    done = [stack.wait_for(r.id) for r in rows]
    assert [r.status for r in done] == ["done"] * len(done), [
        r.last_error for r in done
    ]
    return done


def test_customers_created_found_and_updated_from_messages(connected):
    seeded = requests.post(
        f"{connected.fluent_url}/_sandbox/seed",
        json={
            "customers": [
                {
                    "username": "1_eve.stone@example.com",
                    "firstName": "Old",
                    "primaryEmail": "eve.stone@example.com",
                }
            ]
        },
        timeout=10,
    )
    assert seeded.status_code == 201, seeded.text
    existing_id = fluent_customer(connected, "1_eve.stone@example.com")["id"]
    resp = requests.post(
        f"{connected.ct_url}/_sandbox/seed",
        json={
            "customers": [
                {
                    "key": "jane",
                    "email": "Jane.Doe@Example.com",
                    "firstName": "Jane",
                    "lastName": "Doe",
                    "addresses": [
                        {"country": "DE", "city": "Berlin", "phone": "+49 30 1234567"}
                    ],
                    "defaultShippingAddress": 0,
                },
                {"key": "eve", "email": "Eve.Stone@Example.com", "lastName": "Stone"},
            ]
        },
        timeout=10,
    )
    assert resp.status_code == 201, resp.text
    jane_id = resp.json()["ids"]["customers"]["jane"]

    drain(connected, 2)  # CustomerCreated x2
    jane = fluent_customer(connected, "1_jane.doe@example.com")
    assert {k: jane[k] for k in ("firstName", "lastName", "primaryEmail")} == {
        "firstName": "Jane",
        "lastName": "Doe",
        "primaryEmail": "Jane.Doe@Example.com",
    }
    assert (jane["country"], jane["timezone"]) == ("DE", "Europe/Berlin")
    assert jane["primaryPhone"] == "+49 30 1234567"
    assert jane["promotionOptIn"] is False and jane["retailer"]["id"] == "1"
    eve = fluent_customer(connected, "1_eve.stone@example.com")
    assert eve["id"] == existing_id  # found by the username rule, not duplicated
    assert eve["lastName"] == "Stone" and eve["primaryEmail"] == "Eve.Stone@Example.com"
    assert eve["firstName"] == "Old"  # the fallback first name never overwrites
    assert fluent_customer_count(connected) == 2

    ct = connected.runtime.ct()
    current = ct.get(f"customers/{jane_id}")
    ct.update(
        f"customers/{jane_id}",
        current["version"],
        [
            {"action": "setFirstName", "firstName": "Janet"},
            {"action": "changeEmail", "email": "janet.doe@example.com"},
            {"action": "setDateOfBirth", "dateOfBirth": "1985-04-12"},  # not routed
        ],
    )
    counts = poll(connected.runtime)
    assert counts["accepted"] == 2, counts  # FirstNameSet + EmailChanged
    for row in messages.list_messages(connected.runtime.store, source="commercetools"):
        assert connected.wait_for(row.id).status == "done"
    janet = fluent_customer(connected, "1_jane.doe@example.com")  # username kept
    assert janet["id"] == jane["id"]
    assert (janet["firstName"], janet["primaryEmail"]) == (
        "Janet",
        "janet.doe@example.com",
    )
    assert fluent_customer(connected, "1_janet.doe@example.com") is None
    assert fluent_customer_count(connected) == 2

    # a change notification with nothing new: answered from the fingerprint
    note = {
        "notificationType": "ResourceUpdated",
        "projectKey": "demo-shop",
        "resource": {"typeId": "customer", "id": jane_id},
        "version": 99,
        "oldVersion": 98,
        "modifiedAt": "2026-11-23T10:20:00.000Z",
    }
    resp = connected.client.post("/webhooks/commercetools", json=note, headers=TOKEN)
    assert resp.json["status"] == "accepted"
    row = connected.wait_for(resp.json["id"])
    assert row.status == "done", row.last_error
    assert row.result == {"status": "unchanged"}
