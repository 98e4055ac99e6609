"""Default identities of the sandboxes, shared by `connector sandbox`, the demo and the tests.

They are sandbox-only credentials: the emulators accept them and nothing else by default.
"""

CT_PROJECT_KEY = "demo-shop"
CT_CLIENT_ID = "sandbox-ct-client"
CT_CLIENT_SECRET = "sandbox-ct-secret"
CT_SCOPES = f"manage_project:{CT_PROJECT_KEY}"

FLUENT_ACCOUNT_ID = "SANDBOX"
FLUENT_RETAILER_ID = "1"
FLUENT_CLIENT_ID = "sandbox-fluent-client"
FLUENT_CLIENT_SECRET = "sandbox-fluent-secret"
FLUENT_USERNAME = "sandbox-api-user"
FLUENT_PASSWORD = "sandbox-api-password"
FLUENT_CATALOGUE_REF = "PC:MASTER:1"
FLUENT_VIRTUAL_CATALOGUE_REF = "BASE:1"
FLUENT_INVENTORY_CATALOGUE_REF = "DEFAULT:1"
FLUENT_NETWORK_REF = "BASE_NETWORK"

# Webhook names the Fluent sandbox's lifecycle driver sends (the connector's default routes).
WEBHOOK_ORDER_STATUS = "fc.connect.order.webhook.order-status-update"
WEBHOOK_FULFILMENT = "fc.connect.order.webhook.fulfilment-update"
WEBHOOK_CONSIGNMENT = "fc.connect.order.webhook.consignment-update"
