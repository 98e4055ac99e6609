"""The demo's steps: each drives one part of the product through its real path and
checks that the target system converged. Every check reads the target (Fluent or
commercetools), not the connector's own bookkeeping."""

from __future__ import annotations

import json
import uuid
from typing import Any

from connector.ct_fields import profile_of
from connector.demo.fields import custom_names
from connector.demo.scenario import Demo, Outcome, Step
from connector.demo.settings import INBOUND_SECRET, PARTNER_ROUTE
from connector.signing import sign


def _counts(run: dict[str, Any]) -> str:
    c = run.get("counts") or {}
    parts = [
        f"{k} {c[k]}"
        for k in ("created", "updated", "unchanged", "skipped", "failed")
        if c.get(k)
    ]
    return ", ".join(parts) or "nothing to do"


JANE_EMAIL = "jane.doe@example.com"
JANE_ADDRESS = {
    "firstName": "Jane",
    "lastName": "Doe",
    "streetName": "George St",
    "streetNumber": "100",
    "city": "Sydney",
    "postalCode": "2000",
    "state": "NSW",
    "country": "AU",
}


# -- steps ---------------------------------------------------------------------------------
def catalog(d: Demo) -> list[Outcome]:
    out = []
    for module, table_check in (
        ("categories", ("categories",)),
        ("products", ("standard_products", "variant_products")),
    ):
        run = d.job(module)
        counts = {t: d.fluent_count(t) for t in table_check}
        ok = run.get("status") == "succeeded" and all(counts.values())
        shown = ", ".join(f"{n} {t.replace('_', ' ')}" for t, n in counts.items())
        out.append(
            Outcome(
                module,
                ok,
                f"run {run.get('run_id', '?')} {run.get('status')}: "
                f"{_counts(run)} -> Fluent has {shown}",
            )
        )
    return out


def stores_and_stock(d: Demo) -> list[Outcome]:
    out = []
    run = d.job("locations")
    channels = [c for c in d.ct_query("channels") if "InventorySupply" in c["roles"]]
    keys = profile_of(d.runtime.config).keys
    fields = custom_names(channels=channels)[0]
    out.append(
        Outcome(
            "locations",
            run.get("status") == "succeeded" and len(channels) >= 3,
            f"run {run.get('run_id')} {run.get('status')}: {_counts(run)} -> "
            f"{len(channels)} CT channels, type {keys['channel_type']}: "
            f"{fields}",
        )
    )
    run = d.job("inventory")
    entries = d.ct_query("inventory")
    stocked = sum(1 for e in entries if e.get("quantityOnStock", 0) > 0)
    out.append(
        Outcome(
            "inventory",
            run.get("status") == "succeeded" and stocked >= 5,
            f"run {run.get('run_id')} {run.get('status')}: {_counts(run)} -> "
            f"{len(entries)} CT inventory entries ({stocked} in stock)",
        )
    )
    return out


def customers_and_orders(d: Demo) -> list[Outcome]:
    ct = d.runtime.ct()
    customer = ct.create(
        "customers",
        {
            "email": JANE_EMAIL,
            "firstName": "Jane",
            "lastName": "Doe",
            "password": "demo-Passw0rd",
            "addresses": [{"key": "home", **JANE_ADDRESS}],
        },
    )["customer"]
    address = {**JANE_ADDRESS, "email": JANE_EMAIL}
    hd = {
        "orderNumber": "DEMO-1001",
        "customerId": customer["id"],
        "customerEmail": JANE_EMAIL,
        "shippingMethod": {"key": "standard"},
        "shippingAddress": address,
        "billingAddress": address,
        "taxRate": 0.1,
        "lineItems": [
            {"sku": "TSHIRT-1-RED-M", "quantity": 2},
            {"sku": "CAP-1", "quantity": 1},
        ],
    }
    guest = {
        "firstName": "Max",
        "lastName": "Guest",
        "city": "Melbourne",
        "postalCode": "3000",
        "country": "AU",
        "email": "max.guest@example.com",
    }
    cc = {
        "orderNumber": "DEMO-1002",
        "customerEmail": "max.guest@example.com",
        "shippingMethod": {"key": "click-collect"},
        # the storefront's pickup choice, where Fluent's connector reads it
        "custom": {
            "type": {"typeId": "type", "key": "flCustomField"},
            "fields": {"flPickupLocationRef": "STORE_SYD"},  # the method says MEL
        },
        "billingAddress": guest,
        "shippingAddress": guest,
        "taxRate": 0.1,
        "lineItems": [{"sku": "SNEAKER-1-42", "quantity": 1}],
    }
    resp = d.http.post(
        f"{d.ct_url}/_sandbox/orders", json={"orders": [hd, cc]}, timeout=30
    )
    resp.raise_for_status()
    d.notes["orders"] = ["DEMO-1001", "DEMO-1002"]
    found = d.wait(lambda: all(d.fluent(f"orders/{ref}") for ref in d.notes["orders"]))
    views = [d.fluent(f"orders/{ref}") or {} for ref in d.notes["orders"]]
    types = [str((v.get("order") or v).get("type")) for v in views]
    choice = (views[1].get("order") or views[1]).get("fulfilmentChoice") or {}
    keys = profile_of(d.runtime.config).keys
    customers_ok = d.wait(lambda: d.fluent_count("customers") >= 2)
    return [
        Outcome(
            "customers",
            bool(customers_ok),
            f"CustomerCreated + guest checkout -> {d.fluent_count('customers')} "
            "Fluent customers",
        ),
        Outcome(
            "orders",
            bool(found) and sorted(types) == ["CC", "HD"],
            f"OrderCreated x2 (poller + Pub/Sub push, deduplicated) -> Fluent orders "
            f"{', '.join(f'{r} ({t})' for r, t in zip(d.notes['orders'], types, strict=True))}; "
            f"pickup {choice.get('pickupLocationRef')} read from "
            f"{keys['order_type']}.{keys['pickup_location_ref']}",
        ),
    ]


