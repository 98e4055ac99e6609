"""Helpers for the Fluent -> CT order tests: seed a matching order in both sandboxes,
drive it through Fluent's lifecycle, wait for the connector to settle."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests

from connector.store import messages

FIXTURE = Path(__file__).parents[2] / "payloads" / "fluent" / "order_lifecycle.json"
BUSY = ("queued", "received", "processing", "retrying")


class Scenario:
    """One order, seeded in commercetools and Fluent (items ref = CT line item ids)."""

    def __init__(self, connected: Any) -> None:
        self.connected = connected
        self.ct = connected.runtime.ct()
        self.http = requests.Session()
        self.fixture = json.loads(FIXTURE.read_text())
        # the test's own reads of the order (``order``): the CT sandbox counts them
        # with the connector's
        self.own_reads = 0

    # -- sandboxes ------------------------------------------------------------------
    def fluent(self, method: str, path: str, **kw: Any) -> requests.Response:
        resp = self.http.request(
            method, f"{self.connected.fluent_url}/_sandbox{path}", timeout=30, **kw
        )
        assert resp.status_code < 300, resp.text
        return resp

    def ct_control(self, method: str, path: str, **kw: Any) -> requests.Response:
        resp = self.http.request(
            method, f"{self.connected.ct_url}/_sandbox{path}", timeout=30, **kw
        )
        assert resp.status_code < 300, resp.text
        return resp

    def seed(
        self,
        number: str,
        *,
        ct_order: dict[str, Any] | None = None,
        ct_types: list[dict[str, Any]] | None = None,
        settings: list[dict[str, Any]] | None = None,
        notify_received: bool = True,
    ) -> dict[str, Any]:
        """Seed both sides; returns the CT order (Fluent auto-receives the order)."""
        draft = {**copy.deepcopy(self.fixture["ct_order"]), "orderNumber": number}
        draft.update(ct_order or {})
        self.ct_control(
            "POST",
            "/seed",
            json={"messages": False, "types": ct_types or [], "orders": [draft]},
        )
        order = self.order(number)
        self.fluent(
            "POST", "/lifecycle/config", json={"notify_received": notify_received}
        )
        fluent = copy.deepcopy(self.fixture["fluent"])
        fluent["settings"] = settings or []
        fluent["orders"] = [self.fluent_order(order)]
        self.fluent("POST", "/seed", json=fluent)
        return order

    @staticmethod
    def fluent_order(order: dict[str, Any]) -> dict[str, Any]:
        address = order["shippingAddress"]
        return {
            "ref": order["orderNumber"],
            "type": "HD",
            "customer": {"username": order["customerEmail"]},
            "fulfilmentChoice": {
                "deliveryType": "STANDARD",
                "deliveryAddress": {
                    "ref": f"{order['orderNumber']}-ship",
                    "street": f"{address['streetName']} {address['streetNumber']}",
                    "city": address["city"],
                    "postcode": address["postalCode"],
                    "country": address["country"],
                },
            },
            "items": [
                {
                    "ref": line["id"],
                    "productRef": line["variant"]["sku"],
                    "quantity": line["quantity"],
                    "currency": "EUR",
                    "price": line["price"]["value"]["centAmount"] / 100,
                }
                for line in order["lineItems"]
            ],
        }

    def advance(self, number: str, to: str, **body: Any) -> dict[str, Any]:
        return self.fluent(
            "POST", f"/orders/{number}/advance", json={"to": to, **body}
        ).json()

    def deliveries(self, **params: str) -> list[dict[str, Any]]:
        return self.fluent("GET", "/webhooks/deliveries", params=params).json()[
            "results"
        ]

    # -- the connector side -----------------------------------------------------------
    def order(self, number: str) -> dict[str, Any]:
        self.own_reads += 1
        return self.ct.get(f"orders/order-number={number}")

    def wait_order(
        self, number: str, check: Callable[[dict[str, Any]], bool], what: str
    ) -> dict[str, Any]:
        found: dict[str, Any] = {}

        def probe() -> bool:
            found["order"] = self.order(number)
            return check(found["order"])

        try:
            self.connected.wait_until(probe, timeout=30, message=what)
        except AssertionError:
            raise AssertionError(
                f"{what}; order: {json.dumps(found.get('order'))[-1500:]}; "
                f"messages: {[(r.route, r.status, r.result) for r in self.rows()]}"
            ) from None
        return found["order"]

    def settle(self) -> None:
        """Every webhook delivered and every message finished."""
        self.fluent("POST", "/webhooks/drain", json={"timeout": 30})
        store = self.connected.runtime.store
        self.connected.wait_until(
            lambda: not any(messages.counts_by_status(store).get(s) for s in BUSY),
            timeout=30,
            message=f"all messages finished ({messages.counts_by_status(store)})",
        )

    def failures(self) -> list[tuple[str | None, str | None]]:
        rows = messages.list_messages(self.connected.runtime.store, status="failed")
        return [(r.route, (r.last_error or "")[:400]) for r in rows]

    def rows(self, route: str | None = None) -> list[Any]:
        return messages.list_messages(
            self.connected.runtime.store, source="fluent", route=route, limit=500
        )


def line_fields(order: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """SKU -> line item custom fields."""
    return {
        li["variant"]["sku"]: dict((li.get("custom") or {}).get("fields") or {})
        for li in order["lineItems"]
    }


def ct_deliveries(order: dict[str, Any]) -> list[dict[str, Any]]:
    return list((order.get("shippingInfo") or {}).get("deliveries") or [])
