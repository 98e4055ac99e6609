"""categories mapping: locale rule, refs, parent links, ancestor ordering, options."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from connector.errors import ConfigError
from connector.modules.categories.mapping import (
    category_payload,
    localized,
    page_records,
    plan_record,
)
from connector.modules.categories.options import CategoryOptions

PAYLOADS = Path(__file__).parents[2] / "payloads" / "commercetools"
CATALOGUE = "PC:MASTER:2"


@pytest.fixture
def categories() -> list[dict]:
    return json.loads((PAYLOADS / "categories.json").read_text())


def by_key(items: list[dict], key: str) -> dict:
    return next(c for c in items if c.get("key") == key)


def test_locale_rule_exact_fallback_language_then_first() -> None:
    value = {"en-GB": "Shoes", "de-DE": "Schuhe", "fr-FR": "Chaussures"}
    assert localized(value, ["de-DE"]) == "Schuhe"
    assert localized(value, ["nl-NL", "fr-FR"]) == "Chaussures"  # fallback locale
    assert localized(value, ["en"]) == "Shoes"  # same language
    assert localized(value, ["en-US"]) == "Shoes"  # en-US -> en-GB by language
    assert localized(value, ["it-IT"]) == "Schuhe"  # first present (sorted)
    assert localized({"en": ""}, ["en"]) is None
    assert localized(None, ["en"]) is None
    assert localized("plain", ["en"]) == "plain"


def test_root_category_payload(categories: list[dict]) -> None:
    root = by_key(categories, "women")
    payload = category_payload(
        root, parent_ref=None, catalogue=CATALOGUE, locales=["de-DE"], type_="DEFAULT"
    )
    assert payload == {
        "kind": "category",
        "ref": "women",
        "catalogue": {"ref": CATALOGUE},
        "type": "DEFAULT",
        "name": "Damen",
        "summary": "Alles für Damen",
        "status": "ACTIVE",
        "parentCategory": None,  # explicit: an update moves a category to the root
    }


def test_category_without_key_or_description_and_other_locale(
    categories: list[dict],
) -> None:
    shoes = by_key(categories, "women-shoes")
    payload = category_payload(
        shoes,
        parent_ref="women",
        catalogue=CATALOGUE,
        locales=["en-US"],
        type_="DEFAULT",
    )
    assert payload["name"] == "Shoes"
    assert "summary" not in payload  # no description: no summary sent
    assert payload["parentCategory"] == {
        "ref": "women",
        "catalogue": {"ref": CATALOGUE},
    }
    sandals = categories[2]
    payload = category_payload(
        sandals, parent_ref=None, catalogue=CATALOGUE, locales=["en-US"], type_="X"
    )
    assert payload["ref"] == sandals["id"]  # no key: the id
    assert payload["name"] == "Sandalen"  # only German present
    long = {**sandals, "description": {"en": "x" * 400}}
    summary = category_payload(
        long, parent_ref=None, catalogue=CATALOGUE, locales=["en"], type_="X"
    )["summary"]
    assert len(summary) == 255


def test_child_before_parent_in_page_carries_missing_ancestors(
    categories: list[dict],
) -> None:
    # a page holding only the grandchild (its id sorts before both ancestors)
    sandals = categories[2]
    records, refs = page_records([sandals])
    assert refs == {
        sandals["id"]: sandals["id"],
        "9f1c2d3e-0000-4000-8000-000000000001": "women",
        "1a2b3c4d-0000-4000-8000-000000000002": "women-shoes",
    }
    planned = plan_record(
        records[0], refs, catalogue=CATALOGUE, locales=["en-US"], type_="DEFAULT"
    )
    assert [(p.payload["ref"], p.level) for p in planned] == [
        ("women", 0),
        ("women-shoes", 1),
        (sandals["id"], 2),
    ]
    assert planned[0].payload["parentCategory"] is None  # a root: explicit null
    assert planned[1].payload["parentCategory"]["ref"] == "women"
    assert planned[2].payload["parentCategory"]["ref"] == "women-shoes"
    assert [p.key for p in planned] == [
        "9f1c2d3e-0000-4000-8000-000000000001",
        "1a2b3c4d-0000-4000-8000-000000000002",
        sandals["id"],
    ]


def test_ancestors_in_the_page_or_carried_once_are_not_repeated(
    categories: list[dict],
) -> None:
    sandals = categories[2]
    sibling = {**sandals, "id": "0c000000-0000-4000-8000-000000000004", "key": "heels"}
    root = by_key(categories, "women")
    page = sorted([sandals, sibling, root], key=lambda c: c["id"])
    records, refs = page_records(page)
    carried = {r["id"]: [a["key"] for a in r["ancestors"]] for r in records}
    # women is in the page itself; women-shoes travels with the first child only
    assert carried == {
        sandals["id"]: ["women-shoes"],
        sibling["id"]: [],
        root["id"]: [],
    }
    keys = [
        p.key
        for r in records
        for p in plan_record(r, refs, catalogue=CATALOGUE, locales=["en"], type_="D")
    ]
    assert len(keys) == len(set(keys)) == 4


def test_deleted_record_plans_a_deactivation() -> None:
    (planned,) = plan_record(
        {"id": "c-1", "deleted": True, "ref": "old-cat"},
        {},
        catalogue=CATALOGUE,
        locales=["en"],
        type_="DEFAULT",
    )
    assert planned.key == "c-1"
    assert planned.payload["status"] == "INACTIVE"
    assert planned.payload["_only_if_exists"] is True


def test_options_defaults_and_validation() -> None:
    opts = CategoryOptions.from_mapping(None, CATALOGUE)
    assert opts.locales == ("en",)
    assert opts.on_delete == "deactivate"
    assert (opts.stream.batch_size, opts.stream.max_in_flight) == (25, 4)
    opts = CategoryOptions.from_mapping(
        {"locale": "de-DE", "fallback_locales": ["en", "de-DE"], "batch_size": 1},
        CATALOGUE,
    )
    assert opts.locales == ("de-DE", "en")
    assert opts.stream.batch_size == 1
    with pytest.raises(ConfigError, match=r"modules\.categories\.on_delete"):
        CategoryOptions.from_mapping({"on_delete": "purge"}, CATALOGUE)
    with pytest.raises(ConfigError, match=r"modules\.categories\.batch_size"):
        CategoryOptions.from_mapping({"batch_size": 0}, CATALOGUE)
    with pytest.raises(ConfigError, match=r"modules\.categories\.colour"):
        CategoryOptions.from_mapping({"colour": "red"}, CATALOGUE)
