"""commercetools Messages API poller: the default way CT events reach the connector.

It needs no cloud queue: a beat task reads ``GET /{projectKey}/messages`` from a
checkpoint (createdAt with an overlap, deduplicated by message id in the store) and feeds
the same routes as ``POST /webhooks/commercetools``. Message querying must be enabled on
the project (``changeMessagesConfiguration``).
"""

from connector.specs import ModuleSpec, Periodic

SPEC = ModuleSpec(
    name="ct_messages",
    description="poll commercetools Messages into the inbound store",
    periodic=(
        Periodic(
            entry="ct-messages-poll",
            task="ct_messages.poll",
            every_seconds=10.0,
            queue="default",
        ),
    ),
)
