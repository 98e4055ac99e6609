"""Run both sandboxes and describe how to point the connector at them.

Used by ``connector sandbox``, ``connector demo``, the tests and the benchmarks.
"""

from __future__ import annotations

from dataclasses import dataclass

from sandbox import defaults as d
from sandbox.common import DEFAULT_SERVER, SandboxServer


@dataclass
class Sandboxes:
    ct: SandboxServer
    fluent: SandboxServer

    @property
    def fluent_public_key_pem(self) -> str:
        return str(self.fluent.app.extensions["fluent_sandbox"].public_key_pem)

    def env(self) -> dict[str, str]:
        return connector_env(self.ct.url, self.fluent.url, self.fluent_public_key_pem)

    def stop(self) -> None:
        self.ct.stop()
        self.fluent.stop()


def start_sandboxes(
    host: str = "127.0.0.1",
    ct_port: int = 0,
    fluent_port: int = 0,
    server: str = DEFAULT_SERVER,
) -> Sandboxes:
    """Serve both sandboxes in daemon threads (port 0 = any free port) with
    ``server`` ("evented" or "threaded": ``SandboxServer``)."""
    from sandbox.commercetools import create_app as create_ct
    from sandbox.fluent import create_app as create_fluent

    ct = SandboxServer(create_ct(), host, ct_port, server=server).start()
    fluent = SandboxServer(create_fluent(), host, fluent_port, server=server).start()
    return Sandboxes(ct, fluent)


def connector_env(
    ct_url: str, fluent_url: str, fluent_public_key: str
) -> dict[str, str]:
    """The connector's environment for the sandboxes' default identities."""
    return {
        "CTP_PROJECT_KEY": d.CT_PROJECT_KEY,
        "CTP_CLIENT_ID": d.CT_CLIENT_ID,
        "CTP_CLIENT_SECRET": d.CT_CLIENT_SECRET,
        "CTP_SCOPES": d.CT_SCOPES,
        "CTP_API_URL": ct_url,
        "CTP_AUTH_URL": ct_url,
        "CTP_INVENTORY_CHANNEL_KEY": "fluent-ats",
        "FLUENT_API_URL": fluent_url,
        "FLUENT_ACCOUNT_ID": d.FLUENT_ACCOUNT_ID,
        "FLUENT_RETAILER_ID": d.FLUENT_RETAILER_ID,
        "FLUENT_CLIENT_ID": d.FLUENT_CLIENT_ID,
        "FLUENT_CLIENT_SECRET": d.FLUENT_CLIENT_SECRET,
        "FLUENT_USERNAME": d.FLUENT_USERNAME,
        "FLUENT_PASSWORD": d.FLUENT_PASSWORD,
        "FLUENT_CATALOGUE_REF": d.FLUENT_CATALOGUE_REF,
        "FLUENT_VIRTUAL_CATALOGUE_REF": d.FLUENT_VIRTUAL_CATALOGUE_REF,
        "FLUENT_NETWORK_REF": d.FLUENT_NETWORK_REF,
        "FLUENT_WEBHOOK_PUBLIC_KEYS": fluent_public_key,
    }


def shell_exports(env: dict[str, str]) -> str:
    """``export NAME='value'`` lines (values single-quoted for POSIX shells)."""
    lines = []
    for name, value in env.items():
        quoted = "'" + value.replace("'", "'\"'\"'") + "'"
        lines.append(f"export {name}={quoted}")
    return "\n".join(lines)
