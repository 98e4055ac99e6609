"""Order-status watermarks in their own table (were in entity_fingerprints.hash).

Revision ID: i9_watermark
Revises: 0001
Create Date: 2026-12-05 22:10

The upgrade moves every ``order_status`` fingerprint (``hash`` = ``<updatedOn>|<status>``)
into ``order_watermarks``; the downgrade moves them back.
"""

import sqlalchemy as sa
from alembic import op

from connector.models import UTCDateTime, utcnow

revision = "i9_watermark"
down_revision = "0001"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
MODULE = "order_status"

fingerprints = sa.table(
    "entity_fingerprints",
    sa.column("module", sa.String),
    sa.column("source_key", sa.String),
    sa.column("target_ref", sa.String),
    sa.column("hash", sa.String),
    sa.column("synced_at", UTCDateTime()),
)
watermarks = sa.table(
    "order_watermarks",
    sa.column("fluent_ref", sa.String),
    sa.column("ct_order_id", sa.String),
    sa.column("status", sa.String),
    sa.column("fluent_updated_on", sa.String),
    sa.column("applied_at", UTCDateTime()),
)


def upgrade() -> None:
    op.create_table(
        "order_watermarks",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("fluent_ref", sa.String(255), nullable=False),
        sa.Column("ct_order_id", sa.String(255)),
        sa.Column("status", sa.String(64)),
        sa.Column("fluent_updated_on", sa.String(64)),
        sa.Column("applied_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_order_watermarks"),
        sa.UniqueConstraint("fluent_ref", name="uq_order_watermarks_fluent_ref"),
    )
    conn = op.get_bind()
    rows = conn.execute(
        sa.select(
            fingerprints.c.source_key,
            fingerprints.c.target_ref,
            fingerprints.c.hash,
            fingerprints.c.synced_at,
        ).where(fingerprints.c.module == MODULE)
    ).all()
    moved = []
    for ref, ct_id, mark, synced_at in rows:
        updated_on, _, status = (mark or "").partition("|")
        moved.append(
            {
                "fluent_ref": ref,
                "ct_order_id": ct_id,
                "status": status or None,
                "fluent_updated_on": updated_on or None,
                "applied_at": synced_at or utcnow(),
            }
        )
    if moved:
        conn.execute(watermarks.insert(), moved)
    conn.execute(fingerprints.delete().where(fingerprints.c.module == MODULE))


def downgrade() -> None:
    conn = op.get_bind()
    rows = conn.execute(
        sa.select(
            watermarks.c.fluent_ref,
            watermarks.c.ct_order_id,
            watermarks.c.status,
            watermarks.c.fluent_updated_on,
            watermarks.c.applied_at,
        )
    ).all()
    back = [
        {
            "module": MODULE,
            "source_key": ref,
            "target_ref": ct_id,
            "hash": f"{updated_on or ''}|{status or ''}"[:64],
            "synced_at": applied_at or utcnow(),
        }
        for ref, ct_id, status, updated_on, applied_at in rows
    ]
    if back:
        conn.execute(fingerprints.insert(), back)
    op.drop_table("order_watermarks")
