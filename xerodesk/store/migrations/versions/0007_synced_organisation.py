"""synced organisation: the Xero organisation a CRM database belongs to

Revision ID: 0007
Revises: 0006

- ``xd_organisation``: at most one row, the tenant id and name of the Xero
  organisation the database is synced with and where that Xero lives,
  recorded when the database first connects. Connecting the database to
  another organisation is refused.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from xerodesk.store.types import UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "xd_organisation",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("xero", sa.String(255), nullable=False),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("tenant_id"),
    )


def downgrade() -> None:
    op.drop_table("xd_organisation")
