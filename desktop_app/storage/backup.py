"""Backups of the database, and restoring one.

SQLite: SQLite's online backup API copies a consistent snapshot of the live database
(WAL contents included) while other connections keep working; never a copy of the
live file. The copy is written beside its final name and renamed when complete and
checked, so a crash or a full disk never leaves a half backup under a real name.

PostgreSQL: `pg_dump --format=custom` of the server database. Restoring a shared
server is the district administrator's job (`pg_restore`, README); the program refuses
it rather than overwrite every counter's data from one PC.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path

from sqlalchemy import URL

from desktop_app.private_files import create_empty
from desktop_app.storage.database import DB_FILE_NAME, Store
from desktop_app.storage.errors import (
    BackupError,
    CorruptDatabaseError,
    corrupt_database,
    translate,
)

KEEP = 30
_STAMP = re.compile(r"\d{8}-\d{6}")
_PROGRAM_MADE = re.compile(
    r"^(auto|before-upgrade|before-restore|manual)-\d{8}-\d{6}.*\.(sqlite3|dump)$"
)


def _stamp(now: datetime) -> str:
    return now.strftime("%Y%m%d-%H%M%S")


def unique_path(path: Path) -> Path:
    if not path.exists():
        return path
    stem, suffix = path.stem, path.suffix
    for n in range(2, 1000):
        candidate = path.with_name(f"{stem}-{n}{suffix}")
        if not candidate.exists():
            return candidate
    raise BackupError(f"备份文件夹里同名文件太多：{path.parent}")


def backup_name(kind: str, now: datetime, store: Store) -> str:
    suffix = ".sqlite3" if store.is_sqlite else ".dump"
    return f"{kind}-{_stamp(now)}{suffix}"


def _os_error(exc: OSError, what: str) -> BackupError:
    if exc.errno == 28:  # ENOSPC
        return BackupError(f"磁盘空间已满，{what}没有完成。请清理磁盘后重试。")
    if exc.errno in (13, 30):  # EACCES, EROFS
        return BackupError(f"没有写入权限，{what}没有完成（{exc.filename}）。请换一个可写的位置。")
    return BackupError(f"{what}没有完成：{exc.strerror or exc}（{exc.filename or ''}）")


def backup_to(store: Store, destination: Path) -> Path:
    """Write a complete, checked backup to `destination` (a file path). Returns the path."""
    destination = destination.expanduser()
    if destination.is_dir():
        destination = destination / backup_name("manual", datetime.now(), store)
    if not destination.parent.is_dir():
        raise BackupError(f"备份位置的文件夹不存在：{destination.parent}")
    partial = destination.with_name(destination.name + ".part")
    try:
        if store.is_sqlite:
            _sqlite_backup(store, partial)
            try:
                check_backup_file(partial)
            except BackupError:
                # A copy that fails its check is most often a copy of a damaged database:
                # then the message names the live database, not the unfinished copy.
                live = store.sqlite_path
                if live is not None and file_is_damaged(live):
                    raise _damaged_source(store) from None
                raise
        else:
            _pg_dump(store, partial)
        partial.replace(destination)
    except OSError as exc:
        raise _os_error(exc, "备份") from exc
    finally:
        with contextlib.suppress(OSError):
            partial.unlink()
    return destination


def _damaged_source(store: Store) -> CorruptDatabaseError:
    error = corrupt_database(store.location)
    return CorruptDatabaseError("备份没有完成：" + error.message)


def _sqlite_backup(store: Store, target: Path) -> None:
    target.unlink(missing_ok=True)
    raw = store.engine.raw_connection()
    try:
        source = raw.driver_connection
        assert isinstance(source, sqlite3.Connection)
        create_empty(target)  # the umask's mode, not SQLite's 0644
        copy = sqlite3.connect(target)
        try:
            source.backup(copy, pages=1024)
            copy.execute("PRAGMA journal_mode = DELETE")  # a backup is one self-contained file
        finally:
            copy.close()
    except sqlite3.Error as exc:
        translated = translate(exc, str(target))
        if isinstance(translated, CorruptDatabaseError):  # reading the live database failed
            translated = _damaged_source(store)
        raise (translated or BackupError(f"备份失败：{exc}")) from exc
    finally:
        raw.close()


def pg_tool(name: str) -> str | None:
    """A PostgreSQL client program: on PATH, else where Debian or the Windows installer put it."""
    found = shutil.which(name)
    if found:
        return found
    for root in (Path("/usr/lib/postgresql"), Path("C:/Program Files/PostgreSQL")):
        if not root.is_dir():
            continue
        newest_first = sorted(
            root.glob("*/bin"), key=lambda p: _version_key(p.parent.name), reverse=True
        )
        for folder in newest_first:
            candidate = shutil.which(name, path=str(folder))
            if candidate:
                return candidate
    return None


def _version_key(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", text)) or (0,)


_SEARCH_PATH = re.compile(r"-c\s*search_path\s*=\s*([^,\s]+)")


def _pg_dump(store: Store, target: Path) -> None:
    pg_dump = pg_tool("pg_dump")
    if pg_dump is None:
        raise BackupError(
            "备份 PostgreSQL 数据库需要 pg_dump 程序（PostgreSQL 客户端），本机找不到。"
            "请安装 PostgreSQL 客户端，或请区总工会的管理员在服务器上备份。"
        )
    from desktop_app.storage import server_roles

    with store.bare_connection() as connection:
        whole = server_roles.may_change_schema(connection)
    if not whole:
        # pg_dump as a station's or the district's reader role meets row-level security.
        raise BackupError(
            "本柜台连接共用服务器所用的数据库账户不是数据库所有者，只能看到本站的记录，"
            "做不出完整的备份。共用的 PostgreSQL 服务器由区总工会的管理员在服务器上用 "
            "pg_dump 备份（见使用说明“全区共用一台 PostgreSQL 服务器”）。"
        )
    url = store.url
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    args = [pg_dump, "--format=custom", "--no-owner", f"--file={target}"]
    if url.host:
        args.append(f"--host={url.host}")
    if url.port:
        args.append(f"--port={url.port}")
    if url.username:
        args.append(f"--username={url.username}")
    # A URL that puts the program's tables in a schema of their own (options=-csearch_path=…)
    # is backed up as that schema only, not every schema on the server.
    options = url.query.get("options")
    schema = _SEARCH_PATH.search(options if isinstance(options, str) else "")
    if schema:
        args.append(f"--schema={schema.group(1)}")
    args.append(url.database or "")
    result = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"pg_dump 备份失败：{result.stderr.strip()[:500]}")


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    revision: str
    applications: int
    members: int


def check_backup_file(path: Path) -> BackupInfo:
    """Open a backup read-only: integrity, and a schema this program knows."""
    from desktop_app.storage.migrations import known_revisions

    if not path.is_file():
        raise BackupError(f"找不到备份文件：{path}")
    try:
        with path.open("rb") as handle:
            header = handle.read(16)
    except OSError as exc:
        raise _os_error(exc, "读取备份") from exc
    if header != b"SQLite format 3\x00":
        raise BackupError(f"“{path.name}”不是本程序的备份文件（不是 SQLite 数据库）。")
    try:
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise BackupError(f"无法打开备份文件“{path.name}”：{exc}") from exc
    try:
        result = connection.execute("PRAGMA integrity_check").fetchall()
        if [tuple(r) for r in result] != [("ok",)]:
            first = result[0][0] if result else "?"
            raise BackupError(f"备份文件“{path.name}”已损坏（{first}），不能用于恢复。")
        tables = {r[0] for r in connection.execute("SELECT name FROM sqlite_master")}
        if "alembic_version" not in tables or "application" not in tables:
            raise BackupError(f"“{path.name}”不是本程序的备份文件（缺少程序的数据表）。")
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        revision = row[0] if row else ""
        if revision not in known_revisions():
            raise BackupError(
                f"备份文件“{path.name}”由较新版本的程序写入（数据库版本 {revision}），"
                "本程序不能恢复它。请先升级程序。"
            )
        if "term" in tables:  # schema 0005 on: numbers that must name a stored text
            from desktop_app.storage.models import dangling_terms_sql

            broken = [r[0] for r in connection.execute(dangling_terms_sql()).fetchall()]
            if broken:
                raise BackupError(
                    f"备份文件“{path.name}”的数据不完整（{'、'.join(broken)} 引用了不存在的"
                    "文字记录），不能用于恢复。"
                )
        applications = connection.execute("SELECT count(*) FROM application").fetchone()[0]
        members = connection.execute("SELECT count(*) FROM member").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"备份文件“{path.name}”已损坏，不能用于恢复（{exc}）。") from exc
    finally:
        connection.close()
    return BackupInfo(path, revision, int(applications), int(members))


_KIND_WORDS = {"table": "数据表", "index": "索引", "trigger": "触发器", "view": "视图"}


def _schema_objects(connection: sqlite3.Connection) -> dict[tuple[str, str], str]:
    """Every object of the database's schema (tables, indexes, triggers, views) with its SQL,
    white space folded; SQLite's own (`sqlite_…`: its sequence and statistics) left out."""
    rows = connection.execute(
        "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
    ).fetchall()
    return {(str(kind), str(name)): " ".join(str(sql or "").split()) for kind, name, sql in rows}


