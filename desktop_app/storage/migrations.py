"""Bringing a database to the newest schema with the Alembic scripts in `db/`.

After Vorta's `store/migrations.py`: back the database up before migrating, run each
step in its own transaction, and refuse a database written by a newer program.

Opening a database that is already at the newest schema — every start of the window and every
command — neither imports Alembic nor executes its scripts: the newest revision is read from
the scripts' `revision = "…"` lines once per process (`head_revision`; a test holds it to
Alembic's own answer) and the database's from its `alembic_version` table. Alembic is loaded
only to upgrade, or to judge a revision that is not the newest.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, inspect, text

from desktop_app import __version__
from desktop_app.paths import data_root
from desktop_app.storage.database import Store
from desktop_app.storage.errors import (
    CorruptDatabaseError,
    NewerSchemaError,
    PermissionDeniedError,
)

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

_REVISION = re.compile(r"^revision\s*(?::\s*str\s*)?=\s*[\"']([^\"']+)[\"']", re.M)
_DOWN = re.compile(r"^down_revision\s*(?::[^=]+)?=\s*(?:None|[\"']([^\"']+)[\"'])", re.M)


def _config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(data_root("db")))
    return config


@lru_cache(maxsize=1)
def script_directory() -> ScriptDirectory:
    """Alembic's view of the scripts (loads and executes every one: once per process)."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_config())


@lru_cache(maxsize=1)
def _revisions() -> tuple[frozenset[str], str]:
    """(every revision, the newest) read from the scripts' own lines, without Alembic."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in sorted((data_root("db") / "versions").glob("*.py")):
        source = path.read_text(encoding="utf-8")
        found = _REVISION.search(source)
        if found is None:
            continue
        revisions.add(found.group(1))
        down = _DOWN.search(source)
        if down is not None and down.group(1):
            parents.add(down.group(1))
    heads = revisions - parents
    if len(heads) != 1:  # pragma: no cover - db/versions is shipped with the program
        raise RuntimeError(f"db/versions should have one newest revision, has {sorted(heads)}")
    return frozenset(revisions), heads.pop()


def head_revision() -> str:
    return _revisions()[1]


def known_revisions() -> frozenset[str]:
    """Every schema revision this program's scripts know."""
    return _revisions()[0]


def _current_revision(connection: Connection) -> str | None:
    """The revision stored in the database (None: no Alembic version table, or empty)."""
    if not inspect(connection).has_table("alembic_version"):
        return None
    row = connection.execute(text("SELECT version_num FROM alembic_version")).first()
    return str(row[0]) if row is not None else None


@dataclass(frozen=True)
class SchemaState:
    current: str | None  # None: an empty database
    head: str

    @property
    def up_to_date(self) -> bool:
        return self.current == self.head


def schema_state(store: Store) -> SchemaState:
    """Read the database's revision; refuse a foreign or newer database."""
    known, head = _revisions()
    with store.bare_connection() as connection:
        current = _current_revision(connection)
        if current is None:
            tables = set(inspect(connection).get_table_names())
            if tables:
                raise CorruptDatabaseError(
                    f"“{store.location}”里已有其他数据表，不是本程序的数据库，程序不会改动它。"
                    "请检查数据库设置。"
                )
    if current is not None and current not in known:
        raise NewerSchemaError(
            f"数据库“{store.location}”由较新版本的程序写入（数据库版本 {current}，"
            f"本程序 {__version__} 最高只认识 {head}）。为免损坏数据，本程序不会打开它。"
            "请把本机程序升级到与其他柜台相同的版本。"
        )
    return SchemaState(current, head)


@contextmanager
def _foreign_keys_off(connection: Connection) -> Iterator[None]:
    """SQLite: foreign keys off while migrating. A step that rebuilds a table other tables
    refer to (new table, copy, drop the old, rename) cannot run with them on: dropping the
    old table counts as deleting every row that the history still points at. This is the
    documented procedure (sqlite.org/lang_altertable.html); each such step runs
    PRAGMA foreign_key_check before it commits. The pragma only works outside a transaction,
    so it is set on the driver's connection before the first step begins, and set back
    before the connection returns to the pool."""
    if connection.dialect.name != "sqlite":
        yield
        return
    if connection.in_transaction():
        connection.commit()
    driver: Any = connection.connection.driver_connection
    driver.execute("PRAGMA foreign_keys = OFF")
    try:
        yield
    finally:
        if connection.in_transaction():
            connection.rollback()
        driver.execute("PRAGMA foreign_keys = ON")


