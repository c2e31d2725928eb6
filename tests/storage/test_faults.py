"""Environment faults become a StoreError with a clear Chinese message, and nothing is
half-written: disk full, database locked, corrupt file, read-only folder, server down,
someone else's database.

Some faults are made for real with mounts (a small tmpfs as the data folder, a read-only
bind mount, a PostgreSQL tablespace on a small tmpfs); that needs root, as in CI, and
the test is skipped with the reason where mounting is not allowed.
"""

from __future__ import annotations

import json
import os
import random
import socket
import sqlite3
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, event, func, make_url, select, text

from desktop_app.domain.ledger_filter import LedgerFilter
from desktop_app.services import applications, audit_trail, ledger_view, station_settings
from desktop_app.services.store import open_store, open_store_or_read
from desktop_app.storage.backup import program_backups
from desktop_app.storage.database import DB_FILE_NAME, Store
from desktop_app.storage.errors import (
    CannotOpenError,
    CorruptDatabaseError,
    DatabaseLockedError,
    DiskFullError,
    ReadOnlyError,
    ServerUnavailableError,
    StoreError,
)
from desktop_app.storage.models import Application, Member
from tests.pg import pg_server_url
from tests.processes import union_counter
from tests.storage.conftest import CLERK, NOW, apply_input, make_id

NEXT_DAY = datetime(2026, 11, 22, 8, 0)
LONG_UNIT = "北京市西城区某街道某社区某物业服务有限公司第一分公司维修班组" * 6  # 180 characters


@pytest.fixture
def sqlite_store(home: Path) -> Iterator[Store]:
    opened = open_store(None, home, now=NOW)
    station_settings.save_station(
        opened, actor=CLERK, code="XC01", name="西城区某街道工会服务站", district="西城区", now=NOW
    )
    try:
        yield opened
    finally:
        opened.dispose()


def save(store: Store, serial: int, **changes: object) -> str:
    return applications.save_application(
        store, apply_input(serial, **changes), clerk=CLERK, now=NOW
    ).receipt


def saved_id_numbers(store: Store) -> set[str]:
    with store.session() as session:
        return set(session.scalars(select(Member.id_number).join(Application).distinct()).all())


def count_applications(store: Store) -> int:
    return ledger_view.ledger_count(store, LedgerFilter())


def sqlite_integrity(path: Path) -> list[tuple[str]]:
    """`PRAGMA integrity_check` on a fresh connection; a file too damaged to check → [("damaged",)]."""
    connection = sqlite3.connect(path)
    try:
        return connection.execute("PRAGMA integrity_check").fetchall()
    except sqlite3.DatabaseError:
        return [("damaged",)]
    finally:
        connection.close()


def run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, check=False)


@contextmanager
def mounted(target: Path, *args: str) -> Iterator[Path]:
    """`mount ARGS TARGET`, skipping the test with the reason if that is not permitted;
    always unmounted afterwards."""
    target.mkdir(parents=True, exist_ok=True)
    result = run("mount", *args, str(target))
    if result.returncode != 0:
        pytest.skip(f"不能挂载（需要 root 权限）：{result.stderr.strip() or result.returncode}")
    try:
        yield target
    finally:
        if run("umount", str(target)).returncode != 0:
            run("umount", "-l", str(target))


def remount(target: Path, options: str) -> None:
    result = run("mount", "-o", f"remount,{options}", str(target))
    assert result.returncode == 0, result.stderr


def assert_disk_full(error: StoreError) -> None:
    assert isinstance(error, DiskFullError)
    assert "磁盘" in str(error) and "已满" in str(error) and "没有保存" in str(error)


# --- disk full ------------------------------------------------------------------------------


