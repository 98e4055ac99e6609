"""Fluent sandbox: categories, products, customers, orders and settings round trips."""

from __future__ import annotations

from typing import Any

import pytest
from test_fluent_sandbox_support import CATALOGUE, FluentClient

from sandbox.common import SandboxServer

CREATE_STANDARD = """mutation($i: CreateStandardProductInput) {
  createStandardProduct(input: $i) { id ref status gtin prices { type currency value }
    categories(first: 5) { edges { node { ref } } } catalogue { ref } } }"""
CREATE_VARIANT = """mutation($i: CreateVariantProductInput) {
  createVariantProduct(input: $i) { id ref status product { ref } } }"""
CREATE_ORDER = """mutation($i: CreateOrderInput) { createOrder(input: $i) {
  id ref status type customer { id username } } }"""


@pytest.fixture
def client(fluent_sandbox: SandboxServer) -> FluentClient:
    return FluentClient(fluent_sandbox.url)


def _category(
    client: FluentClient, ref: str, parent: str | None = None
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "ref": ref,
        "name": ref.title(),
        "type": "DEFAULT",
        "catalogue": CATALOGUE,
    }
    if parent:
        data["parentCategory"] = {"ref": parent, "catalogue": CATALOGUE}
    return client.gql(
        "mutation($i: CreateCategoryInput) { createCategory(input: $i) { id ref status } }",
        {"i": data},
    )["createCategory"]


def test_category_create_update_and_read(client: FluentClient) -> None:
    assert _category(client, "apparel")["status"] == "CREATED"
    _category(client, "tees", parent="apparel")
    orphan = client.post_graphql(
        "mutation($i: CreateCategoryInput) { createCategory(input: $i) { id } }",
        {
            "i": {
                "ref": "x",
                "name": "X",
                "type": "T",
                "catalogue": CATALOGUE,
                "parentCategory": {"ref": "missing", "catalogue": CATALOGUE},
            }
        },
    ).json()
    assert "not found" in orphan["errors"][0]["message"]
    client.gql(
        """mutation($c: ProductCatalogueKey!) { updateCategory(input: {
        ref: "tees", catalogue: $c, status: "ACTIVE", name: "T-Shirts",
        attributes: [{name: "seo", type: "STRING", value: "tees"}]}) { ref } }""",
        {"c": CATALOGUE},
    )
    got = client.gql(
        """query($c: ProductCatalogueKey!) { category(ref: "tees", catalogue: $c) {
        ref name status attributes { name value } parentCategory { ref childCategories {
        edges { node { ref } } } } } }""",
        {"c": CATALOGUE},
    )["category"]
    assert got["status"] == "ACTIVE" and got["name"] == "T-Shirts"
    assert got["attributes"] == [{"name": "seo", "value": "tees"}]
    assert got["parentCategory"]["childCategories"]["edges"][0]["node"]["ref"] == "tees"
    listed = client.gql(
        """query($c: ProductCatalogueKey) { categories(catalogue: $c,
        ref: ["apparel", "tees"]) { edges { node { ref } } } }""",
        {"c": CATALOGUE},
    )
    assert len(listed["categories"]["edges"]) == 2


def test_products_round_trip_limits_and_status(client: FluentClient) -> None:
    _category(client, "tees")
    standard = {
        "ref": "P-1",
        "type": "STANDARD",
        "name": "Tee",
        "gtin": "NOTFORSALE",
        "catalogue": CATALOGUE,
        "summary": "A tee",
        "categories": [{"ref": "tees", "catalogue": CATALOGUE}],
        "prices": [{"type": "DEFAULT", "currency": "EUR", "value": 19.99}],
    }
    created = client.gql(CREATE_STANDARD, {"i": standard})["createStandardProduct"]
    assert created["status"] == "CREATED"
    assert created["categories"]["edges"][0]["node"]["ref"] == "tees"
    again = client.post_graphql(CREATE_STANDARD, {"i": standard}).json()
    assert "already exists" in again["errors"][0]["message"]
    too_long = client.post_graphql(
        CREATE_STANDARD, {"i": {**standard, "ref": "P-2", "gtin": "1" * 21}}
    ).json()
    assert "gtin" in too_long["errors"][0]["message"]
    bad_cat = client.post_graphql(
        CREATE_STANDARD,
        {
            "i": {
                **standard,
                "ref": "P-3",
                "categories": [{"ref": "nope", "catalogue": CATALOGUE}],
            }
        },
    ).json()
    assert "not found" in bad_cat["errors"][0]["message"]
    variant = {
        "ref": "P-1-RED",
        "type": "VARIANT",
        "name": "Tee red",
        "gtin": "D45",
        "catalogue": CATALOGUE,
        "product": {"ref": "P-1", "catalogue": CATALOGUE},
    }
    assert client.gql(CREATE_VARIANT, {"i": variant})["createVariantProduct"][
        "product"
    ] == {"ref": "P-1"}
    orphan = client.post_graphql(
        CREATE_VARIANT,
        {
            "i": {
                **variant,
                "ref": "P-9-RED",
                "product": {"ref": "P-9", "catalogue": CATALOGUE},
            }
        },
    ).json()
    assert "not found" in orphan["errors"][0]["message"]
    client.gql(
        """mutation($c: ProductCatalogueKey!) { updateVariantProduct(input: {
        ref: "P-1-RED", catalogue: $c, status: "ACTIVE",
        prices: [{type: "DEFAULT", currency: "EUR", value: 17.5}]}) { status } }""",
        {"c": CATALOGUE},
    )
    client.gql(
        """mutation($c: ProductCatalogueKey!) { removeCategoriesFromStandardProduct(
        input: {ref: "P-1", catalogue: $c, categories: [{ref: "tees", catalogue: $c}]}) {
        ref } }""",
        {"c": CATALOGUE},
    )
    found = client.gql(
        """query($c: ProductCatalogueKey) {
        variantProducts(catalogue: $c, ref: ["P-1-RED"]) { edges { node { ref status
          prices { value } product { ref categories { edges { node { ref } } }
          variants { edges { node { ref } } } } } } } }""",
        {"c": CATALOGUE},
    )
    node = found["variantProducts"]["edges"][0]["node"]
    assert node["status"] == "ACTIVE" and node["prices"] == [{"value": 17.5}]
    assert node["product"]["categories"]["edges"] == []
    assert node["product"]["variants"]["edges"][0]["node"]["ref"] == "P-1-RED"


