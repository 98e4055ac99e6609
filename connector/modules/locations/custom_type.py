"""The channel custom type of the locations module: "Fluent Store Details"
(``flStoreDetails``) in the ``fluent`` field profile, ``fluent-location`` in the
``connector`` profile (connector.ct_fields).

``ensure_type`` creates the type in commercetools when it is missing and adds field
definitions it lacks (a type Fluent's connector or a person created is adopted); it never
removes or retypes fields: a field of ours with another type stops the run with
IncompatibleType naming type and field, before anything is written. It is called once
per sync run, and only when some channel has to be written.
"""

from __future__ import annotations

from typing import Any

from connector.clients.commercetools import CommercetoolsClient
from connector.ct_fields import FieldProfile, check_compatible

# (name, CT field type, label)
FIELDS: tuple[tuple[str, str, str], ...] = (
    ("fluentLocationId", "String", "Fluent location id"),
    ("fluentLocationRef", "String", "Fluent location ref"),
    ("locationType", "String", "Location type (Fluent)"),
    ("locationStatus", "String", "Location status (Fluent)"),
    ("active", "Boolean", "Active in Fluent"),
    ("phone", "String", "Phone"),
    ("timeZone", "String", "Time zone"),
    ("openingHours", "String", "Opening hours (Mo-Fr 09:00-17:30; ...)"),
    ("openingSchedule", "String", "Opening schedule (raw Fluent HHmm values, JSON)"),
)

# Fluent profile: (logical name in connector.ct_fields, CT field type)
FLUENT_FIELDS: tuple[tuple[str, str], ...] = (
    ("store_type", "String"),
    ("store_status", "String"),
    ("store_email", "String"),
    ("store_phone", "String"),
    ("store_latitude", "Number"),
    ("store_longitude", "Number"),
    ("store_timezone", "String"),
    ("store_opening_schedule", "String"),
    ("store_attributes", "String"),
)


def profile_fields(profile: FieldProfile | None) -> tuple[tuple[str, str, str], ...]:
    """(key, CT field type, label) of the channel fields the profile writes."""
    if profile is None or not profile.fluent:
        return FIELDS
    return tuple(
        (profile.key(name), kind, profile.label(name)) for name, kind in FLUENT_FIELDS
    )


def field_definition(name: str, type_name: str, label: str) -> dict[str, Any]:
    definition: dict[str, Any] = {
        "name": name,
        "label": {"en": label},
        "required": False,
        "type": {"name": type_name},
    }
    if type_name == "String":
        definition["inputHint"] = "SingleLine"
    return definition


def type_draft(key: str, profile: FieldProfile | None = None) -> dict[str, Any]:
    fluent = profile is not None and profile.fluent
    return {
        "key": key,
        "name": {
            "en": profile.label("channel_type")
            if profile is not None and fluent
            else "Fluent location"
        },
        "description": {
            "en": "Store details of the Fluent location this channel mirrors"
        },
        "resourceTypeIds": ["channel"],
        "fieldDefinitions": [field_definition(*f) for f in profile_fields(profile)],
    }


def ensure_type(
    ct: CommercetoolsClient, key: str, profile: FieldProfile | None = None
) -> str:
    """The id of the channel type ``key``, created or completed when needed."""
    current = ct.get_or_none(f"types/key={key}")
    draft = type_draft(key, profile)
    if current is None:
        return str(ct.create("types", draft)["id"])
    check_compatible(current, draft["fieldDefinitions"])
    have = {d["name"] for d in current.get("fieldDefinitions") or []}
    missing = [f for f in profile_fields(profile) if f[0] not in have]
    if missing:
        current = ct.update(
            f"types/{current['id']}",
            current["version"],
            [
                {
                    "action": "addFieldDefinition",
                    "fieldDefinition": field_definition(*f),
                }
                for f in missing
            ],
        )
    return str(current["id"])
