"""Shared pieces of the Fluent -> commercetools order modules (order_status,
fulfilments, consignments).

- ``fetch``: which Fluent order a webhook is about, and one GraphQL read of that order
  with just the parts a module needs (status; fulfilments and items; consignments).
- ``ct_orders``: finding the commercetools order of a Fluent order (orderNumber = Fluent
  ref without ``modules.orders.ref_prefix``, else the CT order id) and matching Fluent
  order items to CT line items.
- ``ct_types``: the custom types and line item states the modules create in
  commercetools when missing (cached per process, invalidated when CT forgets them).
- ``options``: a module's YAML options merged with its route's options.

This package makes no decision about what to write; the modules do. It is not a module
itself (no SPEC, no routes, no tasks).
"""
