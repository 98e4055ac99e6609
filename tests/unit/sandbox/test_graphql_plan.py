"""The planned GraphQL route gives graphql-core's own answers (sandbox/fluent/graphql_plan.py).

The compiled variable coercers are compared with graphql-core's ``get_variable_values``
on random valid and broken values of every input type of the Fluent schema; whole
documents are compared with ``execute_sync`` on two fresh sandboxes; the document cache
keeps plans with their documents and drops both together.
"""

from __future__ import annotations

import copy
import random
from typing import Any

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLError,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
    build_schema,
    execute_sync,
    is_input_object_type,
    parse,
)
from graphql.execution.values import get_variable_values

from sandbox.fluent.graphql_api import DocumentCache, schema
from sandbox.fluent.graphql_plan import DocumentPlan, InputCoercers, execute_planned
from sandbox.fluent.state import FluentSandbox

SCALARS: dict[str, list[Any]] = {
    "String": ["a", "ref-1", ""],
    "ID": ["1", "abc"],
    "Int": [0, 7, -3],
    "Float": [1.5, 3, 0.0],
    "Boolean": [True, False],
    "DateTime": ["2025-05-01T10:00:00.000Z", "2025-05-01T10:00:00Z"],
    "Json": [{"a": [1, 2]}, "text", 3],
}
BROKEN: list[Any] = [None, "x", 1, 2.5, True, [], {}, {"nope": 1}, 2**40, [None]]


def sample(type_: GraphQLInputType, rng: random.Random, depth: int = 0) -> Any:
    """A random value of the type: mostly valid, sometimes broken on purpose."""
    if rng.random() < 0.04:
        return rng.choice(BROKEN)
    if isinstance(type_, GraphQLNonNull):
        return sample(type_.of_type, rng, depth)
    if rng.random() < 0.1:
        return None
    if isinstance(type_, GraphQLList):
        if rng.random() < 0.1:
            return sample(type_.of_type, rng, depth + 1)  # a list of one
        return [sample(type_.of_type, rng, depth + 1) for _ in range(rng.randint(0, 3))]
    if isinstance(type_, GraphQLEnumType):
        return rng.choice([*type_.values, "NOT_A_VALUE"])
    if isinstance(type_, GraphQLScalarType):
        return rng.choice(SCALARS.get(type_.name, ["x"]))
    assert isinstance(type_, GraphQLInputObjectType)
    out: dict[str, Any] = {}
    for name, field in type_.fields.items():
        required = isinstance(field.type, GraphQLNonNull)
        if depth < 3 and (required or rng.random() < 0.5):
            out[name] = sample(field.type, rng, depth + 1)
    if rng.random() < 0.03:
        out["unknownField"] = 1
    return out


def slow(var_type: str, value: Any) -> Any:
    document = parse(f"query Q($v: {var_type}) {{ __typename }}")
    op = document.definitions[0]
    return get_variable_values(schema(), op.variable_definitions, {"v": value})  # type: ignore[attr-defined]


def fast(var_type: str, value: Any) -> Any:
    document = parse(f"query Q($v: {var_type}) {{ __typename }}")
    plan = DocumentPlan(schema(), InputCoercers(schema()), document)
    op_plan = plan.operation(None)
    assert op_plan is not None
    return op_plan.coerce({"v": value})


def _sources(values: Any) -> dict[str, Any]:
    return {
        name: (str(source.signature.type), source.value)
        for name, source in values.sources.items()
    }


INPUT_TYPES = sorted(
    name
    for name, t in schema().type_map.items()
    if is_input_object_type(t) and not name.startswith("__")
)


@pytest.mark.parametrize("type_name", INPUT_TYPES)
def test_compiled_coercer_agrees_with_graphql_core(type_name: str) -> None:
    rng = random.Random(type_name)
    agreed = 0
    for _ in range(60):
        for var_type in (type_name, f"{type_name}!", f"[{type_name}]"):
            value = sample(schema().type_map[type_name], rng)  # type: ignore[arg-type]
            if var_type.startswith("["):
                value = [value, copy.deepcopy(value)]
            expected = slow(var_type, copy.deepcopy(value))
            got = fast(var_type, copy.deepcopy(value))
            if got is None:  # the planned route declined: graphql-core's path runs
                continue
            assert not isinstance(expected, list), (var_type, value, expected)
            assert got.coerced == expected.coerced, (var_type, value)
            assert _sources(got) == _sources(expected)
            agreed += 1
    assert agreed > 0


@pytest.mark.parametrize(
    ("var_type", "value"),
    [
        ("String!", None),
        ("CreateStandardProductInput", {"ref": "x", "bogus": 1}),
        ("CreateStandardProductInput", "not an object"),
        ("Int", 2**40),
        ("DateTime", "not a date"),
        ("[Int]", [1, "two"]),
    ],
)
def test_invalid_values_take_graphql_cores_path(var_type: str, value: Any) -> None:
    assert fast(var_type, value) is None
    assert isinstance(slow(var_type, value), list)  # graphql-core reports errors


