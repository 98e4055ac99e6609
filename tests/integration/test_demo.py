"""`connector demo` end to end, as a new user runs it: exit code and summary."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

MODULES = (
    "categories",
    "products",
    "locations",
    "inventory",
    "customers",
    "orders",
    "order_status",
    "fulfilments",
    "consignments",
    "availability",
    "external_in",
    "external_out",
    "event_errors",
    "notifications",
    "ct_messages",
    "fluent_connect",
)


@pytest.mark.timeout(240)
def test_demo_converges(tmp_path):
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(
            (
                "CTP_",
                "FLUENT_",
                "CONNECTOR_",
                "DATABASE_URL",
                "REDIS_URL",
                "CELERY_BROKER_URL",
            )
        )
    }
    proc = subprocess.run(
        [sys.executable, "-m", "connector.cli", "demo", "--data-dir", str(tmp_path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=200,
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output[-4000:]
    assert "converged in" in output and "NOT converged" not in output
    for module in MODULES:
        line = next(
            (ln for ln in output.splitlines() if ln.startswith(module + " ")), ""
        )
        assert "✔" in line, f"{module}: {line!r}\n{output[-3000:]}"
    assert (tmp_path / "connector.db").exists()  # the embedded SQLite store was used
    assert (tmp_path / "broker.db").exists()  # and the embedded SQLite broker
    # the default field profile (ct_fields: fluent): Fluent connector's names
    for module, names in (
        ("locations", ("flStoreDetails", "flEmail", "flLatitude", "flLongitude")),
        ("orders", ("pickup STORE_SYD read from flCustomField.flPickupLocationRef",)),
        ("fulfilments", ("flFulfilment", "flFulfilmentMetadata")),
        ("consignments", ("flConsignmentRef", "flConsignmentStatus", "flTrackingUrl")),
    ):
        line = next(ln for ln in output.splitlines() if ln.startswith(module + " "))
        assert all(name in line for name in names), f"{module}: {line!r}"
