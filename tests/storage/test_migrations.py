"""Migrations: the newest script gives the models' schema; a filled first-version database
upgrades (after a backup); a database from a newer program is refused untouched."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import JSON, Boolean, Date, DateTime, MetaData, insert, inspect, select, text
from sqlalchemy import column as sa_column
from sqlalchemy import table as sa_table
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.expression import ColumnClause

from desktop_app.domain.ledger_filter import LedgerFilter
from desktop_app.services import applications, ledger_view, station_settings
from desktop_app.services import status as status_service
from desktop_app.services.store import open_store
from desktop_app.storage import migrations
from desktop_app.storage.backup import program_backups
from desktop_app.storage.database import Store, resolve_url
from desktop_app.storage.errors import DuplicateClaimError, NewerSchemaError
from desktop_app.storage.models import Application, Base, Member, Step
from tests.storage.conftest import CLERK, NOW, apply_input, make_id

SEARCH_PREFIXES = ("application_search", "ix_application_search_")


# Since 0012, on PostgreSQL only: the receipt's day and rest, generated columns the models
# leave out (the program never writes them), with their indexes.
RECEIPT_PARTS = {"receipt_day", "receipt_rest"}
RECEIPT_PART_INDEXES = {"ix_application_receipt_day", "ix_application_receipt_rest"}
# Since 0013, on PostgreSQL only: the ids with the names' characters, for a walk.
WALK_INDEXES = {"ix_application_name_walk"}


def _ours(obj, name, type_, reflected, compare_to) -> bool:
    """Leave out the dialect-specific search objects (FTS tables, GIN indexes) and the
    receipt's parts."""
    if name in RECEIPT_PARTS | RECEIPT_PART_INDEXES | WALK_INDEXES:
        return False
    return not (name and name.startswith(SEARCH_PREFIXES))


def _models_for(dialect: str) -> MetaData:
    """The models' tables as `dialect` gets them: an index declared for another database only
    (`Index(...).ddl_if(dialect=...)`) left out, as create_all leaves it out."""
    metadata = MetaData(naming_convention=Base.metadata.naming_convention)
    for table in Base.metadata.tables.values():
        other = {
            (index.name, tuple(c.name for c in index.columns))
            for index in table.indexes
            if (ddl_if := getattr(index, "_ddl_if", None)) is not None
            and ddl_if.dialect not in (None, dialect)
        }
        copy = table.to_metadata(metadata)
        for index in list(copy.indexes):
            if (index.name, tuple(c.name for c in index.columns)) in other:
                copy.indexes.discard(index)
    return metadata


def _bare_store(db_url: str | None, home: Path) -> Store:
    home.mkdir(parents=True, exist_ok=True)
    (home / "backups").mkdir(exist_ok=True)
    return Store(resolve_url(db_url, home), home)


def test_newest_migration_matches_the_models(store):
    with store.bare_connection() as connection:
        context = MigrationContext.configure(
            connection, opts={"include_object": _ours, "compare_type": True}
        )
        differences = compare_metadata(context, _models_for(connection.dialect.name))
    assert differences == []


def test_id_ordered_indexes_name_the_id_only_where_the_database_needs_it(backend, store):
    """SQLite ends every index entry with the row id (so it is in id order within each key
    already, and naming `id` would store it twice); PostgreSQL's indexes need it named."""
    with store.bare_connection() as connection:
        found = {
            i["name"]: i["column_names"]
            for i in inspect(connection).get_indexes("application")
            if i["name"] in ("ix_application_applied_on", "ix_application_scheme_status")
        }
    with_id = [] if backend == "sqlite" else ["id"]
    assert found == {
        "ix_application_applied_on": ["applied_on", *with_id],
        "ix_application_scheme_status": ["scheme_id", "status", *with_id],
    }


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
        rows = ledger_view.ledger(store, LedgerFilter(query="明月"))
        assert [r.receipt for r in rows] == ["XC01-20261120-0001"]
        assert rows[0].name == "欧阳明月" and rows[0].amount == 2400
        detail = ledger_view.application_detail(store, "XC01-20261120-0001")
        assert detail.row.status_label == "已受理"

        # New saves work on the upgraded database and continue the day's numbers.
        later = datetime(2026, 11, 20, 15, 0)
        saved = applications.save_application(
            store, apply_input(8, applied_on="2026-11-20"), clerk=CLERK, now=later
        )
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
        with store.session(write=True) as session:  # the claim item is a term since 0005
            session.get_one(Application, 1).claim_item = key.item
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