def test_deep_nesting_is_left_to_graphql_core() -> None:
    built = build_schema("input R { r: R, n: Int } type Query { f(r: R): Int }")
    deep: Any = {"n": 1}
    for _ in range(300):
        deep = {"r": deep}
    document = parse("query Q($r: R) { f(r: $r) }")
    op = document.definitions[0]
    errors = get_variable_values(built, op.variable_definitions, {"r": deep})  # type: ignore[attr-defined]
    assert isinstance(errors, list)
    assert "nested too deeply" in errors[0].message
    op_plan = DocumentPlan(built, InputCoercers(built), document).operation(None)
    assert op_plan is not None
    assert op_plan.coerce({"r": deep}) is None
    shallow = {"r": {"r": {"n": 2}}}
    got = op_plan.coerce({"r": shallow})
    assert got is not None
    expected = get_variable_values(built, op.variable_definitions, {"r": shallow})  # type: ignore[attr-defined]
    assert not isinstance(expected, list)
    assert got.coerced == expected.coerced


def test_defaults_and_out_names_match() -> None:
    built = build_schema(
        """
        input Inner { a: Int = 3, b: [String] = ["x"] }
        input Outer { inner: Inner = {}, n: Int! }
        type Query { f(o: Outer): Int }
        """
    )
    outer = built.type_map["Outer"]
    assert isinstance(outer, GraphQLInputObjectType)
    outer.fields["n"].out_name = "number"
    outer.out_type = lambda d: ("wrapped", d)  # type: ignore[assignment]
    for value, var_def in (
        ({"n": 1}, "$o: Outer"),
        ({"n": 1, "inner": {"a": None}}, "$o: Outer"),
        (None, "$o: Outer"),
        (None, "$o: Outer = {n: 2}"),
    ):
        document = parse(f"query Q({var_def}) {{ f(o: $o) }}")
        op = document.definitions[0]
        inputs = {} if value is None else {"o": value}
        expected = get_variable_values(built, op.variable_definitions, inputs)  # type: ignore[attr-defined]
        plan = DocumentPlan(built, InputCoercers(built), document)
        op_plan = plan.operation(None)
        assert op_plan is not None
        got = op_plan.coerce(inputs)
        if got is None:
            continue  # declined (variable default): graphql-core's path
        assert not isinstance(expected, list)
        assert got.coerced == expected.coerced


def _sandbox() -> FluentSandbox:
    return FluentSandbox()


DOCUMENTS = [
    (
        "mutation Batch($i0: CreateStandardProductInput, $i1: CreateStandardProductInput)"
        " { m0: createStandardProduct(input: $i0) { id ref status }"
        " m1: createStandardProduct(input: $i1) { id ref } }",
        {
            "i0": {
                "ref": "P1",
                "type": "DEFAULT",
                "name": "One",
                "gtin": "1",
                "catalogue": {"ref": "PC:MASTER:1"},
                "prices": [{"type": "DEFAULT", "currency": "EUR", "value": 3}],
            },
            "i1": {
                "ref": "P1",
                "type": "DEFAULT",
                "name": "Dup",
                "gtin": "1",
                "catalogue": {"ref": "PC:MASTER:1"},
            },
        },
    ),
    (
        "mutation M($i: CreateStandardProductInput!) { createStandardProduct(input: $i)"
        " { id } }",
        {},
    ),
    (
        "mutation M($i: CreateStandardProductInput) { createStandardProduct(input: $i)"
        " { id } }",
        {"i": {"ref": "x"}},
    ),
    (
        "query Q($first: Int) { locations(first: $first) { edges { node { ref } } } }",
        {"first": 2},
    ),
    (
        "query Q($first: Int) { locations(first: $first) { edges { node { ref } } } }",
        {"first": "two"},
    ),
    (
        "query A { locations(first: 1) { edges { cursor } } }"
        " query B { networks(first: 1) { edges { node { ref } } } }",
        {},
    ),
    (
        "fragment F on Location { ref } { locations(first: 1) { edges { node { ...F } } } }",
        {},
    ),
]


@pytest.mark.parametrize(("query", "variables"), DOCUMENTS)
@pytest.mark.parametrize("operation_name", [None, "B", "Missing"])
def test_documents_answer_as_execute_sync(
    query: str, variables: dict[str, Any], operation_name: str | None
) -> None:
    cache = DocumentCache()
    entry = cache.get(query)
    assert not entry.errors and entry.plan is not None
    fresh, planned = _sandbox(), _sandbox()
    expected = execute_sync(
        schema(),
        entry.document,
        variable_values=copy.deepcopy(variables),
        operation_name=operation_name,
        context_value={"state": fresh},
    )
    got = execute_planned(
        entry.plan,
        entry.document,
        copy.deepcopy(variables),
        operation_name,
        {"state": planned},
    )
    assert _strip(got.data) == _strip(expected.data)
    assert [e.message for e in got.errors or []] == [
        e.message for e in expected.errors or []
    ]


def _strip(data: Any) -> Any:
    """Ids are fresh UUIDs per sandbox: compare everything else."""
    if isinstance(data, dict):
        return {k: "<id>" if k == "id" else _strip(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_strip(v) for v in data]
    return data


def test_cache_keeps_plan_with_document_and_evicts_both() -> None:
    cache = DocumentCache(size=2)
    first = cache.get("{ __typename }")
    assert cache.get("{ __typename }") is first
    cache.get("query A { __typename }")
    cache.get("query B { __typename }")  # evicts the first (least recently used)
    again = cache.get("{ __typename }")
    assert again is not first
    assert again.plan is not None and again.plan is not first.plan


def test_invalid_document_has_errors_and_no_plan() -> None:
    entry = DocumentCache().get("{ locations { nope } }")
    assert entry.plan is None
    assert entry.errors and isinstance(entry.errors[0], GraphQLError)
