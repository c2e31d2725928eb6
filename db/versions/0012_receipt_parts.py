"""A receipt's day and the rest of it as their own indexed columns on PostgreSQL.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05

A receipt reads `<code>-<day>-<number>` (XC01-20261121-0007). The ledger's search finds a
receipt fragment through the pg_trgm index on the whole receipt (0003), which cannot tell
where in the receipt a fragment sits: the fragment "2025" is in every receipt of 2025, and the
owner's or the district's newest page of it walked past every receipt of 2026 first (61–65 ms at
a million applications with `bench/store_bench.py --rls`).

Two generated columns, computed by the server from the receipt on every insert and update,
so that they cannot disagree with it:

- `receipt_day` integer: the day, 20261121, with the index (receipt_day, id): a year's, a
  month's or a day's receipts, and the span of ids those days hold;
- `receipt_rest`: the code and the number with the day taken out (`XC01-0007`), with a
  pg_trgm index when the extension is there (as 0003): a fragment inside a code or a number.

Both are NULL for a receipt of another form (a day that is no month's day among them).
storage/receipt_parts.py says how the ledger uses them. They are not in the models: the
program never writes them, and SQLite has neither (every SQLite page meets its target
without them, and its file would grow).

PostgreSQL only. Adding a stored generated column rewrites the table (16 s for a million
applications on a two-core server, the indexes included). The downgrade drops the columns
and their indexes.
"""

from __future__ import annotations

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

# A day is eight digits with a month 01–12 and a day of the month 01–31 (the ledger lists the
# days a fragment can be inside from these, storage/receipt_parts.py).
FORM = r"receipt ~ '^[^-]+-[0-9]{4}(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])-[0-9]+$'"
DAY = f"CASE WHEN {FORM} THEN split_part(receipt, '-', 2)::integer END"
REST = (
    f"CASE WHEN {FORM} THEN split_part(receipt, '-', 1) || '-' || split_part(receipt, '-', 3) END"
)


def upgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name != "postgresql":
        return
    op.execute(
        f"ALTER TABLE application "
        f"ADD COLUMN receipt_day integer GENERATED ALWAYS AS ({DAY}) STORED, "
        f"ADD COLUMN receipt_rest varchar(64) GENERATED ALWAYS AS ({REST}) STORED"
    )
    op.execute("CREATE INDEX ix_application_receipt_day ON application (receipt_day, id)")
    has_trgm = connection.exec_driver_sql(
        "SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'"
    ).first()
    if has_trgm:
        op.execute(
            "CREATE INDEX ix_application_receipt_rest ON application "
            "USING gin (receipt_rest gin_trgm_ops)"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("ALTER TABLE application DROP COLUMN receipt_rest, DROP COLUMN receipt_day")
