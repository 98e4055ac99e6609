"""Customer sync, CT -> Fluent: ``ensure_customer`` (orders) and ``ensure_plan`` (the
customers handler).

Owns: finding the Fluent customer (stored mapping, then the username rule via
``customer(ref:)``, then ``customers(primaryEmail:)`` of our retailer), creating it when
missing and updating changed fields (``updateCustomer``). Remembers per CT customer the
Fluent ref and a fingerprint of the mapped data in ``entity_fingerprints`` (module
``customers``), so a message that changes nothing we map costs no Fluent call and an
email change still finds the customer created under the old username (Fluent cannot
change a username). Must not retry: errors propagate to the dispatcher.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from connector.clients.errors import GraphQLError
from connector.errors import PermanentError, TransientError
from connector.fluent_customers.mapping import (
    CustomerPlan,
    changed_fields,
    plan_guest,
    plan_registered,
)
from connector.fluent_customers.options import CustomerOptions
from connector.store import fingerprints
from connector.store.fingerprints import Stored, fingerprint

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from connector.clients.fluent import FluentClient
    from connector.context import Services

log = logging.getLogger(__name__)

MODULE = "customers"
FIELDS = (
    "id ref username firstName lastName primaryEmail primaryPhone title country "
    "timezone promotionOptIn retailer { id }"
)
BY_REF = f"query CustomerByRef($ref: String!) {{ customer(ref: $ref) {{ {FIELDS} }} }}"
BY_EMAIL = (
    "query CustomersByEmail($emails: [String]) { customers(primaryEmail: $emails, "
    f"first: 20) {{ edges {{ node {{ {FIELDS} }} }} }} }}"
)
CREATE = (
    "mutation CreateCustomer($input: CreateCustomerInput) "
    f"{{ createCustomer(input: $input) {{ {FIELDS} }} }}"
)
UPDATE = (
    "mutation UpdateCustomer($input: UpdateCustomerInput) "
    f"{{ updateCustomer(input: $input) {{ {FIELDS} }} }}"
)


@dataclass(frozen=True)
class FluentCustomer:
    """The ensured Fluent customer; ``status``: created | updated | found."""

    id: str
    ref: str
    status: str

    def as_dict(self) -> dict[str, Any]:
        return {"fluent_customer_id": self.id, "status": self.status}


def options(runtime: Services) -> CustomerOptions:
    return CustomerOptions.from_mapping(runtime.config.options(MODULE))


def is_duplicate_error(exc: GraphQLError) -> bool:
    """Whether Fluent refused a create because the ref/username already exists."""
    for err in exc.errors:
        ext = err.get("extensions") or {}
        if "C0121E" in (ext.get("errorCode"), ext.get("code")):
            return True
        if "already exists" in str(err.get("message", "")):
            return True
    return "already exists" in str(exc)


def ensure_customer(
    runtime: Services,
    customer: Mapping[str, Any] | None = None,
    *,
    email: str | None = None,
    addresses: Sequence[Mapping[str, Any] | None] = (),
    opts: CustomerOptions | None = None,
) -> FluentCustomer:
    """The Fluent customer for a CT customer, or for a guest's ``email`` (names,
    phone and country from ``addresses``). Creates it when missing; a registered
    customer's changed fields are updated, a guest never updates an existing one."""
    opts = opts or options(runtime)
    retailer_id = retailer_id_of(runtime)
    if customer is not None:
        plan = plan_registered(customer, retailer_id, opts)
        key, digest = customer_key(customer), plan_digest(plan)
        stored = fingerprints.lookup(runtime.store, MODULE, [key]).get(key)
        update = opts.update_existing and (stored is None or stored.hash != digest)
        return ensure_plan(runtime, plan, opts, key, stored, digest, update)
    plan = plan_guest(email or "", addresses, retailer_id, opts)
    return ensure_plan(runtime, plan, opts, None, None, None, False)


# -- internals ----------------------------------------------------------------------
def retailer_id_of(runtime: Services) -> str:
    settings = runtime.config.require_fluent("customers module")
    return str(settings.retailer_id)


def customer_key(customer: Mapping[str, Any]) -> str:
    return f"ct:{customer['id']}"


def plan_digest(plan: CustomerPlan) -> str:
    return fingerprint({"create": plan.create, "update": plan.update})


def ensure_plan(
    runtime: Services,
    plan: CustomerPlan,
    opts: CustomerOptions,
    key: str | None,
    stored: Stored | None,
    digest: str | None,
    update: bool,
) -> FluentCustomer:
    client = runtime.fluent()
    node = None
    if stored is not None and stored.target_ref and stored.target_ref != plan.username:
        node = _by_ref(client, stored.target_ref)  # email changed since creation
    node = node or _by_ref(client, plan.username)
    if node is None and opts.lookup_by_email:
        node = _by_email(client, plan.email, plan.create["retailer"]["id"])
    status = "found"
    in_sync = not update
    if node is None:
        node, status = _create(client, plan)
        in_sync = status == "created"
    elif update:
        changes = changed_fields(node, plan.update)
        if changes:
            data = client.graphql(UPDATE, {"input": {"id": node["id"], **changes}})
            node, status = data["updateCustomer"] or node, "updated"
            log.info(
                "customers.customer.updated",
                extra={"fluent_customer_id": node["id"], "fields": sorted(changes)},
            )
        in_sync = True
    ref = node.get("ref") or node.get("username") or plan.username
    if key is not None:
        fingerprints.save(
            runtime.store,
            MODULE,
            [Stored(key, ref, digest if in_sync and digest else "")],
        )
    return FluentCustomer(str(node["id"]), ref, status)


def _by_ref(client: FluentClient, ref: str) -> dict[str, Any] | None:
    return client.graphql(BY_REF, {"ref": ref}).get("customer")


def _by_email(
    client: FluentClient, email: str, retailer_id: str
) -> dict[str, Any] | None:
    emails = list(dict.fromkeys([email, email.lower()]))
    data = client.graphql(BY_EMAIL, {"emails": emails})
    edges = (data.get("customers") or {}).get("edges") or []
    for edge in edges:
        node = edge.get("node") or {}
        owner = (node.get("retailer") or {}).get("id")
        if owner is None or str(owner) == str(retailer_id):
            return node
    return None


def _create(client: FluentClient, plan: CustomerPlan) -> tuple[dict[str, Any], str]:
    try:
        data = client.graphql(CREATE, {"input": plan.create})
    except GraphQLError as exc:
        if not is_duplicate_error(exc):
            raise PermanentError(f"Fluent rejected the customer: {exc}") from exc
        node = _by_ref(client, plan.username)  # created concurrently
        if node is None:
            raise TransientError("customer reported as existing but not found") from exc
        return node, "found"
    node = data["createCustomer"]
    log.info("customers.customer.created", extra={"fluent_customer_id": node["id"]})
    return node, "created"