def _customer(
    client: FluentClient, username: str = "jane@example.com"
) -> dict[str, Any]:
    return client.gql(
        """mutation($i: CreateCustomerInput) { createCustomer(input: $i) {
        id ref username primaryEmail status } }""",
        {
            "i": {
                "username": username,
                "firstName": "Jane",
                "lastName": "Doe",
                "primaryEmail": username,
                "timezone": "Europe/Berlin",
                "promotionOptIn": False,
                "retailer": {"id": "1"},
            }
        },
    )["createCustomer"]


def test_customer_ref_is_username_and_is_searchable(client: FluentClient) -> None:
    created = _customer(client)
    assert created["ref"] == created["username"] == "jane@example.com"
    dup = client.post_graphql("""mutation { createCustomer(input: {username:
        "jane@example.com", firstName: "J", primaryEmail: "x@y", timezone: "UTC",
        promotionOptIn: false, retailer: {id: "1"}}) { id } }""").json()
    assert "already exists" in dup["errors"][0]["message"]
    by_email = client.gql(
        '{ customers(primaryEmail: ["%@example.com"], first: 1) '
        "{ edges { node { id ref } } } }"
    )
    assert by_email["customers"]["edges"][0]["node"]["id"] == created["id"]
    client.gql(
        'mutation($id: ID!) { updateCustomer(input: {id: $id, lastName: "Roe"}) '
        "{ id } }",
        {"id": created["id"]},
    )
    assert client.gql('{ customer(ref: "jane@example.com") { lastName } }')[
        "customer"
    ] == {"lastName": "Roe"}


def _order_input(customer_id: str, product: str = "TSHIRT-1-RED-M") -> dict[str, Any]:
    return {
        "ref": "CT-1000",
        "type": "HD",
        "retailer": {"id": "1"},
        "customer": {"id": customer_id},
        "totalPrice": 59.9,
        "fulfilmentChoice": {
            "deliveryType": "STANDARD",
            "deliveryAddress": {
                "ref": "CT-1000-ship",
                "name": "Jane Doe",
                "street": "1 Main St",
                "city": "Berlin",
                "postcode": "10115",
                "country": "DE",
            },
        },
        "items": [
            {
                "ref": "CT-1000-1",
                "productRef": product,
                "productCatalogueRef": CATALOGUE["ref"],
                "quantity": 2,
                "price": 29.95,
                "paidPrice": 29.95,
                "currency": "EUR",
                "taxType": "VAT",
            }
        ],
    }