@lru_cache(maxsize=4)
def reference_schema(revision: str) -> dict[tuple[str, str], str]:
    """The schema this program's migrations build at `revision`, read from a fresh database
    migrated in a temporary folder (once per revision and process)."""
    from desktop_app.storage import migrations

    with tempfile.TemporaryDirectory(prefix="union-counter-schema-") as folder:
        path = Path(folder) / DB_FILE_NAME
        store = Store(URL.create("sqlite+pysqlite", database=str(path)), Path(folder))
        try:
            migrations.upgrade(store, revision)
        finally:
            store.dispose()
        connection = sqlite3.connect(path)
        try:
            return _schema_objects(connection)
        finally:
            connection.close()


def schema_differences(connection: sqlite3.Connection, revision: str) -> list[str]:
    """What the database's schema has that the program's own at `revision` has not, lacks, or
    has otherwise (a planted trigger that rewrites amounts, a dropped unique index), in
    Chinese; empty when the two are the same."""
    found = _schema_objects(connection)
    expected = reference_schema(revision)
    problems: list[str] = []
    for (kind, name), sql in sorted(found.items()):
        word = _KIND_WORDS.get(kind, kind)
        if (kind, name) not in expected:
            problems.append(f"多出{word} {name}")
        elif expected[kind, name] != sql:
            problems.append(f"{word} {name} 的定义被改过")
    for kind, name in sorted(set(expected) - set(found)):
        problems.append(f"缺少{_KIND_WORDS.get(kind, kind)} {name}")
    return problems


