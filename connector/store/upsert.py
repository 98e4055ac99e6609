"""Dialect-aware INSERT ... ON CONFLICT helpers (PostgreSQL and SQLite)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def insert_for(session: Session, table: Any) -> Any:
    """The dialect's ``insert`` construct (it has ``on_conflict_do_*``)."""
    return dialect_insert(session.get_bind().dialect.name, table)


def dialect_insert(name: str, table: Any) -> Any:
    """``insert(table)`` of the dialect called ``name`` (postgresql or sqlite)."""
    if name == "postgresql":
        return postgresql.insert(table)
    if name == "sqlite":
        return sqlite.insert(table)
    raise RuntimeError(f"unsupported database dialect {name!r}")
