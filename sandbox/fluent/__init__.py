"""The Fluent Commerce (Fluent OMS) sandbox: a faithful emulator served over HTTP.

OAuth password grant, the GraphQL API (schema.graphql, real type/field/argument names),
the REST Event API, a lifecycle driver that moves orders to COMPLETE and sends signed
webhooks, and a control API under ``/_sandbox`` for seeding, generating, fault
injection and inspection. ``create_app()`` builds it; ``SandboxServer(app).start()``
serves it on loopback. Used by the integration tests, the demo and the benchmarks.
"""

from .app import create_app

__all__ = ["create_app"]