def check_backup_schema(path: Path, revision: str) -> None:
    """BackupError unless the backup's schema is exactly the program's own at its revision:
    checked before a restore (not when a backup is made: a database is backed up whatever
    it holds)."""
    connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        unexpected = schema_differences(connection, revision)
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"备份文件“{path.name}”已损坏，不能用于恢复（{exc}）。") from exc
    finally:
        connection.close()
    if unexpected:
        raise BackupError(
            f"备份文件“{path.name}”的数据库结构与本程序不符（{'；'.join(unexpected[:5])}），"
            "可能被人改动过，不能用于恢复。"
        )


def check_restorable(store: Store) -> None:
    """Only a local SQLite database is restored by the program (see the module docstring)."""
    if not store.is_sqlite:
        raise BackupError(
            "共用的 PostgreSQL 服务器不能从柜台恢复，以免覆盖其他柜台的数据。"
            "请区总工会的管理员在服务器上用 pg_restore 恢复（见 README）。"
        )


def restore_into(store: Store, backup: Path) -> None:
    """Overwrite the live SQLite database with `backup`, atomically, with the online API."""
    check_restorable(store)
    source = sqlite3.connect(f"{backup.resolve().as_uri()}?mode=ro", uri=True)
    raw = store.engine.raw_connection()
    try:
        target = raw.driver_connection
        assert isinstance(target, sqlite3.Connection)
        source.backup(target)
    except sqlite3.Error as exc:
        translated = translate(exc, store.location)
        raise (translated or BackupError(f"恢复失败：{exc}")) from exc
    finally:
        raw.close()
        source.close()
    store.engine.dispose()


