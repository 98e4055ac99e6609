"""CT customer (or a guest order's contact data) -> Fluent customer input. Pure.

Owns: the username rule, field fallbacks and Fluent's length limits, and the diff of
updatable fields. Must not do I/O: the service fetches and writes.

Username rule (``username_rule``): ``retailer_email`` (default) gives
``<retailerId>_<email>`` as in Fluent's own examples (reference §3.5); ``email`` gives the
plain email. The email part is lower-cased (commercetools treats emails
case-insensitively), so a customer who changes the case of their email keeps one Fluent
customer. Fluent's ``ref`` of a customer equals its username.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from connector.errors import PermanentError
from connector.fluent_customers.options import CustomerOptions

LIMITS = {
    "username": 250,
    "firstName": 50,
    "lastName": 50,
    "primaryEmail": 250,
    "timezone": 32,
    "title": 50,
    "country": 100,
    "primaryPhone": 20,
}
# Fields sent in updateCustomer when commercetools has a value for them.
UPDATABLE = (
    "firstName",
    "lastName",
    "primaryEmail",
    "title",
    "primaryPhone",
    "country",
    "timezone",
    "promotionOptIn",
)


@dataclass(frozen=True)
class CustomerPlan:
    """What the Fluent customer should look like.

    ``create`` is a full CreateCustomerInput (with fallbacks); ``update`` only holds
    values commercetools actually has (fallbacks never overwrite Fluent data).
    """

    username: str
    email: str
    create: dict[str, Any]
    update: dict[str, Any] = field(default_factory=dict)


def username_for(email: str, retailer_id: str, rule: str) -> str:
    """The Fluent username (= customer ref) of an email under ``rule``."""
    normalized = email.strip().lower()
    name = normalized if rule == "email" else f"{retailer_id}_{normalized}"
    if len(name) > LIMITS["username"]:
        raise PermanentError(
            f"the email is too long for a Fluent username ({len(name)} > 250 chars)"
        )
    return name


def _clip(value: Any, name: str) -> Any:
    if isinstance(value, str):
        value = value.strip()
        if not value:
            return None
        return value[: LIMITS[name]] if name in LIMITS else value
    return value


def _phone(address: Mapping[str, Any] | None) -> str | None:
    """Phone (else mobile) of an address; dropped when over Fluent's 20 characters."""
    for key in ("phone", "mobile"):
        value = ((address or {}).get(key) or "").strip()
        if value:
            return value if len(value) <= LIMITS["primaryPhone"] else None
    return None


def main_address(customer: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """Default shipping address, else default billing, else the first address."""
    addresses: Sequence[Mapping[str, Any]] = customer.get("addresses") or []
    for key in ("defaultShippingAddressId", "defaultBillingAddressId"):
        wanted = customer.get(key)
        for address in addresses:
            if wanted and address.get("id") == wanted:
                return address
    return addresses[0] if addresses else None


def custom_field(resource: Mapping[str, Any], name: str | None) -> Any:
    if not name:
        return None
    return ((resource.get("custom") or {}).get("fields") or {}).get(name)


def _timezone(
    opts: CustomerOptions, explicit: Any, country: str | None
) -> tuple[str, bool]:
    """(time zone, whether commercetools supplied it explicitly)."""
    if isinstance(explicit, str) and explicit.strip():
        return explicit.strip()[: LIMITS["timezone"]], True
    zone = opts.country_timezones.get((country or "").upper())
    return (zone or opts.default_timezone)[: LIMITS["timezone"]], False


def _plan(
    *,
    email: str,
    retailer_id: str,
    opts: CustomerOptions,
    sourced: dict[str, Any],
    timezone: Any,
    opt_in: Any,
    attributes: list[dict[str, Any]],
) -> CustomerPlan:
    username = username_for(email, retailer_id, opts.username_rule)
    sourced = {k: _clip(v, k) for k, v in sourced.items()}
    sourced = {k: v for k, v in sourced.items() if v is not None}
    zone, zone_explicit = _timezone(opts, timezone, sourced.get("country"))
    create: dict[str, Any] = {
        "username": username,
        "firstName": sourced.get("firstName") or opts.default_first_name[:50],
        "primaryEmail": _clip(email, "primaryEmail"),
        "timezone": zone,
        "promotionOptIn": opt_in
        if isinstance(opt_in, bool)
        else (opts.promotion_opt_in_default),
        "retailer": {"id": str(retailer_id)},
    }
    for key in ("lastName", "title", "primaryPhone", "country"):
        if sourced.get(key) is not None:
            create[key] = sourced[key]
    if attributes:
        create["attributes"] = attributes
    update = dict(sourced)
    update["primaryEmail"] = create["primaryEmail"]
    if zone_explicit:
        update["timezone"] = zone
    if isinstance(opt_in, bool):
        update["promotionOptIn"] = opt_in
    return CustomerPlan(username, email, create, update)


def plan_registered(
    customer: Mapping[str, Any], retailer_id: str, opts: CustomerOptions
) -> CustomerPlan:
    """Plan for a registered commercetools customer."""
    email = customer.get("email")
    if not isinstance(email, str) or not email.strip():
        raise PermanentError(
            f"commercetools customer {customer.get('id')} has no email"
        )
    address = main_address(customer) or {}
    sourced = {
        "firstName": customer.get("firstName") or address.get("firstName"),
        "lastName": customer.get("lastName") or address.get("lastName"),
        "title": customer.get("title"),
        "primaryPhone": _phone(address),
        "country": address.get("country"),
    }
    attributes = [{"name": "ctCustomerId", "type": "STRING", "value": customer["id"]}]
    if customer.get("customerNumber"):
        attributes.append(
            {
                "name": "ctCustomerNumber",
                "type": "STRING",
                "value": customer["customerNumber"],
            }
        )
    return _plan(
        email=email.strip(),
        retailer_id=retailer_id,
        opts=opts,
        sourced=sourced,
        timezone=custom_field(customer, opts.timezone_field),
        opt_in=custom_field(customer, opts.promotion_opt_in_field),
        attributes=attributes,
    )


def plan_guest(
    email: str,
    addresses: Sequence[Mapping[str, Any] | None],
    retailer_id: str,
    opts: CustomerOptions,
) -> CustomerPlan:
    """Plan for a guest checkout: names, phone and country from the order's addresses
    (first one that has a value). A guest never updates an existing Fluent customer."""
    if not isinstance(email, str) or not email.strip():
        raise PermanentError("a guest order needs customerEmail to create a customer")
    present = [a for a in addresses if a]

    def first(key: str) -> Any:
        return next((a.get(key) for a in present if a.get(key)), None)

    sourced = {
        "firstName": first("firstName"),
        "lastName": first("lastName"),
        "title": first("title"),
        "primaryPhone": next((p for p in map(_phone, present) if p), None),
        "country": first("country"),
    }
    plan = _plan(
        email=email.strip(),
        retailer_id=retailer_id,
        opts=opts,
        sourced=sourced,
        timezone=None,
        opt_in=None,
        attributes=[],
    )
    return CustomerPlan(plan.username, plan.email, plan.create, {})


def changed_fields(
    current: Mapping[str, Any], update: Mapping[str, Any]
) -> dict[str, Any]:
    """The updatable fields whose wanted value differs from Fluent's current one."""
    return {
        key: value
        for key, value in update.items()
        if key in UPDATABLE and current.get(key) != value
    }
