"""Signed exchange files: the stations' registered signing keys, and rows held at import.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03

`station_key`: one row per station code, the station's Ed25519 public key (base64) and its
fingerprint, registered once by the district from the station's exported key file (and by a
station for its own key, so it trusts its own files). A replaced key is in the audit trail.

`held_import` (导入待核): an imported application whose decision recomputed at the district
differs from the one the station stored. It is not stored as the station's: the row waits
here, with both outcomes, until a clerk accepts one or the other (audited); the application
is then inserted with the outcome chosen.

Two new tables: the downgrade drops them.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "station_key",
        sa.Column("station_code", sa.String(16), nullable=False),
        sa.Column("station_name", sa.Text(), nullable=False),
        sa.Column("district", sa.Text(), nullable=False),
        sa.Column("public_key", sa.String(64), nullable=False),
        sa.Column("fingerprint", sa.String(32), nullable=False),
        sa.Column("registered_at", sa.DateTime(), nullable=False),
        sa.Column("registered_by", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("station_code", name="pk_station_key"),
    )
    op.create_table(
        "held_import",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("receipt", sa.String(40), nullable=False),
        sa.Column("station_code", sa.String(16), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("file_name", sa.Text(), nullable=False),
        sa.Column("file_checksum", sa.String(64), nullable=False),
        sa.Column("station_eligible", sa.Boolean(), nullable=False),
        sa.Column("station_amount", sa.Integer(), nullable=False),
        sa.Column("recomputed_eligible", sa.Boolean(), nullable=False),
        sa.Column("recomputed_amount", sa.Integer(), nullable=False),
        sa.Column("recomputed_policy_sha256", sa.String(64), nullable=False),
        sa.Column("recomputed_findings", sa.JSON(), nullable=False),
        sa.Column("row", sa.JSON(), nullable=False),
        sa.Column("held_at", sa.DateTime(), nullable=False),
        sa.Column("held_by", sa.String(64), nullable=False),
        sa.Column("resolution", sa.String(16), nullable=True),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.Column("resolved_by", sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_held_import"),
        sa.UniqueConstraint("receipt", name="uq_held_import_receipt"),
    )


def downgrade() -> None:
    op.drop_table("held_import")
    op.drop_table("station_key")
