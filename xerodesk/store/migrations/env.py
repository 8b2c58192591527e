"""Alembic environment: always driven from code with a live connection."""

from __future__ import annotations

from alembic import context

from xerodesk.store import models, xd_models  # noqa: F401  (register the tables)
from xerodesk.store.base import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("xerodesk migrations run through 'xerodesk db upgrade', not the alembic CLI")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    compare_type=True,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
