"""A station's applications read from the index alone on a district's PostgreSQL server.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06

`ix_application_station` (station_code, id) now also carries, after its key, the columns the
ledger tests on each row it walks: scheme, status, date, member, the name's characters and the
receipt. A station's role walks its own rows newest first (row-level security puts its station
into every query, storage/server_roles.py) and keeps those that pass the filter; with these
columns in the index entry the walk reads no table row at all (an index-only scan, as long as
autovacuum keeps the visibility map current), which is what made a deep page or a common
fragment slow: measured at a million applications with `bench/store_bench.py --rls`, the
station's page of scheme 2016 at offset 10,000 went from 106 to 16 ms, 王 at offset 10,000
from 236 to 26 ms, the receipt fragment "2025" from 86 to 23 ms. The index grows from 61 to
79 MB per million applications.

PostgreSQL only, as 0010. The downgrade puts back the plain index.
"""

from __future__ import annotations

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

NAME = "ix_application_station"
KEY = ["station_code", "id"]
CARRIED = ["scheme_id", "status", "applied_on", "member_id", "name_chars", "receipt"]


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index(NAME, table_name="application")
    op.create_index(NAME, "application", KEY, postgresql_include=CARRIED)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index(NAME, table_name="application")
    op.create_index(NAME, "application", KEY)