@pytest.mark.sqlite_only
def test_full_disk_refuses_the_save_whole_and_saving_works_once_there_is_room(tmp_path):
    home = tmp_path / "small-disk"
    with mounted(home, "-t", "tmpfs", "-o", "size=3m", "tmpfs"):
        store = open_store(None, home, now=NOW)
        try:
            station_settings.save_station(store, actor=CLERK, code="XC01", name="某服务站", now=NOW)
            done: list[int] = []
            with pytest.raises(StoreError) as caught:
                for serial in range(900):
                    save(store, serial, **{"member.work_unit": LONG_UNIT})
                    done.append(serial)
            failed = len(done)
            assert 5 < failed < 900, "the disk should fill after a few saves"
            assert_disk_full(caught.value)
            assert "磁盘空间已满" in str(caught.value)
            # Still full: refused the same way, not a crash.
            with pytest.raises(DiskFullError):
                save(store, failed, **{"member.work_unit": LONG_UNIT})

            remount(home, "size=32m")
            assert sqlite_integrity(home / DB_FILE_NAME) == [("ok",)]
            assert saved_id_numbers(store) == {make_id(n) for n in done}
            assert count_applications(store) == failed
            assert audit_trail.verify_audit(store).ok
            # Nothing of the refused save blocks it now: same claim, next receipt number.
            receipt = save(store, failed, **{"member.work_unit": LONG_UNIT})
            assert receipt == f"XC01-20261121-{failed + 1:04d}"
        finally:
            store.dispose()
        assert sqlite_integrity(home / DB_FILE_NAME) == [("ok",)]


@pytest.mark.sqlite_only
def test_database_at_its_size_limit_is_reported_as_disk_full(sqlite_store):
    # SQLITE_FULL without a full disk: cap the file's size on every new connection.
    path = sqlite_store.sqlite_path
    assert path is not None
    save(sqlite_store, 1)
    with sqlite_store.connection() as connection:
        pages = connection.exec_driver_sql("PRAGMA page_count").scalar_one()

    def cap(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages + 16}")

    event.listen(sqlite_store.engine, "connect", cap)
    sqlite_store.engine.dispose()
    done = [1]
    with pytest.raises(StoreError) as caught:
        for serial in range(2, 500):
            save(sqlite_store, serial, **{"member.work_unit": LONG_UNIT})
            done.append(serial)
    assert_disk_full(caught.value)
    event.remove(sqlite_store.engine, "connect", cap)
    sqlite_store.engine.dispose()

    assert sqlite_integrity(path) == [("ok",)]
    assert saved_id_numbers(sqlite_store) == {make_id(n) for n in done}
    assert audit_trail.verify_audit(sqlite_store).ok
    save(sqlite_store, len(done) + 1)
    assert count_applications(sqlite_store) == len(done) + 1


def _local_server_owner(admin) -> os.stat_result:
    with admin.connect() as connection:
        data_directory = connection.execute(text("SHOW data_directory")).scalar_one()
    try:
        return Path(data_directory).stat()
    except OSError:
        pytest.skip(f"PostgreSQL 服务器不在本机（{data_directory}），无法给它一块小磁盘")


@pytest.mark.slow
def test_server_disk_full_refuses_the_save_whole_and_saving_works_once_there_is_room(home):
    """PostgreSQL's tables on a tablespace on a 1 MB tmpfs: the server's real ENOSPC (53100)."""
    server = pg_server_url()
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    owner = _local_server_owner(admin)
    # Outside pytest's folder, which the server's user cannot enter.
    disk = Path(tempfile.mkdtemp(prefix="union-counter-tablespace-"))
    tablespace, schema = f"ts_{uuid.uuid4().hex[:8]}", f"t_{uuid.uuid4().hex[:12]}"
    options = f"size=1m,mode=0700,uid={owner.st_uid},gid={owner.st_gid}"
    try:
        with mounted(disk, "-t", "tmpfs", "-o", options, "tmpfs"):
            with admin.connect() as connection:
                connection.execute(text(f"CREATE TABLESPACE {tablespace} LOCATION '{disk}'"))
                connection.execute(text(f"CREATE SCHEMA {schema}"))
            url = (
                make_url(server)
                .update_query_dict(
                    {"options": f"-csearch_path={schema},public -cdefault_tablespace={tablespace}"}
                )
                .render_as_string(hide_password=False)
            )
            try:
                store = open_store(url, home, now=NOW)
                try:
                    station_settings.save_station(
                        store, actor=CLERK, code="XC01", name="某服务站", now=NOW
                    )
                    done: list[int] = []
                    with pytest.raises(StoreError) as caught:
                        for serial in range(900):
                            save(store, serial, **{"member.work_unit": LONG_UNIT})
                            done.append(serial)
                    assert 5 < len(done) < 900
                    assert_disk_full(caught.value)
                    assert "数据库服务器磁盘已满" in str(caught.value)

                    remount(disk, "size=16m")
                    assert saved_id_numbers(store) == {make_id(n) for n in done}
                    assert audit_trail.verify_audit(store).ok
                    receipt = save(store, len(done), **{"member.work_unit": LONG_UNIT})
                    assert receipt == f"XC01-20261121-{len(done) + 1:04d}"
                finally:
                    store.dispose()
            finally:
                with admin.connect() as connection:
                    connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
                    connection.execute(text(f"DROP TABLESPACE IF EXISTS {tablespace}"))
    finally:
        admin.dispose()
        disk.rmdir()