def lifecycle(d: Demo) -> list[Outcome]:
    for ref in d.notes.get("orders", []):
        resp = d.http.post(
            f"{d.fluent_url}/_sandbox/orders/{ref}/advance",
            json={"to": "COMPLETE"},
            timeout=30,
        )
        if resp.status_code != 200:
            return [
                Outcome("order_status", False, f"Fluent lifecycle failed: {resp.text}")
            ]

    def ct_orders() -> list[dict[str, Any]] | None:
        orders = [
            d.runtime.ct().get(f"orders/order-number={ref}")
            for ref in d.notes["orders"]
        ]
        ready = all(o.get("orderState") == "Complete" and _parcels(o) for o in orders)
        return orders if ready else None

    orders = d.wait(ct_orders) or [
        d.runtime.ct().get(f"orders/order-number={ref}")
        for ref in d.notes.get("orders", [])
    ]
    states = ", ".join(
        f"{o.get('orderNumber')}: {o.get('orderState')}/"
        f"{o.get('shipmentState')}/{o.get('paymentState')}"
        for o in orders
    )
    parcels = [p for o in orders for p in _parcels(o)]
    tracked = [p for p in parcels if (p.get("trackingData") or {}).get("trackingId")]
    items = sum(
        1
        for o in orders
        for li in o.get("lineItems", [])
        if (li.get("custom") or {}).get("fields")
    )
    line_fields, delivery_fields, parcel_fields = custom_names(orders)
    keys = profile_of(d.runtime.config).keys
    return [
        Outcome(
            "order_status",
            all(o.get("orderState") == "Complete" for o in orders),
            f"RECEIVED -> COMPLETE webhooks -> CT {states}",
        ),
        Outcome(
            "fulfilments",
            items > 0,
            f"{items} CT line items carry Fluent fulfilment progress "
            f"({keys['line_item_type']}: {line_fields})",
        ),
        Outcome(
            "consignments",
            len(tracked) >= len(orders) > 0,
            f"{len(parcels)} deliveries/parcels, {len(tracked)} with tracking "
            f"({', '.join(str((p.get('trackingData') or {}).get('carrier')) for p in tracked)}); "
            f"deliveries {keys['delivery_type']}: {delivery_fields}; "
            f"parcels {keys['parcel_type']}: {parcel_fields}",
        ),
    ]


def _parcels(order: dict[str, Any]) -> list[dict[str, Any]]:
    deliveries = (order.get("shippingInfo") or {}).get("deliveries") or []
    return [p for dl in deliveries for p in dl.get("parcels") or []]


def availability(d: Demo) -> list[Outcome]:
    path = "/api/v1/availability?items=TSHIRT-1-RED-M:1,CAP-1:2&lat=-33.87&lon=151.21"
    first = d.api("GET", path)
    second = d.api("GET", path)
    body = first.json() if first.ok else {}
    items = body.get("items") or []
    locations = body.get("locations") or []
    ok = (
        first.status_code == 200
        and bool(items)
        and second.headers.get("X-Cache") == "HIT"
    )
    nearest = locations[0].get("ref") if locations else "-"
    summary = ", ".join(f"{i.get('sku')} {i.get('available')}" for i in items)
    return [
        Outcome(
            "availability",
            ok,
            f"{summary}; nearest {nearest}; repeat "
            f"X-Cache {second.headers.get('X-Cache')}",
        )
    ]


