"""Product availability for storefronts (PDP and checkout): ``GET /api/v1/availability``.

A synchronous read of Fluent (virtual positions, ``searchVirtualInventory``, and
``createFulfilmentOption`` in ``mode=options``) behind a short cache and a hard time
budget. The endpoint lives in connector/api/availability.py; this package holds the
schemas, the pure mapping, the GraphQL text and the service. No handlers, routes, batch
or beat: enabling the module enables the endpoint (404 when disabled).
Options: YAML ``modules.availability`` (options.py).
"""

from connector.specs import ModuleSpec

SPEC = ModuleSpec(
    name="availability",
    description="available-to-promise per SKU and location for storefronts (Fluent)",
)
