"""A new pool process drops the parent's database connections, HTTP clients and tokens."""

from __future__ import annotations

from pathlib import Path

from connector.config import Config
from connector.runtime import Runtime
from sandbox.serve import connector_env


def test_after_fork_forgets_connections_clients_and_token_caches(
    tmp_path: Path,
) -> None:
    env = {
        **connector_env("http://127.0.0.1:9", "http://127.0.0.1:9", ""),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'c.db'}",
        "CONNECTOR_DATA_DIR": str(tmp_path),
        "CONNECTOR_MODULES": "",
    }
    env.pop("FLUENT_WEBHOOK_PUBLIC_KEYS")
    runtime = Runtime(Config.from_env(env))
    runtime.store.ping()  # the parent holds a pooled connection
    assert runtime.store.engine.pool.checkedin() == 1
    ct, fluent = runtime.ct(), runtime.fluent()
    assert runtime.ct() is ct  # one client (session + token cache) per process

    runtime.after_fork()

    assert runtime.store.engine.pool.checkedin() == 0
    assert runtime.ct() is not ct and runtime.fluent() is not fluent
    assert runtime.ct().auth is not ct.auth  # a token cache of its own
    runtime.store.ping()  # and the store still works, on a new connection
    runtime.store.dispose()
