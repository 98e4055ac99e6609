"""Helpers for the Fluent-connector compatibility tests: an in-process runtime pointed
at both sandboxes whose env lacks the values Fluent's settings provide, and setting
reads/writes through Fluent's own GraphQL API."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from connector.config import Config
from connector.fluent_connect import settings as fs
from connector.runtime import Runtime
from connector.store import migrate
from sandbox.serve import connector_env

FROM_SETTINGS = (
    "FLUENT_CATALOGUE_REF",
    "CTP_INVENTORY_CHANNEL_KEY",
    "FLUENT_VIRTUAL_CATALOGUE_REF",
    "FLUENT_NETWORK_REF",
)
CREATE = (
    "mutation C($input: CreateSettingInput) { createSetting(input: $input) { id } }"
)
READ = (
    "query R($names: [String]) { settings(name: $names, first: 10) {"
    " edges { node { id name context contextId lobValue value } } } }"
)


def settings_env(
    ct_url: str, fluent_url: str, tmp: Path, **extra: str
) -> dict[str, str]:
    env = connector_env(ct_url, fluent_url, "")
    for name in FROM_SETTINGS:
        env.pop(name)
    env.pop("FLUENT_WEBHOOK_PUBLIC_KEYS")
    env.update(
        CONNECTOR_DATA_DIR=str(tmp),
        DATABASE_URL=f"sqlite:///{tmp / 'connector.db'}",
        CONNECTOR_API_TOKENS="t-1",
    )
    env.update(extra)
    return env


@contextmanager
def runtime_for(env: dict[str, str]) -> Iterator[Runtime]:
    migrate.upgrade(env["DATABASE_URL"])
    runtime = Runtime(Config.from_env(env, read_dotenv=False))
    try:
        yield runtime
    finally:
        runtime.store.dispose()


def create_setting(
    runtime: Runtime,
    name: str,
    value: dict[str, Any],
    context: str = "ACCOUNT",
    context_id: int = 0,
) -> None:
    runtime.fluent().graphql(
        CREATE,
        {
            "input": {
                "name": name,
                "valueType": "JSON",
                "lobValue": value,
                "context": context,
                "contextId": context_id,
            }
        },
    )
    fs.snapshot_cache(runtime.caches).clear()


def read_setting(runtime: Runtime, name: str) -> dict[str, Any]:
    data = runtime.fluent().graphql(READ, {"names": [name]})
    nodes = [e["node"] for e in data["settings"]["edges"]]
    assert len(nodes) == 1, nodes
    value = nodes[0]["lobValue"]
    return json.loads(value) if isinstance(value, str) else value
