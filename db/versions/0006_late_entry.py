"""Late entries (补录): the reason an application's registration date is earlier than the day
it was typed in.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02

A registration made on paper before a deadline may be typed in later (../shared/POLICY.md,
"Registration date"). The registration date is `applied_on`, as before; the day it was typed
in is `created_at` and who typed it is `clerk`. What was missing is why: `late_entry_reason`,
empty for every application registered on the day it was entered (all existing rows).

A nullable column without a default: SQLite and PostgreSQL add it in place, without rewriting
the table. The downgrade drops it (SQLite 3.35 or newer).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("application", sa.Column("late_entry_reason", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("application", "late_entry_reason")
