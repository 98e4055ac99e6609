"""Customers (reference §5.6): sign-up draft, addresses, name/email actions, messages.

``POST /customers`` answers 201 with a CustomerSignInResult ``{"customer": {...}}``. Emails
are unique case-insensitively (400 DuplicateField ``email``). Messages: CustomerCreated
{customer} plus the ``Customer*Set`` / ``CustomerEmailChanged`` / ``CustomerAddress*``
messages of the actions implemented here.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from ..errors import duplicate_field, invalid_json, invalid_operation
from ..store import Collection, Doc, Store, UpdateContext
from ..util import address, check_type, new_id, require
from .base import ActionFn, Kind
from .common import (
    check_bool,
    check_str,
    custom_actions,
    custom_from_draft,
    ensure_unique,
    setter,
)

_STRING_FIELDS = (
    "firstName",
    "lastName",
    "middleName",
    "title",
    "salutation",
    "companyName",
    "vatId",
    "locale",
    "externalId",
    "customerNumber",
)


def _email_index(doc: Doc) -> list[str]:
    return [doc["email"].lower()]


def _exact_email(doc: Doc) -> list[str]:
    return [doc["email"]]


def collection() -> Collection:
    return Collection(
        "customer",
        {
            "email_lower": _email_index,
            "email": _exact_email,
            "customerNumber": _customer_number,
        },
    )


def _customer_number(doc: Doc) -> list[str]:
    return [doc["customerNumber"]] if doc.get("customerNumber") else []


def _ensure_email_unique(store: Store, email: str, self_id: str | None = None) -> None:
    if store.coll("customer").lookup("email_lower", email.lower()) - {self_id}:
        raise duplicate_field(
            "email",
            email,
            message=("There is already an existing customer with the provided email."),
        )


def _new_address(value: Any, where: str) -> Doc:
    addr = address(value, where)
    addr["id"] = addr.get("id") or new_id()[:8]
    return addr


def _index(value: Any, addresses: list[Doc], where: str) -> str:
    check_type(value, int, where)
    if not 0 <= value < len(addresses):
        raise invalid_operation(f"{where}: no address at index {value}.")
    return str(addresses[value]["id"])


def create(store: Store, draft: Doc) -> tuple[Doc, list[tuple[str, Doc]]]:
    email = require(draft, "email", str)
    _ensure_email_unique(store, email)
    mode = draft.get("authenticationMode", "Password")
    if mode not in ("Password", "ExternalAuth"):
        raise invalid_json(f"authenticationMode: Invalid enum value '{mode}'.")
    doc: Doc = {"email": email}
    if mode == "Password":
        password = require(draft, "password", str)
        doc["password"] = "****" + hashlib.sha256(password.encode()).hexdigest()[:24]
    if draft.get("key") is not None:
        doc["key"] = check_str(draft["key"], "key")
        ensure_unique(store.coll("customer"), "key", doc["key"])
    for name in _STRING_FIELDS:
        if draft.get(name) is not None:
            doc[name] = check_str(draft[name], name)
    if doc.get("customerNumber"):
        ensure_unique(store.coll("customer"), "customerNumber", doc["customerNumber"])
    if draft.get("dateOfBirth") is not None:
        doc["dateOfBirth"] = check_str(draft["dateOfBirth"], "dateOfBirth")
    addresses = [
        _new_address(a, f"addresses[{i}]")
        for i, a in enumerate(draft.get("addresses") or [])
    ]
    doc["addresses"] = addresses
    doc["shippingAddressIds"] = [
        _index(i, addresses, "shippingAddresses")
        for i in draft.get("shippingAddresses") or []
    ]
    doc["billingAddressIds"] = [
        _index(i, addresses, "billingAddresses")
        for i in draft.get("billingAddresses") or []
    ]
    for which in ("Shipping", "Billing"):
        if draft.get(f"default{which}Address") is not None:
            addr_id = _index(
                draft[f"default{which}Address"], addresses, f"default{which}Address"
            )
            doc[f"default{which}AddressId"] = addr_id
            ids = doc[f"{which.lower()}AddressIds"]
            if addr_id not in ids:
                ids.append(addr_id)
    doc["isEmailVerified"] = check_bool(
        draft.get("isEmailVerified", False), "isEmailVerified"
    )
    doc["stores"] = list(draft.get("stores") or [])
    doc["authenticationMode"] = mode
    if draft.get("customerGroup") is not None:
        doc["customerGroup"] = draft["customerGroup"]
    custom = custom_from_draft(store, draft, "customer")
    if custom is not None:
        doc["custom"] = custom
    return doc, [("CustomerCreated", {"customer": doc})]


def _field_action(field: str, message: str | None, required: bool = False) -> ActionFn:
    def act(ctx: UpdateContext, action: Doc) -> None:
        value = action.get(field)
        if value is None:
            if required:
                raise invalid_json(f"actions -> {field}: Missing required value")
            ctx.doc.pop(field, None)
        else:
            ctx.doc[field] = check_str(value, f"actions -> {field}")
        if message:
            ctx.emit(message, {field: value})

    return act


def _change_email(ctx: UpdateContext, action: Doc) -> None:
    email = require(action, "email", str, "actions -> ")
    _ensure_email_unique(ctx.store, email, ctx.doc["id"])
    ctx.doc["email"] = email
    ctx.doc["isEmailVerified"] = False
    ctx.emit("CustomerEmailChanged", {"email": email})


def _set_customer_number(ctx: UpdateContext, action: Doc) -> None:
    if ctx.doc.get("customerNumber"):
        raise invalid_operation(
            "The customerNumber of a customer cannot be changed once set."
        )
    number = require(action, "customerNumber", str, "actions -> ")
    ensure_unique(ctx.store.coll("customer"), "customerNumber", number, ctx.doc["id"])
    ctx.doc["customerNumber"] = number


def _find_address(ctx: UpdateContext, action: Doc) -> Doc:
    ident = action.get("addressId") or action.get("addressKey")
    for addr in ctx.doc["addresses"]:
        if ident is not None and ident in (addr.get("id"), addr.get("key")):
            return addr
    raise invalid_operation(f"The customer has no address '{ident}'.")


def _add_address(ctx: UpdateContext, action: Doc) -> None:
    addr = _new_address(action.get("address"), "actions -> address")
    ctx.doc["addresses"] = [*ctx.doc["addresses"], addr]
    ctx.emit("CustomerAddressAdded", {"address": addr})


def _change_address(ctx: UpdateContext, action: Doc) -> None:
    old = _find_address(ctx, action)
    new = {**address(action.get("address"), "actions -> address"), "id": old["id"]}
    ctx.doc["addresses"] = [new if a is old else a for a in ctx.doc["addresses"]]
    ctx.emit("CustomerAddressChanged", {"address": new})


def _remove_address(ctx: UpdateContext, action: Doc) -> None:
    old = _find_address(ctx, action)
    ctx.doc["addresses"] = [a for a in ctx.doc["addresses"] if a is not old]
    for name in ("shippingAddressIds", "billingAddressIds"):
        ctx.doc[name] = [i for i in ctx.doc[name] if i != old["id"]]
    for name in ("defaultShippingAddressId", "defaultBillingAddressId"):
        if ctx.doc.get(name) == old["id"]:
            del ctx.doc[name]
    ctx.emit("CustomerAddressRemoved", {"address": old})


def _address_role(which: str, default: bool) -> Callable[[UpdateContext, Doc], None]:
    def act(ctx: UpdateContext, action: Doc) -> None:
        if (
            default
            and action.get("addressId") is None
            and action.get("addressKey") is None
        ):
            ctx.doc.pop(f"default{which}AddressId", None)
            return
        addr = _find_address(ctx, action)
        ids = ctx.doc[f"{which.lower()}AddressIds"]
        if addr["id"] not in ids:
            ctx.doc[f"{which.lower()}AddressIds"] = [*ids, addr["id"]]
        if default:
            ctx.doc[f"default{which}AddressId"] = addr["id"]

    return act


KIND = Kind(
    path="customers",
    type_id="customer",
    view_scopes=("view_customers",),
    manage_scopes=("manage_customers",),
    create=create,
    created_body=lambda doc: {"customer": doc},
    delete_messages=lambda doc: [("CustomerDeleted", {})],
    actions={
        "changeEmail": _change_email,
        "setFirstName": _field_action("firstName", "CustomerFirstNameSet"),
        "setLastName": _field_action("lastName", "CustomerLastNameSet"),
        "setMiddleName": _field_action("middleName", None),
        "setTitle": _field_action("title", "CustomerTitleSet"),
        "setSalutation": _field_action("salutation", None),
        "setCompanyName": _field_action("companyName", "CustomerCompanyNameSet"),
        "setDateOfBirth": _field_action("dateOfBirth", "CustomerDateOfBirthSet"),
        "setVatId": _field_action("vatId", None),
        "setLocale": _field_action("locale", None),
        "setExternalId": _field_action("externalId", None),
        "setKey": setter("key", check_str, unique="key"),
        "setCustomerNumber": _set_customer_number,
        "addAddress": _add_address,
        "changeAddress": _change_address,
        "removeAddress": _remove_address,
        "setDefaultShippingAddress": _address_role("Shipping", True),
        "setDefaultBillingAddress": _address_role("Billing", True),
        "addShippingAddressId": _address_role("Shipping", False),
        "addBillingAddressId": _address_role("Billing", False),
        **custom_actions("customer"),
    },
)