# --- database locked ----------------------------------------------------------------------


@pytest.mark.sqlite_only
def test_locked_database_gives_up_after_the_busy_timeout_with_a_message(sqlite_store, home):
    save(sqlite_store, 1)
    other = sqlite3.connect(home / DB_FILE_NAME, isolation_level=None)
    impatient = open_store(None, home, now=NOW, busy_timeout_ms=200)
    try:
        other.execute("BEGIN IMMEDIATE")  # another program is writing and does not finish
        started = time.monotonic()
        with pytest.raises(DatabaseLockedError) as caught:
            save(impatient, 2)
        assert time.monotonic() - started < 3
        assert "占用" in str(caught.value) and "没有保存" in str(caught.value)
        # Reading still works while the other program writes (WAL).
        assert count_applications(impatient) == 1
        other.execute("ROLLBACK")
        save(impatient, 2)
        assert saved_id_numbers(impatient) == {make_id(1), make_id(2)}
    finally:
        other.close()
        impatient.dispose()


def test_locked_server_row_gives_up_after_the_busy_timeout_with_a_message(pg_url, home):
    """Another counter's transaction holds the audit chain's head row (every save needs it)."""
    store = open_store(pg_url, home, now=NOW)
    station_settings.save_station(store, actor=CLERK, code="XC01", name="某服务站", now=NOW)
    save(store, 1)
    impatient = open_store(pg_url, home, now=NOW, busy_timeout_ms=200)
    other = store.engine.connect()
    outcome: list[object] = []

    def attempt() -> None:
        try:
            outcome.append(save(impatient, 2))
        except StoreError as exc:
            outcome.append(exc)

    # In a thread, so that a save waiting without end fails the test instead of hanging it.
    waiting = threading.Thread(target=attempt)
    try:
        other.execute(text("SELECT * FROM audit_head WHERE id = 1 FOR UPDATE"))
        started = time.monotonic()
        waiting.start()
        waiting.join(timeout=10)
        assert not waiting.is_alive(), "the save waited for the lock without end"
        assert time.monotonic() - started < 3
        [error] = outcome
        assert isinstance(error, DatabaseLockedError), error
        assert "数据库正忙" in str(error) and "没有保存" in str(error)
        other.rollback()
        save(impatient, 2)
        assert saved_id_numbers(impatient) == {make_id(1), make_id(2)}
        assert audit_trail.verify_audit(impatient).ok
    finally:
        other.rollback()  # lets a save still waiting go on
        other.close()
        if waiting.ident is not None:
            waiting.join()
        impatient.dispose()
        store.dispose()


# --- corrupt file -----------------------------------------------------------------------------


def _damage_the_middle(path: Path) -> bytes:
    data = bytearray(path.read_bytes())
    start, end = len(data) // 3, 2 * len(data) // 3
    data[start:end] = random.Random(20261121).randbytes(end - start)
    path.write_bytes(bytes(data))
    return bytes(data)


