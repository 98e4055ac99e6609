"""Fluent consignments -> CT deliveries with one parcel each (pure).

Per consignment: one delivery keyed ``<delivery_key_prefix><consignment ref>`` holding the
filled items of its fulfilment(s) (mapped to CT line item ids), one parcel keyed
``<delivery key>-parcel`` with ``trackingData {trackingId, carrier}`` and the tracking URL
in a parcel custom field, and the consignment ref/status in delivery custom fields (names
from the field profile, connector.ct_fields: ``flTrackingUrl`` on ``flArticle``,
``flConsignmentRef``/``flConsignmentStatus`` on ``flConsignment``; or ``trackingUrl`` on
``fluent-parcel`` and ``fluentConsignment*`` on ``fluent-delivery``). Existing deliveries are
compared, never duplicated: changed tracking -> setParcelTrackingData, changed URL,
status or items -> their set actions. A consignment first seen CANCELLED gets no delivery.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

PARCEL_URL_FIELD = "trackingUrl"
DELIVERY_REF_FIELD = "fluentConsignmentRef"
DELIVERY_STATUS_FIELD = "fluentConsignmentStatus"
NO_NEW_DELIVERY_STATUSES = frozenset({"CANCELLED", "CANCELED"})

# Built-in per-carrier templates (keyed by Fluent carrier ref or name, upper case);
# YAML ``tracking_url_templates`` adds to / replaces them.
DEFAULT_TEMPLATES = {
    "AUSPOST": "https://auspost.com.au/mypost/track/#/details/{trackingId}",
    "DHL": "https://www.dhl.com/en/express/tracking.html?AWB={trackingId}",
    "POSTNL": "https://jouw.postnl.nl/track-and-trace/{trackingId}",
    "UPS": "https://www.ups.com/track?tracknum={trackingId}",
    "FEDEX": "https://www.fedex.com/fedextrack/?trknbr={trackingId}",
}
# Unknown carrier: fall back to the consignment's label URL (None = no URL).
DEFAULT_PATTERN = "{labelUrl}"
_KEY_CHARS = re.compile(r"[^A-Za-z0-9_-]+")
_QUOTED = {"trackingId", "consignmentRef", "orderRef", "carrierRef"}


@dataclass(frozen=True)
class TrackingUrls:
    templates: Mapping[str, str]
    default: str | None

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> TrackingUrls:
        extra = options.get("tracking_url_templates") or {}
        templates = {**DEFAULT_TEMPLATES}
        templates.update({str(k).upper(): str(v) for k, v in dict(extra).items()})
        default = options.get("default_tracking_url", DEFAULT_PATTERN)
        return cls(templates, str(default) if default else None)

    def url_for(self, con: Mapping[str, Any], order_ref: str | None) -> str | None:
        """The tracking URL; None when the template needs a value we do not have."""
        template = None
        for name in (con.get("carrierRef"), con.get("carrierName")):
            if name and str(name).upper() in self.templates:
                template = self.templates[str(name).upper()]
                break
        template = template or self.default
        if not template:
            return None
        values = {
            "trackingId": con.get("trackingLabel"),
            "carrier": con.get("carrierName") or con.get("carrierRef"),
            "carrierRef": con.get("carrierRef"),
            "consignmentRef": con.get("ref"),
            "consignmentReference": con.get("consignmentReference"),
            "labelUrl": con.get("labelUrl"),
            "orderRef": order_ref,
        }
        used = [f for _, f, _, _ in string.Formatter().parse(template) if f]
        if any(not values.get(f) for f in used):
            return None
        safe = {
            k: quote(str(v), safe="") if k in _QUOTED else str(v)
            for k, v in values.items()
            if v
        }
        return template.format_map(safe)


@dataclass(frozen=True)
class PlannedDelivery:
    key: str
    parcel_key: str
    consignment_ref: str
    status: str | None
    items: tuple[tuple[str, int], ...]
    tracking: Mapping[str, str]
    tracking_url: str | None

    def item_list(self) -> list[dict[str, Any]]:
        return [{"id": line_id, "quantity": qty} for line_id, qty in self.items]


def delivery_key(prefix: str, consignment_ref: str) -> str:
    return _KEY_CHARS.sub("-", f"{prefix}{consignment_ref}")[:256]


def plan_deliveries(
    order: Mapping[str, Any],
    match: Mapping[str, str],
    urls: TrackingUrls,
    key_prefix: str = "fluent-",
) -> list[PlannedDelivery]:
    """One planned delivery per consignment of the order (items of its fulfilments)."""
    id_by_ref = {i["ref"]: i["id"] for i in order.get("items") or [] if i.get("ref")}
    merged: dict[str, tuple[dict[str, Any], dict[str, int]]] = {}
    for fulfilment in order.get("fulfilments") or []:
        lines: dict[str, int] = {}
        for item in fulfilment.get("items") or []:
            order_item = item.get("orderItemId") or id_by_ref.get(
                item.get("orderItemRef")
            )
            line_id = match.get(str(order_item)) if order_item else None
            if line_id and item["filledQuantity"] > 0:
                lines[line_id] = lines.get(line_id, 0) + item["filledQuantity"]
        for con in fulfilment.get("consignments") or []:
            _, items = merged.setdefault(con["ref"], (con, {}))
            for line_id, qty in lines.items():
                items[line_id] = items.get(line_id, 0) + qty
    planned = []
    for ref, (con, items) in merged.items():
        key = delivery_key(key_prefix, ref)
        tracking = {"trackingId": con.get("trackingLabel"), "carrier": None}
        tracking["carrier"] = con.get("carrierName") or con.get("carrierRef")
        planned.append(
            PlannedDelivery(
                key=key,
                parcel_key=f"{key}-parcel",
                consignment_ref=ref,
                status=con.get("status"),
                items=tuple(sorted(items.items())),
                tracking={k: v for k, v in tracking.items() if v},
                tracking_url=urls.url_for(con, order.get("ref")),
            )
        )
    return planned
