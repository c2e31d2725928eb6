"""Search indexes for the ledger: name and receipt fragments without scanning every row.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21

The ledger's free-text box finds a name fragment (1–3 Chinese characters), a receipt fragment
(`0007`, `20261121-00`, a whole receipt) or the start of a resident ID number. A LIKE '%…%'
scan reads every application: hundreds of milliseconds at a million rows. These indexes give
the candidates; the query still checks each candidate with the plain substring test, so the
index decides only how fast, never what is found (storage/repository.py).

SQLite: two FTS5 tables with external content (they store only the index; the text stays in
`application`), kept in step by triggers, filled from the existing rows with 'rebuild':
- `application_search_name` over `name_chars` (the name's characters separated by spaces),
  tokenizer ascii: every character is one token (ASCII punctuation aside), so a name fragment
  of any length is a phrase query ("张 伟" matches 张伟 and 张伟华, not 伟张). The ascii
  tokenizer folds case as LIKE does (ASCII letters only) and keeps every other character,
  such as the middle dot of 阿依古丽·买买提, as a token.
- `application_search_receipt` over `receipt`, tokenizer trigram: any fragment of three or
  more characters is a phrase of trigrams.
PostgreSQL: a GIN index on to_tsvector('simple', name_chars) (the default parser keeps each CJK
character as its own token, so phraseto_tsquery gives the same phrase search), and a pg_trgm
GIN index on receipt for LIKE '%…%'. pg_trgm is an extension: created if the account may do
so; without it the receipt index is left out and receipt fragments are found by a scan.

Plus one plain index, (scheme, id): the ledger lists newest first (id descending) and a
scheme filter alone could otherwise not walk an index in that order.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# Names start with application_search / ix_application_search_: the schema comparison in
# tests/storage/test_migrations.py leaves these dialect-specific objects out.
SQLITE = (
    # columnsize=0: no per-row token counts (only ranking needs them; the ledger sorts by id).
    "CREATE VIRTUAL TABLE application_search_name USING fts5("
    "name_chars, content='application', content_rowid='id', "
    "tokenize='ascii', columnsize=0)",
    "CREATE VIRTUAL TABLE application_search_receipt USING fts5("
    "receipt, content='application', content_rowid='id', tokenize='trigram', columnsize=0)",
    # A bulk insert (storage/bulk.py) fills the search tables itself, ten times faster than
    # the insert trigger does row by row: it puts a row here for the length of its write
    # transaction (SQLite has one writer at a time, so no other insert ever sees it).
    "CREATE TABLE application_search_pause (since TEXT NOT NULL)",
    # External content: the index must be told the old text to remove it, hence the triggers.
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
    # Status changes (the common update) touch neither column and do not fire this one.
    """CREATE TRIGGER application_search_update AFTER UPDATE OF id, name_chars, receipt
        ON application BEGIN
        INSERT INTO application_search_name (application_search_name, rowid, name_chars)
            VALUES ('delete', old.id, old.name_chars);
        INSERT INTO application_search_receipt (application_search_receipt, rowid, receipt)
            VALUES ('delete', old.id, old.receipt);
        INSERT INTO application_search_name (rowid, name_chars) VALUES (new.id, new.name_chars);
        INSERT INTO application_search_receipt (rowid, receipt) VALUES (new.id, new.receipt);
    END""",
    "INSERT INTO application_search_name (application_search_name) VALUES ('rebuild')",
    "INSERT INTO application_search_receipt (application_search_receipt) VALUES ('rebuild')",
)


def _postgresql() -> None:
    connection = op.get_bind()
    op.execute(
        "CREATE INDEX ix_application_search_name ON application "
        "USING gin (to_tsvector('simple'::regconfig, name_chars))"
    )
    # CREATE EXTENSION needs the right to create in the database (a superuser, the
    # database's owner, or since PostgreSQL 13 anyone when the extension is trusted, which
    # pg_trgm is). Tried in a savepoint: a refusal leaves this migration's transaction usable.
    savepoint = connection.begin_nested()
    try:
        connection.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except sa.exc.DBAPIError:
        savepoint.rollback()
    else:
        savepoint.commit()
    has_trgm = connection.exec_driver_sql(
        "SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'"
    ).first()
    if has_trgm:
        op.execute(
            "CREATE INDEX ix_application_search_receipt ON application "
            "USING gin (receipt gin_trgm_ops)"
        )
    # Without pg_trgm there is no receipt index: receipt fragments are then found by a scan
    # of the table (correct, slower); storage/repository.py does not depend on the index.


def upgrade() -> None:
    op.create_index("ix_application_scheme", "application", ["scheme", "id"])
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for statement in SQLITE:
            op.execute(statement)
    elif dialect == "postgresql":
        _postgresql()


def downgrade() -> None:
    raise NotImplementedError("the counter never downgrades; restore a backup instead")
