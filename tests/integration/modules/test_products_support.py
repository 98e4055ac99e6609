"""Helpers of the catalogue integration tests (categories, products): the CT sandbox
driver, Fluent state through GraphQL, and Fluent sandbox call counts. No tests here."""

from __future__ import annotations

from typing import Any

import requests

from sandbox.commercetools.testing import CtSandboxApi

CATALOGUE = "PC:MASTER:1"

CATEGORIES_QUERY = """
query($c: ProductCatalogueKey, $first: Int) {
  categories(catalogue: $c, first: $first) {
    edges { node { ref name summary status parentCategory { ref } } }
  }
}"""

STANDARD_QUERY = """
query($ref: String!, $c: ProductCatalogueKey!) {
  standardProduct(ref: $ref, catalogue: $c) {
    ref name status gtin summary
    prices { type currency value }
    attributes { name type value }
    categories(first: 50) { edges { node { ref } } }
    variants(first: 50) { edges { node { ref status name gtin
      prices { type currency value } } } }
  }
}"""


def ct_api(connected: Any) -> CtSandboxApi:
    api = CtSandboxApi(requests.Session(), connected.ct_url)
    api.login()
    return api


def fluent_categories(connected: Any) -> dict[str, dict[str, Any]]:
    data = connected.runtime.fluent().graphql(
        CATEGORIES_QUERY, {"c": {"ref": CATALOGUE}, "first": 5000}
    )
    nodes = [e["node"] for e in data["categories"]["edges"]]
    return {n["ref"]: n for n in nodes}


def fluent_standard(connected: Any, ref: str) -> dict[str, Any] | None:
    data = connected.runtime.fluent().graphql(
        STANDARD_QUERY, {"ref": ref, "c": {"ref": CATALOGUE}}
    )
    return data["standardProduct"]


def edges(node: dict[str, Any], name: str) -> list[dict[str, Any]]:
    return [e["node"] for e in node[name]["edges"]]


def reset_calls(url: str) -> None:
    requests.delete(f"{url}/_sandbox/calls", timeout=10).raise_for_status()


def calls(url: str) -> dict[str, int]:
    resp = requests.get(f"{url}/_sandbox/calls", timeout=10)
    resp.raise_for_status()
    return resp.json()["counts"]


def fault(url: str, **rule: Any) -> None:
    requests.post(f"{url}/_sandbox/faults", json=rule, timeout=10).raise_for_status()


def entities(url: str, table: str, limit: int = 5000) -> list[dict[str, Any]]:
    resp = requests.get(
        f"{url}/_sandbox/entities/{table}", params={"limit": limit}, timeout=10
    )
    resp.raise_for_status()
    return resp.json()["results"]