# The indexes on `application` since 0005 (the search indexes of 0003 aside).
COMPACT_INDEXES = {
    "uq_application_claim",
    "ix_application_applied_on",
    "ix_application_scheme_status",
}


# Since 0010, on PostgreSQL only: a station's rows under row-level security.
STATION_INDEXES = {"ix_application_station", "ix_application_station_day"}


def _head_indexes(backend: str) -> set[str]:
    return COMPACT_INDEXES | (
        STATION_INDEXES | RECEIPT_PART_INDEXES | WALK_INDEXES if backend == "postgresql" else set()
    )


def _search_objects(names: set[str]) -> set[str]:
    return {n for n in names if n.startswith(SEARCH_PREFIXES)}


def _plain_indexes(store: Store) -> set[str]:
    """The application's indexes other than the search ones and the receipt's (a unique
    constraint, which PostgreSQL lists among the indexes and SQLite does not)."""
    names = _index_names(store) - {"uq_application_receipt"}
    return names - _search_objects(names)


def test_filled_third_schema_moves_decisions_to_their_table(backend, db_url, home):
    old = _bare_store(db_url, home)
    try:
        migrations.upgrade(old, "0003")
        written = _fill_third_schema(old)
        assert _stored_findings(old, old_columns=True) == written
        indexes_before = _index_names(old)

        # 0004 by itself, and back: its downgrade puts the columns back as they were (0005
        # has no downgrade, so the round trip is tested here).
        migrations.upgrade(old, "0004")
        assert migrations.schema_state(old).current == "0004"
        assert _stored_findings(old, old_columns=False) == written
        with old.connection() as connection:
            decisions = connection.execute(text("SELECT count(*) FROM decision")).scalar_one()
            columns = {c["name"] for c in inspect(connection).get_columns("application")}
        assert decisions == 3  # A with policy a, B with policy a, A with policy b
        assert {"findings", "policy_sha256"}.isdisjoint(columns) and "decision_id" in columns
        assert _index_names(old) == indexes_before

        migrations.downgrade(old, "0003")
        assert migrations.schema_state(old).current == "0003"
        back = _stored_findings(old, old_columns=True)
        assert {r: back[r] for r in written} == written
        assert _index_names(old) == indexes_before
        with old.bare_connection() as connection:
            assert "decision" not in inspect(connection).get_table_names()
    finally:
        old.dispose()

    store = open_store(db_url, home, now=NOW)
    try:
        assert migrations.schema_state(store).up_to_date
        assert _stored_findings(store, old_columns=False) == written
        assert _plain_indexes(store) == _head_indexes(backend)
        assert _search_objects(_index_names(store)) == _search_objects(indexes_before)
        for receipt, (findings, sha) in written.items():
            detail = ledger_view.application_detail(store, receipt)
            assert detail.decision["findings"] == findings
            assert detail.decision["policy_sha256"] == sha
        # The search (FTS tables and triggers on SQLite) still finds old and new rows, and
        # the claim index still refuses a second live claim and ignores returned ones.
        assert [r.receipt for r in ledger_view.ledger(store, LedgerFilter(query="明月"))] == [
            "XC01-20261120-0002",
            "XC01-20261120-0001",
        ]
        later = datetime(2026, 11, 20, 15, 0)
        saved = applications.save_application(
            store, apply_input(8, applied_on="2026-11-20"), clerk=CLERK, now=later
        )
        assert saved.receipt == "XC01-20261120-0005"
        found = ledger_view.ledger(store, LedgerFilter(query="张伟"))
        assert saved.receipt in [r.receipt for r in found]
        assert ledger_view.ledger_count(store, LedgerFilter(query="20261120-000")) == 5
        with pytest.raises(IntegrityError), store.connection(write=True) as connection:
            connection.execute(text("UPDATE application SET level = 1 WHERE id = 2"))
            connection.execute(text("UPDATE application SET claim_level = '1' WHERE id = 2"))
        with store.connection(write=True) as connection:  # id 4 is returned: no conflict
            connection.execute(text("UPDATE application SET claim_level = '3' WHERE id = 4"))
    finally:
        store.dispose()


# --- 0004 → 0005: compact storage (terms, codes, integer times on SQLite) -------------------

