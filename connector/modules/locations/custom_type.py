"""The channel custom type of the locations module (key ``fluent-location`` by default).

``ensure_type`` creates the type in commercetools when it is missing and adds field
definitions a previous release did not have; it never removes or changes fields. It is
called once per sync run, and only when some channel has to be written.
"""

from __future__ import annotations

from typing import Any

from connector.clients.commercetools import CommercetoolsClient

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


def type_draft(key: str) -> dict[str, Any]:
    return {
        "key": key,
        "name": {"en": "Fluent location"},
        "description": {
            "en": "Store details of the Fluent location this channel mirrors"
        },
        "resourceTypeIds": ["channel"],
        "fieldDefinitions": [field_definition(*f) for f in FIELDS],
    }


def ensure_type(ct: CommercetoolsClient, key: str) -> str:
    """The id of the channel type ``key``, created or completed when needed."""
    current = ct.get_or_none(f"types/key={key}")
    if current is None:
        return str(ct.create("types", type_draft(key))["id"])
    have = {d["name"] for d in current.get("fieldDefinitions") or []}
    missing = [f for f in FIELDS if f[0] not in have]
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