def external(d: Demo) -> list[Outcome]:
    body = json.dumps(
        {
            "id": f"evt-{uuid.uuid4().hex[:8]}",
            "kind": "loyalty.points",
            "customer": JANE_EMAIL,
            "points": 120,
        }
    ).encode()
    headers = {"Content-Type": "application/json", **sign([INBOUND_SECRET], body)}
    resp = d.http.post(
        f"{d.web_url}/webhooks/external/{PARTNER_ROUTE}",
        data=body,
        headers=headers,
        timeout=30,
    )
    delivered = d.wait(lambda: d.receiver.items("partner"))
    signed = bool(delivered) and "x-connector-signature" in delivered[0]["headers"]
    return [
        Outcome(
            "external_in",
            resp.status_code == 200,
            f"signed POST /webhooks/external/{PARTNER_ROUTE} -> {resp.status_code} "
            f"{resp.json().get('status') if resp.ok else resp.text[:80]}",
        ),
        Outcome(
            "external_out",
            signed,
            f"outbox -> {len(delivered or [])} signed delivery to the partner endpoint",
        ),
    ]


def event_errors(d: Demo) -> list[Outcome]:
    for ref in ("DEMO-1001", "DEMO-1002", "DEMO-1001"):
        d.http.post(
            f"{d.fluent_url}/_sandbox/events/failed",
            timeout=30,
            json={
                "entityType": "ORDER",
                "entityRef": ref,
                "rootEntityType": "ORDER",
                "rootEntityRef": ref,
                "name": "SendToWarehouse",
                "rule": "ACME.custom.SendToWarehouse",
                "message": "Warehouse API timed out",
            },
        )
    before = len(d.receiver.items("slack"))
    d.runtime.enqueue("event_errors.summarize", queue="default")
    sent = d.wait(
        lambda: [
            m
            for m in d.receiver.items("slack")[before:]
            if "SendToWarehouse" in m["body"]
        ]
    )
    return [
        Outcome(
            "event_errors",
            bool(sent),
            "3 FAILED Fluent events -> one grouped summary to the Slack channel"
            if sent
            else "no summary received",
        ),
        Outcome(
            "notifications",
            bool(sent),
            f"{len(d.receiver.items('slack'))} Slack-compatible message(s) sent",
        ),
    ]


def fluent_connect(d: Demo) -> list[Outcome]:
    """The sandbox account holds Fluent's own connector settings (seeded at start):
    its scheduler call runs the inventory sync, which writes ``lastRun`` back."""
    from connector.fluent_connect import settings as fs
    from sandbox import defaults

    def last_run() -> dict[str, Any]:
        found = fs.load(d.runtime.fluent(), 0).get(fs.INVENTORY_JOB)
        return dict(found.value.get("lastRun") or {}) if found else {}

    before = last_run().get("jobEnd")
    account = f"{defaults.FLUENT_ACCOUNT_ID}/{defaults.FLUENT_RETAILER_ID}"
    path = f"/api/v1/fluent-connect/scheduler/add/{account}/batch-inventory-sync"
    started = d.api("PUT", path)
    run_id = started.json().get("run_id") if started.status_code == 202 else None
    last = d.wait(lambda: (r := last_run()).get("jobEnd") != before and r) or {}
    return [
        Outcome(
            "fluent_connect",
            bool(run_id) and last.get("status") == "SUCCESSFUL",
            f"PUT .../scheduler/add/{account}/batch-inventory-sync -> "
            f"{started.status_code} run {run_id}; setting lastRun "
            f"{last.get('status', 'not written')} (end {last.get('param', {}).get('end')})",
        )
    ]


STEPS: list[tuple[str, Step]] = [
    ("catalog: categories and products to Fluent", catalog),
    ("stores and stock from Fluent", stores_and_stock),
    ("customers and orders (HD and CC) to Fluent", customers_and_orders),
    ("Fluent order lifecycle back to commercetools", lifecycle),
    ("storefront availability", availability),
    ("external webhooks in and out", external),
    ("failed Fluent events summary", event_errors),
    ("Fluent's own connector settings and scheduler", fluent_connect),
]
