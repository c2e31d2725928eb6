"""First schema: members, applications, status history, audit trail, receipt counters, settings.

Revision ID: 0001
Revises:
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

LIVE = sa.text("status <> 'returned'")


def upgrade() -> None:
    op.create_table(
        "member",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("id_number", sa.String(18), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("card_number", sa.String(19)),
        sa.Column("phone", sa.String(32)),
        sa.Column("work_unit", sa.String(200)),
        sa.Column("position", sa.String(64)),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_member"),
        sa.UniqueConstraint("id_number", name="uq_member_id_number"),
    )
    op.create_table(
        "application",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("receipt", sa.String(32), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("scheme", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("occupation", sa.String(200)),
        sa.Column("claim_item", sa.String(200), nullable=False),
        sa.Column("claim_level", sa.String(32), nullable=False),
        sa.Column("level", sa.Integer()),
        sa.Column("grade", sa.String(32)),
        sa.Column("certificate_number", sa.String(64)),
        sa.Column("issued_on", sa.Date()),
        sa.Column("approved_on", sa.Date()),
        sa.Column("issuer", sa.String(200)),
        sa.Column("management_number", sa.String(64)),
        sa.Column("competition", sa.String(200)),
        sa.Column("stage", sa.String(16)),
        sa.Column("rank", sa.Integer()),
        sa.Column("entrants", sa.Integer()),
        sa.Column("final_held", sa.Boolean()),
        sa.Column("card_number", sa.String(19)),
        sa.Column("union_affiliated", sa.Boolean()),
        sa.Column("full_time_union_social_worker", sa.Boolean()),
        sa.Column("key_group", sa.Boolean()),
        sa.Column("applied_on", sa.Date(), nullable=False),
        sa.Column("station_code", sa.String(16), nullable=False),
        sa.Column("station_name", sa.String(100), nullable=False),
        sa.Column("clerk", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("eligible", sa.Boolean(), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("findings", sa.JSON(), nullable=False),
        sa.Column("policy_sha256", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_application"),
        sa.UniqueConstraint("receipt", name="uq_application_receipt"),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name="fk_application_member_id_member"
        ),
    )
    op.create_index("ix_application_member_id", "application", ["member_id"])
    op.create_index(
        "uq_application_claim",
        "application",
        ["member_id", "scheme", "kind", "claim_item", "claim_level"],
        unique=True,
        sqlite_where=LIVE,
        postgresql_where=LIVE,
    )
    op.create_index("ix_application_applied_on", "application", ["applied_on", "id"])
    op.create_index("ix_application_scheme_status", "application", ["scheme", "status", "id"])
    op.create_index("ix_application_status", "application", ["status", "id"])

    op.create_table(
        "status_change",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("from_status", sa.String(16)),
        sa.Column("to_status", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text()),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_status_change"),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["application.id"],
            name="fk_status_change_application_id_application",
        ),
    )
    op.create_index("ix_status_change_application_id", "status_change", ["application_id"])

    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("station_code", sa.String(16), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("entity", sa.String(32), nullable=False),
        sa.Column("entity_ref", sa.String(64), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_event"),
    )
    op.create_index("ix_audit_event_entity_ref", "audit_event", ["entity_ref"])
    audit_head = op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_id", sa.Integer(), nullable=False),
        sa.Column("last_hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_head"),
    )
    # The chain starts from 64 zeros; the one head row exists from the start, so concurrent
    # writers on PostgreSQL always have a row to lock.
    op.bulk_insert(audit_head, [{"id": 1, "last_id": 0, "last_hash": "0" * 64}])
    op.create_table(
        "receipt_counter",
        sa.Column("prefix", sa.String(32), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("prefix", name="pk_receipt_counter"),
    )
    op.create_table(
        "setting",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_setting"),
    )


def downgrade() -> None:
    raise NotImplementedError("the counter never downgrades; restore a backup instead")
