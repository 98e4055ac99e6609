"""Emulators of the commercetools and Fluent APIs the connector uses, served over real HTTP.

They serve the tests, `connector demo` and the benchmarks. `common` holds what both share
(call log, fault injection, control endpoints, a threaded loopback server); each platform
lives in its own package. Nothing here is imported by the connector's runtime code paths.
"""
