"""The compiled executor answers as graphql-core's ``execute_sync`` (sandbox/fluent/graphql_exec.py).

Whole documents run both ways - graphql-core's ``execute_sync`` and the planned route
that runs the compiled operation - on identical fresh state, and the answers are
compared as JSON text (data with its key order, then every error's message,
locations, path and extensions, and the type and text of the original error), plus
what the resolvers saw (arguments, resolve info) and did (call order). A toy schema
covers the error paths (resolvers raising, null for non-null fields at every depth,
lists with failing items, bad leaf values); the Fluent schema covers the sandbox's own
documents (batches of mutations with business errors, unknown refs, nested
connections). ``test_the_comparison_catches_a_divergent_fast_path`` shows the
comparison fails when the compiled path drifts.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from graphql import (
    ExecutionResult,
    GraphQLResolveInfo,
    GraphQLSchema,
    build_schema,
    execute_sync,
    parse,
    validate,
)

from sandbox.fluent import graphql_exec
from sandbox.fluent.graphql_api import schema as fluent_schema
from sandbox.fluent.graphql_plan import DocumentPlan, InputCoercers, execute_planned
from sandbox.fluent.resolvers import FluentError
from sandbox.fluent.resolvers.products import create_product
from sandbox.fluent.seed import seed
from sandbox.fluent.state import FluentSandbox

# ------------------------------------------------------------------ comparison
UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
TS_RE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|\+0000)")


def answer_text(result: ExecutionResult) -> str:
    """Data (key order kept) and errors as JSON, ids and timestamps normalised."""
    errors = [
        {
            **error.formatted,
            "original": (
                None
                if error.original_error is None
                else [type(error.original_error).__name__, str(error.original_error)]
            ),
        }
        for error in result.errors or []
    ]
    text = json.dumps({"data": result.data, "errors": errors}, default=repr)
    return TS_RE.sub("<ts>", UUID_RE.sub("<uuid>", text))


def run_both(
    make_schema: Callable[[], GraphQLSchema],
    make_context: Callable[[], Any],
    query: str,
    variables: dict[str, Any] | None = None,
    operation_name: str | None = None,
    *,
    expect_compiled: bool = True,
) -> tuple[str, str, Any, Any]:
    """(graphql-core's answer, the planned route's answer, their contexts)."""
    built = make_schema()
    document = parse(query)
    assert validate(built, document) == []
    plan = DocumentPlan(built, InputCoercers(built), document)
    op_plan = plan.operation(operation_name)
    assert (op_plan is not None and op_plan.compiled is not None) == expect_compiled
    slow_context, fast_context = make_context(), make_context()
    expected = execute_sync(
        built,
        document,
        variable_values=copy.deepcopy(variables or {}),
        operation_name=operation_name,
        context_value=slow_context,
    )
    got = execute_planned(
        plan,
        document,
        copy.deepcopy(variables or {}),
        operation_name,
        fast_context,
    )
    return answer_text(expected), answer_text(got), slow_context, fast_context


# ------------------------------------------------------------------ toy schema
TOY_SDL = """
directive @experimental_disableErrorPropagation on QUERY | MUTATION | SUBSCRIPTION
enum Kind { A B }
input AddInput { name: String!, tags: [String], n: Int = 5 }
type Item {
  id: ID!
  name: String
  strictName: String!
  tags: [String!]
  looseTags: [String]
  children: [Item]
  strictChildren: [Item!]
  child: Item!
  maybeChild: Item
  weight: Float
  kind: Kind
  raises: String
  strictRaises: String!
  computed: String
  echo(text: String = "dflt", times: Int): String
  seen: String
}
interface Named { name: String }
type Person implements Named { name: String, age: Int, friend: Named }
type Robot implements Named { name: String, model: String! }
union Thing = Person | Robot | Item
type Query {
  named(t: String): Named
  nameds: [Named]
  strictNameds: [Named!]
  thing(t: String): Thing
  item(id: ID!): Item
  items(ids: [ID!]): [Item]
  strictItem(id: ID!): Item!
  count(n: Int = 3, s: String): Int
  boom: String
  limit(first: Int!): Int
}
type Mutation {
  add(input: AddInput!): Item
  addStrict(input: AddInput): Item!
  fail(message: String): Item
}
"""

ROWS: dict[str, dict[str, Any]] = {
    "1": {
        "id": "1",
        "name": "one",
        "tags": ["a", "b"],
        "looseTags": ["x", None],
        "children": ["2", "9", "3"],
        "child": "2",
        "weight": 1.5,
        "kind": "A",
    },
    "2": {
        "id": "2",
        "name": None,
        "tags": ["c", None],
        "looseTags": None,
        "children": [],
        "child": None,
        "weight": "heavy",
        "kind": "C",
    },
    "3": {
        "id": "3",
        "name": "three",
        "tags": "not-a-list",
        "looseTags": 7,
        "children": None,
        "child": "1",
        "weight": float("inf"),
        "kind": None,
        "computed": lambda info, **args: (
            f"computed {info.field_name} {info.path.as_list()}"
        ),
    },
}


def _row(item_id: Any) -> Any:
    return copy.deepcopy(ROWS.get(str(item_id)))


def _record(info: GraphQLResolveInfo, **args: Any) -> None:
    info.context["log"].append(
        {
            "field": info.field_name,
            "nodes": [n.loc.start if n.loc else None for n in info.field_nodes],
            "return": str(info.return_type),
            "parent": info.parent_type.name,
            "path": info.path.as_list(),
            "typenames": _typenames(info.path),
            "operation": info.operation.name.value if info.operation.name else None,
            "variables": info.variable_values.coerced,
            "fragments": sorted(info.fragments),
            "root": info.root_value,
            "args": args,
        }
    )


def _typenames(path: Any) -> list[Any]:
    out = []
    while path is not None:
        out.append(path.typename)
        path = path.prev
    return out


def toy_schema() -> GraphQLSchema:
    built = build_schema(TOY_SDL)
    query, mutation, item = (built.type_map[n] for n in ("Query", "Mutation", "Item"))

    def resolver(type_: Any, name: str) -> Callable[[Callable], Callable]:
        def attach(fn: Callable) -> Callable:
            def resolve(source: Any, info: GraphQLResolveInfo, **args: Any) -> Any:
                _record(info, **args)
                return fn(source, info, **args)

            type_.fields[name].resolve = resolve
            return fn

        return attach

    @resolver(query, "item")
    def _item(_s: Any, _i: Any, id: str) -> Any:
        return _row(id)

    @resolver(query, "items")
    def _items(_s: Any, _i: Any, ids: list[str] | None = None) -> Any:
        return [_row(i) for i in ids or ROWS]

    @resolver(query, "strictItem")
    def _strict_item(_s: Any, _i: Any, id: str) -> Any:
        return _row(id)

    @resolver(query, "count")
    def _count(_s: Any, _i: Any, n: int, s: str | None = None) -> Any:
        return n if s is None else len(s) + n

    @resolver(query, "boom")
    def _boom(_s: Any, _i: Any) -> Any:
        raise RuntimeError("boom")

    @resolver(query, "limit")
    def _limit(_s: Any, _i: Any, first: int) -> Any:
        return first

    @resolver(mutation, "add")
    def _add(_s: Any, info: Any, input: dict[str, Any]) -> Any:
        if input["name"] == "bad":
            raise FluentError("name is bad", "C0001E")
        row = {"id": str(len(info.context["added"]) + 10), **input}
        info.context["added"].append(row)
        return row

    @resolver(mutation, "addStrict")
    def _add_strict(_s: Any, info: Any, input: dict[str, Any] | None = None) -> Any:
        return None if input is None else _add(_s, info, input)

    @resolver(mutation, "fail")
    def _fail(_s: Any, _i: Any, message: str | None = None) -> Any:
        raise ValueError(message or "failed")

    @resolver(item, "strictName")
    def _strict_name(row: Any, _i: Any) -> Any:
        return row.get("name")

    @resolver(item, "children")
    def _children(row: Any, _i: Any) -> Any:
        ids = row.get("children")
        return None if ids is None else [_row(i) for i in ids]

    @resolver(item, "strictChildren")
    def _strict_children(row: Any, _i: Any) -> Any:
        return [_row(i) for i in row.get("children") or []]

    @resolver(item, "child")
    def _child(row: Any, _i: Any) -> Any:
        return _row(row.get("child"))

    @resolver(item, "maybeChild")
    def _maybe_child(row: Any, _i: Any) -> Any:
        return _row(row.get("child"))

    @resolver(item, "raises")
    def _raises(row: Any, _i: Any) -> Any:
        raise FluentError(f"no raise for {row['id']}", "C0002E")

    @resolver(item, "strictRaises")
    def _strict_raises(row: Any, _i: Any) -> Any:
        if row["id"] == "3":
            return "fine"
        raise KeyError(row["id"])

    @resolver(item, "echo")
    def _echo(_row: Any, _i: Any, text: str, times: int | None = None) -> Any:
        return text * (times or 1)

    @resolver(item, "seen")
    def _seen(_row: Any, info: Any) -> Any:
        return info.path.as_list()[-2]

    def resolve_named(_s: Any, info: Any, t: str | None = None) -> Any:
        _record(info, t=t)
        return None if t == "none" else SHAPES[t or "Person"]

    def resolve_nameds(_s: Any, info: Any) -> Any:
        _record(info)
        return [SHAPES[t] for t in ("Person", "Robot", "none-robot", "Ghost", "Person")]

    for type_, name in ((query, "named"), (query, "thing")):
        type_.fields[name].resolve = resolve_named
    query.fields["nameds"].resolve = resolve_nameds
    query.fields["strictNameds"].resolve = resolve_nameds

    def resolve_type(value: Any, info: Any, abstract: Any) -> Any:
        _record(info, abstract=str(abstract))
        return value.get("t")

    built.type_map["Named"].resolve_type = resolve_type  # type: ignore[attr-defined]
    built.type_map["Thing"].resolve_type = resolve_type  # type: ignore[attr-defined]
    built.type_map["Robot"].is_type_of = lambda value, _info: value.get("robot", True)  # type: ignore[attr-defined]
    return built


SHAPES: dict[str, dict[str, Any]] = {
    "Person": {"t": "Person", "name": "Ada", "age": 36, "friend": {"t": "Robot"}},
    "Robot": {"t": "Robot", "name": "R2", "model": "astromech"},
    "none-robot": {"t": "Robot", "name": "R3", "model": None},
    "not-robot": {"t": "Robot", "name": "R4", "model": "x", "robot": False},
    "Ghost": {"t": "Ghost", "name": "Boo"},
    "untyped": {"t": None, "name": "?"},
    "number": {"t": 42, "name": "?"},
    "enum": {"t": "Kind", "name": "?"},
    "Item": {"t": "Item", "id": "7", "name": "item"},
}


def toy_context() -> dict[str, Any]:
    return {"log": [], "added": []}


TOY_DOCUMENTS: list[tuple[str, dict[str, Any] | None, str | None]] = [
    ("{ item(id: 1) { id name tags looseTags weight kind } }", None, None),
    ("{ item(id: 2) { id name } }", None, None),  # default resolver, nulls
    ("{ item(id: 2) { id tags } }", None, None),  # null item in [String!]
    ("{ item(id: 3) { tags looseTags } }", None, None),  # not iterable
    ("{ item(id: 2) { weight } }", None, None),  # Float cannot represent
    ("{ item(id: 3) { weight } }", None, None),  # infinity
    ("{ item(id: 2) { kind } }", None, None),  # not an enum value
    ("{ item(id: 2) { id strictName } }", None, None),  # null for non-null
    ("{ items { id strictName } }", None, None),  # nulls the list items
    ("{ items(ids: [1, 2, 1]) { id child { id name } } }", None, None),
    ("{ item(id: 1) { children { id name raises } } }", None, None),  # 9 unknown
    ("{ item(id: 1) { strictChildren { id } } }", None, None),  # [Item!] + null
    ("{ item(id: 1) { id raises strictRaises name } }", None, None),
    ("{ items { id strictRaises } }", None, None),
    ("{ item(id: 3) { child { child { child { strictName } } } } }", None, None),
    ("{ strictItem(id: 2) { child { id } } boom }", None, None),  # data: null
    ("{ strictItem(id: 9) { id } }", None, None),  # unknown id, non-null root
    ("{ item(id: 3) { computed name } }", None, None),  # callable via default
    ("{ a: item(id: 1) { n: name } b: item(id: 3) { n: name } }", None, None),
    ("{ item(id: 1) { __typename id } __typename }", None, None),
    ("{ item(id: 1) { ... on Item { id ... { name } } kind } }", None, None),
    ("{ named { name ... on Person { age friend { name } } } }", None, None),
    ('{ n: named(t: "Robot") { __typename name ... on Robot { model } } }', None, None),
    ('{ named(t: "none-robot") { ... on Robot { model } name } }', None, None),
    ('{ named(t: "not-robot") { name } }', None, None),  # is_type_of false
    ('{ named(t: "Ghost") { name } }', None, None),  # unknown type name
    ('{ named(t: "untyped") { name } }', None, None),  # resolve_type -> None
    ('{ named(t: "number") { name } }', None, None),  # not a type name
    ('{ named(t: "enum") { name } }', None, None),  # not an object type
    ('{ named(t: "Item") { name } }', None, None),  # not a possible type
    ('{ named(t: "none") { name } }', None, None),
    (
        "{ nameds { name ... on Robot { model } ... on Named { __typename } } }",
        None,
        None,
    ),
    ("{ strictNameds { name } }", None, None),
    (
        '{ thing(t: "Item") { ... on Item { id strictName } ... on Person { age } } }',
        None,
        None,
    ),
    ('{ thing(t: "Person") { __typename ... on Named { name } } }', None, None),
    ('{ count c2: count(n: 2) c3: count(n: 1, s: "abc") }', None, None),
    ('{ item(id: 1) { echo e2: echo(text: "x", times: 3) } }', None, None),
    ("{ item(id: 1) { maybeChild { seen } m: maybeChild { seen } } }", None, None),
    (
        "query Q($id: ID!, $t: String, $n: Int) { item(id: $id) {"
        " echo(text: $t, times: $n) e: echo(times: $n) } }",
        {"id": "1", "t": "hi", "n": 2},
        None,
    ),
    ("query Q($t: String) { item(id: 1) { echo(text: $t) } }", {}, None),
    ("query Q($t: String) { item(id: 1) { echo(text: $t) } }", {"t": None}, None),
    ("query Q($f: Int!) { limit(first: $f) }", {"f": 4}, None),
    ("query Q($ids: [ID!]) { items(ids: $ids) { id } }", {"ids": None}, None),
    ("query Q($ids: [ID!]) { items(ids: $ids) { id } }", {"ids": "3"}, None),
    ("query Q($n: Int = 7) { count(n: $n) }", {}, None),
    ("query Q($n: Int) { count(n: $n) }", {}, None),
    ("query Q($n: Int) { count(n: $n) }", {"n": None}, None),  # null for Int!
    (
        "mutation M($a: AddInput!, $b: AddInput!, $c: AddInput) {"
        " a: add(input: $a) { id name tags }"
        " b: add(input: $b) { id name }"
        ' f: fail(message: "no") { id }'
        " s: addStrict(input: $c) { id }"
        " after: add(input: $a) { id } }",
        {"a": {"name": "x", "tags": ["t"]}, "b": {"name": "bad"}, "c": None},
        None,
    ),
    (
        'mutation { a: add(input: {name: "lit", tags: "one"}) { id tags }'
        " fail { id } }",
        None,
        None,
    ),
    (
        "mutation M($a: AddInput) { s: addStrict(input: $a) { id strictName }"
        ' add(input: {name: "never"}) { id } }',
        {"a": {"name": "y"}},
        None,
    ),
    (
        "query A { item(id: 1) { id } } query B { boom item(id: 2) { name } }",
        None,
        "B",
    ),
]


@pytest.mark.parametrize(("query", "variables", "operation_name"), TOY_DOCUMENTS)
def test_toy_documents_answer_as_execute_sync(
    query: str, variables: dict[str, Any] | None, operation_name: str | None
) -> None:
    expected, got, slow, fast = run_both(
        toy_schema, toy_context, query, variables, operation_name
    )
    assert got == expected
    assert fast["log"] == slow["log"]  # same resolvers, args and resolve info, in order
    assert fast["added"] == slow["added"]


@pytest.mark.parametrize(
    "query",
    [
        "{ item(id: 1) { ...F } } fragment F on Item { id }",
        "{ item(id: 1) @include(if: true) { id } }",
        "{ item(id: 1) { id name @skip(if: true) } }",
        "{ item(id: 1) { id } item(id: 1) { name } }",  # merged by graphql-core
        "{ __schema { queryType { name } } }",
        "query Q @experimental_disableErrorPropagation { strictItem(id: 2) { id } }",
    ],
)
def test_documents_the_compiler_does_not_vouch_for_run_graphql_core(
    query: str,
) -> None:
    expected, got, slow, fast = run_both(
        toy_schema, toy_context, query, expect_compiled=False
    )
    assert got == expected
    assert fast["log"] == slow["log"]


# --------------------------------------------------------------- Fluent schema
CATALOGUE = {"ref": "PC:MASTER:1"}


def _product(ref: str, **extra: Any) -> dict[str, Any]:
    return {
        "ref": ref,
        "type": "STANDARD",
        "name": f"Name {ref}",
        "gtin": ref[:20],
        "catalogue": CATALOGUE,
        "prices": [{"type": "DEFAULT", "currency": "EUR", "value": 3.5}],
        **extra,
    }


FLUENT_DOCUMENTS: list[tuple[str, dict[str, Any]]] = [
    (
        "mutation Batch($i0: CreateStandardProductInput,"
        " $i1: CreateStandardProductInput, $i2: CreateStandardProductInput,"
        " $i3: CreateStandardProductInput, $u0: UpdateStandardProductInput,"
        " $u1: UpdateStandardProductInput, $v0: CreateVariantProductInput)"
        " { m0: createStandardProduct(input: $i0) { id ref status }"
        " m1: createStandardProduct(input: $i1) { id ref }"
        " m2: createStandardProduct(input: $i2) { id ref }"
        " m3: createStandardProduct(input: $i3) { id ref createdOn }"
        " m4: updateStandardProduct(input: $u0) { id status name }"
        " m5: updateStandardProduct(input: $u1) { id }"
        " m6: createVariantProduct(input: $v0) { id ref product { ref } } }",
        {
            "i0": _product("P1"),
            "i1": _product("P1"),  # already exists
            "i2": _product("P2", categories=[{"ref": "nope", "catalogue": CATALOGUE}]),
            "i3": _product("x" * 101),  # ref too long
            "u0": {"ref": "P1", "catalogue": CATALOGUE, "status": "ACTIVE"},
            "u1": {"ref": "unknown", "catalogue": CATALOGUE, "status": "ACTIVE"},
            "v0": {
                **_product("V1"),
                "type": "VARIANT",
                "product": {"ref": "P1", "catalogue": CATALOGUE},
            },
        },
    ),
    (
        "mutation M($i: CreateStandardProductInput) { createStandardProduct(input: $i)"
        " { id ref catalogue { ref } categories { edges { node { ref } } } } }",
        {"i": _product("P9", catalogue={"ref": "no-such-catalogue"})},
    ),
    (
        "query Q($first: Int) { locations(first: $first) { edges { cursor node { id ref"
        " type status createdOn } } pageInfo { hasNextPage } } }",
        {"first": 2},
    ),
    (
        "query Q { networks(first: 5) { edges { node { __typename id ref status } } } }",
        {},
    ),
    (
        "query Q($ref: [String!]) { standardProducts(ref: $ref, first: 3) { edges {"
        " node { ref status prices { currency value } variants { edges { node { ref"
        " product { ref } } } } } } } }",
        {"ref": ["S1", "nothing"]},
    ),
    (
        "query ConnectorOrder($ref: String, $id: ID) { order(ref: $ref, id: $id) {"
        " id ref type status updatedOn items(first: 100) { pageInfo { hasNextPage }"
        " edges { node { id ref quantity product { ... on VariantProduct { ref }"
        " ... on StandardProduct { ref } } } } } fulfilments(first: 20) { edges {"
        " node { id ref status type updatedOn fromLocation { ref } items(first: 100)"
        " { edges { node { id ref status requestedQuantity filledQuantity"
        " rejectedQuantity orderItem { id ref } } } } articles(first: 20) { edges {"
        " node { id ref status consignmentArticles(first: 5) { edges { node {"
        " consignment { id ref status consignmentReference trackingLabel labelUrl"
        " updatedOn carrier { id ref name } } } } } } } } } } } } }",
        {"ref": "E2E-1"},
    ),
    (
        "query ConnectorOrder($ref: String, $id: ID) { order(ref: $ref, id: $id) {"
        " id ref type status updatedOn } }",
        {"ref": "no-such-order"},
    ),
    (
        "query S($names: [String], $first: Int) { settings(name: $names,"
        ' context: ["RETAILER", "ACCOUNT"], first: $first) { edges { node { id name'
        " valueType context contextId value lobValue } } } }",
        {"names": ["fc.connect.commercetools.general"], "first": 100},
    ),
    ("query Q { locations(first: -1) { edges { node { ref } } } }", {}),
    ('query Q { locations(after: "garbage") { edges { node { ref } } } }', {}),
]


FIXTURES = Path(__file__).resolve().parents[2] / "payloads" / "fluent"


def fluent_context() -> dict[str, Any]:
    """A fresh sandbox with the e2e benchmark's locations, products, customer and
    stock, one order advanced to AWAITING_COURIER_COLLECTION, and one more standard
    product with a variant."""
    state = FluentSandbox()
    fixture = json.loads((FIXTURES / "order_lifecycle.json").read_text())
    seed(state, fixture["fluent"])
    order = {
        "ref": "E2E-1",
        "type": "HD",
        "status": "AWAITING_COURIER_COLLECTION",
        "customer": {"username": "jane@example.com"},
        "fulfilmentChoice": {
            "deliveryType": "STANDARD",
            "deliveryAddress": {"ref": "E2E-1-a", "city": "Berlin", "country": "DE"},
        },
        "items": [
            {"ref": "line-1", "productRef": "SHIRT-M", "quantity": 2},
            {"ref": "line-2", "productRef": "SHIRT", "quantity": 1},
        ],
    }
    seed(state, {"orders": [order]})
    create_product(state, "StandardProduct", _product("S1"))
    variant = {
        **_product("S1-V"),
        "type": "VARIANT",
        "product": {"ref": "S1", "catalogue": CATALOGUE},
    }
    create_product(state, "VariantProduct", variant)
    return {"state": state}


@pytest.mark.parametrize(("query", "variables"), FLUENT_DOCUMENTS)
def test_fluent_documents_answer_as_execute_sync(
    query: str, variables: dict[str, Any]
) -> None:
    expected, got, slow, fast = run_both(
        fluent_schema, fluent_context, query, variables
    )
    assert got == expected
    slow_rows = slow["state"].data.counts()
    assert fast["state"].data.counts() == slow_rows
    assert len(fast["state"].events.records) == len(slow["state"].events.records)


def test_fluent_interface_fields_answer_as_execute_sync() -> None:
    query = (
        "{ locations(first: 2) { edges { node { ref primaryAddress { city"
        " ... on StoreAddress { __typename } } } } } }"
    )
    expected, got, _, _ = run_both(fluent_schema, fluent_context, query)
    assert got == expected
    assert '"city"' in got


# ------------------------------------------------------------ the guard works
def test_the_comparison_catches_a_divergent_fast_path(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """If the compiled path dropped the located error of a nullable field (or got
    anything else wrong), the whole-document comparison above would fail."""
    query = "{ item(id: 1) { id raises name } }"
    expected, got, _, _ = run_both(toy_schema, toy_context, query)
    assert got == expected

    def forget(
        self: Any, raw: Exception, return_type: Any, field: Any, path: Any
    ) -> None:
        return None  # diverges: no error recorded

    monkeypatch.setattr(graphql_exec._Run, "handle_error", forget)
    expected, got, _, _ = run_both(toy_schema, toy_context, query)
    assert got != expected
    with pytest.raises(AssertionError):
        test_toy_documents_answer_as_execute_sync(query, None, None)
