"""fulfilments (Fluent -> commercetools): Fluent fulfilment webhooks write per-line-item
progress (fulfilment refs, statuses, requested/filled/rejected quantities) onto the CT
order's line items, as custom fields (field profile ``ct_fields``: ``flFulfilment`` /
``flFulfilmentMetadata``, or ``fluent-line-item``), line item states, or both (``mode``).

Owns: the fulfilment route and the line items' Fluent fields/states. Must not: change
order states or deliveries, or call any API at ingress.
"""

from connector.settings_file import Route
from connector.specs import ModuleSpec

HANDLER = "fulfilments.update"
ROUTE_NAME = "fc.connect.order.webhook.fulfilment-update"

SPEC = ModuleSpec(
    name="fulfilments",
    description="Fluent fulfilments -> commercetools line item progress",
    handlers={HANDLER: "connector.modules.fulfilments.service:handle"},
    routes=(Route(name=ROUTE_NAME, source="fluent", handler=HANDLER),),
)
