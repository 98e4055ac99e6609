"""orders: commercetools OrderCreated -> Fluent ``createOrder`` (+ customer, payments).

Owns the route ``commercetools.connect.order.create`` and its handler (service.py);
mapping in mapping.py / money.py, options in options.py. The customer is ensured
through ``connector.fluent_customers.service.ensure_customer``. Must not change the
CT order except the optional ``updateSyncInfo`` write-back.

OrderImported is deliberately not routed by default: imported orders are usually
historical or fulfilled elsewhere (Fluent's own connector does not sync old orders).
Add it to the route's ``types`` in the YAML file to send them too; the handler treats
both message types alike.
"""

from connector.settings_file import Route
from connector.specs import ModuleSpec

SPEC = ModuleSpec(
    name="orders",
    description="commercetools orders -> Fluent orders",
    handlers={"orders.create": "connector.modules.orders.service:handle_event"},
    routes=(
        Route(
            name="commercetools.connect.order.create",
            source="commercetools",
            handler="orders.create",
            types=("OrderCreated",),
            resource_types=("order",),
        ),
    ),
)