_STATION = ("XC01", "西城区某街道工会服务站")


def _at(day: int, hour: int, minute: int = 0, second: int = 0, micro: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, second, micro)


_MEMBERS_0004 = [
    {
        "id": 1,
        "id_number": make_id(1),
        "name": "张伟",
        "card_number": None,  # takes the one of application 4, the newest that has one
        "phone": "13800138000",
        "work_unit": "北京市西城区某物业公司",
        "position": "维修工",
        "created_at": _at(19, 8),
        "updated_at": _at(20, 10),
    },
    {
        "id": 2,
        "id_number": make_id(2),
        "name": "欧阳明月",
        "card_number": "6217000010001234569",
        "phone": None,
        "work_unit": None,
        "position": None,
        "created_at": _at(19, 8, 30),
        "updated_at": _at(20, 11, 0, 0, 999_999),  # SQLite keeps whole seconds (dropped)
    },
]


def _application_0004(id: int, member_id: int, **fields: object) -> dict[str, object]:
    """An application row of schema 0004, the columns the tests do not care about filled."""
    row: dict[str, object] = {
        "id": id,
        "receipt": f"XC01-20261120-{id:04d}",
        "member_id": member_id,
        "scheme": "bj-2016-union-boost",
        "kind": "skill_level",
        "occupation": None,
        "claim_item": "",
        "claim_level": "",
        "level": None,
        "grade": None,
        "certificate_number": None,
        "issued_on": None,
        "approved_on": None,
        "issuer": None,
        "management_number": None,
        "competition": None,
        "stage": None,
        "rank": None,
        "entrants": None,
        "final_held": None,
        "card_number": None,
        "union_affiliated": None,
        "full_time_union_social_worker": None,
        "key_group": None,
        "applied_on": date(2026, 11, 20),
        "station_code": _STATION[0],
        "station_name": _STATION[1],
        "clerk": "李",
        "status": "accepted",
        "eligible": True,
        "amount": 2400,
        "created_at": _at(20, 10),
        "updated_at": _at(20, 10),
        "name_chars": "张 伟" if member_id == 1 else "欧 阳 明 月",
        "decision_id": 1,
    }
    row.update(fields)
    return row


_APPLICATIONS_0004 = [
    # The claim apply_input(1) makes: a new save of it must be refused.
    _application_0004(
        1,
        1,
        scheme="bj-2026-skills",
        occupation="无人机驾驶员",
        claim_item="4-02-04-06",
        claim_level="3",
        level=3,
        certificate_number="S000011010500001",
        issued_on=date(2026, 6, 1),
        issuer="北京市某职业技能等级认定机构",
        card_number="6217000010000000011",
        union_affiliated=True,
        status="paid",
        updated_at=_at(30, 9),
    ),
    _application_0004(
        2,
        2,
        kind="social_worker",
        claim_item="社会工作者",
        claim_level="intermediate",
        grade="intermediate",
        certificate_number="SW2020000123",
        issued_on=date(2020, 6, 15),
        approved_on=date(2020, 5, 1),
        issuer="民政部",
        management_number="GL2020-0042",
        union_affiliated=True,
        full_time_union_social_worker=True,
        status="returned",
        amount=1500,
        created_at=_at(20, 11),
        updated_at=_at(22, 10),
    ),
    # The same claim again, live: allowed because the first was returned.
    _application_0004(
        3,
        2,
        kind="social_worker",
        claim_item="社会工作者",
        claim_level="intermediate",
        grade="intermediate",
        certificate_number="SW2020000123",
        issued_on=date(2020, 6, 15),
        approved_on=date(2020, 5, 1),
        issuer="民政部",
        management_number="GL2020-0042",
        full_time_union_social_worker=True,
        amount=1500,
        created_at=_at(20, 14),
        updated_at=_at(20, 14),
    ),
    _application_0004(
        4,
        1,
        kind="competition",
        occupation="汽车装调工",
        claim_item="汽车装调工",
        claim_level="final:2",
        competition="北京市第四届职业技能大赛",
        stage="final",
        rank=2,
        entrants=60,
        final_held=True,
        card_number="6217000010000000022",
        key_group=False,
        status="submitted",
        eligible=False,
        amount=0,
        created_at=_at(20, 12),
        updated_at=_at(25, 9),
    ),
    _application_0004(
        5,
        1,
        kind="qualification",
        occupation="电工",
        claim_item="电工",
        claim_level="1",
        level=1,
        certificate_number="Q1101050001",
        issued_on=date(1999, 12, 31),
        card_number="",  # newer than 4, but no number
        created_at=_at(20, 13),
        updated_at=_at(20, 13),
    ),
    _application_0004(
        6,
        2,
        kind="special_ability",
        occupation="焊工",
        claim_item="焊工",
        claim_level="special",
        status="printed",
        created_at=_at(20, 15),
        updated_at=_at(21, 9),
    ),
]

