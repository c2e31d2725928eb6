"""Alembic environment of the union counter.

The program runs migrations itself (desktop_app/storage/migrations.py) on a
connection it has opened, passed in `config.attributes["connection"]`; there is no
alembic.ini. Each migration runs in its own transaction, so a failed step leaves
the database at the previous revision (PostgreSQL and SQLite both have
transactional DDL).
"""

from __future__ import annotations

from alembic import context

from desktop_app.storage.models import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through desktop_app.storage.migrations, not the alembic CLI")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    transaction_per_migration=True,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
