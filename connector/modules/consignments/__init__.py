"""consignments (Fluent -> commercetools): Fluent consignment webhooks create one CT
delivery per consignment (key from the consignment ref) with a parcel carrying tracking
data and a tracking URL custom field built from a per-carrier template.

Owns: the consignment route and the order's ``fluent-*`` deliveries/parcels. Must not:
change order states or line items, or call any API at ingress.
"""

from connector.settings_file import Route
from connector.specs import ModuleSpec

HANDLER = "consignments.update"
ROUTE_NAME = "fc.connect.order.webhook.consignment-update"

SPEC = ModuleSpec(
    name="consignments",
    description="Fluent consignments -> commercetools deliveries, parcels, tracking",
    handlers={HANDLER: "connector.modules.consignments.service:handle"},
    routes=(Route(name=ROUTE_NAME, source="fluent", handler=HANDLER),),
)
