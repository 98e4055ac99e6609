"""Unit tests of the commercetools sandbox's query predicate parser and evaluator."""

from __future__ import annotations

import pytest

from sandbox.commercetools.predicate_eval import compile_node
from sandbox.commercetools.predicates import (
    And,
    Compare,
    Contains,
    Defined,
    In,
    Nested,
    Not,
    Or,
    PredicateError,
    parse,
)

PRODUCT = {
    "id": "b-2",
    "key": "runner",
    "version": 3,
    "published": True,
    "price": 12.5,
    "name": {"en": "Runner", "de": "Läufer"},
    "roles": ["InventorySupply", "ProductDistribution"],
    "masterVariant": {"sku": "SKU-1", "attributes": [{"name": "size", "value": 42}]},
    "variants": [{"sku": "SKU-2"}, {"sku": "SKU-3"}],
    "supplyChannel": {"typeId": "channel", "id": "c-1"},
    "resource": {"typeId": "order", "id": "o-1"},
    "createdAt": "2026-11-23T10:15:02.114Z",
    "empty": [],
}


def matches(text: str, variables: dict[str, list[str]] | None = None) -> bool:
    return compile_node(parse(text, variables))(PRODUCT)


def test_ast_shapes_and_precedence():
    node = parse('a = "x" or b = 1 and not(c is defined)')
    assert isinstance(node, Or)
    assert node.parts[0] == Compare("a", "=", node.parts[0].literal)
    assert isinstance(node.parts[1], And)
    assert isinstance(node.parts[1].parts[1], Not)
    assert isinstance(node.parts[1].parts[1].inner, Defined)
    nested = parse('supplyChannel(id = "c-1")')
    assert isinstance(nested, Nested) and nested.field == "supplyChannel"
    assert isinstance(parse('k not in ("a")'), In) and parse('k not in ("a")').negated
    assert parse('r contains any ("a", "b")') == Contains(
        "r", "any", parse('r contains any ("a", "b")').literals
    )
    assert parse("x <> 1").op == "!="


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('key = "runner"', True),
        ('key != "runner"', False),
        ('key != "other"', True),
        ('id > "a"', True),
        ('id > "b-2"', False),
        ('id >= "b-2"', True),
        ('id < "c"', True),
        ('id <= "b-1"', False),
        ("version = 3", True),
        ("version > 2.5", True),
        ("price <= 12.5", True),
        ("published = true", True),
        ("published = false", False),
        ('version = "3"', False),
        ('createdAt > "2026-11-23T10:15:02Z"', True),
        ('createdAt = "2026-11-23T11:15:02.114+01:00"', True),
        ('createdAt < "2026-11-23T10:15:02.115Z"', True),
        ('key in ("a", "runner")', True),
        ('key in ("a", "b")', False),
        ('key not in ("a", "b")', True),
        ("version in (1, 2, 3)", True),
        ("key is defined", True),
        ("missing is defined", False),
        ("missing is not defined", True),
        ('missing != "x"', True),
        ('missing = "x"', False),
        ("empty is empty", True),
        ("roles is not empty", True),
        ('roles contains "ProductDistribution"', True),
        ('roles contains any ("Primary", "InventorySupply")', True),
        ('roles contains any ("Primary", "OrderExport")', False),
        ('roles contains all ("InventorySupply", "ProductDistribution")', True),
        ('roles contains all ("InventorySupply", "Primary")', False),
        ('roles = "InventorySupply"', True),
        ('name(en = "Runner")', True),
        ('name(de = "Läufer" and en = "Nope")', False),
        ('supplyChannel(id = "c-1")', True),
        ('resource(typeId = "order")', True),
        ('masterVariant(sku = "SKU-3") or variants(sku = "SKU-3")', True),
        ('masterVariant(sku = "SKU-9") or variants(sku = "SKU-9")', False),
        ('masterVariant(attributes(name = "size" and value = 42))', True),
        ('not(key = "runner")', False),
        ('not(key = "x") and (version = 1 or version = 3)', True),
        ('((key = "runner"))', True),
        ('key = "run\\"ner"', False),
    ],
)
def test_operator_families(text, expected):
    assert matches(text) is expected


def test_placeholders():
    assert matches(
        "masterVariant(sku = :sku) or variants(sku = :sku)", {"sku": ["SKU-2"]}
    )
    assert matches("version = :v", {"v": ["3"]})  # string placeholder vs number field
    assert matches("published = :p", {"p": ["true"]})
    assert matches("key in :keys", {"keys": ["a", "runner"]})
    assert not matches("key in :keys", {"keys": ["a", "b"]})
    assert matches('id > :last and key = "runner"', {"last": ["a"]})


@pytest.mark.parametrize(
    "text",
    [
        "",
        "key",
        'key == "x"',
        'key = "x" xor key = "y"',
        'key = "x" and',
        'key = "unterminated',
        "key = unquoted",
        'masterData.current(sku = "x")',
        "geo within circle(1, 2, 3)",
        'key in "x"',
        "key in ()",
        'not key = "x"',
        'name(en = "x"',
        'key = "x")',
        'key is "x"',
        "key = :missing",
        "key = @",
    ],
)
def test_bad_syntax_is_rejected(text):
    with pytest.raises(PredicateError):
        parse(text, {})


def test_multi_valued_placeholder_in_single_position_is_rejected():
    with pytest.raises(PredicateError):
        parse("key = :k", {"k": ["a", "b"]})


def test_error_message_points_at_the_problem():
    with pytest.raises(PredicateError) as info:
        parse('key = "x" xor y = 1')
    assert "column 11" in str(info.value)
    assert "xor" in str(info.value)