def test_order_round_trip_with_payment(client: FluentClient) -> None:
    client.seed_retailer()
    customer_id = client.gql('{ customer(ref: "jane@example.com") { id } }')[
        "customer"
    ]["id"]
    created = client.gql(CREATE_ORDER, {"i": _order_input(customer_id)})["createOrder"]
    assert created["status"] == "CREATED"
    assert created["customer"]["username"] == "jane@example.com"
    duplicate = client.post_graphql(
        CREATE_ORDER, {"i": _order_input(customer_id)}
    ).json()
    assert "already exists" in duplicate["errors"][0]["message"]
    client.gql(
        """mutation($o: ID!) { createFinancialTransaction(input: {ref: "pay-1",
        type: "PAYMENT", amount: 59.9, currency: "EUR", paymentMethod: "CREDITCARD",
        cardType: "VISA", paymentProvider: "STRIPE", order: {id: $o}}) { id } }""",
        {"o": created["id"]},
    )
    order = client.gql("""{ order(ref: "CT-1000") { status type totalPrice
        fulfilmentChoice { deliveryType deliveryAddress { city postcode } }
        items(first: 5) { edges { node { ref quantity currency
          product { ... on VariantProduct { ref } } } } }
        financialTransactions(first: 5) { edges { node { ref total paymentProviderName } } }
    } }""")["order"]
    assert order["status"] == "RECEIVED"  # the stand-in workflow ran after createOrder
    assert order["fulfilmentChoice"]["deliveryAddress"] == {
        "city": "Berlin",
        "postcode": "10115",
    }
    item = order["items"]["edges"][0]["node"]
    assert item["product"] == {"ref": "TSHIRT-1-RED-M"} and item["quantity"] == 2
    payment = order["financialTransactions"]["edges"][0]["node"]
    assert payment == {"ref": "pay-1", "total": 59.9, "paymentProviderName": "STRIPE"}
    found = client.gql(
        '{ orders(ref: ["CT-1000"], status: ["RECEIVED"]) { edges { node { id } } } }'
    )
    assert found["orders"]["edges"][0]["node"]["id"] == created["id"]


def test_fluent_rejects_an_order_for_an_unknown_product(client: FluentClient) -> None:
    client.seed_retailer()
    customer_id = client.gql('{ customer(ref: "jane@example.com") { id } }')[
        "customer"
    ]["id"]
    body = client.post_graphql(
        CREATE_ORDER, {"i": _order_input(customer_id, product="NO-SUCH-SKU")}
    ).json()
    assert body["data"]["createOrder"] is None
    assert "Product with ref [NO-SUCH-SKU] not found" in body["errors"][0]["message"]
    assert client.gql('{ order(ref: "CT-1000") { id } }')["order"] is None


def test_create_order_and_customer_and_click_and_collect(client: FluentClient) -> None:
    client.seed_retailer()
    cc = _order_input("0")
    cc.pop("customer")
    cc.update(
        ref="CC-1",
        type="CC",
        fulfilmentChoice={"deliveryType": "STANDARD", "pickupLocationRef": "STORE_MEL"},
    )
    cc["customer"] = {
        "username": "new@example.com",
        "firstName": "New",
        "primaryEmail": "new@example.com",
        "timezone": "UTC",
        "promotionOptIn": True,
        "retailer": {"id": "1"},
    }
    made = client.gql(
        """mutation($i: CreateOrderAndCustomerInput) {
        createOrderAndCustomer(input: $i) { ref customer { ref } fulfilmentChoice {
        pickupLocationRef } } }""",
        {"i": cc},
    )["createOrderAndCustomer"]
    assert made["customer"]["ref"] == "new@example.com"
    assert made["fulfilmentChoice"]["pickupLocationRef"] == "STORE_MEL"


def test_settings_lookup_by_context_and_uniqueness(client: FluentClient) -> None:
    create = """mutation($i: CreateSettingInput) { createSetting(input: $i) { id } }"""
    name = "fc.connect.commercetools.order.order-status-mapping"
    account = {
        "name": name,
        "valueType": "JSON",
        "context": "ACCOUNT",
        "contextId": 0,
        "lobValue": {"fluent": {"BOOKED": "Confirmed"}},
    }
    client.gql(create, {"i": account})
    retailer = {
        **account,
        "context": "RETAILER",
        "contextId": 1,
        "lobValue": {"fluent": {"BOOKED": "Open"}},
    }
    retailer_id = client.gql(create, {"i": retailer})["createSetting"]["id"]
    clash = client.post_graphql(create, {"i": retailer}).json()
    assert "ConstraintViolationException" in clash["errors"][0]["message"]
    found = client.gql(
        """query($n: [String]) { settings(name: $n,
        context: ["RETAILER", "ACCOUNT"], contextId: [1, 0]) { edges { node {
        id context contextId valueType lobValue value } } } }""",
        {"n": [name]},
    )
    by_context = {e["node"]["context"]: e["node"] for e in found["settings"]["edges"]}
    assert by_context["RETAILER"]["lobValue"] == {"fluent": {"BOOKED": "Open"}}
    assert by_context["ACCOUNT"]["lobValue"] == {"fluent": {"BOOKED": "Confirmed"}}
    client.gql(
        """mutation($id: ID!) { updateSetting(input: {id: $id, valueType: "JSON",
        context: "RETAILER", contextId: 1, lobValue: {fluent: {BOOKED: "Confirmed"}}}) {
        id } }""",
        {"id": retailer_id},
    )
    one = client.gql(
        "query($id: ID) { setting(id: $id) { lobValue } }", {"id": retailer_id}
    )
    assert one["setting"]["lobValue"] == {"fluent": {"BOOKED": "Confirmed"}}
