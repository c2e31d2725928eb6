"""Clerk accounts: who signs in, with which role, for which station.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04

`account`: one row per person (user name, name, role code from resources/access/roles.toml,
the station of a station-scoped role, the password as an argon2id string, disabled, the count
of wrong passwords since the last right one and until when the account is locked). Rows are
never deleted: the audit trail names the people. The clerk names already recorded in
applications and audit events stay as they were. A database without accounts asks for its
first administrator at the next start of the window.

A new table: the downgrade drops it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(32), nullable=False),
        sa.Column("name", sa.String(32), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("station_code", sa.String(16), nullable=True),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("must_change_password", sa.Boolean(), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("failed_sign_ins", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_account"),
        sa.UniqueConstraint("username", name="uq_account_username"),
    )


def downgrade() -> None:
    op.drop_table("account")
