"""Backups and restoring: checked backup files, a restore that refuses bad files and keeps
what it replaces, receipt numbers never reused, the daily backup, and keeping the last 30."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from desktop_app.domain.ledger_filter import LedgerFilter
from desktop_app.services import applications, audit_trail, ledger_view, station_settings
from desktop_app.services.backups import (
    BackupRefusedError,
    make_backup,
    open_for_restore,
    restore_backup,
)
from desktop_app.services.store import open_store
from desktop_app.storage import backup as backups
from desktop_app.storage import migrations
from desktop_app.storage.backup import check_backup_file, pg_tool, program_backups
from desktop_app.storage.database import Store
from desktop_app.storage.errors import BackupError, CorruptDatabaseError, DatabaseLockedError
from desktop_app.storage.models import AuditEvent
from tests.processes import union_counter
from tests.storage.conftest import CLERK, NOW, apply_input

LATER = NOW + timedelta(hours=2)


def _receipts(store: Store) -> list[str]:
    return sorted(r.receipt for r in ledger_view.ledger(store, LedgerFilter()))


def _save(store: Store, serial: int, when: datetime = NOW) -> str:
    data = apply_input(serial, applied_on=when.date().isoformat())  # registered that day
    return applications.save_application(store, data, clerk=CLERK, now=when).receipt


def _last_event(store: Store) -> AuditEvent:
    with store.session() as session:
        return session.query(AuditEvent).order_by(AuditEvent.id.desc()).first()


@pytest.fixture
def sqlite_store(home: Path) -> Iterator[Store]:
    """A store on the SQLite file in the data folder (restore is a SQLite matter)."""
    opened = open_store(None, home, now=NOW)
    station_settings.save_station(opened, actor=CLERK, code="XC01", name="西城区某街道工会服务站")
    try:
        yield opened
    finally:
        opened.dispose()


# --- making backups ------------------------------------------------------------------------


def test_backup_is_a_checked_file_in_the_backups_folder(backend, store, home):
    receipt = _save(store, 1)
    path = make_backup(store, None, actor=CLERK, now=LATER)
    assert path.parent == home / "backups"
    if backend == "sqlite":
        assert path.name == "manual-20261121-113000.sqlite3"
        info = check_backup_file(path)
        assert (info.applications, info.members) == (1, 1)
        assert info.revision == migrations.head_revision()
        with sqlite3.connect(path) as copy:
            assert copy.execute("SELECT receipt FROM application").fetchall() == [(receipt,)]
            assert copy.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    else:
        assert path.name == "manual-20261121-113000.dump"
        pg_restore = pg_tool("pg_restore")
        assert pg_restore, "pg_restore (PostgreSQL client) is needed to read the dump"
        listing = subprocess.run(
            [pg_restore, "--list", str(path)], capture_output=True, text=True, check=True
        ).stdout
        assert "TABLE DATA" in listing and " application " in listing
        # Only the program's own schema, not the whole server.
        schemas = {line.split()[5] for line in listing.splitlines() if " TABLE DATA " in line}
        assert len(schemas) == 1
    event = _last_event(store)
    assert (event.action, event.entity, event.actor) == ("backup", "database", CLERK)
    assert path.name in event.details
    assert audit_trail.verify_audit(store).ok


def test_backup_into_a_folder_or_to_a_file_name(store, tmp_path):
    folder = tmp_path / "U盘"
    folder.mkdir()
    first = make_backup(store, folder, actor=CLERK, now=NOW)
    again = make_backup(store, folder, actor=CLERK, now=NOW)
    assert first.parent == folder and first.name.startswith("manual-20261121-093000")
    assert again != first and again.exists()  # same second: a second name, not overwritten
    named = make_backup(store, tmp_path / "周五.bak", actor=CLERK, now=NOW)
    assert named == tmp_path / "周五.bak" and named.stat().st_size > 0
    assert not list(tmp_path.rglob("*.part"))


def test_backup_never_overwrites_a_file(store, tmp_path):
    existing = tmp_path / "important.sqlite3"
    existing.write_bytes(b"not ours")
    with pytest.raises(BackupRefusedError) as caught:
        make_backup(store, existing, actor=CLERK)
    assert "已经存在" in str(caught.value)
    assert existing.read_bytes() == b"not ours"


def test_backup_to_a_missing_folder_is_refused_in_chinese(store, tmp_path):
    with pytest.raises(BackupError) as caught:
        make_backup(store, tmp_path / "没有这个文件夹" / "x.sqlite3", actor=CLERK)
    assert "文件夹不存在" in str(caught.value) and "没有这个文件夹" in str(caught.value)
    # the storage layer says the same when handed such a place directly
    with pytest.raises(BackupError) as caught:
        backups.backup_to(store, tmp_path / "没有" / "x.sqlite3")
    assert "文件夹不存在" in str(caught.value)


@pytest.mark.sqlite_only
def test_backup_while_another_connection_is_writing(sqlite_store, home, tmp_path):
    receipt = _save(sqlite_store, 1)
    other = sqlite3.connect(home / "union-counter.sqlite3", isolation_level=None)
    try:
        other.execute("INSERT INTO setting (key, value) VALUES ('committed', 'y')")
        other.execute("BEGIN IMMEDIATE")
        other.execute("INSERT INTO setting (key, value) VALUES ('uncommitted', 'x')")
        # The online backup API does not wait for the writer and copies what is committed.
        path = backups.backup_to(sqlite_store, tmp_path / "snapshot.sqlite3")
        info = check_backup_file(path)
        other.execute("COMMIT")
    finally:
        other.close()
    assert info.applications == 1
    with sqlite3.connect(path) as copy:
        assert copy.execute("SELECT receipt FROM application").fetchall() == [(receipt,)]
        keys = {k for (k,) in copy.execute("SELECT key FROM setting")}
    assert "uncommitted" not in keys and "committed" in keys
    with sqlite3.connect(home / "union-counter.sqlite3") as live:
        assert live.execute("SELECT value FROM setting WHERE key='uncommitted'").fetchone()


@pytest.mark.sqlite_only
def test_backup_waits_for_a_writer_to_record_itself(sqlite_store, home, tmp_path):
    _save(sqlite_store, 1)
    other = sqlite3.connect(
        home / "union-counter.sqlite3", isolation_level=None, check_same_thread=False
    )
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO setting (key, value) VALUES ('other', 'x')")
    commit = threading.Timer(0.5, other.execute, args=("COMMIT",))
    commit.start()
    try:
        path = make_backup(sqlite_store, tmp_path, actor=CLERK)  # busy timeout: 5 s
    finally:
        commit.join()
        other.close()
    assert check_backup_file(path).applications == 1
    assert _last_event(sqlite_store).action == "backup"


@pytest.mark.sqlite_only
def test_backup_not_recorded_is_not_kept(home, tmp_path):
    store = open_store(None, home, now=NOW, busy_timeout_ms=200)
    other = sqlite3.connect(home / "union-counter.sqlite3", isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        with pytest.raises(DatabaseLockedError) as caught:
            make_backup(store, tmp_path, actor=CLERK)
        other.execute("ROLLBACK")
    finally:
        other.close()
        store.dispose()
    assert "占用" in str(caught.value)
    assert list(tmp_path.iterdir()) == [home]  # no backup file the audit trail does not know


# --- automatic backups and keeping the last 30 ------------------------------------------------


@pytest.mark.sqlite_only
def test_daily_backup_at_the_first_open_of_each_day(home):
    def autos() -> list[str]:
        return [p.name for p in program_backups(home / "backups") if p.name.startswith("auto-")]

    open_store(None, home, now=datetime(2026, 11, 21, 8, 0)).dispose()
    assert autos() == ["auto-20261121-080000.sqlite3"]
    open_store(None, home, now=datetime(2026, 11, 21, 17, 59)).dispose()
    assert autos() == ["auto-20261121-080000.sqlite3"]  # not twice the same day
    open_store(None, home, now=datetime(2026, 11, 22, 0, 5)).dispose()
    assert autos() == ["auto-20261121-080000.sqlite3", "auto-20261122-000500.sqlite3"]
    for name in autos():
        check_backup_file(home / "backups" / name)


@pytest.mark.slow
def test_only_the_newest_30_program_backups_are_kept(store, home):
    folder = home / "backups"
    mine = [folder / "我的备份.sqlite3", folder / "notes.txt"]
    for path in mine:
        path.write_bytes(b"kept")
    made = [
        make_backup(store, None, actor=CLERK, now=NOW + timedelta(minutes=n)) for n in range(35)
    ]
    left = program_backups(folder)
    assert len(left) == 30
    assert left == made[-30:]  # the oldest (and the fixture's auto backup) went first
    assert all(path.read_bytes() == b"kept" for path in mine)  # not the program's: untouched


# --- restoring -------------------------------------------------------------------------------


def test_restore_round_trip_never_reuses_receipt_numbers(sqlite_store, home, tmp_path):
    a = _save(sqlite_store, 1)
    backup = make_backup(sqlite_store, tmp_path, actor=CLERK, now=NOW)
    b = _save(sqlite_store, 2)
    assert (a, b) == ("XC01-20261121-0001", "XC01-20261121-0002")

    result = restore_backup(sqlite_store, backup, actor="李组长", now=LATER)

    assert _receipts(sqlite_store) == [a]
    assert result.source == backup and (result.applications, result.members) == (1, 1)
    assert not result.upgraded and not result.damaged
    assert result.receipt_floors == {"XC01-20261121": 2}
    # The replaced database is kept, is a valid backup and still holds B.
    assert result.kept is not None and result.kept.parent == home / "backups"
    assert result.kept.name == "before-restore-20261121-113000.sqlite3"
    kept = check_backup_file(result.kept)
    assert kept.applications == 2
    # B's number is never issued again, and B's claim can be saved anew.
    again = _save(sqlite_store, 2, LATER)
    assert again == "XC01-20261121-0003"
    # The audit chain goes on from the restored database, with the restore in it.
    restore_events = [e for e in _events(sqlite_store) if e.action == "restore"]
    assert len(restore_events) == 1 and restore_events[0].actor == "李组长"
    assert result.kept.name in restore_events[0].details
    assert audit_trail.verify_audit(sqlite_store).ok


def _events(store: Store) -> list[AuditEvent]:
    with store.session() as session:
        return list(session.query(AuditEvent).order_by(AuditEvent.id))


def test_restoring_the_kept_file_undoes_a_restore(sqlite_store, tmp_path):
    a = _save(sqlite_store, 1)
    backup = make_backup(sqlite_store, tmp_path, actor=CLERK, now=NOW)
    b = _save(sqlite_store, 2)
    first = restore_backup(sqlite_store, backup, actor=CLERK, now=LATER)
    assert first.kept is not None
    restore_backup(sqlite_store, first.kept, actor=CLERK, now=LATER + timedelta(minutes=1))
    assert _receipts(sqlite_store) == [a, b]
    assert audit_trail.verify_audit(sqlite_store).ok


def _corrupt_middle(path: Path) -> None:
    """Overwrite a page in the middle of the file (the header stays valid)."""
    data = bytearray(path.read_bytes())
    page = 4096
    start = (len(data) // page // 2) * page
    data[start : start + page] = b"\xff" * page
    path.write_bytes(bytes(data))


def _foreign_db(path: Path) -> None:
    with sqlite3.connect(path) as other:
        other.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)")
        other.execute("INSERT INTO notes (text) VALUES ('别的程序')")


def _newer_db(path: Path) -> None:
    with sqlite3.connect(path) as copy:
        copy.execute("UPDATE alembic_version SET version_num = '9999'")


@pytest.mark.parametrize(
    ("damage", "expected"),
    [
        ("truncated", "已损坏"),
        ("garbage", "不是SQLite数据库"),
        ("middle", "已损坏"),
        ("text", "不是SQLite数据库"),
        ("foreign", "缺少程序的数据表"),
        ("newer", "较新版本"),
        ("missing", "找不到备份文件"),
    ],
)
def test_bad_backup_is_refused_and_nothing_changes(sqlite_store, home, tmp_path, damage, expected):
    for n in range(1, 40):  # enough rows for a file of several pages
        _save(sqlite_store, n)
    good = make_backup(sqlite_store, tmp_path, actor=CLERK, now=NOW)
    bad = tmp_path / "bad.sqlite3"
    if damage == "truncated":
        bad.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    elif damage == "garbage":
        bad.write_bytes(b"\x00\x13garbage" * 1000)
    elif damage == "middle":
        shutil.copy(good, bad)
        _corrupt_middle(bad)
    elif damage == "text":
        bad.write_text("受理编号,姓名\nXC01-20261121-0001,张伟\n", encoding="utf-8")
    elif damage == "foreign":
        _foreign_db(bad)
    elif damage == "newer":
        shutil.copy(good, bad)
        _newer_db(bad)
    _save(sqlite_store, 50)
    before = _receipts(sqlite_store)
    backups_before = sorted(p.name for p in (home / "backups").iterdir())

    with pytest.raises(BackupRefusedError) as caught:
        restore_backup(sqlite_store, bad, actor=CLERK, now=LATER)

    assert expected in str(caught.value).replace(" ", ""), str(caught.value)
    assert _receipts(sqlite_store) == before
    assert sorted(p.name for p in (home / "backups").iterdir()) == backups_before
    assert all(e.action != "restore" for e in _events(sqlite_store))


def test_the_live_database_cannot_restore_itself(sqlite_store, home):
    with pytest.raises(BackupRefusedError) as caught:
        restore_backup(sqlite_store, home / "union-counter.sqlite3", actor=CLERK)
    assert "正在使用的数据库" in str(caught.value)


def test_postgresql_is_not_restored_from_a_counter(pg_url, home, tmp_path):
    store = open_store(pg_url, home, now=NOW)
    try:
        station_settings.save_station(
            store, actor=CLERK, code="XC01", name="西城区某街道工会服务站"
        )
        a = _save(store, 1)
        backup = make_backup(store, tmp_path, actor=CLERK, now=NOW)
        b = _save(store, 2)
        with pytest.raises(BackupRefusedError) as caught:
            restore_backup(store, backup, actor=CLERK)
        assert "pg_restore" in str(caught.value) and "管理员" in str(caught.value)
        assert _receipts(store) == [a, b]
        assert all(e.action != "restore" for e in _events(store))
    finally:
        store.dispose()
    assert not [p for p in program_backups(home / "backups") if "before-restore" in p.name]


def _fill_first_schema(store: Store) -> None:
    from tests.storage.test_migrations import _fill_first_schema as fill

    fill(store)


def test_an_older_backup_is_upgraded_after_restoring(sqlite_store, tmp_path):
    from desktop_app.storage.database import resolve_url

    old_home = tmp_path / "old"
    (old_home / "backups").mkdir(parents=True)
    old = Store(resolve_url(None, old_home), old_home)
    try:
        migrations.upgrade(old, "0001")
        _fill_first_schema(old)  # one application XC01-20261120-0001, counter at 1
        old_backup = backups.backup_to(old, tmp_path / "v0001.sqlite3")
    finally:
        old.dispose()
    today = [_save(sqlite_store, n) for n in (1, 2)]
    assert today[-1] == "XC01-20261121-0002"

    result = restore_backup(sqlite_store, old_backup, actor=CLERK, now=LATER)

    assert (result.revision, result.schema) == ("0001", migrations.head_revision())
    assert result.upgraded
    assert migrations.schema_state(sqlite_store).up_to_date
    rows = ledger_view.ledger(sqlite_store, LedgerFilter(query="明月"))  # the new name search
    assert [r.receipt for r in rows] == ["XC01-20261120-0001"]
    assert _save(sqlite_store, 3, LATER) == "XC01-20261121-0003"
    assert _save(sqlite_store, 4, datetime(2026, 11, 20, 16, 0)) == "XC01-20261120-0002"
    assert audit_trail.verify_audit(sqlite_store).ok


def _damage_header(path: Path) -> bytes:
    data = bytearray(path.read_bytes())
    data[:100] = b"\x00" * 100
    path.write_bytes(bytes(data))
    return bytes(data)


@pytest.mark.parametrize("where", ["header", "middle"])
def test_a_damaged_database_can_still_be_restored(home, tmp_path, where):
    store = open_store(None, home, now=NOW)
    station_settings.save_station(store, actor=CLERK, code="XC01", name="西城区某街道工会服务站")
    a = _save(store, 1)
    backup = make_backup(store, tmp_path, actor=CLERK, now=NOW)
    for n in range(2, 41):
        _save(store, n)
    store.dispose()  # the last connection closes: the WAL is written back into the file
    live = home / "union-counter.sqlite3"
    if where == "header":
        damaged = _damage_header(live)
        with pytest.raises(CorruptDatabaseError) as caught:
            open_store(None, home, now=LATER)
        assert "恢复备份" in str(caught.value)
    else:
        _corrupt_middle(live)
        damaged = live.read_bytes()

    store = open_for_restore(None, home)
    try:
        result = restore_backup(store, backup, actor=CLERK, now=LATER)
        assert result.damaged and result.kept is not None
        assert result.kept.name == "before-restore-20261121-113000-damaged.sqlite3"
        assert result.kept.read_bytes() == damaged  # kept exactly as it was
        # The numbers the damaged file had issued were found: 0002–0040 are not reused.
        assert result.receipt_floors == {"XC01-20261121": 40}
    finally:
        store.dispose()
    store = open_store(None, home, now=LATER)
    try:
        assert _receipts(store) == [a]
        assert _save(store, 41, LATER) == "XC01-20261121-0041"
        assert audit_trail.verify_audit(store).ok
    finally:
        store.dispose()
    check_backup_file(live)


def test_a_database_of_another_program_is_not_replaced(home, tmp_path):
    good_home = tmp_path / "good"
    store = open_store(None, good_home, now=NOW)
    backup = make_backup(store, tmp_path, actor=CLERK, now=NOW)
    store.dispose()
    other = tmp_path / "other.sqlite3"
    _foreign_db(other)
    with pytest.raises(CorruptDatabaseError) as caught:
        store = open_for_restore(str(other), home)
        try:
            restore_backup(store, backup, actor=CLERK)
        finally:
            store.dispose()
    assert "不是本程序的数据库" in str(caught.value)
    with sqlite3.connect(other) as kept:
        tables = {name for (name,) in kept.execute("SELECT name FROM sqlite_master")}
        assert tables == {"notes"}
        assert kept.execute("SELECT text FROM notes").fetchall() == [("别的程序",)]


@pytest.mark.sqlite_only
def test_backup_with_a_number_that_names_no_stored_text_is_refused(sqlite_store, tmp_path):
    """Term numbers are checked references (models._term): a backup in which one names no
    stored text is not restorable, and the check says which column."""
    _save(sqlite_store, 1)
    path = make_backup(sqlite_store, tmp_path, actor=CLERK)
    assert check_backup_file(path).applications == 1
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE application SET issuer_id = 999999")
    with pytest.raises(BackupError, match=r"application\.issuer_id.*不能用于恢复"):
        check_backup_file(path)


@pytest.mark.sqlite_only
def test_backing_up_a_damaged_database_names_the_live_database(sqlite_store, home, tmp_path):
    for n in range(1, 40):
        _save(sqlite_store, n)
    live = sqlite_store.sqlite_path
    assert live is not None
    sqlite_store.dispose()
    _corrupt_middle(live)
    damaged = open_store(None, home, now=NOW, auto_backup=False)
    try:
        with pytest.raises(CorruptDatabaseError) as caught:
            make_backup(damaged, tmp_path, actor=CLERK, now=NOW)
    finally:
        damaged.dispose()
    message = caught.value.message
    assert str(live) in message and "备份没有完成" in message and "已损坏" in message
    assert ".part" not in message and "备份文件" not in message
    assert not [p for p in tmp_path.iterdir() if p.name.endswith((".part", ".sqlite3"))]


def _plant_trigger(path: Path) -> None:
    with sqlite3.connect(path) as raw:
        raw.execute(
            "CREATE TRIGGER evil AFTER INSERT ON application BEGIN "
            "UPDATE application SET amount = 99999 WHERE id = new.id; END"
        )


def _drop_an_index(path: Path) -> str:
    with sqlite3.connect(path) as raw:
        (name,) = raw.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND sql LIKE '%UNIQUE%' "
            "AND tbl_name = 'application' LIMIT 1"
        ).fetchone()
        raw.execute(f'DROP INDEX "{name}"')
    return str(name)


def _add_a_view(path: Path) -> None:
    with sqlite3.connect(path) as raw:
        raw.execute("CREATE VIEW everyone AS SELECT * FROM member")


@pytest.mark.sqlite_only
@pytest.mark.parametrize("change", ["trigger", "index", "view"])
def test_a_backup_whose_schema_was_changed_is_refused(sqlite_store, home, tmp_path, change):
    for n in range(1, 4):
        _save(sqlite_store, n)
    good = make_backup(sqlite_store, tmp_path, actor=CLERK, now=NOW)
    bad = tmp_path / "planted.sqlite3"
    shutil.copy(good, bad)
    if change == "trigger":
        _plant_trigger(bad)
        expected = "多出触发器 evil"
    elif change == "index":
        expected = f"缺少索引 {_drop_an_index(bad)}"
    else:
        _add_a_view(bad)
        expected = "多出视图 everyone"
    _save(sqlite_store, 9)
    before = _receipts(sqlite_store)
    with pytest.raises(BackupRefusedError) as caught:
        restore_backup(sqlite_store, bad, actor=CLERK, now=LATER)
    assert expected in str(caught.value) and "可能被人改动过" in str(caught.value)
    assert _receipts(sqlite_store) == before
    assert all(e.action != "restore" for e in _events(sqlite_store))
    # The untouched backup restores, and the program's own schema passes the same check.
    restore_backup(sqlite_store, good, actor=CLERK, now=LATER)
    with sqlite3.connect(home / "union-counter.sqlite3") as raw:
        names = {r[0] for r in raw.execute("SELECT name FROM sqlite_master")}
    assert "evil" not in names and "everyone" not in names


@pytest.mark.sqlite_only
@pytest.mark.parametrize("tamper", ["edit", "delete"])
def test_a_backup_whose_audit_chain_is_broken_is_refused(sqlite_store, home, tmp_path, tamper):
    for n in range(1, 4):
        _save(sqlite_store, n)
    good = make_backup(sqlite_store, tmp_path, actor=CLERK, now=NOW)
    bad = tmp_path / "rewritten.sqlite3"
    shutil.copy(good, bad)
    with sqlite3.connect(bad) as raw:
        (middle,) = raw.execute(
            "SELECT id FROM audit_event ORDER BY id LIMIT 1 OFFSET 2"
        ).fetchone()
        if tamper == "edit":
            raw.execute("UPDATE audit_event SET actor = '别人' WHERE id = ?", (middle,))
        else:
            raw.execute("DELETE FROM audit_event WHERE id = ?", (middle,))
    before = _receipts(sqlite_store)
    with pytest.raises(BackupRefusedError) as caught:
        restore_backup(sqlite_store, bad, actor=CLERK, now=LATER)
    assert "审计记录不完整" in str(caught.value) and bad.name in str(caught.value)
    assert _receipts(sqlite_store) == before
    assert all(e.action != "restore" for e in _events(sqlite_store))
    assert bad.read_bytes() != good.read_bytes()  # checked where it lies, not "repaired"


@pytest.mark.sqlite_only
def test_a_backup_whose_rows_were_changed_is_refused(sqlite_store, tmp_path):
    """The chain of the backup is whole, but an amount was changed in it with SQL: its rows no
    longer match their seals, and the restore refuses it, naming the application."""
    receipts = [_save(sqlite_store, n) for n in range(1, 4)]
    good = make_backup(sqlite_store, tmp_path, actor=CLERK, now=NOW)
    bad = tmp_path / "amount.sqlite3"
    shutil.copy(good, bad)
    with sqlite3.connect(bad) as raw:
        raw.execute("UPDATE application SET amount = 99999 WHERE receipt = ?", (receipts[1],))
    with pytest.raises(BackupRefusedError) as caught:
        restore_backup(sqlite_store, bad, actor=CLERK, now=LATER)
    assert receipts[1] in str(caught.value) and "在程序之外被改动" in str(caught.value)


@pytest.mark.sqlite_only
def test_an_administrator_may_restore_a_broken_backup_with_a_reason(sqlite_store, home, tmp_path):
    """The override: restored, the break and the reason in the restore event, the rows sealed
    anew, and `audit verify` checks from the restore on and says so every time."""
    for n in range(1, 4):
        _save(sqlite_store, n)
    good = make_backup(sqlite_store, tmp_path, actor=CLERK, now=NOW)
    bad = tmp_path / "rewritten.sqlite3"
    shutil.copy(good, bad)
    with sqlite3.connect(bad) as raw:
        raw.execute("UPDATE audit_event SET actor = '别人' WHERE id = 3")
        raw.execute("UPDATE application SET amount = 1 WHERE id = 1")
    with pytest.raises(BackupRefusedError, match="必须写明原因"):
        restore_backup(sqlite_store, bad, actor=CLERK, now=LATER, broken_audit_reason="  ")
    restore_backup(sqlite_store, bad, actor=CLERK, now=LATER, broken_audit_reason="唯一的备份")
    events = _events(sqlite_store)
    restore, seal = events[-2], events[-1]
    details = json.loads(restore.details)
    assert restore.action == "restore" and details["override_reason"] == "唯一的备份"
    assert "第3号事件" in details["audit_broken"]
    assert seal.action == "seal"
    result = audit_trail.verify_audit(sqlite_store)
    assert result.ok, result.message
    assert (
        result.message.startswith(f"注意：第{restore.id}号事件") and "唯一的备份" in result.message
    )
    # From there on, changes outside the program are caught as before.
    with sqlite3.connect(home / "union-counter.sqlite3") as raw:
        raw.execute("UPDATE application SET amount = 2 WHERE id = 2")
    result = audit_trail.verify_audit(sqlite_store)
    assert not result.ok and result.message.startswith("注意：") and len(result.changed) == 1


@pytest.mark.sqlite_only
def test_the_override_from_the_command_line(home, tmp_path, sqlite_store):
    for n in range(1, 3):
        _save(sqlite_store, n)
    good = make_backup(sqlite_store, tmp_path, actor=CLERK, now=NOW)
    sqlite_store.dispose()
    with sqlite3.connect(good) as raw:
        raw.execute("DELETE FROM audit_event WHERE id = 2")
    refused = union_counter(home, "restore", str(good))
    assert refused.returncode != 0 and "--accept-broken-audit" in refused.stderr
    done = union_counter(home, "restore", str(good), "--accept-broken-audit", "区里确认过")
    assert done.returncode == 0, done.stderr
    verified = union_counter(home, "audit", "verify")
    assert verified.returncode == 0 and "区里确认过" in verified.stdout
