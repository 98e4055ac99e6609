"""external_out: signed POSTs of messages to external URLs, through an outbox.

A route whose handler is ``external_out.send`` turns each message (as is, or shaped by
a small template: template.py) into an ``outbound_deliveries`` row (service.py); the
``external_out.deliver`` task sends it signed with HMAC-SHA256 (the scheme of
connector/signing.py), with timeouts, backoff and a bounded number of attempts
(deliver.py). Loopback, private and link-local destinations are refused unless
allow-listed (connector/clients/webhook.py). The beat entry re-drives due rows.
"""

from connector.specs import ModuleSpec, Periodic

SPEC = ModuleSpec(
    name="external_out",
    description="signed POSTs to external webhooks through the outbox",
    handlers={"external_out.send": "connector.modules.external_out.service:send"},
    periodic=(
        Periodic(
            entry="external-out-deliver",
            task="external_out.deliver",
            every_seconds=10.0,
            queue="default",
        ),
    ),
)
