"""Two handler contexts in one process share no cache: the caches live in the services
(one ``Runtime`` each), not in module globals."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from connector.clients.webhook import AddressPolicy
from connector.config import Config
from connector.context import HandlerContext
from connector.fluent_orders.ct_types import ct_setup
from connector.modules.external_out.deliver import client_for
from connector.modules.order_status.fluent_settings import load_mappings
from connector.modules.order_status.mapping import DEFAULTS
from connector.runtime import Runtime
from connector.settings_file import Route

ROUTE = Route("r", "fluent", "x")


class FakeCt:
    """The calls ``CtSetup.ensure_type`` makes, counted."""

    project_key = "shop"

    def __init__(self) -> None:
        self.gets = 0

    def get_or_none(self, path: str) -> dict[str, Any]:
        self.gets += 1
        return {"id": "t-1", "key": path.rpartition("=")[2], "fieldDefinitions": []}


class FakeFluent:
    base_url = "http://fluent.test"
    retailer_id = "1"

    def __init__(self) -> None:
        self.reads = 0

    def graphql(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        self.reads += 1
        return {"settings": {"edges": []}}


def context(runtime: Runtime) -> HandlerContext:
    message = SimpleNamespace(id=1, payload={}, resource_id="o-1", attempts=1)
    return HandlerContext(runtime, message, ROUTE)  # type: ignore[arg-type]


def two_contexts() -> tuple[HandlerContext, HandlerContext]:
    config = Config.from_env({"CONNECTOR_MODULES": ""}, read_dotenv=False)
    return context(Runtime(config)), context(Runtime(config))


def test_type_cache_is_per_context() -> None:
    a, b = two_contexts()
    ct = FakeCt()
    draft = {"key": "our-type", "fieldDefinitions": []}
    ct_setup(a.caches).ensure_type(ct, draft)  # type: ignore[arg-type]
    ct_setup(a.caches).ensure_type(ct, draft)  # type: ignore[arg-type]
    assert ct.gets == 1  # cached within a
    ct_setup(b.caches).ensure_type(ct, draft)  # type: ignore[arg-type]
    assert ct.gets == 2  # b has its own cache
    assert ct_setup(a.caches) is not ct_setup(b.caches)


def test_mappings_cache_is_per_context_and_clear_is_local() -> None:
    a, b = two_contexts()
    fluent = FakeFluent()

    def load(ctx: HandlerContext) -> None:
        cache = ctx.caches.get("order_status.mappings", dict)
        load_mappings(fluent, DEFAULTS, 300.0, cache)  # type: ignore[arg-type]

    load(a)
    load(a)
    assert fluent.reads == 1
    load(b)
    assert fluent.reads == 2
    a.caches.clear()
    load(b)
    assert fluent.reads == 2  # clearing a did not touch b
    load(a)
    assert fluent.reads == 3


def test_outbound_clients_are_per_context() -> None:
    a, b = two_contexts()
    policy = AddressPolicy()
    assert client_for(a.caches, policy) is client_for(a.caches, policy)
    assert client_for(a.caches, policy) is not client_for(b.caches, policy)
