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
    "order_watermarks",
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
    assert f"current: {migrate.head_revision(database_url)}" in result.output


def test_watermarks_move_out_of_fingerprints_and_back(database_url):
    """i9_watermark: order_status fingerprints (``<updatedOn>|<status>``) become rows of
    order_watermarks; other modules' fingerprints stay; the downgrade moves them back."""
    from sqlalchemy import text

    migrate.upgrade(database_url, "0001")
    engine = make_engine(database_url)
    insert = text(
        "INSERT INTO entity_fingerprints (module, source_key, target_ref, hash, synced_at)"
        " VALUES (:m, :k, :r, :h, CURRENT_TIMESTAMP)"
    )
    with engine.begin() as conn:
        conn.execute(
            insert,
            {
                "m": "order_status",
                "k": "FO-1",
                "r": "ct-1",
                "h": "2026-12-01T10:00:00Z|SHIPPED",
            },
        )
        conn.execute(insert, {"m": "products", "k": "p-1", "r": "P1", "h": "abc"})
    migrate.upgrade(database_url, "i9_watermark")
    with engine.connect() as conn:
        marks = conn.execute(
            text(
                "SELECT fluent_ref, ct_order_id, status, fluent_updated_on FROM order_watermarks"
            )
        ).all()
        modules = (
            conn.execute(text("SELECT module FROM entity_fingerprints")).scalars().all()
        )
    assert [tuple(m) for m in marks] == [
        ("FO-1", "ct-1", "SHIPPED", "2026-12-01T10:00:00Z")
    ]
    assert modules == ["products"]
    migrate.downgrade(database_url, "0001")
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT source_key, target_ref, hash FROM entity_fingerprints WHERE module = 'order_status'"
            )
        ).all()
    assert [tuple(r) for r in rows] == [
        ("FO-1", "ct-1", "2026-12-01T10:00:00Z|SHIPPED")
    ]
    engine.dispose()
