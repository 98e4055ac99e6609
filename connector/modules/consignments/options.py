"""Options of the consignments module: YAML ``modules.consignments``, overridden by the
route's ``options``. Unknown keys are rejected naming the section."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from connector.fluent_orders.options import merged_options
from connector.modules.consignments.mapping import TrackingUrls
from connector.options import reject_unknown

SECTION = "modules.consignments"
DEFAULT_KEY_PREFIX = "fluent-"
KEYS = (
    "tracking_url_templates",
    "default_tracking_url",
    "delivery_key_prefix",
    "parcel_type_key",
    "delivery_type_key",
)


@dataclass(frozen=True)
class ConsignmentOptions:
    tracking: TrackingUrls
    delivery_key_prefix: str = DEFAULT_KEY_PREFIX
    # None: the field profile's type key (connector.ct_fields)
    parcel_type_key: str | None = None
    delivery_type_key: str | None = None

    @classmethod
    def from_section(
        cls, section: Mapping[str, Any] | None, route: Mapping[str, Any] | None = None
    ) -> ConsignmentOptions:
        raw = merged_options(section or {}, route)
        reject_unknown(SECTION, raw, KEYS)
        return cls(
            tracking=TrackingUrls.from_options(raw),
            delivery_key_prefix=str(raw.get("delivery_key_prefix", DEFAULT_KEY_PREFIX)),
            parcel_type_key=_key(raw.get("parcel_type_key")),
            delivery_type_key=_key(raw.get("delivery_type_key")),
        )


def _key(value: Any) -> str | None:
    return str(value) if value else None
