"""``FluentClient.mutate_batch``: one aliased document per batch shape, one outcome per
mutation (errors by alias, a missing result, a request-level error)."""

from __future__ import annotations

from typing import Any

from connector.clients.fluent import FluentClient, Mutation, batch_document


class Answering(FluentClient):
    """A client whose GraphQL answers are given (no HTTP)."""

    def __init__(self, data: Any, errors: list[dict[str, Any]] | None = None) -> None:
        self.service = "fluent"
        self.data, self.errors = data, errors or []
        self.sent: list[tuple[str, dict[str, Any]]] = []

    def graphql_raw(self, query, variables=None, timeout=None):  # type: ignore[override]
        self.sent.append((query, variables or {}))
        return self.data, self.errors


def create(ref: str) -> Mutation:
    return Mutation("createVariantProduct", "CreateVariantProductInput", {"ref": ref})


def test_document_and_variables() -> None:
    client = Answering({"m0": {"id": "1"}, "m1": {"id": "2"}})
    status = Mutation("updateVariantProduct", "UpdateVariantProductInput", {}, "id")
    results = client.mutate_batch([create("a"), status])
    query, variables = client.sent[0]
    assert query == (
        "mutation Batch($i0: CreateVariantProductInput, $i1: UpdateVariantProductInput)"
        " { m0: createVariantProduct(input: $i0) { id ref } "
        "m1: updateVariantProduct(input: $i1) { id } }"
    )
    assert variables == {"i0": {"ref": "a"}, "i1": {}}
    assert [(r.ok, r.data) for r in results] == [
        (True, {"id": "1"}),
        (True, {"id": "2"}),
    ]
    assert batch_document.cache_info().currsize >= 1


def test_errors_by_alias_and_missing_results() -> None:
    client = Answering(
        {"m0": {"id": "1"}, "m1": None, "m2": None},
        [{"message": "exists", "path": ["m1"], "extensions": {"code": "C409"}}],
    )
    results = client.mutate_batch([create("a"), create("b"), create("c")])
    assert [r.error for r in results] == [None, "C409: exists", "no result returned"]


def test_a_request_level_error_fails_every_mutation_without_result() -> None:
    client = Answering(None, [{"message": "complexity too high"}])
    results = client.mutate_batch([create("a"), create("b")])
    assert [r.error for r in results] == ["complexity too high"] * 2


def test_an_empty_batch_sends_nothing() -> None:
    client = Answering({})
    assert client.mutate_batch([]) == [] and client.sent == []
