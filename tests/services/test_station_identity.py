"""Each counter keeps its own station, also when several counters share one database (issue 16,
part 8): the station code, name and district live in the counter's data folder (`station.ini`),
never in the database's shared `setting` table. Counter B setting XC10 leaves counter A's
receipts `XC01-…`; two counters with the same code still never hand out the same receipt.

Every test here runs on SQLite (two data folders pointing at one database file) and on the
real PostgreSQL server (two data folders pointing at one database)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from desktop_app.services import applications, audit_trail, backups, station_settings
from desktop_app.services.station_file import STATION_FILE, StationFileError
from desktop_app.services.store import open_store
from desktop_app.storage import repository
from desktop_app.storage.database import Store
from desktop_app.storage.models import Application, AuditEvent
from tests.processes import union_counter
from tests.storage.conftest import CLERK, NOW, apply_input
from tests.storage.conftest import backend as backend  # the fixture

STATION_KEYS = {"station_code", "station_name", "district"}


@pytest.fixture
def shared_db(
    backend: str,
    tmp_path: Path,
    fresh_sqlite: Callable[[Path], Path],
    request: pytest.FixtureRequest,
) -> str:
    """One database two counters point at: an SQLite file, or a PostgreSQL database."""
    if backend == "sqlite":
        return str(fresh_sqlite(tmp_path / "server"))
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
def counters(shared_db: str, tmp_path: Path) -> Iterator[tuple[Store, Store]]:
    """Counter A (XC01) and counter B (XC10): two data folders, one database."""
    a = open_store(shared_db, tmp_path / "counter-a", now=NOW, auto_backup=False)
    b = open_store(shared_db, tmp_path / "counter-b", now=NOW, auto_backup=False)
    try:
        station_settings.save_station(a, actor="甲柜员", code="XC01", name="甲站", now=NOW)
        station_settings.save_station(b, actor="乙柜员", code="XC10", name="乙站", now=NOW)
        yield a, b
    finally:
        a.dispose()
        b.dispose()


def save(db: Store, serial: int, clerk: str = CLERK) -> str:
    return applications.save_application(db, apply_input(serial), clerk=clerk, now=NOW).receipt


def shared_settings(db: Store) -> dict[str, str]:
    with db.session() as session:
        return repository.get_settings(session)


def events(db: Store) -> list[AuditEvent]:
    with db.session() as session:
        return list(session.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars())


# --- two counters, one database ----------------------------------------------------------------


def test_each_counter_numbers_its_receipts_with_its_own_code(counters: tuple[Store, Store]) -> None:
    a, b = counters
    # B set XC10 after A set XC01: A is still XC01.
    assert station_settings.station(a) == station_settings.Station("XC01", "甲站", "")
    assert station_settings.station(b) == station_settings.Station("XC10", "乙站", "")
    first_a, first_b = save(a, 1), save(b, 2)
    second_a, second_b = save(a, 3), save(b, 4)
    assert (first_a, second_a) == ("XC01-20261121-0001", "XC01-20261121-0002")
    assert (first_b, second_b) == ("XC10-20261121-0001", "XC10-20261121-0002")
    with a.session() as session:
        stored = {
            app.receipt: app.station_code for app in session.execute(select(Application)).scalars()
        }
    assert stored == {first_a: "XC01", second_a: "XC01", first_b: "XC10", second_b: "XC10"}
    # Neither counter wrote its station into the table they share.
    assert STATION_KEYS.isdisjoint(shared_settings(a))


def test_the_audit_events_name_the_counter_that_acted(counters: tuple[Store, Store]) -> None:
    from desktop_app.services import status

    a, b = counters
    mine, theirs = save(a, 1, clerk="甲柜员"), save(b, 2, clerk="乙柜员")
    status.change_status(b, mine, "已打印", actor="乙柜员", now=NOW)  # B prints A's application
    audit_trail.record_event(
        a, actor="甲柜员", action="export", entity="ledger", entity_ref="x", details={}, now=NOW
    )
    by_actor = {(e.actor, e.action, e.entity): e.station_code for e in events(a)}
    assert by_actor[("甲柜员", "change", "settings")] == "XC01"
    assert by_actor[("乙柜员", "change", "settings")] == "XC10"
    assert by_actor[("甲柜员", "create", "application")] == "XC01"
    assert by_actor[("乙柜员", "create", "application")] == "XC10"
    assert by_actor[("乙柜员", "status", "application")] == "XC10"
    assert by_actor[("甲柜员", "export", "ledger")] == "XC01"
    assert theirs.startswith("XC10-")
    assert audit_trail.verify_audit(a).ok


def test_two_counters_with_the_same_code_never_share_a_receipt(
    shared_db: str, tmp_path: Path
) -> None:
    """They share the counter row of the day and its lock: saving at the same moment from two
    data folders gives sixteen different numbers, 1 to 16."""
    stores = [
        open_store(shared_db, tmp_path / name, now=NOW, auto_backup=False)
        for name in ("counter-a", "counter-b")
    ]
    try:
        for db in stores:
            station_settings.save_station(db, actor=CLERK, code="XC01", name="同一个站", now=NOW)
        receipts: list[str] = []
        errors: list[BaseException] = []
        start = threading.Barrier(2)

        def work(db: Store, first: int) -> None:
            start.wait()
            try:
                receipts.extend(save(db, serial) for serial in range(first, first + 8))
            except BaseException as exc:  # reported below
                errors.append(exc)

        threads = [
            threading.Thread(target=work, args=(db, 1 + 8 * n)) for n, db in enumerate(stores)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        assert errors == []
        assert sorted(receipts) == [f"XC01-20261121-{n:04d}" for n in range(1, 17)]
    finally:
        for db in stores:
            db.dispose()


@pytest.mark.parametrize(
    "backend", ["postgresql", pytest.param("sqlite", marks=pytest.mark.slow)]
)  # the SQLite half is also shown in process above; real processes take seconds each
def test_each_counter_shows_its_own_station_in_real_processes(
    backend: str, shared_db: str, tmp_path: Path
) -> None:
    """`union-counter` as two PCs run it: two data folders, `--db` the same database."""
    a, b = tmp_path / "counter-a", tmp_path / "counter-b"
    run_a = union_counter(a, "--db", shared_db, "settings", "--station-code", "XC01",
                          "--station-name", "甲站", "--district", "西城区")  # fmt: skip
    assert run_a.returncode == 0, run_a.stderr
    run_b = union_counter(b, "--db", shared_db, "settings", "--station-code", "xc10",
                          "--station-name", "乙站", "--district", "东城区")  # fmt: skip
    assert run_b.returncode == 0, run_b.stderr
    applied_a = union_counter(a, "--db", shared_db, "apply", "-",
                              stdin=json.dumps(apply_input(1), ensure_ascii=False))  # fmt: skip
    applied_b = union_counter(b, "--db", shared_db, "apply", "-",
                              stdin=json.dumps(apply_input(2), ensure_ascii=False))  # fmt: skip
    assert applied_a.returncode == 0 and applied_b.returncode == 0, applied_a.stderr
    assert json.loads(applied_a.stdout)["receipt"].startswith("XC01-")
    assert json.loads(applied_b.stdout)["receipt"].startswith("XC10-")
    shown_a = union_counter(a, "--db", shared_db, "settings")  # after B set its own
    assert "服务站代码：XC01" in shown_a.stdout and "所属区：西城区" in shown_a.stdout
    assert str(a / STATION_FILE) in shown_a.stdout
    assert "服务站代码：XC10" in run_b.stdout and "所属区：东城区" in run_b.stdout


# --- the counter's file ------------------------------------------------------------------------


def test_the_station_is_kept_in_the_data_folder_file(counters: tuple[Store, Store]) -> None:
    a, _b = counters
    text = (a.folder.root / STATION_FILE).read_text(encoding="utf-8")
    assert "[station]" in text and "station_code = XC01" in text and "station_name = 甲站" in text
    assert station_settings.station_file(a) == a.folder.root / STATION_FILE
    before = events(a)
    station_settings.save_station(a, actor="甲柜员", code="XC01", name="甲站", now=NOW)
    assert len(events(a)) == len(before)  # nothing changed: no file written, no event


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"\xff\xfe\x00garbage", "已损坏"),
        (b"station_code = XC01\n", "已损坏"),  # no section: not a file this program wrote
        (b"[other]\nstation_code = XC01\n", "缺少 [station] 一节"),
        ("[station]\nstation_code = 西城01\n".encode(), "不是 2–8 位大写字母或数字"),
        (None, "这是一个文件夹，不是文件"),  # a folder where the file should be
    ],
)
def test_a_damaged_station_file_is_a_chinese_message(
    counters: tuple[Store, Store], content: bytes | None, expected: str
) -> None:
    a, _b = counters
    path = a.folder.root / STATION_FILE
    path.unlink()
    if content is None:
        path.mkdir()
    else:
        path.write_bytes(content)
    with pytest.raises(StationFileError) as caught:
        station_settings.station(a)
    assert expected in caught.value.message and str(path) in caught.value.message
    with pytest.raises(StationFileError):
        save(a, 1)  # nothing is saved under a station no one can read
    # A partial change cannot be made to a file no one can read …
    written = events(a)
    with pytest.raises(StationFileError):
        station_settings.save_station(a, actor="甲柜员", district="西城区", now=NOW)
    assert len(events(a)) == len(written)  # refused before anything was written
    if content is not None:
        assert path.read_bytes() == content
    if content is None:
        return
    # … but 设置 (code and name together) puts a good one in its place.
    station_settings.save_station(a, actor="甲柜员", code="XC01", name="甲站", now=NOW)
    assert save(a, 1).startswith("XC01-")


def test_a_save_whose_audit_event_fails_leaves_the_file_as_it_was(
    counters: tuple[Store, Store], monkeypatch: pytest.MonkeyPatch
) -> None:
    a, _b = counters
    before = (a.folder.root / STATION_FILE).read_bytes()

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("audit write failed")

    monkeypatch.setattr(audit_trail.audit, "append", refuse)
    with pytest.raises(RuntimeError):
        station_settings.save_station(a, actor="甲柜员", code="XC02", name="甲站", now=NOW)
    assert (a.folder.root / STATION_FILE).read_bytes() == before
    assert station_settings.station(a).code == "XC01"


# --- an older version's data folder ------------------------------------------------------------


def _old_version_folder(
    home: Path, db_url: str | None, values: dict[str, str], fresh_sqlite: Callable[[Path], Path]
) -> None:
    """A data folder as an older version left it: the station in the database's setting
    table, no station file."""
    if db_url is None:
        fresh_sqlite(home)
    opened = open_store(db_url, home, now=NOW, auto_backup=False)
    with opened.session(write=True) as session:
        repository.put_settings(session, values)
    opened.dispose()
    (home / STATION_FILE).unlink(missing_ok=True)


def test_an_older_sqlite_folder_keeps_its_station_once_adopted_and_audited(
    tmp_path: Path, fresh_sqlite: Callable[[Path], Path]
) -> None:
    home = tmp_path / "home"
    old = {"station_code": "XC07", "station_name": "展览路站", "district": "西城区"}
    _old_version_folder(home, None, old, fresh_sqlite)
    assert not (home / STATION_FILE).exists()

    shown = union_counter(home, "settings")  # the clerk upgrades and looks: nothing is lost
    assert shown.returncode == 0, shown.stderr
    assert "服务站代码：XC07" in shown.stdout and "服务站名称：展览路站" in shown.stdout
    assert (home / STATION_FILE).is_file()
    applied = union_counter(
        home, "apply", "-", stdin=json.dumps(apply_input(1), ensure_ascii=False)
    )
    assert applied.returncode == 0, applied.stderr
    assert json.loads(applied.stdout)["receipt"].startswith("XC07-")

    with open_store(None, home, now=NOW, auto_backup=False) as db:
        adopted = [e for e in events(db) if e.entity == "settings"]
        assert len(adopted) == 1  # once, not at every open
        event = adopted[0]
        assert (event.actor, event.action, event.station_code) == (
            station_settings.ADOPTING_ACTOR,
            "change",
            "XC07",
        )
        assert json.loads(event.details)["after"] == old
        assert audit_trail.verify_audit(db).ok
        assert db.warnings == []  # its own database: nothing to check


def test_on_a_shared_server_the_old_value_is_adopted_only_by_a_counter_without_one(
    shared_db: str,
    backend: str,
    tmp_path: Path,
    fresh_sqlite: Callable[[Path], Path],
) -> None:
    old = {"station_code": "XC07", "station_name": "展览路站", "district": "西城区"}
    a = tmp_path / "counter-a"
    _old_version_folder(a, shared_db, old, fresh_sqlite)
    with open_store(shared_db, a, now=NOW, auto_backup=False) as db:
        assert station_settings.station(db) == station_settings.Station(
            "XC07", "展览路站", "西城区"
        )
        if backend == "postgresql":
            assert any("请在“设置”中核对" in w for w in db.warnings)
        station_settings.save_station(db, actor="甲柜员", code="XC01", name="甲站", now=NOW)
        # The shared table keeps what the old version wrote; this counter never writes there.
        assert shared_settings(db)["station_code"] == "XC07"
    b = tmp_path / "counter-b"
    b.mkdir()
    station_file_b = b / STATION_FILE
    station_file_b.write_text("[station]\nstation_code = XC10\nstation_name = 乙站\n", "utf-8")
    with open_store(shared_db, b, now=NOW, auto_backup=False) as db:
        assert station_settings.station(db).code == "XC10"  # its own, not the table's
    with open_store(shared_db, a, now=NOW, auto_backup=False) as db:
        assert station_settings.station(db).code == "XC01"  # not adopted a second time


# --- the command line --------------------------------------------------------------------------


def test_missing_or_unreadable_station_file_on_the_command_line(tmp_path: Path) -> None:
    home = tmp_path / "home"
    shown = union_counter(home, "settings")
    assert shown.returncode == 0 and "服务站代码：（未设置）" in shown.stdout
    applied = union_counter(
        home, "apply", "-", stdin=json.dumps(apply_input(1), ensure_ascii=False)
    )
    assert applied.returncode == 2 and "尚未设置服务站代码" in applied.stderr

    (home / STATION_FILE).write_bytes(b"\x00\xff not an ini file")
    for command in (["settings"], ["apply", "-"]):
        run = union_counter(home, *command, stdin=json.dumps(apply_input(1), ensure_ascii=False))
        assert run.returncode == 6, run.stderr
        assert "服务站设置文件" in run.stderr and "已损坏" in run.stderr
        assert "Traceback" not in run.stderr
    repaired = union_counter(home, "settings", "--station-code", "XC02", "--station-name", "站")
    assert repaired.returncode == 0, repaired.stderr
    assert "服务站代码：XC02" in repaired.stdout


# --- backups -----------------------------------------------------------------------------------


def test_restoring_a_backup_keeps_the_counters_station(
    tmp_path: Path, fresh_sqlite: Callable[[Path], Path]
) -> None:
    """The station is the counter's, not the database's: a backup made while the counter was
    XC01, restored after it became XC02, leaves it XC02 (and a restore never rewrites it)."""
    home = tmp_path / "home"
    fresh_sqlite(home)
    with open_store(None, home, now=NOW, auto_backup=False) as db:
        station_settings.save_station(db, actor=CLERK, code="XC01", name="站", now=NOW)
        save(db, 1)
        made = backups.make_backup(db, tmp_path / "backup.sqlite3", actor=CLERK, now=NOW)
        station_settings.save_station(db, actor=CLERK, code="XC02", name="站", now=NOW)
        backups.restore_backup(db, made, actor=CLERK, now=NOW)
        assert station_settings.station(db).code == "XC02"
        assert save(db, 2).startswith("XC02-")
        restore = [e for e in events(db) if e.action == "restore"]
        assert [e.station_code for e in restore] == ["XC02"]
