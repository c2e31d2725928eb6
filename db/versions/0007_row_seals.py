"""Row seals: each application's and member's content digest, under the audit chain.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03

`application.seal` and `member.seal` hold a 64-bit digest of the row's content as the program
last wrote it; `audit_head.rows_sum` the sum of every row's element (storage/seals.py), whose
fingerprint each event that changes rows records. Existing rows have no seal: the program seals
them all once, in one audited event ("seal", `storage.seals.baseline`), the first time it
writes to the upgraded database — `rows_sum` NULL says that has not happened yet.

Nullable columns without a default: SQLite and PostgreSQL add them in place. The downgrade
drops them (SQLite 3.35 or newer).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("application", sa.Column("seal", sa.BigInteger(), nullable=True))
    op.add_column("member", sa.Column("seal", sa.BigInteger(), nullable=True))
    op.add_column("audit_head", sa.Column("rows_sum", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("audit_head", "rows_sum")
    op.drop_column("member", "seal")
    op.drop_column("application", "seal")