# Each application's history in order: (application, from, to, reason, actor, at).
_HISTORY_COLUMNS = ("application_id", "from_status", "to_status", "reason", "actor", "at")
_HISTORY_0004 = [
    (1, None, "accepted", None, "李", _at(20, 10)),  # the row's own acceptance: not stored
    (1, "accepted", "printed", None, "李", _at(21, 9)),
    (1, "printed", "submitted", "", "王", _at(25, 9)),
    (1, "submitted", "paid", "已到账", "王", _at(30, 9)),
    (2, None, "accepted", None, "赵", _at(20, 11)),  # another actor: kept
    (2, "accepted", "returned", "材料不全", "李", _at(22, 10)),
    (3, None, "accepted", None, "李", _at(20, 14, 0, 30)),  # another time: kept
    (4, None, "accepted", "", "李", _at(20, 12)),  # not stored (an empty reason is none)
    (4, "accepted", "printed", None, "李", _at(21, 9)),
    (4, "printed", "submitted", "补交材料后报送", "赵", _at(25, 9)),
    (5, None, "accepted", None, "李", _at(20, 13)),  # not stored: no status_change row left
    # The row's own acceptance, then a second start: both kept (without the first, the
    # second would read as the whole history's start).
    (6, None, "accepted", None, "李", _at(20, 15)),
    (6, None, "accepted", None, "赵", _at(20, 16)),
    (6, "accepted", "printed", None, "赵", _at(21, 9)),
]
# What status_change keeps after 0005: (application, step) for each row not implied.
_STORED_STEPS_0005 = [
    *((1, step) for step in (1, 2, 3)),
    *((2, step) for step in (1, 2)),
    (3, 1),
    *((4, step) for step in (1, 2)),
    *((6, step) for step in (1, 2, 3)),
]

_FINDINGS_0004 = [
    {"rule": "amount", "passed": True, "message": "补助 2400 元", "source": "第三条"},
]


# How the program of schema 0004 wrote each kind of value (datetime before date: a subclass).
_WRITTEN_AS = ((datetime, DateTime), (date, Date), (bool, Boolean), (list, JSON))


def _insert(connection, table: str, rows: list[dict[str, object]]) -> None:
    """Rows written as the program of that schema wrote them: SQLAlchemy's own types for
    times, dates, booleans and JSON (on SQLite '2026-11-20 10:00:00.000000', '2026-06-01')."""

    def column(name: str) -> ColumnClause:
        sample = next((row[name] for row in rows if row[name] is not None), None)
        kind = next((type_() for py, type_ in _WRITTEN_AS if isinstance(sample, py)), None)
        return sa_column(name, kind)

    target = sa_table(table, *(column(name) for name in rows[0]))
    connection.execute(insert(target), rows)


def _fill_fourth_schema(store: Store) -> None:
    with store.connection(write=True) as connection:
        connection.execute(
            text(
                "INSERT INTO setting (key, value) "
                "VALUES ('station_code', :code), ('station_name', :name)"
            ),
            {"code": _STATION[0], "name": _STATION[1]},
        )
        _insert(
            connection,
            "decision",
            [{"id": 1, "digest": "d" * 64, "policy_sha256": "a" * 64, "findings": _FINDINGS_0004}],
        )
        _insert(connection, "member", _MEMBERS_0004)
        _insert(connection, "application", _APPLICATIONS_0004)
        _insert(
            connection,
            "status_change",
            [dict(zip(_HISTORY_COLUMNS, h, strict=True)) for h in _HISTORY_0004],
        )
        connection.execute(
            text("INSERT INTO receipt_counter (prefix, last) VALUES ('XC01-20261120', 6)")
        )
        if store.backend == "postgresql":  # the ids above were given: move the sequences on
            for table in ("member", "application", "decision"):
                connection.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))"
                    )
                )