def program_backups(folder: Path) -> list[Path]:
    """Backups the program made itself in its backups folder, oldest first."""
    if not folder.is_dir():
        return []
    found = [p for p in folder.iterdir() if p.is_file() and _PROGRAM_MADE.match(p.name)]
    return sorted(found, key=lambda p: (_STAMP.search(p.name).group(0), p.name))  # type: ignore[union-attr]


def prune(folder: Path, keep: int = KEEP) -> list[Path]:
    """Delete all but the newest `keep` program-made backups; return what was deleted."""
    existing = program_backups(folder)
    removed = existing[: max(0, len(existing) - keep)]
    for path in removed:
        with contextlib.suppress(OSError):
            path.unlink()
    return removed


def has_backup_of(folder: Path, day: date) -> bool:
    stamp = day.strftime("%Y%m%d")
    return any(p.name.startswith(f"auto-{stamp}-") for p in program_backups(folder))


# --- a damaged SQLite file (restore by file replacement, services/backups.py) ---------------


def store_passes_quick_check(store: Store) -> bool:
    """True when SQLite's quick check finds the open database whole."""
    with store.connection() as connection:
        rows = connection.exec_driver_sql("PRAGMA quick_check").fetchall()
    return [tuple(row) for row in rows] == [("ok",)]


def file_is_damaged(live: Path) -> bool:
    """True when the SQLite file at `live` fails SQLite's own checks."""
    if not live.exists():
        return False
    try:
        connection = sqlite3.connect(f"{live.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error:
        return True
    try:
        rows = connection.execute("PRAGMA quick_check").fetchall()
        return [tuple(r) for r in rows] != [("ok",)]
    except sqlite3.DatabaseError:
        return True
    finally:
        connection.close()


def receipt_counters_in(path: Path) -> dict[str, int]:
    """The receipt counter table of an SQLite file, as far as it can be read ({} if not)."""
    found: dict[str, int] = {}
    with contextlib.suppress(sqlite3.Error, TypeError, ValueError):
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            for prefix, last in connection.execute("SELECT prefix, last FROM receipt_counter"):
                found[str(prefix)] = int(last)
        finally:
            connection.close()
    return found


def audit_head_in(path: Path) -> tuple[int, str] | None:
    """The audit chain head (events, hash) of an SQLite file, or None if it has none."""
    with contextlib.suppress(sqlite3.Error, TypeError, ValueError):
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            row = connection.execute("SELECT last_id, last_hash FROM audit_head").fetchone()
        finally:
            connection.close()
        if row is not None:
            return int(row[0]), str(row[1])
    return None


def copy_file_database(source: Path, target: Path) -> None:
    """Copy the SQLite database `source` into the new file `target` with SQLite's online
    backup (a consistent copy even of a file in WAL mode); OSError when it cannot."""
    try:
        reader = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
        try:
            create_empty(target)  # the umask's mode, not SQLite's 0644
            copy = sqlite3.connect(target)
            try:
                reader.backup(copy)
            finally:
                copy.close()
        finally:
            reader.close()
    except sqlite3.Error as exc:
        raise OSError(f"无法复制数据库文件 {source}：{exc}") from exc
