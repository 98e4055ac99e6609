"""order_status (Fluent -> commercetools): Fluent order status webhooks move the CT
order's orderState, paymentState and shipmentState through three many-to-one mappings
read from Fluent settings (defaults in mapping.py; anti-backwards rule in ordering.py).

Owns: the order status routes and the CT order's states + ``fluent-order`` watermark
fields. Must not: write line items or deliveries, or call any API at ingress.
"""

from connector.settings_file import Route
from connector.specs import ModuleSpec

HANDLER = "order_status.update"
ROUTE_NAMES = (
    "fc.connect.order.webhook.order-status-update",
    "fc.connect.order.webhook.status-update",
)

SPEC = ModuleSpec(
    name="order_status",
    description="Fluent order status -> commercetools order/payment/shipment state",
    handlers={HANDLER: "connector.modules.order_status.service:handle"},
    routes=tuple(Route(name=n, source="fluent", handler=HANDLER) for n in ROUTE_NAMES),
)
