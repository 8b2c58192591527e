"""webhook events: Xero's change notifications, kept until their records are read

Revision ID: 0006
Revises: 0005

- ``xd_webhook_event``: one row per event of a verified delivery (category,
  record id, event type and time, when it came, its delivery's sequence), and
  when its record was read and written and by which run. A repeated delivery
  adds nothing (unique on category, record, type and time).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from xerodesk.store.types import UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "xd_webhook_event",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("category", sa.String(64), nullable=False),
        sa.Column("resource_id", sa.String(64), nullable=False),
        sa.Column("event_type", sa.String(64), nullable=False),
        sa.Column("event_at", UTCDateTime(), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.Column("sequence", sa.BigInteger(), nullable=True),
        sa.Column("done_at", UTCDateTime(), nullable=True),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(64), nullable=True),
        sa.UniqueConstraint("category", "resource_id", "event_type", "event_at"),
    )
    op.create_index(
        "ix_xd_webhook_event_waiting", "xd_webhook_event", ["done_at", "category"], unique=False
    )
    op.create_index(
        "ix_xd_webhook_event_received_at", "xd_webhook_event", ["received_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_xd_webhook_event_received_at", table_name="xd_webhook_event")
    op.drop_index("ix_xd_webhook_event_waiting", table_name="xd_webhook_event")
    op.drop_table("xd_webhook_event")
