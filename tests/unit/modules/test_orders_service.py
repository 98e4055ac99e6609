"""Orders/customers handlers without I/O: missing settings and partial payloads."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from connector.config import Config
from connector.context import HandlerContext
from connector.errors import MissingSetting, PermanentError
from connector.fluent_customers import service as fluent_customers
from connector.modules.customers import handler as customers
from connector.modules.orders import service as orders
from connector.runtime import Runtime
from connector.settings_file import Route

FULL_ENV = {
    "CTP_PROJECT_KEY": "shop",
    "CTP_CLIENT_ID": "id",
    "CTP_CLIENT_SECRET": "secret",
    "FLUENT_API_URL": "http://127.0.0.1:9",
    "FLUENT_ACCOUNT_ID": "ACME",
    "FLUENT_RETAILER_ID": "1",
    "FLUENT_CLIENT_ID": "c",
    "FLUENT_CLIENT_SECRET": "s",
    "FLUENT_USERNAME": "u",
    "FLUENT_PASSWORD": "p",
    "FLUENT_CATALOGUE_REF": "PC:MASTER:1",
    "CONNECTOR_MODULES": "customers,orders",
}
ROUTE = Route("r", "commercetools", "orders.create")


def context(env: dict, payload: dict) -> HandlerContext:
    runtime = Runtime(Config.from_env(env, read_dotenv=False))
    message = SimpleNamespace(id=1, payload=payload, resource_id="o-1", attempts=1)
    return HandlerContext(runtime, message, ROUTE)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("handler", "missing"),
    [
        (orders.handle_event, "FLUENT_CATALOGUE_REF"),
        (orders.handle_event, "CTP_CLIENT_SECRET"),
        (customers.handle_event, "FLUENT_PASSWORD"),
    ],
)
def test_missing_setting_names_the_variable(handler, missing):
    env = {k: v for k, v in FULL_ENV.items() if k != missing}
    with pytest.raises(MissingSetting, match=missing):
        handler(context(env, {"resource": {"typeId": "order", "id": "o-1"}}))


class FakeCt:
    def __init__(self, docs: dict) -> None:
        self.docs = docs
        self.calls: list[str] = []

    def get_or_none(self, path: str):
        self.calls.append(path)
        return self.docs.get(path)


def runtime_with(docs: dict) -> SimpleNamespace:
    ct = FakeCt(docs)
    return SimpleNamespace(ct=lambda: ct, fake=ct)


def test_order_from_message_payload_or_refetch():
    full = {"id": "o-1", "lineItems": [], "totalPrice": {"centAmount": 1}}
    rt = runtime_with({"orders/o-1": {**full, "version": 3}})
    assert orders.order_from_message(rt, {"order": full}, "o-1") is full
    assert rt.fake.calls == []
    # payloadNotIncluded: no order in the message -> read it back
    payload = {"payloadNotIncluded": {"reason": "too large", "payloadType": "Order"}}
    assert orders.order_from_message(rt, payload, "o-1")["version"] == 3
    # partial order (no line items) -> read it back too
    assert orders.order_from_message(rt, {"order": {"id": "o-1"}}, None)["version"] == 3
    assert rt.fake.calls == ["orders/o-1", "orders/o-1"]
    with pytest.raises(PermanentError, match="not found in commercetools"):
        orders.order_from_message(runtime_with({}), {}, "o-9")


def test_payments_from_expansion_or_api_and_unreadable_ones_reported():
    order = {
        "paymentInfo": {
            "payments": [
                {"typeId": "payment", "id": "p1", "obj": {"id": "p1"}},
                {"typeId": "payment", "id": "p2"},
                {"typeId": "payment", "id": "p3"},
            ]
        }
    }
    rt = runtime_with({"payments/p2": {"id": "p2"}})
    payments, missing = orders.load_payments(rt, order)
    assert [p["id"] for p in payments] == ["p1", "p2"]
    assert missing == ["p3"]


def test_duplicate_errors_are_recognised():
    from connector.clients.errors import GraphQLError

    coded = GraphQLError(
        "x", [{"message": "boom", "extensions": {"errorCode": "C0121E"}}]
    )
    texted = GraphQLError("x", [{"message": "Order with ref [A] already exists"}])
    other = GraphQLError("x", [{"message": "Product with ref [B] not found"}])
    assert fluent_customers.is_duplicate_error(coded)
    assert fluent_customers.is_duplicate_error(texted)
    assert not fluent_customers.is_duplicate_error(other)
