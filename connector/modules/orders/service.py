"""Order sync, CT -> Fluent: one OrderCreated message -> one Fluent order.

Owns the handler: take the order from the message (re-read it from commercetools when
the payload is missing or partial, e.g. ``payloadNotIncluded``), skip it when Fluent
already has the ref, otherwise resolve the HD/CC plan, ensure the customer and
``createOrder``; then create the payment transactions Fluent lacks (by ref) and,
if configured, record the Fluent order id on the CT order (``updateSyncInfo``).
Fluent rejections become PermanentError with Fluent's text; transient API errors
propagate so the dispatcher retries. Must not loop or retry by itself.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from connector.clients.errors import GraphQLError
from connector.clients.fluent import Mutation
from connector.ct_fields import profile_of
from connector.errors import PermanentError, TransientError
from connector.fluent_customers.service import (
    FluentCustomer,
    ensure_customer,
    is_duplicate_error,
)
from connector.modules.orders.mapping import (
    order_input,
    order_ref,
    plan_fulfilment,
    transactions,
)
from connector.modules.orders.options import OrderOptions

if TYPE_CHECKING:
    from connector.clients.fluent import FluentClient
    from connector.context import HandlerContext, Services

log = logging.getLogger(__name__)

MODULE = "orders"
PURPOSE = "orders module"
FIND = (
    "query OrderByRef($ref: String!) { order(ref: $ref) { id ref type status "
    "financialTransactions(first: 500) { edges { node { ref } } } } }"
)
CREATE = (
    "mutation CreateOrder($input: CreateOrderInput) "
    "{ createOrder(input: $input) { id ref type status } }"
)


def options(runtime: Services) -> OrderOptions:
    """The YAML options; the ``fluent`` field profile first reads the pickup location
    from "Fluent Custom Field" / "Pickup Location Ref" (connector.ct_fields)."""
    opts = OrderOptions.from_mapping(runtime.config.options(MODULE))
    profile = profile_of(runtime.config)
    if profile.fluent:
        field = profile.key("pickup_location_ref")
        opts = dataclasses.replace(opts, profile_pickup_field=field)
    return opts


def handle_event(ctx: HandlerContext) -> dict[str, Any]:
    """Route handler of ``commercetools.connect.order.create``."""
    runtime = ctx.services
    runtime.config.require_ct(PURPOSE)
    runtime.config.require_fluent(PURPOSE, "FLUENT_CATALOGUE_REF")
    order = order_from_message(runtime, ctx.payload, ctx.message.resource_id)
    return sync_order(runtime, order)


def order_from_message(
    runtime: Services, payload: Mapping[str, Any], resource_id: str | None
) -> dict[str, Any]:
    """The order embedded in the message, or re-read from commercetools."""
    order = payload.get("order")
    if isinstance(order, dict) and all(
        key in order for key in ("id", "lineItems", "totalPrice")
    ):
        return order
    order_id = (
        resource_id
        or (payload.get("resource") or {}).get("id")
        or (order or {}).get("id")
    )
    if not order_id:
        raise PermanentError("order message without resource id")
    fetched = runtime.ct().get_or_none(f"orders/{order_id}")
    if fetched is None:
        raise PermanentError(f"order {order_id} not found in commercetools")
    return fetched


def sync_order(
    runtime: Services, order: Mapping[str, Any], opts: OrderOptions | None = None
) -> dict[str, Any]:
    """Create the Fluent order (idempotent on its ref) and its payment transactions."""
    opts = opts or options(runtime)
    settings = runtime.config.require_fluent(PURPOSE, "FLUENT_CATALOGUE_REF")
    client = runtime.fluent()
    ref = order_ref(order, opts)
    result: dict[str, Any] = {"order_ref": ref}
    fluent_order = _find(client, ref)
    if fluent_order is None:
        plan = plan_fulfilment(order, opts, _method_key(runtime, order, opts))
        draft = order_input(  # validates the order before any write
            order,
            customer_id="",
            retailer_id=str(settings.retailer_id),
            catalogue_ref=str(settings.catalogue_ref),
            plan=plan,
            opts=opts,
        )
        customer = _customer(runtime, order, ref)
        draft["customer"] = {"id": customer.id}
        fluent_order, status = _create(client, draft)
        result.update(
            status=status,
            type=plan.type,
            rule=plan.source,
            customer=customer.as_dict(),
        )
    else:
        result["status"] = "exists"
    result["fluent_order_id"] = fluent_order["id"]
    result["transactions"] = _transactions(runtime, client, order, fluent_order, opts)
    if opts.sync_info_channel:
        result["sync_info"] = _record_sync_info(
            runtime, order, str(fluent_order["id"]), opts.sync_info_channel
        )
    return result


# -- steps ---------------------------------------------------------------------------
def _find(client: FluentClient, ref: str) -> dict[str, Any] | None:
    return client.graphql(FIND, {"ref": ref}).get("order")


def _method_key(
    runtime: Services, order: Mapping[str, Any], opts: OrderOptions
) -> str | None:
    """Key of the order's shipping method (read only when a mapping is configured)."""
    if not opts.shipping_methods:
        return None
    method = (order.get("shippingInfo") or {}).get("shippingMethod") or {}
    if (method.get("obj") or {}).get("key"):
        return str(method["obj"]["key"])
    if not method.get("id"):
        return None
    found = runtime.ct().get_or_none(f"shipping-methods/{method['id']}")
    return str(found["key"]) if found and found.get("key") else None