def _filled_and_closed(home: Path, applications_count: int = 80) -> Path:
    store = open_store(None, home, now=NOW)
    try:
        station_settings.save_station(store, actor=CLERK, code="XC01", name="某服务站", now=NOW)
        for serial in range(applications_count):
            save(store, serial)
    finally:
        store.dispose()
    database = home / DB_FILE_NAME
    assert not database.with_name(DB_FILE_NAME + "-wal").exists()  # all in the one file
    return database


def _assert_corrupt_message(error: StoreError) -> None:
    assert isinstance(error, CorruptDatabaseError)
    assert "已损坏" in str(error) and "恢复备份" in str(error)


@pytest.mark.sqlite_only
def test_damaged_database_is_reported_and_left_as_it_is(home):
    database = _filled_and_closed(home)
    damaged = _damage_the_middle(database)
    assert sqlite_integrity(database) != [("ok",)]

    # The first open of a day backs up and checks the copy: the damage is found there, the
    # message is about the database (not about a backup), and no backup is left behind.
    with pytest.raises(CorruptDatabaseError) as caught:
        open_store(None, home, now=NEXT_DAY)
    _assert_corrupt_message(caught.value)
    assert not [p for p in program_backups(home / "backups") if "20261122" in p.name]
    assert not [p for p in (home / "backups").iterdir() if p.suffix == ".part"]
    assert database.read_bytes() == damaged

    # Opened again the same day (no backup due): opening, or whatever reads the damaged
    # pages later, says so; reading changes nothing. (SQLite checks only what it reads: a
    # save touching sound pages only would still succeed, whole.)
    failures: list[StoreError] = []
    try:
        store = open_store(None, home, now=NOW)
    except CorruptDatabaseError as exc:
        failures.append(exc)
    else:
        try:
            for attempt in (
                lambda: ledger_view.ledger(store, LedgerFilter(), limit=1000),
                lambda: audit_trail.verify_audit(store),
            ):
                try:
                    attempt()
                except CorruptDatabaseError as exc:
                    failures.append(exc)
        finally:
            store.dispose()
    assert failures
    for error in failures:
        _assert_corrupt_message(error)
    assert database.read_bytes() == damaged


@pytest.mark.sqlite_only
@pytest.mark.parametrize(
    "content",
    [
        "这是一份会议记录，不是数据库。\n".encode() * 200,
        b"SQLite format 3\x00" + bytes(range(256)) * 64,  # a damaged header
    ],
    ids=["text", "bad-header"],
)
def test_file_that_is_not_a_database_is_refused_and_left_as_it_is(home, content):
    home.mkdir(parents=True)
    database = home / DB_FILE_NAME
    database.write_bytes(content)
    with pytest.raises(CorruptDatabaseError) as caught:
        open_store(None, home, now=NOW)
    _assert_corrupt_message(caught.value)
    assert database.read_bytes() == content
    assert not program_backups(home / "backups")


# --- read-only folder ---------------------------------------------------------------------------


@pytest.mark.sqlite_only
def test_read_only_folder_cannot_be_opened_for_saving(sqlite_store, home, tmp_path):
    save(sqlite_store, 1)
    sqlite_store.dispose()  # closed cleanly: the database is one file, no -wal or -shm
    before = (home / DB_FILE_NAME).read_bytes()
    view = tmp_path / "read-only"
    with mounted(view, "--bind", str(home)):
        remount(view, "bind,ro")
        with pytest.raises((CannotOpenError, ReadOnlyError)) as caught:
            open_store(None, view, now=NOW)
        message = str(caught.value)
        assert "无法打开数据库文件" in message or "只读" in message
        assert "可写" in message
    assert (home / DB_FILE_NAME).read_bytes() == before


