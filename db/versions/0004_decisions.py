"""Each distinct decision document stored once: the `decision` table.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22

An application kept its findings (the decision explained line by line, ~1.5 kB of JSON) and
the policy's SHA-256 in its own row. The findings depend only on the claim, the policy and
which checks failed, so a million applications hold a few hundred distinct documents: the
findings were three quarters of the database. Now each distinct document is one `decision`
row (digest, policy_sha256, findings) and an application points at it (`decision_id`); its
outcome (`eligible`, `amount`) stays on the application, where the ledger filters and sums.

The upgrade moves the existing rows: one decision per distinct (policy_sha256, findings) pair,
the findings' JSON text copied as it was stored (so it reads back exactly as computed), then
every application pointed at its decision and the two old columns dropped.

SQLite cannot drop a column that way inside this schema's constraints, so `application` is
rebuilt (sqlite.org/lang_altertable.html, "other kinds of table schema changes"): a new table,
the rows copied with their decision id, the old table dropped, the new one renamed, then its
indexes (the partial unique claim index among them) and the search triggers of 0003, which
DROP TABLE removed, created again. The FTS5 search tables of 0003 stay: they keep the text by
row id, and the ids do not change. Foreign keys are off while migrating (storage/migrations.py)
and checked here before the step commits.

PostgreSQL alters the table in place; its search indexes (0003) stay.

The downgrade puts the two columns back from the decisions and drops the table.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

LIVE = sa.text("status <> 'returned'")

# Application columns other than the decision's, in the table's order (schema 0003).
_KEPT = (
    "id, receipt, member_id, scheme, kind, occupation, claim_item, claim_level, level, grade, "
    "certificate_number, issued_on, approved_on, issuer, management_number, competition, "
    "stage, rank, entrants, final_held, card_number, union_affiliated, "
    "full_time_union_social_worker, key_group, applied_on, station_code, station_name, clerk, "
    "status, eligible, amount"
)
_TAIL = "a.created_at, a.updated_at, a.name_chars"

# The search triggers of 0003 (db/versions/0003_search_indexes.py), unchanged.
_SQLITE_TRIGGERS = (
    """CREATE TRIGGER application_search_insert AFTER INSERT ON application
        WHEN NOT EXISTS (SELECT 1 FROM application_search_pause) BEGIN
        INSERT INTO application_search_name (rowid, name_chars) VALUES (new.id, new.name_chars);
        INSERT INTO application_search_receipt (rowid, receipt) VALUES (new.id, new.receipt);
    END""",
    """CREATE TRIGGER application_search_delete AFTER DELETE ON application BEGIN
        INSERT INTO application_search_name (application_search_name, rowid, name_chars)
            VALUES ('delete', old.id, old.name_chars);
        INSERT INTO application_search_receipt (application_search_receipt, rowid, receipt)
            VALUES ('delete', old.id, old.receipt);
    END""",
    """CREATE TRIGGER application_search_update AFTER UPDATE OF id, name_chars, receipt
        ON application BEGIN
        INSERT INTO application_search_name (application_search_name, rowid, name_chars)
            VALUES ('delete', old.id, old.name_chars);
        INSERT INTO application_search_receipt (application_search_receipt, rowid, receipt)
            VALUES ('delete', old.id, old.receipt);
        INSERT INTO application_search_name (rowid, name_chars) VALUES (new.id, new.name_chars);
        INSERT INTO application_search_receipt (rowid, receipt) VALUES (new.id, new.receipt);
    END""",
)


def digest(policy_sha256: str, findings: Any) -> str:
    """As desktop_app.storage.models.decision_digest (kept here as it was at this version):
    SHA-256 of the compact JSON text of [policy_sha256, findings], non-ASCII kept, keys in
    their stored order."""
    document = json.dumps(
        [policy_sha256, findings], ensure_ascii=False, separators=(",", ":"), allow_nan=False
    )
    return hashlib.sha256(document.encode("utf-8")).hexdigest()


def _application_columns(decision: bool) -> list[sa.Column[Any]]:
    """The application table of schema 0003 (decision=False) or 0004 (decision=True)."""
    # Column order as the tables had it: 0002 added name_chars at the end; decision_id
    # goes after it. (A record's header ends with the serial types of its last columns,
    # and the receipt text follows it: a 26-character time's type is the byte 'A', which
    # the receipt salvage of services/backups.py would read as part of a station code.)
    old: list[sa.Column[Any]] = (
        []
        if decision
        else [
            sa.Column("findings", sa.JSON(), nullable=False),
            sa.Column("policy_sha256", sa.String(64), nullable=False),
        ]
    )
    new: list[sa.Column[Any]] = (
        [sa.Column("decision_id", sa.Integer(), nullable=False)] if decision else []
    )
    return [
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
        *old,
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("name_chars", sa.String(200), nullable=False),
        *new,
    ]


def _sqlite_rebuild(decision: bool, select_sql: str) -> None:
    """Replace `application` by the table of `_application_columns(decision)`, filled by
    `select_sql` (its columns in that order), with the indexes and triggers it had."""
    constraints: list[Any] = [
        sa.PrimaryKeyConstraint("id", name="pk_application"),
        sa.UniqueConstraint("receipt", name="uq_application_receipt"),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name="fk_application_member_id_member"
        ),
    ]
    if decision:
        constraints.append(
            sa.ForeignKeyConstraint(
                ["decision_id"], ["decision.id"], name="fk_application_decision_id_decision"
            )
        )
    op.create_table("application_0004", *_application_columns(decision), *constraints)
    connection = op.get_bind()
    before = connection.exec_driver_sql("SELECT count(*) FROM application").scalar_one()
    connection.exec_driver_sql(f"INSERT INTO application_0004 {select_sql}")
    after = connection.exec_driver_sql("SELECT count(*) FROM application_0004").scalar_one()
    if after != before:  # pragma: no cover - every row has its decision (checked above)
        raise RuntimeError(f"application rebuild copied {after} of {before} rows")
    op.execute("DROP TABLE application")
    op.execute("ALTER TABLE application_0004 RENAME TO application")
    _application_indexes()
    has_search = connection.exec_driver_sql(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'application_search_name'"
    ).first()
    if has_search:
        for statement in _SQLITE_TRIGGERS:
            op.execute(statement)
    problems = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
    if problems:  # pragma: no cover - the copy keeps every id
        raise RuntimeError(f"foreign keys broken by the rebuild: {problems[:5]}")


def _application_indexes() -> None:
    """The indexes of 0001 and 0003 on `application` (the search objects aside)."""
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
    op.create_index("ix_application_scheme", "application", ["scheme", "id"])
    op.create_index("ix_application_scheme_status", "application", ["scheme", "status", "id"])
    op.create_index("ix_application_status", "application", ["status", "id"])


def _fill_decisions(connection: sa.Connection, sqlite: bool) -> None:
    """One decision per distinct document of the applications; the map from each stored
    (policy_sha256, findings text) to its decision in the temporary `decision_0004_map`."""
    as_text = "findings" if sqlite else "findings::text"
    pairs = connection.exec_driver_sql(
        f"SELECT DISTINCT policy_sha256, {as_text} FROM application"
    ).all()
    # SQLite joins through the key, the findings declared JSON as in `application` (the same
    # column affinity, or the key could not serve the comparison); PostgreSQL hashes (its
    # b-tree entries are limited to ~2.7 kB, less than a long document).
    key = ", PRIMARY KEY (policy_sha256, findings)" if sqlite else ""
    op.execute(
        "CREATE TEMPORARY TABLE decision_0004_map (policy_sha256 VARCHAR(64) NOT NULL, "
        f"findings {'JSON' if sqlite else 'TEXT'} NOT NULL, decision_id INTEGER NOT NULL{key})"
    )
    insert_decision = sa.text(
        "INSERT INTO decision (digest, policy_sha256, findings) VALUES "
        + ("(:digest, :sha, :findings)" if sqlite else "(:digest, :sha, CAST(:findings AS json))")
    )
    ids: dict[str, int] = {}
    mapping = []
    for sha, findings in pairs:
        key = digest(sha, json.loads(findings))
        if key not in ids:
            # The JSON text as it was stored: it reads back as the same list, in order.
            connection.execute(insert_decision, {"digest": key, "sha": sha, "findings": findings})
            ids[key] = connection.execute(
                sa.text("SELECT id FROM decision WHERE digest = :digest"), {"digest": key}
            ).scalar_one()
        mapping.append({"sha": sha, "findings": findings, "id": ids[key]})
    if mapping:
        connection.execute(
            sa.text("INSERT INTO decision_0004_map VALUES (:sha, :findings, :id)"), mapping
        )


def upgrade() -> None:
    op.create_table(
        "decision",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("policy_sha256", sa.String(64), nullable=False),
        sa.Column("findings", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_decision"),
        sa.UniqueConstraint("digest", name="uq_decision_digest"),
    )
    connection = op.get_bind()
    sqlite = connection.dialect.name == "sqlite"
    _fill_decisions(connection, sqlite)
    if sqlite:
        _sqlite_rebuild(
            True,
            f"SELECT {', '.join('a.' + c for c in _KEPT.split(', '))}, {_TAIL}, "
            "m.decision_id FROM application a "
            "JOIN decision_0004_map m "
            "ON m.policy_sha256 = a.policy_sha256 AND m.findings = a.findings ORDER BY a.id",
        )
    else:
        op.add_column("application", sa.Column("decision_id", sa.Integer()))
        op.execute(
            "UPDATE application a SET decision_id = m.decision_id FROM decision_0004_map m "
            "WHERE m.policy_sha256 = a.policy_sha256 AND m.findings = a.findings::text"
        )
        op.alter_column("application", "decision_id", nullable=False)
        op.create_foreign_key(
            "fk_application_decision_id_decision",
            "application",
            "decision",
            ["decision_id"],
            ["id"],
        )
        op.drop_column("application", "findings")
        op.drop_column("application", "policy_sha256")
    op.execute("DROP TABLE decision_0004_map")


def downgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name == "sqlite":
        _sqlite_rebuild(
            False,
            f"SELECT {', '.join('a.' + c for c in _KEPT.split(', '))}, d.findings, "
            f"d.policy_sha256, {_TAIL} FROM application a "
            "JOIN decision d ON d.id = a.decision_id ORDER BY a.id",
        )
    else:
        op.add_column("application", sa.Column("findings", sa.JSON()))
        op.add_column("application", sa.Column("policy_sha256", sa.String(64)))
        op.execute(
            "UPDATE application a SET findings = d.findings, policy_sha256 = d.policy_sha256 "
            "FROM decision d WHERE d.id = a.decision_id"
        )
        op.alter_column("application", "findings", nullable=False)
        op.alter_column("application", "policy_sha256", nullable=False)
        op.drop_constraint("fk_application_decision_id_decision", "application", type_="foreignkey")
        op.drop_column("application", "decision_id")
    op.drop_table("decision")