def _run(store: Store, action: Callable[[Config], None]) -> None:
    config = _config()
    script_directory()  # the scripts are read once per process
    with store.bare_connection() as connection, _foreign_keys_off(connection):
        config.attributes["connection"] = connection
        action(config)
        connection.commit()


def upgrade(store: Store, revision: str = "head") -> None:
    """Run the migrations up to `revision` (each in its own transaction)."""
    from alembic import command

    _run(store, lambda config: command.upgrade(config, revision))


def downgrade(store: Store, revision: str) -> None:
    """Undo migrations down to `revision` (tests; the counter itself never downgrades)."""
    from alembic import command

    _run(store, lambda config: command.downgrade(config, revision))


def ensure_schema(store: Store, before_upgrade: Callable[[SchemaState], None]) -> SchemaState:
    """Bring the database to the newest schema; `before_upgrade` (the backup) runs first
    when an existing database is about to change."""
    state = schema_state(store)
    if state.up_to_date:
        return state
    _check_may_change_schema(store, state)
    if state.current is not None:
        before_upgrade(state)
    upgrade(store)
    if state.current is not None:
        _seal_upgraded(store)
        compact(store)
    return SchemaState(head_revision(), state.head)


def _check_may_change_schema(store: Store, state: SchemaState) -> None:
    """On a district's server only the database owner creates or upgrades the tables; a
    station's role is told so in Chinese before anything is tried (storage/server_roles.py)."""
    from desktop_app.storage import server_roles

    with store.bare_connection() as connection:
        allowed = server_roles.may_change_schema(connection)
    if allowed:
        return
    what = "还没有建立数据表" if state.current is None else "需要升级到本程序的版本"
    raise PermissionDeniedError(
        f"数据库（{store.location}）{what}，但本柜台的数据库账户无权改动数据表。"
        "请区总工会的管理员用数据库所有者账户运行一次 union-counter server setup --db 地址 "
        "--station 代码 …（它先备份并升级数据库，再更新各服务站的权限），然后重新打开本程序。"
    )


def _seal_upgraded(store: Store) -> None:
    """An upgraded database's rows sealed at once (`audit.seal_once`), so `audit verify`
    checks them from the first moment, not only after the first save."""
    from datetime import datetime

    from desktop_app.storage import audit, repository

    with store.session(write=True) as session:
        station_code = repository.get_settings(session).get("station_code", "")
        audit.seal_once(session, at=datetime.now(), actor="程序升级", station_code=station_code)


# An upgrade that rewrites tables (0005 rebuilds the big three) leaves their old pages free in
# the file: at a million applications 1.37 GB of which 0.37 GB is data. Above this share of
# free pages the file is rewritten (VACUUM; seconds at that size).
FREE_SHARE_TO_COMPACT = 0.25


def compact(store: Store) -> bool:
    """SQLite: rewrite the file without its free pages when they are a large share of it
    (after an upgrade). VACUUM needs room for a second copy while it runs; when it cannot
    (disk full, another connection reading) the database stays as it is, correct and larger,
    and False is returned. PostgreSQL reclaims space by itself (autovacuum)."""
    if store.backend != "sqlite":
        return False
    with store.bare_connection() as connection:
        driver: Any = connection.connection.driver_connection
        pages = int(driver.execute("PRAGMA page_count").fetchone()[0])
        free = int(driver.execute("PRAGMA freelist_count").fetchone()[0])
        if not pages or free / pages < FREE_SHARE_TO_COMPACT:
            return False
        if connection.in_transaction():
            connection.rollback()
        try:
            driver.execute("VACUUM")
        except sqlite3.Error:
            return False
    return True
