"""Options of the orders module (YAML ``modules.orders``), validated once.

Owns: parsing the section into ``OrderOptions`` (ConfigError naming
``modules.orders.<option>`` on a bad value). Must not do I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from connector.errors import ConfigError
from connector.fluent_customers.options import text
from connector.fluent_orders.options import (
    CT_ORDER_CACHE_SECONDS,
    ct_order_cache_seconds,
)
from connector.options import field_names, reject_unknown

SECTION = "modules.orders"
ORDER_TYPES = ("HD", "CC")
ITEM_REFS = ("id", "sku", "key")
# Where the house number goes before the street name.
NUMBER_FIRST_COUNTRIES = frozenset({"AU", "CA", "FR", "GB", "IE", "NZ", "US"})


@dataclass(frozen=True)
class ShippingRule:
    """One entry of ``shipping_methods``: the Fluent side of a CT shipping method."""

    type: str
    delivery_type: str
    pickup_location_ref: str | None = None
    fulfilment_type: str | None = None


@dataclass(frozen=True)
class OrderOptions:
    """How CT orders become Fluent orders (README: "orders")."""

    ref_prefix: str = ""
    item_ref: str = "id"
    pickup_location_field: str | None = "pickupLocationRef"
    shipping_methods: Mapping[str, ShippingRule] = field(default_factory=dict)
    default_delivery_type: str = "STANDARD"
    tax_type: str = "VAT"
    transaction_types: Mapping[str, str] = field(
        default_factory=lambda: {"Charge": "PAYMENT", "Authorization": "AUTHORISATION"}
    )
    transaction_states: tuple[str, ...] = ("Success",)
    default_payment_method: str = "UNKNOWN"
    card_type_field: str | None = None
    sync_info_channel: str | None = None
    number_first_countries: frozenset[str] = NUMBER_FIRST_COUNTRIES
    # read by the Fluent -> CT order modules (connector.fluent_orders.order_cache)
    ct_order_cache_seconds: float = CT_ORDER_CACHE_SECONDS
    # set from the field profile (connector.ct_fields), not from the YAML section
    profile_pickup_field: str | None = None

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any] | None) -> OrderOptions:
        raw = dict(raw or {})
        reject_unknown(SECTION, raw, KEYS)
        out: dict[str, Any] = {}
        if raw.get("ref_prefix") is not None:
            if not isinstance(raw["ref_prefix"], str):
                raise ConfigError(f"{SECTION}.ref_prefix: must be a string")
            out["ref_prefix"] = raw["ref_prefix"]
        if "item_ref" in raw:
            if raw["item_ref"] not in ITEM_REFS:
                raise ConfigError(
                    f"{SECTION}.item_ref: must be one of {', '.join(ITEM_REFS)}"
                )
            out["item_ref"] = raw["item_ref"]
        for name in ("default_delivery_type", "tax_type", "default_payment_method"):
            if name in raw:
                out[name] = text(raw[name], name, SECTION)
        for name in ("pickup_location_field", "card_type_field", "sync_info_channel"):
            if name in raw:
                value = raw[name]
                out[name] = None if value in (None, "") else text(value, name, SECTION)
        if "ct_order_cache_seconds" in raw:
            out["ct_order_cache_seconds"] = ct_order_cache_seconds(raw)
        if "shipping_methods" in raw:
            out["shipping_methods"] = _shipping_methods(raw["shipping_methods"])
        if "transaction_types" in raw:
            out["transaction_types"] = _str_map(
                raw["transaction_types"], "transaction_types"
            )
        if "transaction_states" in raw:
            states = raw["transaction_states"]
            if not isinstance(states, list) or not all(
                isinstance(s, str) for s in states
            ):
                raise ConfigError(
                    f"{SECTION}.transaction_states: must be a list of states"
                )
            out["transaction_states"] = tuple(states)
        if "number_first_countries" in raw:
            countries = raw["number_first_countries"]
            if not isinstance(countries, list):
                raise ConfigError(f"{SECTION}.number_first_countries: must be a list")
            out["number_first_countries"] = frozenset(str(c).upper() for c in countries)
        return cls(**out)


def _str_map(value: Any, name: str) -> dict[str, str]:
    if not isinstance(value, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) and v for k, v in value.items()
    ):
        raise ConfigError(f"{SECTION}.{name}: must map names to non-empty strings")
    return dict(value)


def _shipping_methods(value: Any) -> dict[str, ShippingRule]:
    where = f"{SECTION}.shipping_methods"
    if not isinstance(value, Mapping):
        raise ConfigError(f"{where}: must map shipping method keys/names to rules")
    rules: dict[str, ShippingRule] = {}
    for name, spec in value.items():
        here = f"{where}.{name}"
        if not isinstance(spec, Mapping):
            raise ConfigError(f"{here}: must be a mapping (type, deliveryType, ...)")
        unknown = set(spec) - {
            "type",
            "deliveryType",
            "pickupLocationRef",
            "fulfilmentType",
        }
        if unknown:
            raise ConfigError(f"{here}: unknown field(s) {', '.join(sorted(unknown))}")
        order_type = str(spec.get("type", "HD")).upper()
        if order_type not in ORDER_TYPES:
            raise ConfigError(
                f"{here}.type: must be HD or CC, got {spec.get('type')!r}"
            )
        delivery = spec.get("deliveryType", "STANDARD")
        pickup = spec.get("pickupLocationRef")
        fulfilment = spec.get("fulfilmentType")
        for key, item in (
            ("deliveryType", delivery),
            ("pickupLocationRef", pickup),
            ("fulfilmentType", fulfilment),
        ):
            if item is not None and (not isinstance(item, str) or not item.strip()):
                raise ConfigError(f"{here}.{key}: must be a non-empty string")
        if pickup and order_type != "CC":
            raise ConfigError(f"{here}.pickupLocationRef: only for type CC")
        rules[str(name)] = ShippingRule(order_type, delivery, pickup, fulfilment)
    return rules


# the keys ``modules.orders`` may hold (``profile_pickup_field`` is derived from the
# field profile, never configured)
KEYS = tuple(n for n in field_names(OrderOptions) if n != "profile_pickup_field")
