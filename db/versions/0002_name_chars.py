"""Searchable name copy on each application (its characters separated by spaces).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _chars(name: str) -> str:
    return " ".join(ch for ch in name if not ch.isspace())


def upgrade() -> None:
    with op.batch_alter_table("application") as batch:
        batch.add_column(sa.Column("name_chars", sa.String(200), nullable=False, server_default=""))
    connection = op.get_bind()
    rows = connection.execute(
        sa.text("SELECT a.id, m.name FROM application a JOIN member m ON m.id = a.member_id")
    ).all()
    if rows:
        connection.execute(
            sa.text("UPDATE application SET name_chars = :chars WHERE id = :id"),
            [{"id": row.id, "chars": _chars(row.name)} for row in rows],
        )
    with op.batch_alter_table("application") as batch:
        batch.alter_column("name_chars", server_default=None)


def downgrade() -> None:
    raise NotImplementedError("the counter never downgrades; restore a backup instead")
