"""run log: Xero's day remainder at the end of each run

Revision ID: 0003
Revises: 0002

- ``xd_run.day_remaining``: the calls Xero said were left today
  (``X-DayLimit-Remaining``, less the calls sent since) when the run ended,
  so that a new process plans its first pass with what Xero last said, not
  only with the calls it counted itself.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("xd_run", schema=None) as batch_op:
        batch_op.add_column(sa.Column("day_remaining", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("xd_run", schema=None) as batch_op:
        batch_op.drop_column("day_remaining")
