"""Bringing a database to the newest schema with the Alembic scripts in `db/`.

After Vorta's `store/migrations.py`: back the database up before migrating, run each
step in its own transaction, and refuse a database written by a newer program.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect

from desktop_app import __version__
from desktop_app.paths import data_root
from desktop_app.storage.database import Store
from desktop_app.storage.errors import CorruptDatabaseError, NewerSchemaError


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(data_root("db")))
    return config


def script_directory() -> ScriptDirectory:
    return ScriptDirectory.from_config(_config())


def head_revision() -> str:
    head = script_directory().get_current_head()
    if head is None:  # pragma: no cover - db/versions is shipped with the program
        raise RuntimeError("no migration scripts found in db/versions")
    return head


@dataclass(frozen=True)
class SchemaState:
    current: str | None  # None: an empty database
    head: str

    @property
    def up_to_date(self) -> bool:
        return self.current == self.head


def schema_state(store: Store) -> SchemaState:
    """Read the database's revision; refuse a foreign or newer database."""
    head = head_revision()
    with store.bare_connection() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
        if current is None:
            tables = set(inspect(connection).get_table_names())
            if tables:
                raise CorruptDatabaseError(
                    f"“{store.location}”里已有其他数据表，不是本程序的数据库，程序不会改动它。"
                    "请检查数据库设置。"
                )
    if current is not None:
        known = {script.revision for script in script_directory().walk_revisions()}
        if current not in known:
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
    with store.bare_connection() as connection, _foreign_keys_off(connection):
        config.attributes["connection"] = connection
        action(config)
        connection.commit()


def upgrade(store: Store, revision: str = "head") -> None:
    """Run the migrations up to `revision` (each in its own transaction)."""
    _run(store, lambda config: command.upgrade(config, revision))


def downgrade(store: Store, revision: str) -> None:
    """Undo migrations down to `revision` (tests; the counter itself never downgrades)."""
    _run(store, lambda config: command.downgrade(config, revision))


def ensure_schema(store: Store, before_upgrade: Callable[[SchemaState], None]) -> SchemaState:
    """Bring the database to the newest schema; `before_upgrade` (the backup) runs first
    when an existing database is about to change."""
    state = schema_state(store)
    if state.up_to_date:
        return state
    if state.current is not None:
        before_upgrade(state)
    upgrade(store)
    if state.current is not None:
        compact(store)
    return SchemaState(head_revision(), state.head)


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
