"""PostgreSQL: the applications' ids with their names' characters, for the ledger's walk.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07

A name most members share (王, 4.6 % of the applications) is found by walking the newest
applications and testing each name (storage/ledger_query.py, `_Planner._postgresql`): the
deep page of it by OFFSET, 10,000 rows on, walks 217,000 rows. Reading each of them from the
table cost 55–67 ms at a million applications; from an index that holds the id and the name's
characters (an index-only scan, the visibility map kept by autovacuum) 31–33 ms. The index is
30 MB at a million; bulk insert measured the same with and without it (10,200–11,600/s on a
two-core server, within the runs' spread).

SQLite needs none of it: each of its pages meets its target through the tables it has, and
its file would grow. The downgrade drops the index.
"""

from __future__ import annotations

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

INDEX = "ix_application_name_walk"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"CREATE INDEX {INDEX} ON application (id) INCLUDE (name_chars)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"DROP INDEX {INDEX}")
