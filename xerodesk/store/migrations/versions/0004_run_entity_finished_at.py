"""run log: when each entity's read finished in a run

Revision ID: 0004
Revises: 0003

- ``xd_run_entity.finished_at``: when the entity's walk finished in that run
  (every page read and saved, the cursor moved on); empty when the run stopped
  or failed before it did. This is what says how old the CRM's copy of an
  entity is: a run that wrote some pages of invoices and then failed leaves it
  empty, and an entity read whole in a run that failed later keeps it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from xerodesk.store.types import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("xd_run_entity", schema=None) as batch_op:
        batch_op.add_column(sa.Column("finished_at", UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("xd_run_entity", schema=None) as batch_op:
        batch_op.drop_column("finished_at")
