"""Migrations: the newest script gives the models' schema; a filled first-version database
upgrades (after a backup); a database from a newer program is refused untouched."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from desktop_app.services import applications
from desktop_app.services.store import open_store
from desktop_app.storage import migrations
from desktop_app.storage.backup import program_backups
from desktop_app.storage.database import Store, resolve_url
from desktop_app.storage.errors import DuplicateClaimError, NewerSchemaError
from desktop_app.storage.models import Base
from desktop_app.storage.repository import LedgerFilter
from tests.storage.conftest import CLERK, NOW, apply_input, make_id

SEARCH_PREFIXES = ("application_search", "ix_application_search_")


def _ours(obj, name, type_, reflected, compare_to) -> bool:
    """Leave out the dialect-specific search objects (FTS tables, GIN indexes)."""
    return not (name and name.startswith(SEARCH_PREFIXES))


def _bare_store(db_url: str | None, home: Path) -> Store:
    home.mkdir(parents=True, exist_ok=True)
    (home / "backups").mkdir(exist_ok=True)
    return Store(resolve_url(db_url, home), home)


def test_newest_migration_matches_the_models(store):
    with store.bare_connection() as connection:
        context = MigrationContext.configure(
            connection, opts={"include_object": _ours, "compare_type": True}
        )
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_fresh_database_is_at_head(store):
    state = migrations.schema_state(store)
    assert state.up_to_date and state.current == migrations.head_revision()


def _fill_first_schema(store: Store) -> None:
    """Rows as the first program version wrote them (schema 0001, no name_chars)."""
    with store.connection(write=True) as connection:
        connection.execute(
            text(
                "INSERT INTO setting (key, value) VALUES "
                "('station_code', 'XC01'), ('station_name', '西城区某街道工会服务站')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO member (id, id_number, name, phone, created_at, updated_at) "
                "VALUES (1, :idn, '欧阳明月', '13800138000', :now, :now)"
            ),
            {"idn": make_id(7), "now": datetime(2026, 11, 20, 10, 0)},
        )
        connection.execute(
            text(
                "INSERT INTO application (id, receipt, member_id, scheme, kind, occupation, "
                "claim_item, claim_level, level, applied_on, station_code, station_name, clerk, "
                "status, eligible, amount, findings, policy_sha256, created_at, updated_at) "
                "VALUES (1, 'XC01-20261120-0001', 1, 'bj-2026-skills', 'skill_level', "
                "'无人机驾驶员', :item, '3', 3, :day, 'XC01', '西城区某街道工会服务站', '李', "
                "'accepted', :yes, 2400, '[]', :sha, :now, :now)"
            ),
            {
                "item": "4-99-00-00",
                "day": date(2026, 11, 20),
                "yes": True,
                "sha": "0" * 64,
                "now": datetime(2026, 11, 20, 10, 0),
            },
        )
        connection.execute(
            text("INSERT INTO receipt_counter (prefix, last) VALUES ('XC01-20261120', 1)")
        )


def test_filled_first_schema_upgrades_after_a_backup(backend, db_url, home):
    old = _bare_store(db_url, home)
    try:
        migrations.upgrade(old, "0001")
        assert migrations.schema_state(old).current == "0001"
        _fill_first_schema(old)
    finally:
        old.dispose()

    store = open_store(db_url, home, now=NOW)
    try:
        assert migrations.schema_state(store).up_to_date
        before_upgrade = [
            p for p in program_backups(home / "backups") if "before-upgrade" in p.name
        ]
        assert len(before_upgrade) == 1
        assert "from-0001" in before_upgrade[0].name
        if backend == "sqlite":
            with sqlite3.connect(before_upgrade[0]) as kept:
                assert kept.execute("SELECT version_num FROM alembic_version").fetchone() == (
                    "0001",
                )
                assert kept.execute("SELECT count(*) FROM application").fetchone() == (1,)
        else:
            assert before_upgrade[0].stat().st_size > 0  # a pg_dump archive

        # The old row is intact and found by the new name search.
        rows = applications.ledger(store, LedgerFilter(query="明月"))
        assert [r.receipt for r in rows] == ["XC01-20261120-0001"]
        assert rows[0].name == "欧阳明月" and rows[0].amount == 2400
        detail = applications.application_detail(store, "XC01-20261120-0001")
        assert detail.row.status_label == "已受理"

        # New saves work on the upgraded database and continue the day's numbers.
        later = datetime(2026, 11, 20, 15, 0)
        saved = applications.save_application(store, apply_input(8), clerk=CLERK, now=later)
        assert saved.receipt == "XC01-20261120-0002"
    finally:
        store.dispose()


def test_upgraded_claim_still_blocks_a_second_payment(backend, db_url, home):
    old = _bare_store(db_url, home)
    try:
        migrations.upgrade(old, "0001")
        _fill_first_schema(old)
    finally:
        old.dispose()
    store = open_store(db_url, home, now=NOW)
    try:
        # Make the old row's claim key what today's program computes for the same claim.
        data = apply_input(7)
        from desktop_app.domain.claims import claim_key
        from desktop_app.services.applications import intake_from_mapping
        from desktop_app.services.quote import quote_application

        intake = intake_from_mapping(data)
        key = claim_key(intake.facts, quote_application(intake.facts))
        with store.connection(write=True) as connection:
            connection.execute(
                text("UPDATE application SET claim_item = :item WHERE id = 1"), {"item": key.item}
            )
        with pytest.raises(DuplicateClaimError) as caught:
            applications.save_application(store, data, clerk=CLERK, now=NOW)
        assert "XC01-20261120-0001" in str(caught.value)
    finally:
        store.dispose()


def test_database_from_a_newer_program_is_refused_untouched(backend, db_url, home):
    store = open_store(db_url, home, now=NOW)
    try:
        with store.connection(write=True) as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    finally:
        store.dispose()
    database = home / "union-counter.sqlite3"
    before = database.read_bytes() if backend == "sqlite" else b""
    with pytest.raises(NewerSchemaError) as caught:
        open_store(db_url, home, now=datetime(2026, 11, 22, 9, 0))
    message = str(caught.value)
    assert "较新版本" in message and "9999" in message and "升级" in message
    if backend == "sqlite":
        assert database.read_bytes() == before
        # No backup was made of a database this program refuses to touch.
        assert not [p for p in program_backups(home / "backups") if "20261122" in p.name]


def test_empty_database_is_created_without_a_backup(db_url, home):
    store = open_store(db_url, home, now=NOW, auto_backup=False)
    store.dispose()
    assert not [p for p in program_backups(home / "backups") if "before-upgrade" in p.name]