@pytest.mark.sqlite_only
def test_read_only_folder_refuses_a_save_whole(sqlite_store, home, tmp_path):
    # The database is open (its -wal and -shm exist) when its folder is seen read-only:
    # the program opens it and can read it, but a save is refused with a message.
    save(sqlite_store, 1)
    assert (home / (DB_FILE_NAME + "-wal")).exists()
    view = tmp_path / "read-only"
    with mounted(view, "--bind", str(home)):
        remount(view, "bind,ro")
        store = open_store(None, view, now=NOW)
        try:
            assert count_applications(store) == 1
            with pytest.raises(ReadOnlyError) as caught:
                save(store, 2)
            assert "只读" in str(caught.value) and "无法保存" in str(caught.value)
        finally:
            store.dispose()
    assert saved_id_numbers(sqlite_store) == {make_id(1)}
    assert audit_trail.verify_audit(sqlite_store).ok
    save(sqlite_store, 2)  # the writable folder is unaffected


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


@pytest.mark.sqlite_only
@pytest.mark.parametrize("closed", [True, False], ids=["closed", "open-elsewhere"])
def test_a_read_only_folder_still_shows_the_ledger_and_verifies_the_audit(
    sqlite_store, home, tmp_path, closed
):
    receipt = save(sqlite_store, 1)
    if closed:  # the database is one file: SQLite cannot make its -wal and -shm here
        sqlite_store.dispose()
    else:  # a counter still has it open: its -wal and -shm are there
        assert (home / (DB_FILE_NAME + "-wal")).exists()
    before = _snapshot(home)
    view = tmp_path / "read-only"
    with mounted(view, "--bind", str(home)):
        remount(view, "bind,ro")
        store = open_store_or_read(None, view)
        try:
            # A closed database is opened for reading only; one with its -wal and -shm
            # opens as usual, and SQLite refuses any write (its daily backup is warned of).
            assert store.read_only is closed and store.warnings
            assert "只读" in store.warnings[0] or "备份没有完成" in store.warnings[0]
            assert count_applications(store) == 1
            detail = ledger_view.application_detail(store, receipt)
            assert detail.member["name"] == "张伟"
            assert audit_trail.verify_audit(store).ok
            with pytest.raises(ReadOnlyError):
                save(store, 2)
        finally:
            store.dispose()
        # The same through the command line, in real processes.
        for command in (["ledger"], ["ledger", "show", receipt], ["audit", "verify"]):
            result = union_counter(view, *command)
            assert result.returncode == 0, (command, result.stderr)
            assert "警告" in result.stderr and "Traceback" not in result.stderr
            assert receipt in result.stdout or "审计记录完整" in result.stdout
        refused = union_counter(view, "apply", "-", stdin=json.dumps(apply_input(3)))
        assert refused.returncode != 0 and "Traceback" not in refused.stderr
        assert "可写" in refused.stderr or "只读" in refused.stderr
    if closed:
        assert _snapshot(home) == before  # nothing written, nothing created
    else:
        assert saved_id_numbers(sqlite_store) == {make_id(1)}


def test_read_only_server_refuses_a_save_whole(pg_url, home):
    """A server that accepts only reads (a standby; here a read-only default) → 25006."""
    store = open_store(pg_url, home, now=NOW)
    try:
        station_settings.save_station(store, actor=CLERK, code="XC01", name="某服务站", now=NOW)
        save(store, 1)
        url = make_url(pg_url)
        options = f"{url.query['options']} -cdefault_transaction_read_only=on"
        read_only = open_store(
            url.update_query_dict({"options": options}).render_as_string(hide_password=False),
            home,
            now=NOW,
        )
        try:
            assert count_applications(read_only) == 1
            with pytest.raises(ReadOnlyError) as caught:
                save(read_only, 2)
            assert "只读" in str(caught.value) and "无法保存" in str(caught.value)
        finally:
            read_only.dispose()
        assert saved_id_numbers(store) == {make_id(1)}
        assert audit_trail.verify_audit(store).ok
    finally:
        store.dispose()


# --- server unavailable or refusing --------------------------------------------------------------


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_server_that_is_not_running_is_reported_at_once(home):
    url = f"postgresql+psycopg://postgres@127.0.0.1:{_closed_port()}/postgres"
    started = time.monotonic()
    with pytest.raises(ServerUnavailableError) as caught:
        open_store(url, home, now=NOW)
    assert time.monotonic() - started < 5
    message = str(caught.value)
    assert "无法连接数据库服务器" in message and "127.0.0.1" in message


