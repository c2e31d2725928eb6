"""报送批次: submission batches and the applications each holds.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-08

`submission_batch`: one batch of a station (`XC01-BS-2026-0003`, numbered through the receipt
counters with the prefix `XC01-BS-2026`), who made it and when, and, once withdrawn, who
withdrew it, when and why. `batch_item`: its applications in the list's order with the amount
each was sent with; `live` is 1 while the batch stands and NULL once withdrawn, and
(application_id, live) is unique, so an application stands in one batch at most while a
withdrawn batch keeps its list (storage/models.py, services/submissions.py); the 协会's answer
for each (result, amount paid, day paid, reason, when imported, the workbook's SHA-256) once
it came back (services/results.py).

Both databases. The downgrade drops both tables (the applications' statuses and their history
steps stay as they are).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "submission_batch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(32), nullable=False),
        sa.Column("station_code", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(), nullable=True),
        sa.Column("withdrawn_by", sa.String(64), nullable=True),
        sa.Column("withdraw_reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_submission_batch"),
        sa.UniqueConstraint("number", name="uq_submission_batch_number"),
    )
    op.create_table(
        "batch_item",
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("live", sa.Integer(), nullable=True),
        sa.Column("result", sa.String(16), nullable=True),
        sa.Column("paid_amount", sa.Integer(), nullable=True),
        sa.Column("paid_on", sa.Date(), nullable=True),
        sa.Column("result_reason", sa.Text(), nullable=True),
        sa.Column("result_at", sa.DateTime(), nullable=True),
        sa.Column("result_file", sa.String(64), nullable=True),
        sa.CheckConstraint("live IS NULL OR live = 1", name="ck_batch_item_live"),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["submission_batch.id"], name="fk_batch_item_batch_id_submission_batch"
        ),
        sa.ForeignKeyConstraint(
            ["application_id"], ["application.id"], name="fk_batch_item_application_id_application"
        ),
        sa.PrimaryKeyConstraint("batch_id", "application_id", name="pk_batch_item"),
        sa.UniqueConstraint("application_id", "live", name="uq_batch_item_live"),
    )


def downgrade() -> None:
    op.drop_table("batch_item")
    op.drop_table("submission_batch")
