"""Update actions that bring an existing channel to the mapped draft (pure; no I/O).

Only what differs gets an action: ``changeName`` (the configured locales are set, other
locales the channel has are kept), ``addRoles`` / ``removeRoles`` (only the two roles the
connector manages; other roles are left alone), ``setAddress`` and ``setGeoLocation``
(only when the draft has one: a part that could not be mapped is left as it is),
``setCustomType`` (when the channel has no custom type, or another type lacking our
fields) or one ``setCustomField`` per changed field (our type, or another type that has
all our fields), so values the storefront keeps in other fields of the type stay.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from connector.modules.locations.custom_type import FIELDS
from connector.modules.locations.mapping import MANAGED_ROLES

Action = dict[str, Any]
IGNORED_ADDRESS_KEYS = ("id", "key", "custom")
CONNECTOR_NAMES = tuple(name for name, _, _ in FIELDS)


def _clean_address(address: Mapping[str, Any] | None) -> dict[str, Any]:
    return {
        k: v
        for k, v in (address or {}).items()
        if k not in IGNORED_ADDRESS_KEYS and v not in (None, "")
    }


def _coords(geo: Mapping[str, Any] | None) -> tuple[float, float] | None:
    coords = (geo or {}).get("coordinates")
    if not isinstance(coords, list) or len(coords) != 2:
        return None
    return round(float(coords[0]), 7), round(float(coords[1]), 7)


def name_actions(current: Mapping[str, Any], draft: Mapping[str, Any]) -> list[Action]:
    have = dict(current.get("name") or {})
    want = {**have, **draft["name"]}
    return [] if want == have else [{"action": "changeName", "name": want}]


def role_actions(current: Mapping[str, Any], draft: Mapping[str, Any]) -> list[Action]:
    have = list(current.get("roles") or [])
    want = draft["roles"]
    actions: list[Action] = []
    add = [r for r in want if r not in have]
    if add:
        actions.append({"action": "addRoles", "roles": add})
    remove = [r for r in MANAGED_ROLES if r in have and r not in want]
    if remove:
        actions.append({"action": "removeRoles", "roles": remove})
    return actions


def address_actions(
    current: Mapping[str, Any], draft: Mapping[str, Any]
) -> list[Action]:
    if "address" not in draft:
        return []
    if _clean_address(current.get("address")) == _clean_address(draft["address"]):
        return []
    return [{"action": "setAddress", "address": draft["address"]}]


def geo_actions(current: Mapping[str, Any], draft: Mapping[str, Any]) -> list[Action]:
    if "geoLocation" not in draft:
        return []
    if _coords(current.get("geoLocation")) == _coords(draft["geoLocation"]):
        return []
    return [{"action": "setGeoLocation", "geoLocation": draft["geoLocation"]}]


def custom_actions(
    current: Mapping[str, Any],
    draft: Mapping[str, Any],
    type_id: str,
    names: Sequence[str] = CONNECTOR_NAMES,
    other_type_fields: frozenset[str] | None = None,
) -> list[Action]:
    """setCustomType when the channel has no type (or another one lacking our
    fields), else setCustomField per changed field of ``names``."""
    custom = current.get("custom") or {}
    wanted = draft["custom"]
    current_type = (custom.get("type") or {}).get("id")
    adoptable = other_type_fields is not None and set(names) <= other_type_fields
    if current_type != type_id and not adoptable:
        return [
            {
                "action": "setCustomType",
                "type": {"typeId": "type", "id": type_id},
                "fields": wanted["fields"],
            }
        ]
    have = custom.get("fields") or {}
    actions: list[Action] = []
    for name in names:
        value = wanted["fields"].get(name)
        if have.get(name) == value:
            continue
        action: Action = {"action": "setCustomField", "name": name}
        if value is not None:
            action["value"] = value
        actions.append(action)
    return actions


def channel_actions(
    current: Mapping[str, Any],
    draft: Mapping[str, Any],
    type_id: str,
    names: Sequence[str] = CONNECTOR_NAMES,
    other_type_fields: frozenset[str] | None = None,
) -> list[Action]:
    """Every action needed (empty when the channel already matches the draft)."""
    return [
        *name_actions(current, draft),
        *role_actions(current, draft),
        *address_actions(current, draft),
        *geo_actions(current, draft),
        *custom_actions(current, draft, type_id, names, other_type_fields),
    ]


def channel_draft(draft: Mapping[str, Any], type_id: str) -> dict[str, Any]:
    """The create draft: the mapped draft with the custom type referenced by id."""
    out = dict(draft)
    out["custom"] = {
        "type": {"typeId": "type", "id": type_id},
        "fields": draft["custom"]["fields"],
    }
    return out