def _customer(runtime: Services, order: Mapping[str, Any], ref: str) -> FluentCustomer:
    """Registered customer when the order has one (and it still exists), else guest."""
    customer_id = order.get("customerId")
    if customer_id:
        customer = runtime.ct().get_or_none(f"customers/{customer_id}")
        if customer is not None:
            return ensure_customer(runtime, customer)
    email = order.get("customerEmail")
    if not email:
        raise PermanentError(f"order {ref} has neither a customer nor customerEmail")
    addresses = [order.get("billingAddress"), order.get("shippingAddress")]
    return ensure_customer(runtime, email=email, addresses=addresses)


def _create(client: FluentClient, draft: dict[str, Any]) -> tuple[dict[str, Any], str]:
    ref = draft["ref"]
    try:
        data = client.graphql(CREATE, {"input": draft})
    except GraphQLError as exc:
        if is_duplicate_error(exc):  # created meanwhile by a concurrent delivery
            found = _find(client, ref)
            if found is None:
                raise TransientError(f"order {ref} reported as existing") from exc
            return found, "exists"
        raise PermanentError(f"Fluent rejected order {ref}: {exc}") from exc
    node = data.get("createOrder")
    if not node:
        raise PermanentError(f"Fluent returned no order for {ref}")
    log.info("orders.order.created", extra={"order_ref": ref, "fluent_id": node["id"]})
    return node, "created"


def load_payments(
    runtime: Services, order: Mapping[str, Any]
) -> tuple[list[dict[str, Any]], list[str]]:
    """Payments referenced by the order: expanded ``obj`` when present, else
    ``GET /payments/{id}``; returns (payments, ids that could not be read)."""
    payments: list[dict[str, Any]] = []
    missing: list[str] = []
    for ref in (order.get("paymentInfo") or {}).get("payments") or []:
        if isinstance(ref.get("obj"), dict):
            payments.append(ref["obj"])
        elif ref.get("id"):
            payment = runtime.ct().get_or_none(f"payments/{ref['id']}")
            if payment is None:
                missing.append(str(ref["id"]))
            else:
                payments.append(payment)
    return payments, missing


def _transactions(
    runtime: Services,
    client: FluentClient,
    order: Mapping[str, Any],
    fluent_order: Mapping[str, Any],
    opts: OrderOptions,
) -> dict[str, Any]:
    payments, missing = load_payments(runtime, order)
    if missing:
        log.warning(
            "orders.payments.unreadable",
            extra={"order_id": order.get("id"), "payment_ids": missing},
        )
    wanted = transactions(payments, opts)
    counts: dict[str, Any] = {"created": 0, "existing": 0}
    if missing:
        counts["unreadable_payments"] = missing
    if not wanted:
        return counts
    edges = ((fluent_order.get("financialTransactions") or {}).get("edges")) or []
    have = {(e.get("node") or {}).get("ref") for e in edges}
    todo = [tx for tx in wanted if tx["ref"] not in have]
    counts["existing"] = len(wanted) - len(todo)
    order_id = {"id": str(fluent_order["id"])}
    results = client.mutate_batch(
        [
            Mutation(
                "createFinancialTransaction",
                "CreateFinancialTransactionInput",
                {**tx, "order": order_id},
                "id ref",
            )
            for tx in todo
        ]
    )
    for res in results:
        if res.ok:
            counts["created"] += 1
        elif "already exists" in (res.error or ""):
            counts["existing"] += 1
        else:
            raise PermanentError(
                f"Fluent rejected payment transaction {res.mutation.input['ref']} "
                f"of order {fluent_order.get('ref')}: {res.error}"
            )
    return counts


def _record_sync_info(
    runtime: Services, order: Mapping[str, Any], fluent_id: str, channel_key: str
) -> str:
    """Add ``syncInfo`` (channel ``sync_info_channel``, externalId = Fluent order id)
    to the CT order unless it is already there."""

    def build(current: dict[str, Any]) -> list[dict[str, Any]]:
        if any(i.get("externalId") == fluent_id for i in current.get("syncInfo") or []):
            return []
        return [
            {
                "action": "updateSyncInfo",
                "channel": {"typeId": "channel", "key": channel_key},
                "externalId": fluent_id,
            }
        ]

    _, actions = runtime.ct().update_with_retry(f"orders/{order['id']}", build)
    return "written" if actions else "present"
