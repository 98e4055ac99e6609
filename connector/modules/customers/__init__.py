"""customers: commercetools customers -> Fluent customers (event-driven).

Owns the route ``commercetools.connect.customer.upsert`` (customer messages and change
notifications) and ``ensure_customer`` (service.py), which the orders module calls
before every order. Mapping in mapping.py, options in options.py. Must not write to
commercetools.
"""

from connector.settings_file import Route
from connector.specs import ModuleSpec

# Message types that can change a field we map (names, email, title, addresses for
# phone/country, custom fields for time zone / promotion opt-in), plus creation and
# change notifications (subscriptions with `changes`).
CUSTOMER_TYPES = (
    "CustomerCreated",
    "ResourceCreated",
    "ResourceUpdated",
    "CustomerEmailChanged",
    "CustomerFirstNameSet",
    "CustomerLastNameSet",
    "CustomerTitleSet",
    "CustomerAddressAdded",
    "CustomerAddressChanged",
    "CustomerAddressRemoved",
    "CustomerDefaultShippingAddressSet",
    "CustomerDefaultBillingAddressSet",
    "CustomerCustomFieldAdded",
    "CustomerCustomFieldChanged",
    "CustomerCustomFieldRemoved",
    "CustomerCustomTypeSet",
    "CustomerCustomTypeRemoved",
)

SPEC = ModuleSpec(
    name="customers",
    description="commercetools customers -> Fluent customers",
    handlers={"customers.upsert": "connector.modules.customers.handler:handle_event"},
    routes=(
        Route(
            name="commercetools.connect.customer.upsert",
            source="commercetools",
            handler="customers.upsert",
            types=CUSTOMER_TYPES,
            resource_types=("customer",),
        ),
    ),
)
