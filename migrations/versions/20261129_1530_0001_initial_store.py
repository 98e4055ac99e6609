"""Initial store: inbound messages, checkpoints, runs, fingerprints, outbox.

Revision ID: 0001
Revises:
Create Date: 2026-11-29 15:30
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from connector.models import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

JSONType = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "inbound_messages",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("message_id", sa.String(255), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("resource_type", sa.String(64)),
        sa.Column("resource_id", sa.String(255)),
        sa.Column("route", sa.String(200)),
        sa.Column("handler", sa.String(255)),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("deliveries", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("last_error", sa.Text()),
        sa.Column("result", JSONType),
        sa.Column("payload", JSONType, nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("started_at", UTCDateTime()),
        sa.Column("finished_at", UTCDateTime()),
        sa.PrimaryKeyConstraint("id", name="pk_inbound_messages"),
        sa.UniqueConstraint(
            "source", "message_id", name="uq_inbound_messages_source_message_id"
        ),
    )
    op.create_index(
        "ix_inbound_messages_status_updated_at",
        "inbound_messages",
        ["status", "updated_at"],
    )
    op.create_table(
        "sync_checkpoints",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("module", sa.String(64), nullable=False),
        sa.Column("scope", sa.String(255), nullable=False),
        sa.Column("cursor", JSONType, nullable=False),
        sa.Column("lease_owner", sa.String(255)),
        sa.Column("lease_expires_at", UTCDateTime()),
        sa.Column("last_started_at", UTCDateTime()),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_sync_checkpoints"),
        sa.UniqueConstraint("module", "scope", name="uq_sync_checkpoints_module_scope"),
    )
    op.create_table(
        "sync_runs",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("module", sa.String(64), nullable=False),
        sa.Column("scope", sa.String(255), nullable=False),
        sa.Column("trigger", sa.String(16), nullable=False),
        sa.Column("full", sa.Boolean(), nullable=False),
        sa.Column("dry_run", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("counts", JSONType, nullable=False),
        sa.Column("error", sa.Text()),
        sa.Column("app_version", sa.String(32)),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime()),
        sa.PrimaryKeyConstraint("id", name="pk_sync_runs"),
    )
    op.create_index(
        "ix_sync_runs_module_started_at", "sync_runs", ["module", "started_at"]
    )
    op.create_table(
        "entity_fingerprints",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("module", sa.String(64), nullable=False),
        sa.Column("source_key", sa.String(255), nullable=False),
        sa.Column("target_ref", sa.String(255)),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("synced_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_entity_fingerprints"),
        sa.UniqueConstraint(
            "module", "source_key", name="uq_entity_fingerprints_module_source_key"
        ),
    )
    op.create_table(
        "outbound_deliveries",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("target", sa.String(200), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("dedupe_key", sa.String(255), nullable=False),
        sa.Column("payload", JSONType, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("last_error", sa.Text()),
        sa.Column("response_status", sa.Integer()),
        sa.Column("inbound_message_id", BigId),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime()),
        sa.Column("delivered_at", UTCDateTime()),
        sa.PrimaryKeyConstraint("id", name="pk_outbound_deliveries"),
        sa.UniqueConstraint("dedupe_key", name="uq_outbound_deliveries_dedupe_key"),
    )
    op.create_index(
        "ix_outbound_deliveries_status_next_attempt_at",
        "outbound_deliveries",
        ["status", "next_attempt_at"],
    )


def downgrade() -> None:
    op.drop_index(
        "ix_outbound_deliveries_status_next_attempt_at", "outbound_deliveries"
    )
    op.drop_table("outbound_deliveries")
    op.drop_table("entity_fingerprints")
    op.drop_index("ix_sync_runs_module_started_at", "sync_runs")
    op.drop_table("sync_runs")
    op.drop_table("sync_checkpoints")
    op.drop_index("ix_inbound_messages_status_updated_at", "inbound_messages")
    op.drop_table("inbound_messages")
