"""Fluent location -> commercetools channel draft (pure; no I/O).

A channel is keyed ``<channel_key_prefix><location ref>`` and carries roles
InventorySupply + ProductDistribution, the name in every configured locale, the address
and geoLocation of the location's ``primaryAddress``, and the custom fields of the field
profile: "Fluent Store Details" (type, status, email, phone, latitude, longitude,
timezone, opening schedule, attributes) or ``fluent-location`` (``custom_type``). Parts that cannot be mapped are left out of the
draft (so the channel's current value is left alone) and reported as ``Skip`` with the
reason; the channel itself is still written.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from connector.modules.locations.countries import country_code
from connector.modules.locations.hours import (
    InvalidSchedule,
    opening_hours,
    raw_schedule,
)
from connector.sync.stream import Planned, Skip

INVENTORY_SUPPLY = "InventorySupply"
PRODUCT_DISTRIBUTION = "ProductDistribution"
MANAGED_ROLES = (INVENTORY_SUPPLY, PRODUCT_DISTRIBUTION)
KEY_PATTERN = re.compile(r"[A-Za-z0-9_-]{2,256}")  # commercetools resource keys
ADDRESS_FIELDS = (  # Fluent primaryAddress field -> CT Address field
    ("street", "streetName"),
    ("street2", "additionalStreetInfo"),
    ("postcode", "postalCode"),
    ("city", "city"),
    ("state", "state"),
    ("region", "region"),
    ("companyName", "company"),
    ("email", "email"),
)


@dataclass(frozen=True)
class LocationRules:
    """The mapping settings (from ``modules.locations`` and the environment)."""

    channel_key_prefix: str = ""
    locales: tuple[str, ...] = ("en",)
    custom_type_key: str = "fluent-location"
    network_ref: str | None = None  # only locations of this network (None: all)
    active_statuses: tuple[str, ...] = ("ACTIVE",)
    inactive_remove_inventory_supply: bool = False
    # Fluent profile: logical name -> field key (empty: the connector profile)
    fluent_keys: Mapping[str, str] = field(default_factory=dict)

    def channel_key(self, location_ref: str) -> str:
        return f"{self.channel_key_prefix}{location_ref}"


def _text(value: Any) -> str | None:
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def map_address(
    primary: Mapping[str, Any] | None, phone: str | None
) -> tuple[dict[str, Any] | None, str | None]:
    """(CT Address, None) or (None, reason). No primaryAddress: (None, None)."""
    if not primary:
        return None, None
    country = country_code(primary.get("country"))
    if country is None:
        shown = str(primary.get("country"))[:20]
        return None, (
            f"address not synced: country {shown!r} is not an ISO 3166-1 code"
        )
    address: dict[str, Any] = {"country": country}
    for source, target in ADDRESS_FIELDS:
        value = _text(primary.get(source))
        if value is not None:
            address[target] = value
    if phone:
        address["phone"] = phone
    return address, None


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def map_geo(
    primary: Mapping[str, Any] | None,
) -> tuple[dict[str, Any] | None, str | None]:
    """(GeoJSON Point [longitude, latitude], None) or (None, reason).

    Missing coordinates, or exactly (0, 0) (Fluent's unset default), give (None, None).
    """
    if not primary:
        return None, None
    raw_lat, raw_lon = primary.get("latitude"), primary.get("longitude")
    if raw_lat is None or raw_lon is None:
        return None, None
    lat, lon = _number(raw_lat), _number(raw_lon)
    if lat is None or lon is None:
        return None, "geoLocation not synced: coordinates are not numbers"
    if lat == 0 and lon == 0:
        return None, None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None, "geoLocation not synced: coordinates out of range"
    return {"type": "Point", "coordinates": [round(lon, 7), round(lat, 7)]}, None


def custom_fields(
    location: Mapping[str, Any], rules: LocationRules
) -> tuple[dict[str, Any], str | None]:
    """The custom field values (None values left out) and an optional skip reason."""
    primary = location.get("primaryAddress") or {}
    schedule = location.get("openingSchedule")
    reason = None
    try:
        hours = opening_hours(schedule)
    except InvalidSchedule:
        hours, reason = None, "openingHours not synced: schedule value is not HHmm"
    status = location.get("status")
    if rules.fluent_keys:
        return _fluent_fields(location, rules.fluent_keys), reason
    fields: dict[str, Any] = {
        "fluentLocationId": str(location["id"]) if location.get("id") else None,
        "fluentLocationRef": location.get("ref"),
        "locationType": _text(location.get("type")),
        "locationStatus": _text(status),
        "active": status in rules.active_statuses,
        "phone": _text(location.get("supportPhoneNumber")),
        "timeZone": _text(primary.get("timeZone")),
        "openingHours": hours,
        "openingSchedule": raw_schedule(schedule),
    }
    return {k: v for k, v in fields.items() if v is not None}, reason


def _fluent_fields(
    location: Mapping[str, Any], keys: Mapping[str, str]
) -> dict[str, Any]:
    """The "Fluent Store Details" values, by the profile's keys."""
    primary = location.get("primaryAddress") or {}
    geo, _ = map_geo(primary)
    lon, lat = geo["coordinates"] if geo else (None, None)
    attributes = [
        {k: a.get(k) for k in ("name", "type", "value")}
        for a in location.get("attributes") or []
        if isinstance(a, Mapping) and a.get("name")
    ]
    values = {
        "store_type": _text(location.get("type")),
        "store_status": _text(location.get("status")),
        "store_email": _text(primary.get("email")),
        "store_phone": _text(location.get("supportPhoneNumber")),
        "store_latitude": lat,
        "store_longitude": lon,
        "store_timezone": _text(primary.get("timeZone")),
        "store_opening_schedule": raw_schedule(location.get("openingSchedule")),
        "store_attributes": (
            json.dumps(attributes, sort_keys=True, separators=(",", ":"))
            if attributes
            else None
        ),
    }
    return {keys[k]: v for k, v in values.items() if v is not None}


def roles_for(active: bool, rules: LocationRules) -> list[str]:
    if not active and rules.inactive_remove_inventory_supply:
        return [PRODUCT_DISTRIBUTION]
    return list(MANAGED_ROLES)


def in_network(location: Mapping[str, Any], network_ref: str) -> bool:
    edges = ((location.get("networks") or {}).get("edges")) or []
    return any(((e or {}).get("node") or {}).get("ref") == network_ref for e in edges)


def plan_location(
    location: Mapping[str, Any], rules: LocationRules
) -> Iterator[Planned | Skip]:
    """The channel draft of one location, plus a Skip for each part left out."""
    ref = _text(location.get("ref"))
    if ref is None:
        yield Skip(str(location.get("id")), "location without ref")
        return
    if rules.network_ref and not in_network(location, rules.network_ref):
        yield Skip(ref, f"not in network {rules.network_ref}")
        return
    if not KEY_PATTERN.fullmatch(rules.channel_key(ref)):
        yield Skip(ref, "ref is not a valid channel key ([A-Za-z0-9_-], 2-256 chars)")
        return
    phone = _text(location.get("supportPhoneNumber"))
    primary = location.get("primaryAddress")
    fields, hours_reason = custom_fields(location, rules)
    name = _text(location.get("name")) or ref
    draft: dict[str, Any] = {
        "key": rules.channel_key(ref),
        "roles": roles_for(location.get("status") in rules.active_statuses, rules),
        "name": {locale: name for locale in rules.locales},
        "custom": {
            "type": {"typeId": "type", "key": rules.custom_type_key},
            "fields": fields,
        },
    }
    address, address_reason = map_address(primary, phone)
    if address is not None:
        draft["address"] = address
    geo, geo_reason = map_geo(primary)
    if geo is not None:
        draft["geoLocation"] = geo
    for part, reason in (
        ("address", address_reason),
        ("geoLocation", geo_reason),
        ("openingHours", hours_reason),
    ):
        if reason is not None:
            yield Skip(f"{ref}#{part}", reason)
    yield Planned(key=ref, payload=draft, target_ref=draft["key"])