@pytest.mark.slow
def test_server_that_does_not_answer_is_given_up_on(home):
    """A server that accepts the connection and says nothing: the connect timeout ends it."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres?connect_timeout=2"
    started = time.monotonic()
    try:
        with pytest.raises(ServerUnavailableError):
            open_store(url, home, now=NOW)
        assert time.monotonic() - started < 8
    finally:
        stop.set()
        thread.join()
        for connection in accepted:
            connection.close()
        listener.close()


def test_server_refusing_the_login_or_lacking_the_database_says_so(home):
    server = make_url(pg_server_url())
    cases = [
        (server.set(username="nobody_here"), "拒绝登录"),
        (server.set(database=f"no_such_{uuid.uuid4().hex[:8]}"), "没有这个数据库"),
    ]
    for url, words in cases:
        with pytest.raises(CannotOpenError) as caught:
            open_store(url.render_as_string(hide_password=False), home, now=NOW)
        assert words in str(caught.value)


# --- someone else's database ---------------------------------------------------------------------


@pytest.mark.sqlite_only
def test_sqlite_file_of_another_program_is_refused_untouched(home):
    home.mkdir(parents=True)
    database = home / DB_FILE_NAME
    other = sqlite3.connect(database)
    other.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
    other.execute("INSERT INTO customers (name) VALUES ('某公司')")
    other.commit()
    other.close()
    before = database.read_bytes()
    with pytest.raises(CorruptDatabaseError) as caught:
        open_store(None, home, now=NOW)
    assert "不是本程序的数据库" in str(caught.value) and "不会改动" in str(caught.value)
    assert database.read_bytes() == before
    assert not program_backups(home / "backups")


def test_server_schema_of_another_program_is_refused_untouched(pg_url, home):
    engine = create_engine(pg_url)
    try:
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE customers (id SERIAL PRIMARY KEY, name TEXT)"))
            connection.execute(text("INSERT INTO customers (name) VALUES ('某公司')"))
        with pytest.raises(CorruptDatabaseError) as caught:
            open_store(pg_url, home, now=NOW)
        assert "不是本程序的数据库" in str(caught.value)
        with engine.connect() as connection:
            schema = connection.execute(text("SELECT current_schema()")).scalar_one()
            tables = connection.execute(
                text("SELECT table_name FROM information_schema.tables WHERE table_schema = :s"),
                {"s": schema},
            ).scalars()
            assert list(tables) == ["customers"]
            assert connection.execute(select(func.count()).select_from(text("customers"))).scalar()
    finally:
        engine.dispose()


@pytest.mark.sqlite_only
def test_daily_backup_failing_on_a_full_disk_still_opens_with_a_warning(tmp_path):
    home = tmp_path / "small-disk"
    with mounted(home, "-t", "tmpfs", "-o", "size=3m", "tmpfs"):
        store = open_store(None, home, now=NOW)
        try:
            station_settings.save_station(store, actor=CLERK, code="XC01", name="某服务站", now=NOW)
            saved = 0
            with pytest.raises(DiskFullError):
                for serial in range(900):
                    save(store, serial, **{"member.work_unit": LONG_UNIT})
                    saved += 1
        finally:
            store.dispose()
        # Next morning the daily backup cannot fit, but the clerk can still open the ledger.
        reopened = open_store(None, home, now=NEXT_DAY)
        try:
            assert len(reopened.warnings) == 1
            assert "自动备份没有完成" in reopened.warnings[0]
            assert "磁盘" in reopened.warnings[0]
            assert count_applications(reopened) == saved
            assert not [p for p in (home / "backups").iterdir() if p.name.endswith(".part")]
            assert not [p for p in program_backups(home / "backups") if "20261122" in p.name]
        finally:
            reopened.dispose()
        assert sqlite_integrity(home / DB_FILE_NAME) == [("ok",)]
