"""An order's fulfilment choice: HD delivery address or CC pickup location (§3.6).

Limits follow the 2023-24 typings (street/city 255, postcode/country 100, state 200,
region 250, timeZone 32, deliveryInstruction 250). A CC order needs the
``pickupLocationRef`` of an existing location and an HD order a ``deliveryAddress``
[I: Fluent leaves this to the workflow; the sandbox checks it eagerly].
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .common import FluentError, Row, attributes_in, check_lengths

if TYPE_CHECKING:
    from ..state import FluentSandbox

ADDRESS_LIMITS = {
    "street": 255,
    "street2": 255,
    "city": 255,
    "postcode": 100,
    "country": 100,
    "state": 200,
    "region": 250,
    "timeZone": 32,
}
CHOICE_SCALARS = (
    "currency",
    "deliveryInstruction",
    "deliveryType",
    "fulfilmentPrice",
    "fulfilmentTaxPrice",
    "fulfilmentType",
    "pickupLocationRef",
    "ref",
    "type",
    "deliveryContact",
    "deliveryEmail",
    "deliveryFirstName",
    "deliveryLastName",
)


def build_choice(state: FluentSandbox, data: Mapping[str, Any] | None) -> Row | None:
    if not data:
        return None
    check_lengths(data, {"deliveryInstruction": 250})
    row: Row = {"id": str(next(state.choice_ids)), "attributes": []}
    for key in CHOICE_SCALARS:
        row[key] = data.get(key)
    for key in ("deliverAfter", "deliverBefore", "dispatchOn"):
        row[key] = data.get(key)
    row["attributes"] = attributes_in(data.get("attributes"))
    address = data.get("deliveryAddress")
    if address:
        check_lengths(address, ADDRESS_LIMITS)
        stored = state.data.addresses.add(
            {"__typename": "CustomerAddress", "type": "ORDER"}
        )
        stored.update({k: v for k, v in address.items()})
        row["deliveryAddress"] = stored
    else:
        row["deliveryAddress"] = None
    return row


def check_choice(
    state: FluentSandbox, order_type: str, choice: Mapping[str, Any]
) -> None:
    pickup = choice.get("pickupLocationRef")
    if pickup and state.data.locations.find(pickup) is None:
        raise FluentError(f"Location with ref [{pickup}] not found", "C0120E")
    if order_type == "CC" and not pickup:
        raise FluentError("fulfilmentChoice.pickupLocationRef: required for CC orders")
    if order_type == "HD" and not choice.get("deliveryAddress"):
        raise FluentError("fulfilmentChoice.deliveryAddress: required for HD orders")
