"""external_in: authenticated webhooks from other systems at POST /webhooks/external/<name>.

Each ``source: external`` route in the YAML file is one endpoint: ``<name>`` = route
name, its ``options`` say how to authenticate (HMAC or token), the optional payload
schema and where the message id comes from (options.py); its ``handler`` is a
registered name (e.g. ``external_out.send``) or a partner's dotted path. The receiving
side lives in connector/inbound/external.py; the signature scheme in signing.py.
This module has no default routes and no tasks file: dotted-path handlers run on
``messages.handle_event``, registered ones on their module's ``handle_event``.
"""

from connector.specs import ModuleSpec

SPEC = ModuleSpec(
    name="external_in",
    description="authenticated inbound webhooks from external systems",
)
