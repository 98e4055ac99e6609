"""SQLAlchemy 2 models of the connector's store (DESIGN.md §4).

Only ``connector.store`` queries these tables. Timestamps are timezone-aware UTC on both
PostgreSQL (timestamptz) and SQLite (stored as text, re-tagged UTC on read).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """DateTime that always returns aware UTC datetimes (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(
        self, value: datetime | None, dialect: Any
    ) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(
        self, value: datetime | None, dialect: Any
    ) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


JSONType = JSON().with_variant(JSONB(), "postgresql")
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class InboundMessage(Base):
    """One accepted inbound message (webhook, polled CT message, external call)."""

    __tablename__ = "inbound_messages"
    __table_args__ = (
        UniqueConstraint("source", "message_id"),
        Index("ix_inbound_messages_status_updated_at", "status", "updated_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(32))
    message_id: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(255))
    resource_type: Mapped[str | None] = mapped_column(String(64))
    resource_id: Mapped[str | None] = mapped_column(String(255))
    route: Mapped[str | None] = mapped_column(String(200))
    handler: Mapped[str | None] = mapped_column(String(255))
    # received -> queued -> processing -> done | failed ; retrying ; ignored
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    deliveries: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # a `retrying` row's backoff ends here: no delivery claims it earlier (a duplicate
    # the sweeper re-published, say), so a Retry-After is honoured whatever delivers it
    retry_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SyncCheckpoint(Base):
    """Where a (module, scope) batch sync got to, plus the lease of the run holding it."""

    __tablename__ = "sync_checkpoints"
    __table_args__ = (UniqueConstraint("module", "scope"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    module: Mapped[str] = mapped_column(String(64))
    scope: Mapped[str] = mapped_column(String(255))
    cursor: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    lease_owner: Mapped[str | None] = mapped_column(String(255))
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SyncRun(Base):
    """One batch sync run with its counts."""

    __tablename__ = "sync_runs"
    __table_args__ = (Index("ix_sync_runs_module_started_at", "module", "started_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    module: Mapped[str] = mapped_column(String(64))
    scope: Mapped[str] = mapped_column(String(255))
    trigger: Mapped[str] = mapped_column(String(16), default="beat")
    full: Mapped[bool] = mapped_column(Boolean, default=False)
    dry_run: Mapped[bool] = mapped_column(Boolean, default=False)
    # pending -> running -> succeeded | partial | failed ; skipped
    status: Mapped[str] = mapped_column(String(16))
    counts: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    error: Mapped[str | None] = mapped_column(Text)
    app_version: Mapped[str | None] = mapped_column(String(32))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class EntityFingerprint(Base):
    """Hash of the last payload written for one source entity of one module."""

    __tablename__ = "entity_fingerprints"
    __table_args__ = (UniqueConstraint("module", "source_key"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    module: Mapped[str] = mapped_column(String(64))
    source_key: Mapped[str] = mapped_column(String(255))
    target_ref: Mapped[str | None] = mapped_column(String(255))
    hash: Mapped[str] = mapped_column(String(64))
    synced_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class OrderWatermark(Base):
    """The newest Fluent order status applied to a commercetools order (order_status):
    a message older than it must not move the order backwards."""

    __tablename__ = "order_watermarks"
    __table_args__ = (UniqueConstraint("fluent_ref"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    fluent_ref: Mapped[str] = mapped_column(String(255))
    ct_order_id: Mapped[str | None] = mapped_column(String(255))
    status: Mapped[str | None] = mapped_column(String(64))
    fluent_updated_on: Mapped[str | None] = mapped_column(String(64))
    applied_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class OutboundDelivery(Base):
    """The external_out outbox: one signed POST to deliver, with its attempts."""

    __tablename__ = "outbound_deliveries"
    __table_args__ = (
        UniqueConstraint("dedupe_key"),
        Index(
            "ix_outbound_deliveries_status_next_attempt_at", "status", "next_attempt_at"
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    target: Mapped[str] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(Text)
    dedupe_key: Mapped[str] = mapped_column(String(255))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType)
    # pending -> delivered | failed ; (retrying keeps "pending" with next_attempt_at)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    response_status: Mapped[int | None] = mapped_column(Integer)
    inbound_message_id: Mapped[int | None] = mapped_column(BigId)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    next_attempt_at: Mapped[datetime | None] = mapped_column(
        UTCDateTime, default=utcnow
    )
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
