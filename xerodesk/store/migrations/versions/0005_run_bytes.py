"""run log: the bytes each run read from Xero

Revision ID: 0005
Revises: 0004

- ``xd_run.bytes_read``: the bytes of Xero's answers as read, after
  decompression;
- ``xd_run.wire_bytes``: the same answers' bytes as they crossed the network
  (compressed when Xero compressed them).

Xero charges apps for the data they read out, so the day's figures are the
sum of the runs of the last 24 hours, like its calls.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("xd_run", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("bytes_read", sa.BigInteger(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("wire_bytes", sa.BigInteger(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    with op.batch_alter_table("xd_run", schema=None) as batch_op:
        batch_op.drop_column("wire_bytes")
        batch_op.drop_column("bytes_read")
