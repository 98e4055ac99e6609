"""The order lifecycle driver: Fluent's ORDER workflow, step by step, with webhooks.

``advance(ref, to)`` walks an order through every intermediate status up to ``to``::

  CREATED -> RECEIVED -> BOOKED -> PICK_PACK -> AWAITING_COURIER_COLLECTION -> COMPLETE

or to ``CANCELLED`` from any open status. Each step changes the entities, bumps their
``updatedOn`` and sends the matching signed webhooks (children first, the order last):

* RECEIVED: order status webhook (only when ``notify_received``; the auto-receive after
  ``createOrder`` is silent by default);
* BOOKED: one fulfilment from all order items at the CC pickup location, or for HD the
  ACTIVE location nearest the delivery address that holds all the stock (else the
  nearest/first one); fulfilment ``AWAITING_WAVE`` [I: reference-workflow status];
* PICK_PACK: fulfilment ``PICK_PACK`` with filled/rejected quantities (``reject`` maps
  productRef -> rejected quantity); all rejected -> fulfilment ``REJECTED``, order
  ``CANCELLED``;
* AWAITING_COURIER_COLLECTION: an article with the filled items and a consignment from the
  location's default carrier (else the first carrier) with tracking label and label URL;
* COMPLETE: consignment ``DELIVERED``, fulfilment and order ``COMPLETE``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .fulfil import (
    NoLocationError,
    choose_location,
    create_consignment,
    create_fulfilments,
)
from .resolvers.products import item_product
from .store import stamp

if TYPE_CHECKING:
    from .state import FluentSandbox

FLOW = [
    "CREATED",
    "RECEIVED",
    "BOOKED",
    "PICK_PACK",
    "AWAITING_COURIER_COLLECTION",
    "COMPLETE",
]
TERMINAL = {"COMPLETE", "CANCELLED"}


class LifecycleError(Exception):
    """An impossible transition; ``status`` is the HTTP status to answer."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class Lifecycle:
    """Moves orders through their statuses and posts the webhooks."""

    def __init__(self, state: FluentSandbox) -> None:
        self.state = state
        self.reset()

    def reset(self) -> None:
        self.auto_receive = True
        self.notify_received = False

    # ------------------------------------------------------------------ hooks
    def order_created(self, order: dict[str, Any]) -> None:
        if self.auto_receive:
            self._order_status(order, "RECEIVED", notify=self.notify_received)

    # ------------------------------------------------------------------ driver
    def advance(
        self, ref: str, to: str, reject: Mapping[str, int] | None = None
    ) -> dict[str, Any]:
        order = self.state.data.orders.find(ref)
        if order is None:
            raise LifecycleError(404, f"Order with ref [{ref}] not found")
        if to not in FLOW[1:] and to != "CANCELLED":
            raise LifecycleError(400, f"unknown target status {to!r}")
        start = order["status"]
        if start in TERMINAL:
            raise LifecycleError(409, f"order {ref} is already {start}")
        before = len(self.state.webhooks.deliveries)
        steps: list[str] = []
        if to == "CANCELLED":
            self._cancel(order)
            steps.append("CANCELLED")
        else:
            if start not in FLOW:
                raise LifecycleError(409, f"order {ref} has status {start}")
            if FLOW.index(to) <= FLOW.index(start):
                raise LifecycleError(409, f"order {ref} is already {start}")
            self._check_reject(order, reject or {})
            self._precheck(order, to)
            for status in FLOW[FLOW.index(start) + 1 : FLOW.index(to) + 1]:
                getattr(self, "_to_" + status.lower())(order, reject or {})
                steps.append(order["status"])
                if order["status"] in TERMINAL:
                    break
        sent = self.state.webhooks.deliveries[before:]
        return {
            "ref": ref,
            "from": start,
            "status": order["status"],
            "steps": steps,
            "fulfilments": [f["ref"] for f in self._fulfilments(order)],
            "webhooks": [
                {
                    "id": d["id"],
                    "name": d["name"],
                    "entityType": d["entityType"],
                    "entityStatus": d["entityStatus"],
                }
                for d in sent
            ],
        }

    # ------------------------------------------------------------------ helpers
    def _fulfilments(self, order: Mapping[str, Any]) -> list[dict[str, Any]]:
        return self.state.data.fulfilments.many(order["_fulfilments"])

    def _items(self, fulfilment: Mapping[str, Any]) -> list[dict[str, Any]]:
        return self.state.data.fulfilment_items.many(fulfilment["_items"])

    def _consignments(self, order: Mapping[str, Any]) -> list[dict[str, Any]]:
        data = self.state.data
        out: list[dict[str, Any]] = []
        for fulfilment in self._fulfilments(order):
            for article in data.articles.many(fulfilment["_articles"]):
                for con in data.consignments.many(article["_consignments"]):
                    if con not in out:
                        out.append(con)
        return out

    def _notify(
        self,
        kind: str,
        entity_type: str,
        entity: dict[str, Any],
        order: dict[str, Any],
        subtype: str | None,
        attributes: Mapping[str, Any] | None = None,
    ) -> None:
        hooks = self.state.webhooks
        hooks.send(
            hooks.payload(
                kind, entity_type, entity, order, subtype=subtype, attributes=attributes
            )
        )

    def _order_status(
        self, order: dict[str, Any], status: str, notify: bool = True
    ) -> None:
        order["status"] = status
        stamp(order)
        if notify:
            self._notify("order_status", "ORDER", order, order, order["type"])

    def _set(self, entity: dict[str, Any], status: str) -> None:
        entity["status"] = status
        stamp(entity)

    def _fulfilment_changed(
        self, fulfilment: dict[str, Any], order: dict[str, Any]
    ) -> None:
        self._notify(
            "fulfilment",
            "FULFILMENT",
            fulfilment,
            order,
            fulfilment["type"],
            {
                "fulfilmentType": fulfilment["type"],
                "locationRef": fulfilment["fromLocation"]["ref"],
            },
        )

    def _consignment_changed(self, con: dict[str, Any], order: dict[str, Any]) -> None:
        carrier = self.state.data.carriers.get(con["_carrier"]) or {}
        self._notify(
            "consignment",
            "CONSIGNMENT",
            con,
            order,
            carrier.get("ref"),
            {"trackingLabel": con["trackingLabel"], "carrier": carrier.get("name")},
        )

    def _precheck(self, order: dict[str, Any], to: str) -> None:
        """Fail before any step when a later step could not be taken."""
        target = FLOW.index(to)
        try:
            if target >= FLOW.index("BOOKED") and not order["_fulfilments"]:
                choose_location(self.state, order)
        except NoLocationError as exc:
            raise LifecycleError(409, str(exc)) from exc
        if target >= FLOW.index("AWAITING_COURIER_COLLECTION"):
            if not len(self.state.data.carriers):
                raise LifecycleError(
                    409, "no carrier to book consignments; seed carriers"
                )

    def _check_reject(
        self, order: Mapping[str, Any], reject: Mapping[str, int]
    ) -> None:
        items = self.state.data.order_items
        refs = {self._product_ref(items.get(i)) for i in order["_items"]}
        unknown = set(reject) - refs
        if unknown:
            raise LifecycleError(
                400, f"reject names products not in the order: {unknown}"
            )

    def _product_ref(self, item: Mapping[str, Any] | None) -> str | None:
        if item is None:
            return None
        product = item_product(self.state, item)
        return product["ref"] if product else None

    # ------------------------------------------------------------------ steps
    def _to_received(self, order: dict[str, Any], _reject: Mapping[str, int]) -> None:
        self._order_status(order, "RECEIVED", notify=True)

    def _to_booked(self, order: dict[str, Any], _reject: Mapping[str, int]) -> None:
        try:
            fulfilments = create_fulfilments(self.state, order)
        except NoLocationError as exc:
            raise LifecycleError(409, str(exc)) from exc
        for fulfilment in fulfilments:
            self._fulfilment_changed(fulfilment, order)
        self._order_status(order, "BOOKED")

    def _to_pick_pack(self, order: dict[str, Any], reject: Mapping[str, int]) -> None:
        filled_total = 0
        for fulfilment in self._fulfilments(order):
            for item in self._items(fulfilment):
                product_ref = self._product_ref(
                    self.state.data.order_items.get(item["_order_item"])
                )
                rejected = min(
                    item["requestedQuantity"], int(reject.get(product_ref or "", 0))
                )
                item["rejectedQuantity"] = rejected
                item["filledQuantity"] = item["requestedQuantity"] - rejected
                item["status"] = (
                    "FULFILLED"
                    if not rejected
                    else "REJECTED"
                    if not item["filledQuantity"]
                    else "PARTIALLY_FULFILLED"
                )
                filled_total += item["filledQuantity"]
                stamp(item)
            self._set(fulfilment, "PICK_PACK" if filled_total else "REJECTED")
            self._fulfilment_changed(fulfilment, order)
        self._order_status(order, "PICK_PACK" if filled_total else "CANCELLED")

    def _to_awaiting_courier_collection(
        self, order: dict[str, Any], _reject: Mapping[str, int]
    ) -> None:
        for fulfilment in self._fulfilments(order):
            try:
                consignment = create_consignment(self.state, order, fulfilment)
            except NoLocationError as exc:
                raise LifecycleError(409, str(exc)) from exc
            self._set(fulfilment, "AWAITING_COURIER_COLLECTION")
            self._fulfilment_changed(fulfilment, order)
            self._consignment_changed(consignment, order)
        self._order_status(order, "AWAITING_COURIER_COLLECTION")

    def _to_complete(self, order: dict[str, Any], _reject: Mapping[str, int]) -> None:
        data = self.state.data
        for con in self._consignments(order):
            self._set(con, "DELIVERED")
            for article in data.articles.many(con["_articles"]):
                if article is not None:
                    self._set(article, "DELIVERED")
            self._consignment_changed(con, order)
        for fulfilment in self._fulfilments(order):
            self._set(fulfilment, "COMPLETE")
            self._fulfilment_changed(fulfilment, order)
        self._order_status(order, "COMPLETE")

    def _cancel(self, order: dict[str, Any]) -> None:
        for con in self._consignments(order):
            self._set(con, "CANCELLED")
            self._consignment_changed(con, order)
        for fulfilment in self._fulfilments(order):
            if fulfilment["status"] not in TERMINAL | {"REJECTED"}:
                self._set(fulfilment, "CANCELLED")
                self._fulfilment_changed(fulfilment, order)
        self._order_status(order, "CANCELLED")
