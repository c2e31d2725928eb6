"""Compact storage: repeated texts in `term`, times, dates, statuses and kinds as small numbers.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22

Issue #3: a million applications must fit in 400 MB; at schema 0004 they took ~1,065 MB on
SQLite. Most of it was text repeated in every row and again in every index holding it: the
scheme's name, the station's name, the clerk, issuer, occupation, claim item and competition
of each application, each member's work unit and position, the actor of each status change,
26-character times, 10-character dates, status and kind words. Measured on the benchmark
database (a million applications, 700,000 members, 3.5 million status changes), this schema
takes it from ~1,065 MB to ~372 MB once vacuumed:

- `term` holds each distinct text once; the columns that repeated it hold its number
  (`work_unit_id`, `scheme_id`, `clerk_id`, `actor_id`, …).
- `kind` and `status` (and a status change's `from_status`, `to_status`) are their position in
  the program's closed lists, 1, 2, 3… (`storage/types.py`, `CODES`, copied below as they are
  at this version).
- SQLite only: times are whole seconds since 1970-01-01 00:00 of the same wall clock, dates
  days since 1970-01-01 (`storage/types.py`: `Moment`, `Day`). PostgreSQL keeps its
  `timestamp` and `date` columns: they are already 8 and 4 bytes.
- The 京卡 number is the member's: `application.card_number` goes. A member without a number
  of their own first takes the one of their newest application (highest id) that has one.
- The status history no longer stores the acceptance the application row already says
  (accepted by `clerk` at `created_at`, no reason: `models.implicit_acceptance`); the other
  steps are numbered per application, `(application_id, step)` its key — on SQLite a
  WITHOUT ROWID table, the history stored by application. A first step that says anything
  else (another actor, another time, a reason) is kept, and so read back as it was
  (`Application.steps`).
- The claim index is no longer partial: `live` is 1 while the application holds its claim and
  NULL once it is returned (退回); a unique index counts NULLs as distinct, so it refuses
  exactly what the partial index refused, and it also serves the look-ups by member
  (`ix_application_member_id` goes). `ix_application_status` and `ix_application_scheme`
  go: the ledger's scheme and status filters use (scheme_id, status, id).
- SQLite: the receipt search table (0003) is built again with `detail=none` (the trigram
  index without positions: a LIKE '%…%' needs only which rows hold each trigram).

The conversion is done in SQL, table by table (INSERT … SELECT, UPDATE … FROM), not row by
row in Python: the benchmark database upgrades in ~40 s on SQLite, ~1 min on PostgreSQL.
Values that the program's lists do not know (a status or kind word outside `CODES`) stop the
upgrade with a message, before anything changes.

SQLite rebuilds `member`, `application` and `status_change` as 0004 did `application`
(sqlite.org/lang_altertable.html: new table, copy, drop, rename, then the indexes and the
search triggers of 0003, which DROP TABLE removed); foreign keys are off while migrating
(storage/migrations.py) and checked before the step commits. Times are converted as
`types.moment_to_int` does: the text's first 19 characters (any fraction of a second
dropped, not rounded as SQLite's own date functions would). The old tables' pages stay in
the file, free, until it is vacuumed: right after the upgrade the benchmark file is ~1,367 MB
(and its WAL grew as large during the step).

PostgreSQL alters `member` and `application` in place (one UPDATE fills the new columns; one
ALTER TABLE drops the old ones and converts `kind` and `status`, rewriting the table once). The
search indexes of 0003 and (applied_on, id) stay as they are: dropped before the UPDATE and made
again from their own definitions afterwards, which is faster than keeping them up to date.
`status_change` is built anew. The sequences of `member` and `application` stay; `term` has its
own.

No downgrade: per-application 京卡 numbers and sub-second times are gone; restore a backup.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# storage/types.py CODES as at this version (the stored number is the position from 1).
STATUSES = ("accepted", "printed", "submitted", "paid", "returned")
KINDS = ("skill_level", "special_ability", "qualification", "social_worker", "competition")
RETURNED = STATUSES.index("returned") + 1

# The texts interned in `term`, per table: (old text column, new id column, NOT NULL).
MEMBER_TERMS = (("work_unit", "work_unit_id", False), ("position", "position_id", False))
APPLICATION_TERMS = (
    ("scheme", "scheme_id", True),
    ("occupation", "occupation_id", False),
    ("claim_item", "claim_item_id", True),
    ("issuer", "issuer_id", False),
    ("competition", "competition_id", False),
    ("station_name", "station_name_id", True),
    ("clerk", "clerk_id", True),
)

# The model's CHECK on `live` (models.Application), with the stored number of 'returned'.
LIVE_CHECK = (
    f"(status = {RETURNED} AND live IS NULL)"
    f" OR (status <> {RETURNED} AND live IS NOT NULL AND live = 1)"
)

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
# 0003's receipt search table, now without positions (detail=none).
_SQLITE_RECEIPT_SEARCH = (
    "CREATE VIRTUAL TABLE application_search_receipt USING fts5("
    "receipt, content='application', content_rowid='id', tokenize='trigram', columnsize=0, "
    "detail=none)"
)


def _code(expression: str, words: tuple[str, ...]) -> str:
    """SQL giving the stored number of the word `expression` (NULL stays NULL)."""
    whens = " ".join(f"WHEN '{word}' THEN {number}" for number, word in enumerate(words, 1))
    return f"CASE {expression} {whens} END"


def _seconds(expression: str) -> str:
    """SQLite: a DATETIME text as types.moment_to_int (whole seconds, the fraction dropped)."""
    return f"CAST(strftime('%s', substr({expression}, 1, 19)) AS INTEGER)"


def _days(expression: str) -> str:
    """SQLite: a DATE text as types.day_to_int (days since 1970-01-01)."""
    return f"CAST(julianday({expression}) - 2440587.5 AS INTEGER)"


def _check_codes(connection: sa.Connection) -> None:
    """Refuse, before changing anything, words the lists do not know (they would be lost)."""
    columns = (
        ("application", "kind", KINDS),
        ("application", "status", STATUSES),
        ("status_change", "from_status", STATUSES),
        ("status_change", "to_status", STATUSES),
    )
    for table, column, words in columns:
        known = ", ".join(f"'{word}'" for word in words)
        unknown = connection.exec_driver_sql(
            f"SELECT DISTINCT {column} FROM {table} "
            f"WHERE {column} IS NOT NULL AND {column} NOT IN ({known})"
        ).all()
        if unknown:
            raise RuntimeError(
                f"{table}.{column} holds values this version cannot store: "
                f"{sorted(str(row[0]) for row in unknown)}"
            )


def _create_term(connection: sa.Connection) -> None:
    """The `term` table, filled with every distinct text of the interned columns, once."""
    op.create_table(
        "term",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("text", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_term"),
        sa.UniqueConstraint("text", name="uq_term_text"),
    )
    sources = [("member", old) for old, _new, _required in MEMBER_TERMS]
    sources += [("application", old) for old, _new, _required in APPLICATION_TERMS]
    sources.append(("status_change", "actor"))
    union = " UNION ".join(f"SELECT {column} AS text FROM {table}" for table, column in sources)
    connection.exec_driver_sql(
        f"INSERT INTO term (text) SELECT u.text FROM ({union}) AS u "
        "WHERE u.text IS NOT NULL ORDER BY u.text"
    )


# The member's own 京卡 number, else that of their newest application that has one (an empty
# text is none).
_CARD = (
    "COALESCE(m.card_number, (SELECT a.card_number FROM application a "
    "WHERE a.member_id = m.id AND a.card_number <> '' ORDER BY a.id DESC LIMIT 1))"
)


def _create_status_change(name: str, sqlite: bool) -> None:
    """The status history of this schema. PostgreSQL gets its foreign keys after the copy:
    one check of the whole table, not one per row."""
    keys = (
        [
            sa.ForeignKeyConstraint(
                ["application_id"],
                ["application.id"],
                name="fk_status_change_application_id_application",
            ),
        ]
        if sqlite
        else []
    )
    op.create_table(
        name,
        sa.Column("application_id", sa.Integer(), nullable=False, autoincrement=False),
        sa.Column("step", sa.Integer(), nullable=False, autoincrement=False),
        sa.Column("from_status", sa.SmallInteger()),
        sa.Column("to_status", sa.SmallInteger(), nullable=False),
        sa.Column("reason", sa.Text()),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.Integer() if sqlite else sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("application_id", "step", name="pk_status_change"),
        *keys,
        sqlite_with_rowid=False,
    )


def _fill_status_change(connection: sa.Connection, target: str, sqlite: bool) -> None:
    """Copy the history into `target` (from `status_change` and `application` of 0004): each
    application's steps in their old order, numbered from 1, without a first step that only
    repeats the application row (accepted by its clerk at its created_at, no reason: as
    `models.implicit_acceptance`, the times compared as they will be stored). Such a step is
    kept if the next one also starts from nothing: the history then starts with that one, and
    `Application.steps` would read it back without the first.

    In two statements (the implied first steps, then the copy of the others): at a million
    applications 9 s on SQLite, where one statement with two window passes took 16 s."""
    if sqlite:
        at, same_time = _seconds("s.at"), f"{_seconds('s.at')} = {_seconds('a.created_at')}"
    else:
        at, same_time = "s.at", "s.at = a.created_at"
    op.execute("CREATE TEMPORARY TABLE implied_0005 (id INTEGER NOT NULL PRIMARY KEY)")
    connection.exec_driver_sql(
        "INSERT INTO implied_0005 (id) SELECT s.id "
        "FROM (SELECT application_id, min(id) AS id FROM status_change "
        "GROUP BY application_id) AS f "
        "JOIN status_change s ON s.id = f.id "
        "JOIN application a ON a.id = s.application_id "
        "WHERE s.from_status IS NULL AND s.to_status = 'accepted' "
        f"AND COALESCE(s.reason, '') = '' AND s.actor = a.clerk AND {same_time} "
        "AND NOT EXISTS (SELECT 1 FROM status_change n "
        "WHERE n.application_id = s.application_id AND n.from_status IS NULL "
        "AND n.id = (SELECT min(g.id) FROM status_change g "
        "WHERE g.application_id = s.application_id AND g.id > s.id))"
    )
    connection.exec_driver_sql(
        f"INSERT INTO {target} "
        "(application_id, step, from_status, to_status, reason, actor_id, at) "
        "SELECT s.application_id, "
        "row_number() OVER (PARTITION BY s.application_id ORDER BY s.id), "
        f"{_code('s.from_status', STATUSES)}, {_code('s.to_status', STATUSES)}, "
        f"s.reason, t.id, {at} "
        "FROM status_change s JOIN term t ON t.text = s.actor "
        "WHERE NOT EXISTS (SELECT 1 FROM implied_0005 i WHERE i.id = s.id) "
        "ORDER BY s.application_id, s.id"
    )
    op.execute("DROP TABLE implied_0005")


def _application_columns() -> list[tuple[sa.Column[Any], str]]:
    """SQLite: the application table of this schema in the models' order, each column with
    the SQL that gives its value from the 0004 row `a` (and `t_<column>`, its term)."""
    day = moment = sa.Integer  # storage/types.py: Day and Moment on SQLite
    return [
        (sa.Column("id", sa.Integer(), primary_key=True), "a.id"),
        (sa.Column("receipt", sa.String(32), nullable=False), "a.receipt"),
        (sa.Column("member_id", sa.Integer(), nullable=False), "a.member_id"),
        (sa.Column("scheme_id", sa.Integer(), nullable=False), "t_scheme.id"),
        (sa.Column("kind", sa.SmallInteger(), nullable=False), _code("a.kind", KINDS)),
        (sa.Column("occupation_id", sa.Integer()), "t_occupation.id"),
        (sa.Column("claim_item_id", sa.Integer(), nullable=False), "t_claim_item.id"),
        (sa.Column("claim_level", sa.String(32), nullable=False), "a.claim_level"),
        (sa.Column("level", sa.Integer()), "a.level"),
        (sa.Column("grade", sa.String(32)), "a.grade"),
        (sa.Column("certificate_number", sa.String(64)), "a.certificate_number"),
        (sa.Column("issued_on", day()), _days("a.issued_on")),
        (sa.Column("approved_on", day()), _days("a.approved_on")),
        (sa.Column("issuer_id", sa.Integer()), "t_issuer.id"),
        (sa.Column("management_number", sa.String(64)), "a.management_number"),
        (sa.Column("competition_id", sa.Integer()), "t_competition.id"),
        (sa.Column("stage", sa.String(16)), "a.stage"),
        (sa.Column("rank", sa.Integer()), "a.rank"),
        (sa.Column("entrants", sa.Integer()), "a.entrants"),
        (sa.Column("final_held", sa.Boolean()), "a.final_held"),
        (sa.Column("union_affiliated", sa.Boolean()), "a.union_affiliated"),
        (
            sa.Column("full_time_union_social_worker", sa.Boolean()),
            "a.full_time_union_social_worker",
        ),
        (sa.Column("key_group", sa.Boolean()), "a.key_group"),
        (sa.Column("applied_on", day(), nullable=False), _days("a.applied_on")),
        (sa.Column("station_code", sa.String(16), nullable=False), "a.station_code"),
        (sa.Column("station_name_id", sa.Integer(), nullable=False), "t_station_name.id"),
        (sa.Column("clerk_id", sa.Integer(), nullable=False), "t_clerk.id"),
        (sa.Column("status", sa.SmallInteger(), nullable=False), _code("a.status", STATUSES)),
        (sa.Column("live", sa.Integer()), "CASE WHEN a.status = 'returned' THEN NULL ELSE 1 END"),
        (sa.Column("eligible", sa.Boolean(), nullable=False), "a.eligible"),
        (sa.Column("amount", sa.Integer(), nullable=False), "a.amount"),
        (sa.Column("decision_id", sa.Integer(), nullable=False), "a.decision_id"),
        (sa.Column("name_chars", sa.String(200), nullable=False), "a.name_chars"),
        (sa.Column("created_at", moment(), nullable=False), _seconds("a.created_at")),
        (sa.Column("updated_at", moment(), nullable=False), _seconds("a.updated_at")),
    ]


def _application_indexes(sqlite: bool) -> None:
    """The indexes of the models on `application` (the search objects aside) that this
    step creates; on PostgreSQL (applied_on, id) is made again from its own definition."""
    op.create_index(
        "uq_application_claim",
        "application",
        ["member_id", "scheme_id", "kind", "claim_item_id", "claim_level", "live"],
        unique=True,
    )
    # SQLite ends every index entry with the row id, in order: naming `id` again would store
    # it twice (a third more index). PostgreSQL needs it named to read in id order.
    if sqlite:
        op.create_index("ix_application_applied_on", "application", ["applied_on"])
        op.create_index("ix_application_scheme_status", "application", ["scheme_id", "status"])
    else:
        op.create_index(
            "ix_application_scheme_status", "application", ["scheme_id", "status", "id"]
        )


def _count(connection: sa.Connection, table: str) -> int:
    return int(connection.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar_one())


def _sqlite(connection: sa.Connection) -> None:
    # member
    op.create_table(
        "member_0005",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("id_number", sa.String(18), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("card_number", sa.String(19)),
        sa.Column("phone", sa.String(32)),
        sa.Column("work_unit_id", sa.Integer()),
        sa.Column("position_id", sa.Integer()),
        sa.Column("created_at", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_member"),
        sa.UniqueConstraint("id_number", name="uq_member_id_number"),
    )
    connection.exec_driver_sql(
        "INSERT INTO member_0005 (id, id_number, name, card_number, phone, work_unit_id, "
        "position_id, created_at, updated_at) "
        f"SELECT m.id, m.id_number, m.name, {_CARD}, m.phone, w.id, p.id, "
        f"{_seconds('m.created_at')}, {_seconds('m.updated_at')} FROM member m "
        "LEFT JOIN term w ON w.text = m.work_unit LEFT JOIN term p ON p.text = m.position "
        "ORDER BY m.id"
    )

    # application
    columns = _application_columns()
    op.create_table(
        "application_0005",
        *(column for column, _value in columns),
        sa.PrimaryKeyConstraint("id", name="pk_application"),
        sa.UniqueConstraint("receipt", name="uq_application_receipt"),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name="fk_application_member_id_member"
        ),
        sa.ForeignKeyConstraint(
            ["decision_id"], ["decision.id"], name="fk_application_decision_id_decision"
        ),
        sa.CheckConstraint(LIVE_CHECK, name=op.f("ck_application_live")),
    )
    terms = " ".join(
        f"LEFT JOIN term t_{old} ON t_{old}.text = a.{old}" for old, _new, _req in APPLICATION_TERMS
    )
    connection.exec_driver_sql(
        f"INSERT INTO application_0005 ({', '.join(c.name for c, _v in columns)}) "
        f"SELECT {', '.join(value for _c, value in columns)} FROM application a {terms} "
        "ORDER BY a.id"
    )

    # status_change
    _create_status_change("status_change_0005", sqlite=True)
    _fill_status_change(connection, "status_change_0005", sqlite=True)

    for table in ("member", "application"):
        before, after = _count(connection, table), _count(connection, f"{table}_0005")
        if after != before:  # pragma: no cover - every row has its terms (joined above)
            raise RuntimeError(f"{table} rebuild copied {after} of {before} rows")
    # Dropping `application` drops its indexes and the search triggers of 0003.
    for table in ("status_change", "application", "member"):
        op.execute(f"DROP TABLE {table}")
        op.execute(f"ALTER TABLE {table}_0005 RENAME TO {table}")
    _application_indexes(sqlite=True)

    # The search objects of 0003: the receipt table again, now without positions.
    has_search = connection.exec_driver_sql(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'application_search_name'"
    ).first()
    if has_search:
        op.execute("DROP TABLE application_search_receipt")
        op.execute(_SQLITE_RECEIPT_SEARCH)
        for statement in _SQLITE_TRIGGERS:
            op.execute(statement)
        for table in ("application_search_name", "application_search_receipt"):
            op.execute(f"INSERT INTO {table} ({table}) VALUES ('rebuild')")

    problems = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
    if problems:  # pragma: no cover - the copies keep every id
        raise RuntimeError(f"foreign keys broken by the rebuild: {problems[:5]}")


def _postgresql(connection: sa.Connection) -> None:
    # status_change: built anew (its key and every column but two change). The new key takes
    # the old one's name, whose index is renamed out of the way first.
    op.execute(
        "ALTER TABLE status_change RENAME CONSTRAINT pk_status_change TO pk_status_change_0004"
    )
    _create_status_change("status_change_0005", sqlite=False)
    _fill_status_change(connection, "status_change_0005", sqlite=False)
    op.drop_table("status_change")
    op.rename_table("status_change_0005", "status_change")
    op.create_foreign_key(
        "fk_status_change_application_id_application",
        "status_change",
        "application",
        ["application_id"],
        ["id"],
    )

    # member: in place.
    for _old, new, _required in MEMBER_TERMS:
        op.add_column("member", sa.Column(new, sa.Integer()))
    connection.exec_driver_sql(
        f"UPDATE member AS m SET card_number = {_CARD}, "
        + ", ".join(
            f"{new} = (SELECT t.id FROM term t WHERE t.text = m.{old})"
            for old, new, _required in MEMBER_TERMS
        )
    )
    op.execute(
        "ALTER TABLE member "
        + ", ".join(f"DROP COLUMN {old}" for old, _new, _required in MEMBER_TERMS)
    )

    # application: in place. The ALTER TABLE rewrites the table once (kind and status change
    # type), which also leaves out the dropped columns and the UPDATE's old row versions. The
    # indexes on the old columns go first; those that stay — (applied_on, id) and the search
    # indexes of 0003, whichever exist — go too and are made again after the rewrite from
    # their own definitions: the UPDATE then need not keep them up to date row by row.
    kept = connection.exec_driver_sql(
        "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
        "JOIN pg_class i ON i.oid = x.indexrelid WHERE x.indrelid = 'application'::regclass "
        "AND i.relname IN ('ix_application_applied_on', 'ix_application_search_name', "
        "'ix_application_search_receipt') ORDER BY i.relname"
    ).all()
    for index in (
        "ix_application_member_id",
        "ix_application_scheme",
        "ix_application_status",
        "ix_application_scheme_status",
        "uq_application_claim",
        *(name for name, _definition in kept),
    ):
        op.drop_index(index, table_name="application")
    for _old, new, _required in APPLICATION_TERMS:
        op.add_column("application", sa.Column(new, sa.Integer()))
    op.add_column("application", sa.Column("live", sa.Integer()))
    connection.exec_driver_sql(
        "UPDATE application AS a SET "
        + ", ".join(f"{new} = n.{new}" for _old, new, _required in APPLICATION_TERMS)
        + ", live = CASE WHEN a.status = 'returned' THEN NULL ELSE 1 END FROM (SELECT o.id, "
        + ", ".join(f"t_{old}.id AS {new}" for old, new, _required in APPLICATION_TERMS)
        + " FROM application o "
        + " ".join(
            f"LEFT JOIN term t_{old} ON t_{old}.text = o.{old}"
            for old, _new, _required in APPLICATION_TERMS
        )
        + ") AS n WHERE n.id = a.id"
    )
    changes = [f"DROP COLUMN {old}" for old, _new, _required in APPLICATION_TERMS]
    changes.append("DROP COLUMN card_number")
    changes.append(f"ALTER COLUMN kind TYPE SMALLINT USING {_code('kind', KINDS)}")
    changes.append(f"ALTER COLUMN status TYPE SMALLINT USING {_code('status', STATUSES)}")
    changes += [
        f"ALTER COLUMN {new} SET NOT NULL" for _old, new, required in APPLICATION_TERMS if required
    ]
    changes.append(f"ADD CONSTRAINT ck_application_live CHECK ({LIVE_CHECK})")
    op.execute("ALTER TABLE application " + ", ".join(changes))
    for _name, definition in kept:
        op.execute(definition)
    _application_indexes(sqlite=False)
    # Fresh planner statistics for the changed tables (autovacuum would get there later).
    op.execute("ANALYZE term, member, application, status_change")


def upgrade() -> None:
    connection = op.get_bind()
    sqlite = connection.dialect.name == "sqlite"
    _check_codes(connection)
    _create_term(connection)
    if sqlite:
        _sqlite(connection)
    else:
        _postgresql(connection)


def downgrade() -> None:
    raise NotImplementedError(
        "the counter never downgrades (per-application 京卡 numbers are gone); "
        "restore a backup instead"
    )
