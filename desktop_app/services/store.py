"""Use case: open the database the way the program always does.

Data folder and database as `machine_settings` decides: what IT fixed for the PC in the
machine-wide file; else `UNION_COUNTER_HOME` / the `--db URL` given or `UNION_COUNTER_DB`;
else IT's defaults; else the per-user data directory and the SQLite file in it.
Opening upgrades an older schema after a backup, refuses a newer one, takes an older
version's station over from the database into the counter's own file (once), and makes the
day's automatic backup (SQLite) at the first open of each day.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from desktop_app.private_files import make_private
from desktop_app.services import machine_settings
from desktop_app.services.data_folder import check_data_folder
from desktop_app.storage import backup as backups
from desktop_app.storage.database import DEFAULT_BUSY_TIMEOUT_MS, resolve_url

# The open database: a handle the window and the command line hold and pass back to the
# services, never look into.
from desktop_app.storage.database import Store as Store
from desktop_app.storage.errors import (
    CannotOpenError,
    ReadOnlyError,
    StoreError,
    corrupt_database,
)
from desktop_app.storage.migrations import SchemaState, ensure_schema, schema_state


def prepare_home(home: Path | None = None) -> Path:
    """Create the data folder (with backups/ and logs/) and return it; CannotOpenError with
    a Chinese message when it cannot be made."""
    shared = home is None and machine_settings.shares_folder()
    folder = (home or machine_settings.data_folder()).expanduser()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "backups").mkdir(exist_ok=True)
        (folder / "logs").mkdir(exist_ok=True)
        # What an earlier version left readable by every local user; the PC's shared folder
        # stays open to its group (the clerks IT put in it).
        make_private(folder, shared=shared)
    except OSError as exc:
        raise CannotOpenError(
            f"无法建立数据文件夹 {folder}（{exc.strerror or exc}）。"
            "请检查权限，或用环境变量 UNION_COUNTER_HOME 指定一个可写的文件夹。"
        ) from exc
    return folder


def open_store(
    db_url: str | None = None,
    home: Path | None = None,
    *,
    now: datetime | None = None,
    auto_backup: bool = True,
    busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS,
) -> Store:
    """Open (and if needed create or upgrade) the database; StoreError with a Chinese message."""
    folder = prepare_home(home)
    url = resolve_url(machine_settings.database_url(db_url or None), folder)
    store = Store(url, folder, busy_timeout_ms=busy_timeout_ms)
    moment = now or datetime.now()

    def before_upgrade(state: SchemaState) -> None:
        target = store.folder.backups / (
            f"before-upgrade-{moment:%Y%m%d-%H%M%S}-from-{state.current}"
            + (".sqlite3" if store.is_sqlite else ".dump")
        )
        backups.backup_to(store, backups.unique_path(target))

    try:
        ensure_schema(store, before_upgrade)
        _adopt_station(store, moment)
        if auto_backup and store.is_sqlite and store.sqlite_path is not None:
            daily_backup(store, moment)
    except BaseException:
        store.dispose()
        raise
    return store


def _adopt_station(store: Store, now: datetime) -> None:
    """An older version kept the station in the database: take it over into the counter's
    own file once. Should that fail, the database still opens, with the reason to show."""
    from desktop_app.services.station_settings import adopt_database_station

    try:
        adopt_database_station(store, now=now)
    except StoreError as exc:
        store.warnings.append(f"未能把数据库中的服务站设置存入本机：{exc.message}")


def open_store_or_read(db_url: str | None = None, home: Path | None = None) -> Store:
    """For a use case that only reads: open the database as always, or, when the data folder
    cannot be written in (and its SQLite database therefore cannot be opened as usual), for
    reading only (`open_store_to_read`). The first error stands when that fails too."""
    try:
        return open_store(db_url, home)
    except (CannotOpenError, ReadOnlyError) as exc:
        folder = (home or machine_settings.data_folder()).expanduser()
        own_file = not machine_settings.database_url(db_url or None)
        if not own_file or check_data_folder(folder) is None:
            raise
        try:
            return open_store_to_read(None, folder)
        except StoreError:
            raise exc from None


def open_store_to_read(db_url: str | None = None, home: Path | None = None) -> Store:
    """Open the SQLite database of a data folder that cannot be written (a read-only share or
    disk) for reading only: no upgrade, no backup, nothing created; any save is refused with
    ReadOnlyError. A database that would need an upgrade first is refused."""
    folder = (home or machine_settings.data_folder()).expanduser()
    url = resolve_url(machine_settings.database_url(db_url or None), folder)
    store = Store(url, folder, read_only=True)
    try:
        if not store.is_sqlite:
            raise CannotOpenError("只读打开只用于本机的 SQLite 数据库。")
        if store.sqlite_path is None or not store.sqlite_path.is_file():
            raise CannotOpenError(
                f"数据文件夹 {folder} 是只读的，其中没有数据库文件，无法查看。"
                "请检查数据文件夹设置。"
            )
        state = schema_state(store)
        if not state.up_to_date:
            raise ReadOnlyError(
                f"数据库（{store.location}）需要先升级到本程序的版本，但数据文件夹是只读的，"
                "不能升级。请在可写的文件夹中打开它一次，或请管理员给文件夹写入权限。"
            )
        store.warnings.append(
            f"数据文件夹 {folder} 是只读的：现在只能查看，不能保存、备份或改动任何内容。"
        )
    except BaseException:
        store.dispose()
        raise
    return store


def daily_backup(store: Store, now: datetime) -> Path | None:
    """The first open of each day backs the database up; the newest 30 backups are kept."""
    folder = store.folder.backups
    if backups.has_backup_of(folder, now.date()):
        return None
    target = backups.unique_path(folder / backups.backup_name("auto", now, store))
    try:
        path = backups.backup_to(store, target)
    except StoreError as exc:
        # A copy failing its check means the database itself is damaged: say that, not
        # that a backup file is. Any other failure (a full disk, say) must not lock the
        # clerk out of the ledger: the store opens, with a warning to show.
        check_sqlite_database(store)
        store.warnings.append(f"今天的自动备份没有完成：{exc.message}")
        return None
    backups.prune(folder)
    return path


def check_sqlite_database(store: Store) -> None:
    """CorruptDatabaseError unless SQLite's quick check finds the live database whole."""
    if not backups.store_passes_quick_check(store):
        raise corrupt_database(store.location)
