"""The commercetools field profile: which custom type and field keys the connector writes.

``ct_fields: fluent`` (the default) writes what Fluent's own commercetools connector
writes, so a storefront built on it keeps working: line items ``flFulfilment``, deliveries
``flConsignment``, parcels "Fluent Article", channels "Fluent Store Details", and the order
pickup location read from "Fluent Custom Field". ``ct_fields: connector`` keeps this
connector's earlier names (``fluent-line-item``, ``fluent-delivery``, ...).

Where Fluent documents only a display name, the key is derived the way its documented
keys are: ``fl`` + the display name in PascalCase without a leading "Fluent" ("Fluent
Tracking Url" -> ``flTrackingUrl``, "Phone No." -> ``flPhoneNo``). Every key can be
replaced in the settings file under ``ct_field_keys`` (docs/MIGRATING.md lists them).

Also owns the adoption rule for existing types: ``incompatible_fields`` compares an
existing type's field definitions with ours, so callers stop before writing anything.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from connector.errors import ConfigError, PermanentError

PROFILES = ("fluent", "connector")
DEFAULT_PROFILE = "fluent"

# logical name -> key, per profile (None: the profile has no such key)
FLUENT_KEYS: dict[str, str] = {
    "line_item_type": "flFulfilment",
    "fulfilment_metadata": "flFulfilmentMetadata",
    "delivery_type": "flConsignment",
    "consignment_ref": "flConsignmentRef",
    "consignment_status": "flConsignmentStatus",
    "parcel_type": "flArticle",
    "tracking_url": "flTrackingUrl",
    "channel_type": "flStoreDetails",
    "store_type": "flType",
    "store_status": "flStatus",
    "store_email": "flEmail",
    "store_phone": "flPhoneNo",
    "store_latitude": "flLatitude",
    "store_longitude": "flLongitude",
    "store_timezone": "flTimezone",
    "store_opening_schedule": "flOpeningSchedule",
    "store_attributes": "flAttributes",
    "order_type": "flCustomField",
    "pickup_location_ref": "flPickupLocationRef",
}
CONNECTOR_KEYS: dict[str, str] = {
    "line_item_type": "fluent-line-item",
    "delivery_type": "fluent-delivery",
    "consignment_ref": "fluentConsignmentRef",
    "consignment_status": "fluentConsignmentStatus",
    "parcel_type": "fluent-parcel",
    "tracking_url": "trackingUrl",
    "channel_type": "fluent-location",
}
# display names of the Fluent profile (types: name; fields: label)
FLUENT_LABELS: dict[str, str] = {
    "line_item_type": "Fluent Fulfilment Metadata",
    "fulfilment_metadata": "Fulfilment Metadata",
    "delivery_type": "Fluent Consignment",
    "consignment_ref": "Fluent Consignment Ref",
    "consignment_status": "Fluent Consignment Status",
    "parcel_type": "Fluent Article",
    "tracking_url": "Fluent Tracking Url",
    "channel_type": "Fluent Store Details",
    "store_type": "Type",
    "store_status": "Status",
    "store_email": "Email",
    "store_phone": "Phone No.",
    "store_latitude": "Latitude",
    "store_longitude": "Longitude",
    "store_timezone": "Timezone",
    "store_opening_schedule": "Opening Schedule",
    "store_attributes": "Attributes",
    "order_type": "Fluent Custom Field",
    "pickup_location_ref": "Pickup Location Ref",
}


@dataclass(frozen=True)
class FieldProfile:
    """The selected profile with its keys (overrides applied)."""

    name: str
    keys: Mapping[str, str]

    @property
    def fluent(self) -> bool:
        return self.name == "fluent"

    def key(self, logical: str) -> str:
        return self.keys[logical]

    def label(self, logical: str) -> str:
        return FLUENT_LABELS.get(logical, logical) if self.fluent else logical


def profile_from(extra: Mapping[str, Any]) -> FieldProfile:
    """The profile of the settings file's ``ct_fields`` / ``ct_field_keys`` sections."""
    name = extra.get("ct_fields", DEFAULT_PROFILE)
    if name not in PROFILES:
        raise ConfigError(
            f"ct_fields must be one of {', '.join(PROFILES)}, got {name!r}"
        )
    keys = dict(FLUENT_KEYS if name == "fluent" else CONNECTOR_KEYS)
    overrides = extra.get("ct_field_keys") or {}
    if not isinstance(overrides, Mapping):
        raise ConfigError("ct_field_keys must be a mapping of name: key")
    for logical, key in overrides.items():
        if logical not in keys:
            raise ConfigError(
                f"ct_field_keys.{logical}: unknown for profile {name} "
                f"(known: {', '.join(sorted(keys))})"
            )
        if not isinstance(key, str) or not key.strip():
            raise ConfigError(f"ct_field_keys.{logical}: must be a non-empty string")
        keys[logical] = key.strip()
    return FieldProfile(str(name), keys)


def profile_of(config: Any) -> FieldProfile:
    """The profile of a Config (its settings-file sections)."""
    return profile_from(getattr(config, "extra", None) or {})


class IncompatibleType(PermanentError):
    """An existing commercetools type has a field of ours with another field type."""


def _type_view(field_type: Mapping[str, Any] | None) -> Any:
    field_type = field_type or {}
    if field_type.get("name") == "Set":
        return ("Set", _type_view(field_type.get("elementType")))
    return field_type.get("name")


def incompatible_fields(
    existing: Mapping[str, Any], wanted: Sequence[Mapping[str, Any]]
) -> list[str]:
    """Readable problems (type key, field, both field types); [] when compatible."""
    have = {d["name"]: d for d in existing.get("fieldDefinitions") or []}
    label = existing.get("key") or existing.get("id")
    problems = []
    for definition in wanted:
        found = have.get(definition["name"])
        if found is None:
            continue
        if _type_view(found.get("type")) != _type_view(definition.get("type")):
            problems.append(
                f"commercetools type {label!r} field {definition['name']!r} is "
                f"{_type_view(found.get('type'))}, the connector needs "
                f"{_type_view(definition.get('type'))}"
            )
    return problems


def check_compatible(
    existing: Mapping[str, Any], wanted: Sequence[Mapping[str, Any]]
) -> None:
    """Raise IncompatibleType (before anything is written) on a retyped field."""
    problems = incompatible_fields(existing, wanted)
    if problems:
        raise IncompatibleType(
            "; ".join(problems)
            + " (fields are never retyped: change the type in commercetools or set "
            "another key under ct_field_keys)"
        )