def test_filled_fourth_schema_reads_back_the_same_after_compacting(backend, db_url, home):
    old = _bare_store(db_url, home)
    try:
        migrations.upgrade(old, "0004")
        _fill_fourth_schema(old)
    finally:
        old.dispose()

    def stored(moment: datetime) -> datetime:
        """A time as the upgraded database gives it back: SQLite keeps whole seconds."""
        return moment.replace(microsecond=0) if backend == "sqlite" else moment

    store = open_store(db_url, home, now=NOW)
    try:
        assert migrations.schema_state(store).up_to_date

        # Every value reads back as it was written, through the models.
        with store.session() as session:
            members = session.execute(select(Member).order_by(Member.id)).scalars().all()
            read_members = [{name: getattr(m, name) for name in _MEMBERS_0004[0]} for m in members]
            apps = session.execute(select(Application).order_by(Application.id)).scalars().all()
            fields = [name for name in _APPLICATIONS_0004[0] if name != "card_number"]
            read_apps = [{name: getattr(a, name) for name in fields} for a in apps]
            lives = [a.live for a in apps]
            cards = [a.card_number for a in apps]
            steps = {a.id: a.steps for a in apps}
        assert read_members == [
            {
                **m,
                "card_number": m["card_number"] or "6217000010000000022",
                "created_at": stored(m["created_at"]),
                "updated_at": stored(m["updated_at"]),
            }
            for m in _MEMBERS_0004
        ]
        assert read_apps == [{name: a[name] for name in fields} for a in _APPLICATIONS_0004]
        assert lives == [1, None, 1, 1, 1, 1]
        first, second = "6217000010000000022", "6217000010001234569"  # the members' cards
        assert cards == [first, second, second, first, first, second]
        written_steps = {
            app["id"]: [
                Step(h[1], h[2], h[3], h[4], h[5]) for h in _HISTORY_0004 if h[0] == app["id"]
            ]
            for app in _APPLICATIONS_0004
        }
        # An empty reason is no reason: application 4's acceptance is implied by its row and
        # reads back as the row says it (models.implicit_acceptance).
        written_steps[4][0] = replace(written_steps[4][0], reason=None)
        assert steps == written_steps
        with store.connection() as connection:
            kept = connection.execute(
                text("SELECT application_id, step FROM status_change ORDER BY 1, 2")
            ).all()
            terms = connection.execute(text("SELECT count(*), count(DISTINCT text) FROM term"))
            term_counts = tuple(terms.one())
        assert [tuple(r) for r in kept] == _STORED_STEPS_0005
        assert term_counts[0] == term_counts[1]  # each text once

        detail = ledger_view.application_detail(store, "XC01-20261120-0004", full_numbers=True)
        assert detail.row.card_number == "6217000010000000022"
        assert detail.row.kind == "competition" and detail.row.status == "submitted"
        assert detail.member["work_unit"] == "北京市西城区某物业公司"
        assert detail.certificate["competition"] == "北京市第四届职业技能大赛"
        assert (detail.certificate["rank"], detail.certificate["entrants"]) == (2, 60)
        assert detail.certificate["final_held"] is True
        assert detail.decision["findings"] == _FINDINGS_0004
        assert [(h["from"], h["to"], h["actor"], h["at"]) for h in detail.history] == [
            (None, "accepted", "李", "2026-11-20 12:00:00"),
            ("accepted", "printed", "李", "2026-11-21 09:00:00"),
            ("printed", "submitted", "赵", "2026-11-25 09:00:00"),
        ]
        detail = ledger_view.application_detail(store, "XC01-20261120-0002", full_numbers=True)
        assert detail.certificate["approved_on"] == "2020-05-01"
        assert detail.certificate["management_number"] == "GL2020-0042"
        assert detail.row.status_label == "退回" and detail.row.clerk == "李"

        # The indexes are the models' (the claim index no longer partial).
        assert _plain_indexes(store) == _head_indexes(backend)
        with store.connection() as connection:
            if backend == "sqlite":
                claim_index = connection.execute(
                    text("SELECT sql FROM sqlite_master WHERE name = 'uq_application_claim'")
                ).scalar_one()
            else:
                claim_index = connection.execute(
                    text(
                        "SELECT indexdef FROM pg_indexes WHERE indexname = 'uq_application_claim' "
                        "AND schemaname = current_schema()"
                    )
                ).scalar_one()
        assert "WHERE" not in claim_index.upper() and "live" in claim_index

        if backend == "sqlite":
            with store.connection() as connection:

                def rows(sql: str) -> list[object]:
                    return [r[0] for r in connection.execute(text(sql))]

                assert rows("PRAGMA integrity_check") == ["ok"]
                assert rows("PRAGMA foreign_key_check") == []
                assert rows(
                    "SELECT rowid FROM application_search_receipt WHERE receipt LIKE '%0003%'"
                ) == [3]
                assert sorted(
                    rows(
                        "SELECT rowid FROM application_search_name "
                        "WHERE application_search_name MATCH '\"张 伟\"'"
                    )
                ) == [1, 4, 5]
                receipt_table = rows(
                    "SELECT sql FROM sqlite_master WHERE name = 'application_search_receipt'"
                )
                assert "detail=none" in str(receipt_table[0])
                triggers = rows(
                    "SELECT name FROM sqlite_master WHERE type = 'trigger' "
                    "AND name LIKE 'application_search_%'"
                )
                assert len(triggers) == 3
            with store.connection(write=True) as connection:
                for table in ("application_search_name", "application_search_receipt"):
                    connection.execute(
                        text(f"INSERT INTO {table} ({table}) VALUES ('integrity-check')")
                    )

        # The upgraded database takes new work: a save (new member, new terms, next receipt),
        # a status change (the next step), and it still refuses a claim already taken.
        later = datetime(2026, 11, 20, 16, 0)
        saved = applications.save_application(
            store, apply_input(8, applied_on="2026-11-20"), clerk=CLERK, now=later
        )
        assert saved.receipt == "XC01-20261120-0007"
        assert saved.receipt in [
            r.receipt for r in ledger_view.ledger(store, LedgerFilter(query="张伟"))
        ]
        assert [r.receipt for r in ledger_view.ledger(store, LedgerFilter(query="0003"))] == [
            "XC01-20261120-0003"
        ]
        new = ledger_view.application_detail(store, saved.receipt)
        assert new.row.clerk == CLERK and new.row.scheme == "bj-2026-skills"
        assert [(h["to"], h["actor"]) for h in new.history] == [("accepted", CLERK)]

        changed = status_service.change_status(
            store, "XC01-20261120-0003", "printed", actor=CLERK, now=later
        )
        assert [s.to_status for s in changed.steps] == ["accepted", "printed"]
        assert [(h.step, h.actor) for h in changed.history] == [(1, "李"), (2, CLERK)]

        with pytest.raises(DuplicateClaimError) as caught:
            applications.save_application(
                store, apply_input(1, applied_on="2026-11-20"), clerk=CLERK, now=later
            )
        assert "XC01-20261120-0001" in str(caught.value)
        # At the database too: the returned claim cannot come back while 3 holds it, and
        # `live` is 1 or NULL (ck_application_live).
        with pytest.raises(IntegrityError), store.connection(write=True) as connection:
            connection.execute(text("UPDATE application SET status = 1, live = 1 WHERE id = 2"))
        with pytest.raises(IntegrityError), store.connection(write=True) as connection:
            connection.execute(text("UPDATE application SET live = 2 WHERE id = 3"))
        with pytest.raises(IntegrityError), store.connection(write=True) as connection:
            connection.execute(text("UPDATE application SET live = NULL WHERE id = 3"))
        with pytest.raises(IntegrityError), store.connection(write=True) as connection:
            connection.execute(text("UPDATE application SET live = 1 WHERE id = 2"))
    finally:
        store.dispose()


