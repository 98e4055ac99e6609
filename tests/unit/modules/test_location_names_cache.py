"""Fluent location names: one query for the refs not cached, kept for a TTL."""

from __future__ import annotations

from typing import Any

from connector.fluent_orders.fetch import location_names


class FakeFluent:
    base_url = "https://acme.api.fluentretail.com"
    account_id = "ACME"

    def __init__(self, names: dict[str, str]) -> None:
        self.names = names
        self.asked: list[list[str]] = []

    def graphql(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        self.asked.append(list(variables["ref"]))
        nodes = [
            {"node": {"ref": r, "name": self.names[r]}}
            for r in variables["ref"]
            if r in self.names
        ]
        return {"locations": {"edges": nodes}}


def test_uncached_reads_every_time() -> None:
    fluent = FakeFluent({"L1": "Berlin"})
    assert location_names(fluent, ["L1"]) == {"L1": "Berlin"}  # type: ignore[arg-type]
    assert location_names(fluent, ["L1"]) == {"L1": "Berlin"}  # type: ignore[arg-type]
    assert len(fluent.asked) == 2


def test_cache_asks_only_for_new_refs_and_remembers_unknown_ones() -> None:
    fluent = FakeFluent({"L1": "Berlin", "L2": "Hamburg"})
    cache: dict = {}
    got = location_names(fluent, ["L1", "", "NOPE"], cache=cache)  # type: ignore[arg-type]
    assert got == {"L1": "Berlin"}
    got = location_names(fluent, ["L2", "L1", "NOPE"], cache=cache)  # type: ignore[arg-type]
    assert got == {"L1": "Berlin", "L2": "Hamburg"}
    assert fluent.asked == [["L1", "NOPE"], ["L2"]]
    assert location_names(fluent, ["L1", "L2"], cache=cache) == got  # type: ignore[arg-type]
    assert len(fluent.asked) == 2


def test_expired_entries_are_read_again() -> None:
    fluent = FakeFluent({"L1": "Berlin"})
    cache: dict = {}
    location_names(fluent, ["L1"], cache=cache, ttl=0)  # type: ignore[arg-type]
    fluent.names["L1"] = "Berlin Mitte"
    assert location_names(fluent, ["L1"], cache=cache) == {"L1": "Berlin Mitte"}  # type: ignore[arg-type]
    assert len(fluent.asked) == 2


def test_the_cache_is_per_fluent_account() -> None:
    cache: dict = {}
    one, other = FakeFluent({"L1": "Berlin"}), FakeFluent({"L1": "Paris"})
    other.account_id = "OTHER"
    assert location_names(one, ["L1"], cache=cache) == {"L1": "Berlin"}  # type: ignore[arg-type]
    assert location_names(other, ["L1"], cache=cache) == {"L1": "Paris"}  # type: ignore[arg-type]
