"""Compiles a parsed predicate (``predicates`` AST) into a fast ``doc -> bool`` closure.

Semantics follow commercetools' document model: a field holding an array matches when any
element matches (``variants(sku = "x")``, ``roles = "X"``); a nested predicate on an object
applies to that object (``supplyChannel(id = "...")``, ``name(en = "...")``). A missing field
never satisfies a comparison except ``!=`` / ``not in`` [I: document-store semantics, not
confirmed against a real project]. Values of mismatched JSON types are unequal.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

from .predicates import (
    And,
    Compare,
    Contains,
    Defined,
    Empty,
    In,
    Literal,
    Nested,
    Node,
    Not,
    Or,
)

Matcher = Callable[[Any], bool]
_MISSING = object()
_ORDER_OPS: dict[str, Callable[[Any, Any], bool]] = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
}


def _coerce(literal: Literal, sample: Any) -> Any:
    """Placeholder values are strings; give them the type of the field value compared."""
    value = literal.value
    if not literal.from_var or not isinstance(value, str):
        return value
    if isinstance(sample, bool):
        return {"true": True, "false": False}.get(value, value)
    if isinstance(sample, (int, float)):
        try:
            return float(value) if "." in value else int(value)
        except ValueError:
            return value
    return value


def _same_kind(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool)
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return True
    return isinstance(a, str) and isinstance(b, str)


def _scalar_matcher(node: Compare) -> Callable[[Any], bool]:
    lit = node.literal
    if node.op in ("=", "!="):

        def equals(value: Any) -> bool:
            other = _coerce(lit, value)
            return _same_kind(value, other) and value == other

        return equals
    order = _ORDER_OPS[node.op]

    def compare(value: Any) -> bool:
        other = _coerce(lit, value)
        return _same_kind(value, other) and order(value, other)

    return compare


def _any_element(test: Callable[[Any], bool]) -> Callable[[Any], bool]:
    def check(value: Any) -> bool:
        if isinstance(value, list):
            return any(test(v) for v in value)
        return test(value)

    return check


def compile_node(node: Node) -> Matcher:
    """Return a function that tells whether a document (dict) matches ``node``."""
    if isinstance(node, And):
        parts = [compile_node(p) for p in node.parts]
        return lambda doc: all(p(doc) for p in parts)
    if isinstance(node, Or):
        parts = [compile_node(p) for p in node.parts]
        return lambda doc: any(p(doc) for p in parts)
    if isinstance(node, Not):
        inner = compile_node(node.inner)
        return lambda doc: not inner(doc)
    if isinstance(node, Nested):
        return _nested(node)
    if isinstance(node, Compare):
        return _compare(node)
    if isinstance(node, In):
        return _in(node)
    if isinstance(node, Defined):
        name, want = node.field, node.defined

        def defined(doc: Any) -> bool:
            present = isinstance(doc, dict) and doc.get(name) is not None
            return present == want

        return defined
    if isinstance(node, Empty):
        return _empty(node)
    if isinstance(node, Contains):
        return _contains(node)
    raise TypeError(f"unknown predicate node {node!r}")


def _field(doc: Any, name: str) -> Any:
    if isinstance(doc, dict):
        value = doc.get(name, _MISSING)
        return _MISSING if value is None else value
    return _MISSING


def _nested(node: Nested) -> Matcher:
    name, inner = node.field, compile_node(node.inner)

    def nested(doc: Any) -> bool:
        value = _field(doc, name)
        if isinstance(value, dict):
            return inner(value)
        if isinstance(value, list):
            return any(inner(v) for v in value if isinstance(v, dict))
        return False

    return nested


def _compare(node: Compare) -> Matcher:
    name = node.field
    test = _any_element(_scalar_matcher(node))
    if node.op == "!=":

        def not_equal(doc: Any) -> bool:
            value = _field(doc, name)
            return value is _MISSING or not test(value)

        return not_equal

    def compare(doc: Any) -> bool:
        value = _field(doc, name)
        return value is not _MISSING and test(value)

    return compare


def _in(node: In) -> Matcher:
    name = node.field
    plain = [lit.value for lit in node.literals if not lit.from_var]
    hashable = {v for v in plain if not isinstance(v, bool)}
    literals = node.literals

    def member(value: Any) -> bool:
        if isinstance(value, str) and value in hashable:
            return True
        for lit in literals:
            other = _coerce(lit, value)
            if _same_kind(value, other) and value == other:
                return True
        return False

    test = _any_element(member)

    def check(doc: Any) -> bool:
        value = _field(doc, name)
        found = value is not _MISSING and test(value)
        return not found if node.negated else found

    return check


def _empty(node: Empty) -> Matcher:
    name, want = node.field, node.empty

    def empty(doc: Any) -> bool:
        value = _field(doc, name)
        if value is _MISSING:
            return want
        if isinstance(value, (list, dict)):
            return (len(value) == 0) == want
        return not want

    return empty


def _contains(node: Contains) -> Matcher:
    name, mode, literals = node.field, node.mode, node.literals

    def has(values: list[Any], lit: Literal) -> bool:
        for v in values:
            other = _coerce(lit, v)
            if _same_kind(v, other) and v == other:
                return True
        return False

    def contains(doc: Any) -> bool:
        value = _field(doc, name)
        if not isinstance(value, list):
            return False
        if mode == "all":
            return all(has(value, lit) for lit in literals)
        return any(has(value, lit) for lit in literals)

    return contains