def test_unknown_status_word_stops_the_compacting_upgrade(backend, db_url, home):
    store = _bare_store(db_url, home)
    try:
        migrations.upgrade(store, "0004")
        _fill_fourth_schema(store)
        with store.connection(write=True) as connection:
            connection.execute(text("UPDATE status_change SET to_status = 'lost' WHERE id = 2"))
        with pytest.raises(RuntimeError, match="lost"):
            migrations.upgrade(store)
        # Nothing changed: the step ran in one transaction.
        assert migrations.schema_state(store).current == "0004"
        with store.connection() as connection:
            columns = {c["name"] for c in inspect(connection).get_columns("application")}
            assert "card_number" in columns and "scheme" in columns
            assert "term" not in inspect(connection).get_table_names()
    finally:
        store.dispose()


# --- compacting after an upgrade -------------------------------------------------------------


def _free_share(path: Path) -> float:
    with sqlite3.connect(path) as connection:
        pages = connection.execute("PRAGMA page_count").fetchone()[0]
        free = connection.execute("PRAGMA freelist_count").fetchone()[0]
    return free / pages


def test_compact_rewrites_a_file_with_many_free_pages_and_keeps_every_row(home):
    store = open_store(None, home, now=NOW, auto_backup=False)
    station_settings.save_station(store, actor=CLERK, code="XC01", name="西城区某街道工会服务站")
    try:
        receipts = [
            applications.save_application(store, apply_input(n), clerk=CLERK, now=NOW).receipt
            for n in range(1, 6)
        ]
        with store.connection(write=True) as connection:  # pages that are then freed
            connection.execute(text("CREATE TABLE ballast (b BLOB)"))
            for _ in range(40):
                connection.execute(text("INSERT INTO ballast VALUES (zeroblob(100000))"))
        with store.connection(write=True) as connection:
            connection.execute(text("DROP TABLE ballast"))
        path = home / "union-counter.sqlite3"
        assert _free_share(path) > 0.5
        assert migrations.compact(store) is True
        assert _free_share(path) == 0
        # Nothing lost, and a second call finds nothing to do.
        assert migrations.compact(store) is False
        found = [ledger_view.application_detail(store, r).row.receipt for r in receipts]
        assert found == receipts
        with store.connection() as connection:
            assert connection.execute(text("PRAGMA integrity_check")).scalar_one() == "ok"
    finally:
        store.dispose()


