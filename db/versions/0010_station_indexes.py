"""Indexes for a station's rows on a district's shared PostgreSQL server.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05

Under `server setup`'s row-level security a station's role sees only the applications whose
`station_code` is its own (storage/server_roles.py): every query it makes carries that
condition. Without an index leading with the station, the newest page of a station walks every
station's rows newest first and keeps one in eight; a date range reads all stations' days.

- `ix_application_station` (station_code, id): a station's applications in id order — the
  ledger's pages, newest first, and the capped counts.
- `ix_application_station_day` (station_code, applied_on, id): a station's date ranges, in id
  order within each day, and the per-day id span the ledger's date filter asks for.

PostgreSQL only. SQLite has no row-level security (one PC, one station) and gets nothing
from them but a slower bulk insert: measured at 100,000 applications with
`bench/store_bench.py --no-pg`, the same two indexes on SQLite took the bulk insert from
14,800 to 13,000 applications/s and the file from 42 to 45 MB, and made no page faster.

New indexes only: the downgrade drops them.
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

INDEXES = {
    "ix_application_station": ["station_code", "id"],
    "ix_application_station_day": ["station_code", "applied_on", "id"],
}


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, columns in INDEXES.items():
        op.create_index(name, "application", columns)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name in INDEXES:
        op.drop_index(name, table_name="application")
