"""Use cases: back the database up on request, and restore it from a backup.

A backup is written with SQLite's online backup API (`pg_dump` for PostgreSQL) and checked
before it gets its final name (storage/backup.py). Restoring checks the backup first
(integrity, this program's tables, a schema revision this program knows), keeps the
database it replaces in the backups folder, replaces it in one transaction, upgrades an
older schema, and makes sure receipt numbers already issued are never issued again.

A database too damaged to open can still be restored: it is kept as a plain copy of its
files and replaced as a file (nothing else can be using it).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from desktop_app.errors import EXIT_INPUT
from desktop_app.services import audit_trail
from desktop_app.services.audit_trail import record_event
from desktop_app.services.permissions import forget, require
from desktop_app.services.station_settings import event_station_code
from desktop_app.services.store import open_store, prepare_home
from desktop_app.storage import backup as backups
from desktop_app.storage import repository
from desktop_app.storage.audit import Verification
from desktop_app.storage.database import Store, resolve_url
from desktop_app.storage.errors import BackupError, CorruptDatabaseError
from desktop_app.storage.migrations import SchemaState, ensure_schema, head_revision, schema_state


class BackupRefusedError(BackupError):
    """Refused before anything was changed: the backup file or the place given is unusable."""

    exit_code = EXIT_INPUT


# --- making a backup ---------------------------------------------------------------------------


def make_backup(
    store: Store, destination: Path | None = None, *, actor: str, now: datetime | None = None
) -> Path:
    """Back the database up; return the file written.

    `destination`: None → the data folder's backups/ folder; a folder → a
    `manual-YYYYMMDD-HHMMSS` file inside it; otherwise the file to write (never overwritten).
    """
    require(store, "backup.make", now=now)
    moment = (now or datetime.now()).replace(microsecond=0)
    name = backups.backup_name("manual", moment, store)
    if destination is None:
        folder = store.folder.backups
        folder.mkdir(parents=True, exist_ok=True)
        target = backups.unique_path(folder / name)
    else:
        destination = destination.expanduser()
        if destination.is_dir():
            target = backups.unique_path(destination / name)
        elif destination.exists():
            raise BackupRefusedError(
                f"“{destination}”已经存在，备份不会覆盖它。请换一个文件名，或只写文件夹。"
            )
        elif not destination.parent.is_dir():
            raise BackupRefusedError(
                f"备份位置的文件夹不存在：{destination.parent}。请先建立这个文件夹，或换一个位置。"
            )
        else:
            target = destination
    path = backups.backup_to(store, target)
    try:
        record_event(
            store,
            actor=actor,
            action="backup",
            entity="database",
            entity_ref="database",
            details={"kind": "manual", "file": str(path)},
            now=moment,
        )
    except BaseException:
        # Not recorded, so not made: no backup the audit trail does not know of.
        with contextlib.suppress(OSError):
            path.unlink()
        raise
    backups.prune(store.folder.backups)
    return path


# --- restoring -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RestoreResult:
    """What a restore did."""

    source: Path
    revision: str  # the backup's schema revision
    schema: str  # the schema revision now (newer when the backup was upgraded)
    applications: int
    members: int
    kept: Path | None  # where the replaced database was kept (None: there was none)
    damaged: bool = False  # the replaced database was damaged and kept as a plain copy
    receipt_floors: dict[str, int] = field(default_factory=dict)  # counters moved up

    @property
    def upgraded(self) -> bool:
        return self.schema != self.revision

    def lines(self) -> list[str]:
        """What the restore did, in Chinese: the window's note and the command line's output."""
        lines = [
            f"已从备份恢复：{self.source}",
            f"备份中有申请 {self.applications} 份，职工 {self.members} 人。",
        ]
        if self.upgraded:
            lines.append(f"备份的数据库版本 {self.revision} 已升级到 {self.schema}。")
        if self.kept is not None:
            damaged = "（原数据库已损坏，按原样保留）" if self.damaged else ""
            lines.append(f"被替换的数据库保留在：{self.kept}{damaged}")
        for prefix, last in sorted(self.receipt_floors.items()):
            lines.append(
                f"受理编号 {prefix}-… 接着从 {last + 1:04d} 编起，不会重复使用恢复前已发出的编号。"
            )
        return lines


def restore_database(
    path: Path,
    *,
    actor: str,
    db_url: str | None = None,
    home: Path | None = None,
    now: datetime | None = None,
    broken_audit_reason: str | None = None,
    signing_in: Callable[[Store], object] | None = None,
) -> tuple[RestoreResult, Store]:
    """The restore as the window and the command line run it: open the database at `db_url`
    (even a damaged one), sign in on it (`signing_in`: the command line's sign-in, or the
    window's account carried over), replace it with the backup at `path` (`restore_backup`),
    and give back what was done with the restored database, open, nobody signed in on it
    (the restored accounts are the backup's; the caller disposes of it). On any failure
    nothing is left open and the error is raised."""
    store = open_for_restore(db_url, home)
    try:
        if signing_in is not None:
            signing_in(store)
        result = restore_backup(
            store, path, actor=actor, now=now, broken_audit_reason=broken_audit_reason
        )
        forget(store)  # the backup's accounts now: sign in again
        return result, store
    except BaseException:
        store.dispose()
        raise


def open_for_restore(db_url: str | None = None, home: Path | None = None) -> Store:
    """Open the database to restore into: as usual, but a damaged one still opens."""
    try:
        return open_store(db_url, home, auto_backup=False)
    except CorruptDatabaseError:
        folder = prepare_home(home)
        url = resolve_url(db_url or os.environ.get("UNION_COUNTER_DB") or None, folder)
        return Store(url, folder)


def restore_backup(
    store: Store,
    path: Path,
    *,
    actor: str,
    now: datetime | None = None,
    broken_audit_reason: str | None = None,
) -> RestoreResult:
    """Replace the database with the backup at `path` (SQLite only).

    BackupRefusedError, with nothing changed, unless the backup passes every check. A backup
    whose audit record is broken is refused too, unless the administrator overrides that with
    a reason (`broken_audit_reason`): then it is restored, the restore event records the break
    and the reason, `audit verify` checks the chain from that event on and says so every time,
    and every row is sealed anew (storage/audit.seal_anew).
    """
    require(store, "backup.restore", now=now)
    try:
        backups.check_restorable(store)
        info = backups.check_backup_file(path.expanduser().resolve())
        backups.check_backup_schema(info.path, info.revision)
    except BackupRefusedError:
        raise
    except BackupError as exc:
        raise BackupRefusedError(exc.message) from exc
    live = store.sqlite_path
    if live is None:
        raise BackupRefusedError("内存中的数据库不能从备份恢复。")
    if live.exists() and info.path.resolve() == live.resolve():
        raise BackupRefusedError(
            "这个文件就是正在使用的数据库，不能用它恢复自己。请选择一个备份文件。"
        )
    reason = (broken_audit_reason or "").strip()
    if broken_audit_reason is not None and not reason:
        raise BackupRefusedError("确认恢复审计记录不完整的备份时，必须写明原因。")
    chain = backup_audit_chain(info.path, info.revision)
    if not chain.ok and not reason:
        raise BackupRefusedError(
            f"备份文件“{info.path.name}”的审计记录不完整（{chain.message}）：其中的记录在程序之外"
            "被改动过，不能用于恢复。请改用另一份备份，并联系维护人员。"
            "（如确需使用这份备份，系统管理员可在命令行写明原因后恢复："
            "union-counter restore 文件 --accept-broken-audit 原因；恢复会记入审计记录。）"
        )

    moment = (now or datetime.now()).replace(microsecond=0)
    kept_target = backups.unique_path(
        store.folder.backups / backups.backup_name("before-restore", moment, store)
    )
    store.folder.backups.mkdir(parents=True, exist_ok=True)

    state = _current_state(store, live)
    damaged = state is None
    floors: dict[str, int] = {}
    kept: Path | None = None
    if state is not None and state.current is not None:
        try:
            with store.session() as session:
                floors = repository.receipt_counters(session)
            kept = backups.backup_to(store, kept_target)
            # A save by another program between the two reads is in the kept copy.
            floors = _higher(floors, backups.receipt_counters_in(kept))
        except (BackupError, CorruptDatabaseError):
            if not backups.file_is_damaged(live):
                raise
            damaged = True
    if damaged:
        floors = _higher(floors, _salvage_counters(live))
        kept = _keep_damaged(live, kept_target.with_name(kept_target.stem + "-damaged.sqlite3"))
        _replace_file(store, live, info.path)
    else:
        backups.restore_into(store, info.path)

    def no_second_backup(_state: SchemaState) -> None:
        """The database being replaced was kept above; the backup itself is untouched."""

    ensure_schema(store, no_second_backup)
    here = event_station_code(store)  # the counter's own: a restore never changes it
    with store.session(write=True) as session:
        restored = repository.receipt_counters(session)
        raised = {p: n for p, n in floors.items() if restored.get(p, 0) < n}
        repository.raise_receipt_counters(session, raised)
        audit_trail.record_in(
            session,
            at=moment,
            actor=actor,
            station_code=here,
            action="restore",
            entity="database",
            entity_ref="database",
            details={
                "file": str(info.path),
                "revision": info.revision,
                "applications": info.applications,
                "kept": str(kept) if kept else None,
                "damaged": damaged,
                "receipt_floors": raised,
                **(
                    {"audit_broken": chain.message, "override_reason": reason}
                    if not chain.ok
                    else {}
                ),
            },
        )
        if not chain.ok:
            audit_trail.seal_anew(session, at=moment, actor=actor, station_code=here)
    backups.prune(store.folder.backups)
    return RestoreResult(
        source=info.path,
        revision=info.revision,
        schema=head_revision(),
        applications=info.applications,
        members=info.members,
        kept=kept,
        damaged=damaged,
        receipt_floors=raised,
    )


def backup_audit_chain(path: Path, revision: str) -> Verification:
    """The audit chain of the backup at `path`, verified before it replaces anything: read in
    place when it is at the newest schema, else in an upgraded temporary copy (the backup
    itself is never changed)."""
    if revision == head_revision():
        probe = Store(resolve_url(str(path), path.parent), path.parent, read_only=True)
        try:
            return audit_trail.check_chain(probe)
        finally:
            probe.dispose()
    with tempfile.TemporaryDirectory(prefix="union-counter-check-") as folder:
        copy = Path(folder) / "backup.sqlite3"
        shutil.copyfile(path, copy)
        probe = Store(resolve_url(str(copy), Path(folder)), Path(folder))
        try:
            ensure_schema(probe, lambda _state: None)
            return audit_trail.check_chain(probe)
        finally:
            probe.dispose()


def _current_state(store: Store, live: Path) -> SchemaState | None:
    """The live database's schema state, or None when it is too damaged to read.

    A readable database that is not this program's (or is newer) is refused as when opening.
    """
    try:
        return schema_state(store)
    except CorruptDatabaseError:
        if backups.file_is_damaged(live):
            return None
        raise


# A receipt number as stored: station code, day, four-digit sequence; or a submission batch's
# number, station code, BS, year, sequence (the same counters). In a raw page a digit byte may
# follow it (the next field of a record), so exactly four digits are taken.
_RECEIPT_BYTES = re.compile(rb"([A-Z0-9]{2,8}-(?:[0-9]{8}|BS-[0-9]{4}))-([0-9]{4})")


def _higher(a: dict[str, int], b: dict[str, int]) -> dict[str, int]:
    return {prefix: max(a.get(prefix, 0), b.get(prefix, 0)) for prefix in a.keys() | b.keys()}


def _salvage_counters(live: Path) -> dict[str, int]:
    """The receipt numbers a damaged database had issued, as far as they can be found.

    Its counter table if it can still be read, and every receipt number still legible in
    the raw bytes of the file and its WAL (stored as text in applications and audit events).
    A stray match only skips some numbers; a missed one could be issued twice.
    """
    found = backups.receipt_counters_in(live)
    for path in (live, live.with_name(live.name + "-wal")):
        with contextlib.suppress(OSError), path.open("rb") as handle:
            tail = b""
            while chunk := handle.read(4 * 1024 * 1024):
                data = tail + chunk
                for match in _RECEIPT_BYTES.finditer(data):
                    prefix, number = match.group(1).decode("ascii"), int(match.group(2))
                    found[prefix] = max(found.get(prefix, 0), number)
                tail = data[-32:]
    return found


def _keep_damaged(live: Path, target: Path) -> Path:
    """Copy a damaged database's files as they are (its WAL beside it, as SQLite expects)."""
    target = backups.unique_path(target)
    try:
        shutil.copyfile(live, target)
        wal = live.with_name(live.name + "-wal")
        if wal.exists():
            shutil.copyfile(wal, target.with_name(target.name + "-wal"))
    except OSError as exc:
        with contextlib.suppress(OSError):
            target.unlink()
        raise BackupError(
            f"无法保留被替换的数据库（{exc.strerror or exc}），没有恢复。"
            "请检查磁盘空间和备份文件夹的权限。"
        ) from exc
    return target


def _replace_file(store: Store, live: Path, backup: Path) -> None:
    """Replace a damaged database file by a fresh copy of `backup` (written, then renamed)."""
    fresh = live.with_name(live.name + ".restoring")
    try:
        fresh.unlink(missing_ok=True)
        backups.copy_file_database(backup, fresh)
        with fresh.open("rb+") as handle:
            os.fsync(handle.fileno())
        store.dispose()
        # A stale WAL would be replayed onto the new file: remove it first.
        for suffix in ("-wal", "-shm", "-journal"):
            live.with_name(live.name + suffix).unlink(missing_ok=True)
        fresh.replace(live)
    except OSError as exc:
        with contextlib.suppress(OSError):
            fresh.unlink()
        raise BackupError(f"恢复没有完成：{exc}。被替换的数据库已保留在备份文件夹中。") from exc


__all__ = [
    "BackupRefusedError",
    "RestoreResult",
    "make_backup",
    "open_for_restore",
    "restore_backup",
]