def test_compact_while_another_program_reads_leaves_the_database_usable(home):
    store = open_store(None, home, now=NOW, auto_backup=False)
    station_settings.save_station(store, actor=CLERK, code="XC01", name="西城区某街道工会服务站")
    path = home / "union-counter.sqlite3"
    try:
        applications.save_application(store, apply_input(1), clerk=CLERK, now=NOW)
        with store.connection(write=True) as connection:
            connection.execute(text("CREATE TABLE ballast (b BLOB)"))
            connection.execute(text("INSERT INTO ballast VALUES (zeroblob(2000000))"))
        with store.connection(write=True) as connection:
            connection.execute(text("DROP TABLE ballast"))
        reader = sqlite3.connect(path, timeout=0.1)
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM application").fetchone()  # holds a read snapshot
        try:
            done = migrations.compact(store)
        finally:
            reader.rollback()
            reader.close()
        # Whether or not SQLite could rewrite it under the reader, the database is whole.
        assert isinstance(done, bool)
        applications.save_application(store, apply_input(2), clerk=CLERK, now=NOW)
        with store.connection() as connection:
            assert connection.execute(text("PRAGMA integrity_check")).scalar_one() == "ok"
            assert connection.execute(text("SELECT count(*) FROM application")).scalar_one() == 2
    finally:
        store.dispose()


def test_the_newest_revision_read_without_alembic_is_alembics_own() -> None:
    """schema_state reads the scripts' revision lines instead of loading Alembic: the same
    revisions and the same head as Alembic's ScriptDirectory."""
    assert migrations.head_revision() == migrations.script_directory().get_current_head()
    assert migrations.known_revisions() == {
        script.revision for script in migrations.script_directory().walk_revisions()
    }


def test_opening_a_database_at_the_newest_schema_loads_no_alembic(tmp_path) -> None:
    """The common case (every start, every command) costs no Alembic import: measured in a
    fresh interpreter, as a counter PC starts the program."""
    import subprocess
    import sys

    from tests.conftest import ROOT

    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from desktop_app.services.store import open_store\n"
        f"store = open_store(None, Path({str(tmp_path)!r}))\n"  # creates and migrates
        "store.dispose()\n"
        "for name in [m for m in sys.modules if m.startswith(('alembic', 'mako'))]:\n"
        "    del sys.modules[name]\n"
        f"store = open_store(None, Path({str(tmp_path)!r}))\n"  # already at the newest
        "store.dispose()\n"
        "print(sorted(m for m in sys.modules if m.startswith('alembic')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
        check=True,
    )  # fmt: skip
    assert result.stdout.strip() == "[]", result.stdout + result.stderr
