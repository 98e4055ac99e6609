"""The CLI fails in one line: the variable or host named, the password masked, exit 2
for configuration and 1 for runtime failures, and never a traceback."""

from __future__ import annotations

import json
import logging
import socket
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from connector.cli import main
from connector.cli_errors import HumanLogHandler
from connector.store import messages
from connector.store.db import Store
from tests.support import services

SECRET = "s3cr3t-pw"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run(tmp_path: Path, *args: str, **env: str) -> Result:
    base = {
        "CONNECTOR_DATA_DIR": str(tmp_path),
        "DATABASE_URL": "",
        "CELERY_BROKER_URL": "",
        "REDIS_URL": "",
        "CONNECTOR_CONFIG": "",
    }
    return CliRunner().invoke(main, list(args), env={**base, **env})


def one_line_error(result: Result, code: int) -> str:
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert SECRET not in result.output
    return lines[0]


@pytest.fixture
def upgraded(tmp_path: Path) -> Path:
    result = run(tmp_path, "db", "upgrade")
    assert result.exit_code == 0, result.output
    return tmp_path


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgress://u:s3cr3t-pw@db/x", "did you mean postgres://"),
        ("mysql://u:s3cr3t-pw@db/x", "unsupported database 'mysql'"),
        ("not-a-url", "DATABASE_URL is not a database URL"),
        ("postgresql://u:s3cr3t-pw@db:5432", "no database name"),
    ],
)
def test_bad_database_url_is_config_error(tmp_path, url, expected):
    line = one_line_error(run(tmp_path, "status", DATABASE_URL=url), 2)
    assert "DATABASE_URL" in line and expected in line


def test_refused_database_port_is_runtime_error(tmp_path):
    url = f"postgresql://postgres:{SECRET}@127.0.0.1:{free_port()}/x"
    line = one_line_error(run(tmp_path, "status", DATABASE_URL=url), 1)
    assert "DATABASE_URL (127.0.0.1:" in line and "connection refused" in line


def test_unknown_database_is_config_error(tmp_path):
    services.need("PostgreSQL", services.PG_HOST, services.PG_PORT)
    url = (
        f"postgresql://{services.PG_USER}@{services.PG_HOST}:{services.PG_PORT}"
        "/i13b_no_such_database"
    )
    line = one_line_error(run(tmp_path, "db", "upgrade", DATABASE_URL=url), 2)
    assert 'database "i13b_no_such_database" does not exist' in line


@pytest.mark.parametrize(
    ("variable", "url", "expected"),
    [
        ("CELERY_BROKER_URL", "nope", "CELERY_BROKER_URL is not a broker URL"),
        ("REDIS_URL", "redsi://127.0.0.1:6379/0", "did you mean redis://"),
    ],
)
def test_bad_broker_url_is_config_error(tmp_path, variable, url, expected):
    line = one_line_error(run(tmp_path, "status", **{variable: url}), 2)
    assert expected in line


def test_unset_database_without_schema_says_what_is_wrong(tmp_path):
    line = one_line_error(run(tmp_path, "messages", "list"), 2)
    assert "not at the latest schema" not in line
    assert "DATABASE_URL is not set" in line and "connector db upgrade" in line


def test_replay_of_unknown_id_exits_1(upgraded):
    line = one_line_error(run(upgraded, "messages", "replay", "424242"), 1)
    assert line == "error: no message with id 424242"


def test_replay_with_unreachable_broker_exits_1(upgraded):
    store = Store(f"sqlite:///{upgraded / 'connector.db'}")
    row = messages.record(
        store,
        messages.NewMessage(
            source="fluent",
            message_id="m-1",
            name="fc.connect.order.webhook.order-status-update",
            payload={},
            route="fc.connect.order.webhook.order-status-update",
            handler="order_status.update",
            status="failed",
        ),
    )
    store.engine.dispose()
    broker = f"redis://:{SECRET}@127.0.0.1:{free_port()}/0"
    result = run(upgraded, "messages", "replay", str(row), REDIS_URL=broker)
    line = one_line_error(result, 1)
    assert "broker unreachable" in line


def test_unreachable_api_is_one_line_naming_host(upgraded):
    port = free_port()
    env = {
        "CTP_PROJECT_KEY": "p",
        "CTP_CLIENT_ID": "c",
        "CTP_CLIENT_SECRET": SECRET,
        "CTP_API_URL": f"http://127.0.0.1:{port}",
        "CTP_AUTH_URL": f"http://127.0.0.1:{port}",
        "FLUENT_API_URL": f"http://127.0.0.1:{port}",
        "FLUENT_ACCOUNT_ID": "A",
        "FLUENT_RETAILER_ID": "1",
        "FLUENT_CLIENT_ID": "c",
        "FLUENT_CLIENT_SECRET": SECRET,
        "FLUENT_USERNAME": "u",
        "FLUENT_PASSWORD": SECRET,
        "FLUENT_CATALOGUE_REF": "PC:MASTER:1",
    }
    line = one_line_error(run(upgraded, "sync", "categories", **env), 1)
    assert f"127.0.0.1:{port}" in line and "unreachable" in line
    assert "CTP_" in line


def test_version_and_sync_help(tmp_path):
    from importlib.metadata import version

    result = run(tmp_path, "--version")
    assert result.exit_code == 0
    assert result.output.strip() == f"connector {version('ct-fluent-connector')}"
    result = run(tmp_path, "sync", "--help")
    assert result.exit_code == 0
    modules = result.output.split("Modules:")[1]
    for name in ("categories", "products", "locations", "inventory"):
        assert name in modules


def test_json_outputs(upgraded):
    result = run(upgraded, "status", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert isinstance(data, dict) and data
    result = run(upgraded, "messages", "list", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == []


def test_log_lines_are_words_not_event_names():
    handler = HumanLogHandler()
    record = logging.makeLogRecord(
        {
            "name": "connector.sync",
            "levelname": "ERROR",
            "msg": "sync.run.failed",
            "sync_module": "products",
            "url": f"redis://:{SECRET}@h:6379/0",
        }
    )
    line = handler.format(record)
    assert line.startswith("error: sync run failed (sync_module=products")
    assert SECRET not in line and "sync.run.failed" not in line
