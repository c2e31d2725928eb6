"""Migrations: the newest script gives the models' schema; a filled first-version database
upgrades (after a backup); a database from a newer program is refused untouched."""

from __future__ import annotations

import json
import sqlite3
from datetime import date, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

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


# --- 0003 → 0004: decision documents moved to their own table --------------------------------

_FINDINGS_A = [
    {
        "rule": "scheme.kind",
        "passed": True,
        "message": "本方案受理“职业技能等级证书”",
        "source": "附件1",
    },
    {
        "rule": "amount",
        "passed": True,
        "message": "A档 三级（高级工）：补助 2400 元",
        "source": "第三条",
    },
]
_FINDINGS_B = [
    {
        "rule": "member.key_group",
        "passed": False,
        "message": "不属于重点群体\n（柜台确认）",
        "source": "第二条",
    },
    {"passed": True, "rule": "amount", "message": "0 元", "source": "第三条", "extra": [1, None]},
]


def _fill_third_schema(store: Store) -> dict[str, tuple[list, str]]:
    """Applications as schema 0003 kept them (findings and policy_sha256 on each row), with
    their status history; receipt → (findings, policy_sha256) as written."""
    written = {
        "XC01-20261120-0001": (_FINDINGS_A, "a" * 64),
        "XC01-20261120-0002": (_FINDINGS_A, "a" * 64),  # the same document again
        "XC01-20261120-0003": (_FINDINGS_B, "a" * 64),
        "XC01-20261120-0004": (_FINDINGS_A, "b" * 64),  # same findings, another policy
    }
    as_json = "CAST(:findings AS json)" if store.backend == "postgresql" else ":findings"
    now = datetime(2026, 11, 20, 10, 0)
    with store.connection(write=True) as connection:
        connection.execute(
            text(
                "INSERT INTO setting (key, value) VALUES "
                "('station_code', 'XC01'), ('station_name', '西城区某街道工会服务站')"
            )
        )
        for serial, name in ((1, "欧阳明月"), (2, "张伟")):
            connection.execute(
                text(
                    "INSERT INTO member (id, id_number, name, created_at, updated_at) "
                    "VALUES (:id, :idn, :name, :now, :now)"
                ),
                {"id": serial, "idn": make_id(serial), "name": name, "now": now},
            )
        for number, (receipt, (findings, sha)) in enumerate(written.items(), start=1):
            member = 1 if number <= 2 else 2
            connection.execute(
                text(
                    "INSERT INTO application (id, receipt, member_id, scheme, kind, occupation, "
                    "claim_item, claim_level, level, applied_on, station_code, station_name, "
                    "clerk, status, eligible, amount, findings, policy_sha256, name_chars, "
                    "created_at, updated_at) VALUES (:id, :receipt, :member, 'bj-2026-skills', "
                    "'skill_level', '无人机驾驶员', '4-02-04-06', :claim_level, :level, :day, 'XC01', "
                    "'西城区某街道工会服务站', '李', :status, :yes, 2400, "
                    f"{as_json}, :sha, :chars, :now, :now)"
                ),
                {
                    "id": number,
                    "receipt": receipt,
                    "member": member,
                    "claim_level": str(number),
                    "level": number,
                    "day": date(2026, 11, 20),
                    "status": "returned" if number == 4 else "accepted",
                    "yes": True,
                    "findings": json.dumps(findings),
                    "sha": sha,
                    "chars": "欧 阳 明 月" if member == 1 else "张 伟",
                    "now": now,
                },
            )
            connection.execute(
                text(
                    "INSERT INTO status_change (application_id, from_status, to_status, actor, at) "
                    "VALUES (:id, NULL, 'accepted', '李', :now)"
                ),
                {"id": number, "now": now},
            )
        connection.execute(
            text("INSERT INTO receipt_counter (prefix, last) VALUES ('XC01-20261120', 4)")
        )
        if store.backend == "postgresql":  # the ids above were given: move the sequences on
            for table in ("member", "application"):
                connection.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))"
                    )
                )
    return written


def _stored_findings(store: Store, old_columns: bool) -> dict[str, tuple[list, str]]:
    """receipt → (findings, policy_sha256) as the database gives them back."""
    if old_columns:
        sql = "SELECT receipt, findings, policy_sha256 FROM application"
    else:
        sql = (
            "SELECT a.receipt, d.findings, d.policy_sha256 FROM application a "
            "JOIN decision d ON d.id = a.decision_id"
        )
    with store.connection() as connection:
        rows = connection.execute(text(sql)).all()
    return {r[0]: (json.loads(r[1]) if isinstance(r[1], str) else r[1], r[2]) for r in rows}


def _index_names(store: Store) -> set[str]:
    with store.bare_connection() as connection:
        return {i["name"] for i in inspect(connection).get_indexes("application")}


def test_filled_third_schema_moves_decisions_to_their_table(backend, db_url, home):
    old = _bare_store(db_url, home)
    try:
        migrations.upgrade(old, "0003")
        written = _fill_third_schema(old)
        assert _stored_findings(old, old_columns=True) == written
        indexes_before = _index_names(old)
    finally:
        old.dispose()

    store = open_store(db_url, home, now=NOW)
    try:
        assert migrations.schema_state(store).current == "0004"
        assert _stored_findings(store, old_columns=False) == written
        with store.connection() as connection:
            decisions = connection.execute(text("SELECT count(*) FROM decision")).scalar_one()
            columns = {c["name"] for c in inspect(connection).get_columns("application")}
        assert decisions == 3  # A with policy a, B with policy a, A with policy b
        assert {"findings", "policy_sha256"}.isdisjoint(columns) and "decision_id" in columns
        assert _index_names(store) == indexes_before
        for receipt, (findings, sha) in written.items():
            detail = applications.application_detail(store, receipt)
            assert detail.decision["findings"] == findings
            assert detail.decision["policy_sha256"] == sha
        # The search (FTS tables and triggers on SQLite) still finds old and new rows, and
        # the partial claim index still refuses a second live claim and ignores returned ones.
        assert [r.receipt for r in applications.ledger(store, LedgerFilter(query="明月"))] == [
            "XC01-20261120-0002",
            "XC01-20261120-0001",
        ]
        later = datetime(2026, 11, 20, 15, 0)
        saved = applications.save_application(store, apply_input(8), clerk=CLERK, now=later)
        assert saved.receipt == "XC01-20261120-0005"
        found = applications.ledger(store, LedgerFilter(query="张伟"))
        assert saved.receipt in [r.receipt for r in found]
        assert applications.ledger_count(store, LedgerFilter(query="20261120-000")) == 5
        with pytest.raises(IntegrityError), store.connection(write=True) as connection:
            connection.execute(text("UPDATE application SET level = 1 WHERE id = 2"))
            connection.execute(text("UPDATE application SET claim_level = '1' WHERE id = 2"))
        with store.connection(write=True) as connection:  # id 4 is returned: no conflict
            connection.execute(text("UPDATE application SET claim_level = '3' WHERE id = 4"))
    finally:
        store.dispose()

    # And back: the downgrade puts the columns back as they were.
    store = _bare_store(db_url, home)
    try:
        migrations.downgrade(store, "0003")
        assert migrations.schema_state(store).current == "0003"
        back = _stored_findings(store, old_columns=True)
        assert {r: back[r] for r in written} == written
        assert _index_names(store) == indexes_before
        with store.bare_connection() as connection:
            assert "decision" not in inspect(connection).get_table_names()
    finally:
        store.dispose()
