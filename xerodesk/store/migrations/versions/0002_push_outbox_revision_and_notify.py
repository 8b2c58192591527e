"""push outbox: revision, record index, PostgreSQL push notifications

Revision ID: 0002
Revises: 0001

- ``xd_outbox.revision``: bumped when the user retries a refused push after
  fixing the CRM record, so the retry goes under a new Idempotency-Key (Xero
  refuses a known key with a different body, and replays a refusal).
- ``ix_xd_outbox_record``: detection's "is this record queued already?".
- PostgreSQL only: triggers on ``sales_ledger`` and ``quote`` that
  ``pg_notify('xerodesk_push', ...)`` when the CRM commits a new customer or
  confirms a quote, so the engine's listener wakes at once. Other databases
  are polled.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

CHANNEL = "xerodesk_push"

_FUNCTION = f"""
CREATE OR REPLACE FUNCTION xd_notify_push() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('{CHANNEL}', TG_TABLE_NAME || ':' || NEW.id);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql
"""

_TRIGGERS = {
    "sales_ledger": "NEW.origin = 'crm' AND NEW.sales_ledger_id IS NULL",
    "quote": (
        "NEW.status = 'Confirmed' AND NEW.push_state IS NULL AND NEW.xero_invoice_id IS NULL"
    ),
}


def upgrade() -> None:
    with op.batch_alter_table("xd_outbox", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("revision", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.create_index("ix_xd_outbox_record", ["record_table", "record_id"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_FUNCTION)
        for table, condition in _TRIGGERS.items():
            op.execute(
                f"CREATE TRIGGER xd_push_{table} AFTER INSERT OR UPDATE ON {table} "
                f"FOR EACH ROW WHEN ({condition}) EXECUTE FUNCTION xd_notify_push()"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in _TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS xd_push_{table} ON {table}")
        op.execute("DROP FUNCTION IF EXISTS xd_notify_push()")
    with op.batch_alter_table("xd_outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_xd_outbox_record")
        batch_op.drop_column("revision")
