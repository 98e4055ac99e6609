"""Migrations: upgrade -> downgrade -> upgrade on PostgreSQL and SQLite; models match."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from click.testing import CliRunner
from sqlalchemy import inspect

from connector.cli import main
from connector.models import Base
from connector.store import migrate
from connector.store.db import make_engine
from tests.support import services

TABLES = {
    "inbound_messages",
    "sync_checkpoints",
    "sync_runs",
    "entity_fingerprints",
    "outbound_deliveries",
    "alembic_version",
}


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'm.db'}"
        return
    url, name = services.create_pg_database()
    yield url
    services.drop_pg_database(name)


def tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_upgrade_downgrade_upgrade(database_url, tmp_path):
    env = {"DATABASE_URL": database_url, "CONNECTOR_DATA_DIR": str(tmp_path)}
    result = CliRunner().invoke(main, ["db", "upgrade"], env=env)
    assert result.exit_code == 0, result.output
    assert tables(database_url) == TABLES
    result = CliRunner().invoke(main, ["db", "downgrade", "base"], env=env)
    assert result.exit_code == 0, result.output
    assert tables(database_url) <= {"alembic_version"}
    migrate.upgrade(database_url)
    assert tables(database_url) == TABLES
    assert migrate.is_current(database_url)
    engine = make_engine(database_url)
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    engine.dispose()
    result = CliRunner().invoke(main, ["db", "current"], env=env)
    assert "current: 0001" in result.output
