"""How the webhook endpoints are described in the OpenAPI document (connector/api/docs.py).

Request bodies are the marshmallow schemas the sources validate with, so the document
says exactly which envelopes are accepted; the rest (signatures, dedup) is prose.
"""

from __future__ import annotations

from typing import Any

from connector.api.docs import ERROR
from connector.inbound.commercetools import (
    ChangeSchema,
    MessageSchema,
    PubSubEnvelopeSchema,
)
from connector.inbound.fluent import FluentEnvelopeSchema

ANSWERS: dict[int | str, str] = {
    200: "WebhookAnswer",
    400: ERROR,
    401: ERROR,
    403: ERROR,
    413: ERROR,
}

FLUENT: dict[str, Any] = {
    "operation_id": "fluentWebhook",
    "summary": "Fluent webhook (the path of Fluent's own connector)",
    "tags": ["webhooks"],
    "description": (
        "Verified with the `fluent-signature` header (SHA512withRSA over the raw body, "
        "keys from `FLUENT_WEBHOOK_PUBLIC_KEYS`), recorded, deduplicated on the webhook "
        "`id` and routed. Same behaviour as `POST /webhooks/fluent`."
    ),
    "body": FluentEnvelopeSchema,
    "responses": ANSWERS,
    "security": ({"fluentSignature": []},),
}

SOURCE: dict[str, Any] = {
    "operation_id": "sourceWebhook",
    "summary": "Webhook of a source (fluent, commercetools)",
    "tags": ["webhooks"],
    "description": (
        "`fluent`: as `/api/v1/fluent-connect/webhook`. `commercetools`: a subscription "
        "notification (Message or ResourceCreated/Updated/Deleted), raw or inside a "
        "Google Pub/Sub push envelope (`message.data` = the base64 notification); "
        "authenticated with an API token (header, or `?token=` because Pub/Sub push "
        "cannot set headers). An unknown message type is recorded as ignored and "
        "answered 200; the same message twice is answered `duplicate` and enqueued once."
    ),
    "path_params": {
        "source_name": {"schema": {"enum": ["fluent", "commercetools"]}},
    },
    "body": (FluentEnvelopeSchema, MessageSchema, ChangeSchema, PubSubEnvelopeSchema),
    "responses": {**ANSWERS, 404: ERROR},
    "security": (
        {"fluentSignature": []},
        {"bearerToken": []},
        {"apiTokenHeader": []},
        {"apiTokenQuery": []},
    ),
}

EXTERNAL: dict[str, Any] = {
    "operation_id": "externalWebhook",
    "summary": "Webhook of an external system (one `source: external` route per name)",
    "tags": ["webhooks"],
    "description": (
        "Authenticated per route (connector.yml): HMAC-SHA256 over `<timestamp>.<raw "
        "body>` (`X-Connector-Signature: v1=<hex>`, `X-Connector-Timestamp` within the "
        "route's tolerance) or a token. The body must be a JSON object and pass the "
        "route's optional schema; it is recorded, deduplicated (message id from a "
        "header/field or the body's SHA-256) and routed to the route's handler."
    ),
    "path_params": {"name": {"description": "The route name."}},
    "body": {"type": "object"},
    "responses": {**ANSWERS, 404: ERROR, 500: ERROR},
    "security": (
        {"connectorSignature": []},
        {"bearerToken": []},
        {"apiTokenHeader": []},
    ),
}
