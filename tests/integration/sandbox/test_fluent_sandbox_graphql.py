"""Fluent sandbox: GraphQL validation, errors, serial mutations, paging, call counting."""

from __future__ import annotations

import time

import pytest
from test_fluent_sandbox_support import CATALOGUE, FluentClient

from sandbox.common import SandboxServer


@pytest.fixture
def client(fluent_sandbox: SandboxServer) -> FluentClient:
    return FluentClient(fluent_sandbox.url)


def test_invented_field_is_a_validation_error(client: FluentClient) -> None:
    resp = client.post_graphql("{ locations { edges { node { ref openingHours } } } }")
    assert resp.status_code == 200
    body = resp.json()
    assert "data" not in body
    error = body["errors"][0]
    assert "openingHours" in error["message"]
    assert error["extensions"]["classification"] == "ValidationError"


def test_misspelt_argument_is_a_validation_error(client: FluentClient) -> None:
    body = client.post_graphql(
        "{ virtualPositions(frist: 5) { edges { cursor } } }"
    ).json()
    assert "Unknown argument 'frist'" in body["errors"][0]["message"]


def test_syntax_error_and_non_graphql_body(client: FluentClient) -> None:
    syntax = client.post_graphql("{ locations(first: 1 { edges }").json()
    assert syntax["errors"][0]["extensions"]["classification"] == "InvalidSyntax"
    bad = client.session.post(f"{client.url}/graphql", data="not json", timeout=5)
    assert bad.status_code == 400


def test_interface_field_needs_an_inline_fragment(client: FluentClient) -> None:
    # OrderItem.product is the Product interface, which has no ref (as on Fluent)
    body = client.post_graphql(
        "{ orders { edges { node { items { edges { node { product { ref } } } } } } } }"
    ).json()
    assert "Cannot query field 'ref' on type 'Product'" in body["errors"][0]["message"]


def test_several_mutations_run_serially_and_fail_independently(
    client: FluentClient,
) -> None:
    query = """
    mutation Cats($cat: ProductCatalogueKey!) {
      first: createCategory(input: {ref: "c1", name: "One", type: "DEFAULT", catalogue: $cat}) {
        ...CategoryFields
      }
      duplicate: createCategory(input: {ref: "c1", name: "Again", type: "DEFAULT",
                                        catalogue: $cat}) { ref }
      child: createCategory(input: {ref: "c2", name: "Two", type: "DEFAULT", catalogue: $cat,
                                    parentCategory: {ref: "c1", catalogue: $cat}}) {
        ...CategoryFields parentCategory { ref }
      }
    }
    fragment CategoryFields on Category { id ref status }
    """
    resp = client.post_graphql(query, {"cat": CATALOGUE}, operationName="Cats")
    body = resp.json()
    assert resp.status_code == 200
    assert body["data"]["first"]["ref"] == "c1"
    assert body["data"]["first"]["status"] == "CREATED"
    assert body["data"]["duplicate"] is None
    assert body["data"]["child"]["parentCategory"] == {"ref": "c1"}
    [error] = body["errors"]
    assert error["path"] == ["duplicate"]
    assert error["message"].startswith("Exception while fetching data (/duplicate) : ")
    assert "already exists" in error["message"]
    assert error["extensions"]["classification"] == "DataFetchingException"


def test_locations_page_forward_with_first_and_after(client: FluentClient) -> None:
    assert (
        client.control("POST", "/generate", json={"locations": 250}).status_code == 201
    )
    query = """query($after: String) { locations(first: 100, after: $after) {
        edges { cursor node { ref } } pageInfo { hasNextPage hasPreviousPage } } }"""
    refs: list[str] = []
    after = None
    pages = 0
    while True:
        conn = client.gql(query, {"after": after})["locations"]
        pages += 1
        refs += [e["node"]["ref"] for e in conn["edges"]]
        assert conn["pageInfo"]["hasPreviousPage"] is (after is not None)
        if not conn["pageInfo"]["hasNextPage"]:
            break
        after = conn["edges"][-1]["cursor"]
    assert pages == 3
    assert refs == [f"LOC-{i:03d}" for i in range(1, 251)]
    default = client.gql("{ locations { edges { node { ref } } } }")["locations"]
    assert len(default["edges"]) == 10  # default page size


def test_page_size_is_clamped_to_5000_and_pageinfo_has_no_cursors(
    client: FluentClient,
) -> None:
    client.control("POST", "/generate", json={"skus": 6000, "variants_per_product": 3})
    conn = client.gql(
        "{ virtualPositions(first: 9000) { edges { node { ref } } pageInfo { hasNextPage } } }"
    )["virtualPositions"]
    assert len(conn["edges"]) == 5000
    assert conn["pageInfo"]["hasNextPage"] is True
    errors = client.post_graphql("{ locations { pageInfo { endCursor } } }").json()[
        "errors"
    ]
    assert "endCursor" in errors[0]["message"]


def test_graphql_call_counts_by_operation_and_root_field(client: FluentClient) -> None:
    client.control("DELETE", "/calls")
    fields = " ".join(
        f'c{i}: createCategory(input: {{ref: "k{i}", name: "K", type: "T", '
        f'catalogue: {{ref: "PC:MASTER:1"}}}}) {{ id }}'
        for i in range(25)
    )
    client.gql(f"mutation {{ {fields} }}")
    client.gql("{ categories(first: 30) { edges { node { ref } } } }")
    counts = client.control("GET", "/calls").json()["counts"]
    assert counts["POST /graphql"] == 2
    assert counts["graphql:mutation"] == 1
    assert counts["graphql:query"] == 1
    assert counts["graphql:createCategory"] == 25
    assert counts["graphql:categories"] == 1


def test_updated_on_range_filters_searches(client: FluentClient) -> None:
    client.control(
        "POST", "/generate", json={"locations": 3, "timestamp": "2024-01-01T00:00:00Z"}
    )
    client.control("POST", "/generate", json={"locations": 2, "prefix": "NEW-"})
    query = """query($r: DateRange) { locations(updatedOn: $r, first: 50) {
        edges { node { ref updatedOn } } } }"""
    recent = client.gql(query, {"r": {"from": "2025-01-01T00:00:00Z"}})["locations"]
    assert [e["node"]["ref"] for e in recent["edges"]] == ["NEW-LOC-001", "NEW-LOC-002"]
    old = client.gql(query, {"r": {"to": "2024-06-01T00:00:00.000Z"}})["locations"]
    assert len(old["edges"]) == 3
    assert old["edges"][0]["node"]["updatedOn"] == "2024-01-01T00:00:00.000Z"
    bad = client.post_graphql(query, {"r": {"from": "yesterday"}}).json()
    assert "C0100E" in bad["errors"][0]["message"]


def test_25_product_creates_in_one_request_are_fast(client: FluentClient) -> None:
    fields = " ".join(
        f'p{i}: createVariantProduct(input: {{ref: "SKU-{i}", type: "VARIANT", '
        f'name: "Variant {i}", gtin: "{i:013d}", catalogue: $c, '
        f'prices: [{{type: "DEFAULT", currency: "EUR", value: 9.99}}], '
        f'attributes: [{{name: "size", type: "STRING", value: "M"}}]}}) {{ id ref status }}'
        for i in range(25)
    )
    query = f"mutation($c: ProductCatalogueKey!) {{ {fields} }}"
    started = time.perf_counter()
    data = client.gql(query, {"c": CATALOGUE})
    elapsed = time.perf_counter() - started
    assert len(data) == 25 and all(v["status"] == "CREATED" for v in data.values())
    assert elapsed < 1.0, f"25 creates took {elapsed:.2f}s"
