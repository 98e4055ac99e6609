"""The customers module's event handler: a CT customer message brings the Fluent customer
in line (the finding/creating/updating is connector/fluent_customers/service.py, shared
with the orders module). Must not retry: errors propagate to the dispatcher.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connector.context import HandlerContext, Services
from connector.errors import PermanentError
from connector.fluent_customers.mapping import plan_registered
from connector.fluent_customers.options import CustomerOptions
from connector.fluent_customers.service import (
    MODULE,
    customer_key,
    ensure_plan,
    options,
    plan_digest,
    retailer_id_of,
)
from connector.store import fingerprints


def handle_event(ctx: HandlerContext) -> dict[str, Any]:
    """Route handler: re-read the CT customer and bring the Fluent customer in line."""
    runtime = ctx.services
    runtime.config.require_ct("customers module")
    runtime.config.require_fluent("customers module")
    payload = ctx.payload
    customer_id = ctx.message.resource_id or (payload.get("resource") or {}).get("id")
    if not customer_id:
        raise PermanentError("customer message without resource id")
    customer = runtime.ct().get_or_none(f"customers/{customer_id}")
    if customer is None:
        return {"status": "skipped", "reason": "customer not found in commercetools"}
    return sync_customer(runtime, customer)


def sync_customer(
    runtime: Services, customer: Mapping[str, Any], opts: CustomerOptions | None = None
) -> dict[str, Any]:
    """Event path: a customer whose mapped data is unchanged costs no Fluent call."""
    opts = opts or options(runtime)
    plan = plan_registered(customer, retailer_id_of(runtime), opts)
    key, digest = customer_key(customer), plan_digest(plan)
    stored = fingerprints.lookup(runtime.store, MODULE, [key]).get(key)
    if stored is not None and stored.hash == digest:
        return {"status": "unchanged"}
    ensured = ensure_plan(
        runtime, plan, opts, key, stored, digest, opts.update_existing
    )
    return ensured.as_dict()
