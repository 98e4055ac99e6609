"""inbound_messages.retry_at: when a `retrying` row's backoff ends.

Revision ID: i14_retry_at
Revises: i9_watermark
Create Date: 2026-12-06 02:30

A claim refuses a `retrying` row before its ``retry_at``, so a duplicate delivery (the
sweeper re-publishing a row whose delayed message the broker still holds) can no longer
run an attempt before the backoff or the server's Retry-After has passed.
"""

import sqlalchemy as sa
from alembic import op

from connector.models import UTCDateTime

revision = "i14_retry_at"
down_revision = "i9_watermark"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("inbound_messages") as batch:
        batch.add_column(sa.Column("retry_at", UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("inbound_messages") as batch:
        batch.drop_column("retry_at")
