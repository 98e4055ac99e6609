"""Locations that left Fluent (deleted, or out of ``FLUENT_NETWORK_REF``): what happens
to their commercetools channels (``on_delete``).

A run that read every location (a full run, or ``incremental: false``) ends with the
fingerprinted locations it did not see; each becomes a removal planned as
``{"key": <channel key>, "_gone": <policy>}``:
- ``mark`` (default): status custom field = ``DELETED`` (``locationStatus`` and
  ``active`` = false in the connector profile, the store status key in the fluent one);
  roles and everything else stay;
- ``remove_roles``: marked, and the roles the connector manages removed: InventorySupply
  always (the channel supplies no stock), ProductDistribution too unless it is the
  last role left (commercetools requires a channel to keep at least one role);
- ``delete``: the channel is deleted (commercetools refuses while inventory entries or
  other resources still reference it: the run reports that as a failed entity).
- ``ignore``: nothing happens.
A channel already gone counts as unchanged. Pure planning here; the stream writes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from connector.store.fingerprints import Stored, fingerprint
from connector.sync.stream import Planned

from .mapping import MANAGED_ROLES, PRODUCT_DISTRIBUTION, LocationRules

POLICIES = ("mark", "remove_roles", "delete", "ignore")
DELETED_STATUS = "DELETED"
LABELS = {
    "mark": "mark deleted",
    "remove_roles": "remove roles of",
    "delete": "delete channel",
}


def gone_payload(ref: str, rules: LocationRules, policy: str) -> dict[str, Any]:
    return {"key": rules.channel_key(ref), "_gone": policy, "_ref": ref}


def plan_gone(record: Mapping[str, Any], rules: LocationRules, policy: str) -> Planned:
    ref = str(record["ref"])
    payload = gone_payload(ref, rules, policy)
    return Planned(ref, payload, payload["key"], removal=LABELS[policy])


def vanished(
    entries: Iterable[Stored], seen: set[str], rules: LocationRules, policy: str
) -> Iterator[dict[str, Any]]:
    """Records of fingerprinted locations not seen (those already handled skipped)."""
    if policy == "ignore":
        return
    for entry in entries:
        if entry.source_key in seen:
            continue
        stone = fingerprint(gone_payload(entry.source_key, rules, policy))
        if entry.hash != stone:
            yield {"ref": entry.source_key, "_gone": True}


def gone_fields(rules: LocationRules) -> dict[str, Any]:
    """The custom field values that mark a channel's location as gone, by profile:
    ``locationStatus`` + ``active`` (connector) or the store status key (fluent)."""
    if rules.fluent_keys:
        return {rules.fluent_keys["store_status"]: DELETED_STATUS}
    return {"locationStatus": DELETED_STATUS, "active": False}


def gone_actions(
    channel: Mapping[str, Any], policy: str, type_id: str, marks: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """Update actions marking a channel whose location is gone (empty: done)."""
    custom = channel.get("custom") or {}
    fields = custom.get("fields") or {}
    actions: list[dict[str, Any]] = []
    if (custom.get("type") or {}).get("id") != type_id:
        actions.append(
            {
                "action": "setCustomType",
                "type": {"typeId": "type", "id": type_id},
                "fields": dict(marks),
            }
        )
    else:
        actions.extend(
            {"action": "setCustomField", "name": name, "value": value}
            for name, value in marks.items()
            if fields.get(name) != value
        )
    if policy == "remove_roles":
        have = list(channel.get("roles") or [])
        roles = [r for r in MANAGED_ROLES if r in have]
        if roles and len(roles) == len(have):  # commercetools keeps at least one role
            roles = [r for r in roles if r != PRODUCT_DISTRIBUTION] or roles[:-1]
        if roles:
            actions.append({"action": "removeRoles", "roles": roles})
    return actions
