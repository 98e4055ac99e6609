"""Shared fixtures. Markers come from the directory (tests/unit -> unit, tests/integration
-> integration, tests/faults -> faults)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from sandbox.common import SandboxServer

TESTS_DIR = Path(__file__).parent


@pytest.hookimpl(trylast=True)  # after pytest groups items by fixture parameters
def pytest_collection_modifyitems(
    config: pytest.Config, items: list[pytest.Item]
) -> None:
    for item in items:
        rel = Path(str(item.fspath)).relative_to(TESTS_DIR)
        if rel.parts and rel.parts[0] in ("unit", "integration", "faults"):
            item.add_marker(getattr(pytest.mark, rel.parts[0]))

    # Tests on the foundation stack run after every test on the connected stack:
    # starting a second embedded Celery worker in this process while the connected
    # stack's worker runs leaves the latter consuming nothing (its messages stay
    # `queued`); the other way round is fine. A stable sort keeps the order otherwise.
    items.sort(key=lambda item: "foundation_stack" in getattr(item, "fixturenames", ()))


@pytest.fixture(scope="session")
def ct_sandbox_server() -> Iterator[SandboxServer]:
    """The commercetools sandbox on an ephemeral loopback port, once per session."""
    from sandbox.commercetools import create_app

    server = SandboxServer(create_app()).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def fluent_sandbox_server() -> Iterator[SandboxServer]:
    """The Fluent sandbox on an ephemeral loopback port, once per session."""
    from sandbox.fluent import create_app

    server = SandboxServer(create_app()).start()
    yield server
    server.stop()


@pytest.fixture
def ct_sandbox(ct_sandbox_server: SandboxServer) -> SandboxServer:
    """The commercetools sandbox, reset (data, calls, faults) before the test."""
    requests.post(
        f"{ct_sandbox_server.url}/_sandbox/reset", timeout=10
    ).raise_for_status()
    return ct_sandbox_server


@pytest.fixture
def fluent_sandbox(fluent_sandbox_server: SandboxServer) -> SandboxServer:
    """The Fluent sandbox, reset (data, calls, faults, webhooks) before the test."""
    requests.post(
        f"{fluent_sandbox_server.url}/_sandbox/reset", timeout=10
    ).raise_for_status()
    return fluent_sandbox_server


# -- connector stacks (app + store + broker + real worker) ------------------------------
PAYLOADS = TESTS_DIR / "payloads"


@pytest.fixture(scope="session", params=["sqlite", "postgres", "rabbitmq"])
def foundation_stack(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
):
    """The connector with the foundation test routes, once per backend per session."""
    from tests.support import signing
    from tests.support.stack import running_stack

    env = {
        "CONNECTOR_CONFIG": str(PAYLOADS / "foundation.yml"),
        "CONNECTOR_MODULES": "",
        "FLUENT_WEBHOOK_PUBLIC_KEYS": signing.public_pem("primary")
        + "\n"
        + signing.public_der_b64("rotated"),
    }
    tmp = tmp_path_factory.mktemp(f"stack-{request.param}")
    with running_stack(request.param, tmp, env) as stack:
        yield stack


@pytest.fixture
def stack(foundation_stack):
    """A clean foundation stack (empty tables, reset test handlers)."""
    from tests import handlers

    foundation_stack.clean()
    handlers.reset()
    return foundation_stack


@pytest.fixture(scope="session")
def connected_session(ct_sandbox_server, fluent_sandbox_server, tmp_path_factory):
    """Every module enabled, pointed at both sandboxes, served over HTTP, real worker.

    PostgreSQL + Redis when reachable (required in CI), else SQLite + embedded broker.
    """
    from connector.loopback import LoopbackServer
    from sandbox.serve import connector_env
    from tests.support import services
    from tests.support.stack import Connected, module_names, running_stack

    key = requests.get(f"{fluent_sandbox_server.url}/_sandbox/keys", timeout=10).json()
    env = connector_env(
        ct_sandbox_server.url, fluent_sandbox_server.url, key["public_key_pem"]
    )
    env["CONNECTOR_MODULES"] = ",".join(module_names())
    backend = "postgres"
    try:
        services.redis_url()
        services.need("PostgreSQL", services.PG_HOST, services.PG_PORT)
    except pytest.skip.Exception:
        backend = "sqlite"
    with running_stack(backend, tmp_path_factory.mktemp("connected"), env) as stack:
        server = LoopbackServer(stack.app).start()
        try:
            yield Connected(
                stack, server.url, ct_sandbox_server.url, fluent_sandbox_server.url
            )
        finally:
            server.stop()


@pytest.fixture
def connected(connected_session, ct_sandbox, fluent_sandbox):
    """A clean connected stack: empty store, reset sandboxes, Fluent webhooks aimed at
    the connector's webhook endpoint."""
    connected_session.stack.clean()
    requests.post(
        f"{fluent_sandbox.url}/_sandbox/webhooks/config",
        json={"url": f"{connected_session.url}/api/v1/fluent-connect/webhook"},
        timeout=10,
    ).raise_for_status()
    return connected_session
