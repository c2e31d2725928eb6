"""Opening the store: where the database is, how connections are set up, sessions.

SQLite (the default, one file in the data folder) runs in WAL mode with foreign keys
on, a busy timeout and `synchronous=FULL` (README: "Crash safety"). Write sessions
start with `BEGIN IMMEDIATE`, so two writers queue on the busy timeout instead of
failing when a read lock cannot be upgraded. PostgreSQL (psycopg 3) needs little:
its transactions and constraints do the same work; the busy timeout becomes its
`lock_timeout`, so a lock held by a stuck counter fails a save with a message
instead of making it wait forever.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.engine import URL
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError
from sqlalchemy.orm import Session, sessionmaker

from desktop_app.domain.access import SignedIn
from desktop_app.private_files import create_empty
from desktop_app.storage.errors import CannotOpenError, StoreError, translate

DB_FILE_NAME = "union-counter.sqlite3"
DEFAULT_BUSY_TIMEOUT_MS = 5000


@dataclass(frozen=True)
class DataFolder:
    """The data folder's layout: database, backups, logs."""

    root: Path

    @property
    def database(self) -> Path:
        return self.root / DB_FILE_NAME

    @property
    def backups(self) -> Path:
        return self.root / "backups"

    @property
    def logs(self) -> Path:
        return self.root / "logs"


def resolve_url(url: str | None, home: Path) -> URL:
    """`--db URL`, else the SQLite file in the data folder. Plain paths are taken as SQLite."""
    if not url:
        return URL.create("sqlite+pysqlite", database=str(DataFolder(home).database))
    if "://" not in url:
        return URL.create("sqlite+pysqlite", database=str(Path(url).expanduser()))
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError) as exc:
        raise CannotOpenError(f"无法识别的数据库地址“{url}”（{exc}）。请检查设置。") from None
    if parsed.get_backend_name() == "postgresql" and parsed.get_driver_name() in ("", "psycopg2"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() == "sqlite" and parsed.get_driver_name() == "":
        parsed = parsed.set(drivername="sqlite+pysqlite")
    return parsed


@dataclass(frozen=True)
class UrlParts:
    """What a database address names: the kind of database, the server and the database."""

    backend: str
    host: str | None
    database: str | None


def url_parts(text: str) -> UrlParts:
    """Read an SQLAlchemy address; ValueError (SQLAlchemy's reason) when it cannot be read."""
    try:
        url = make_url(text)
    except (ArgumentError, ValueError) as exc:
        raise ValueError(str(exc)) from None
    return UrlParts(url.get_backend_name(), url.host, url.database)


@dataclass(frozen=True)
class Login:
    """Whom a PostgreSQL address logs in as, and where (libpq's password-file fields); the
    address again without its password; the password written in it, if any."""

    host: str
    port: int
    database: str
    user: str
    password: str | None
    without_password: str


def login_of(text: str) -> Login | None:
    """The login a PostgreSQL address names; None for an SQLite address or a file path.
    ValueError when the address cannot be read."""
    if "://" not in text:
        return None
    try:
        url = make_url(text)
    except (ArgumentError, ValueError) as exc:
        raise ValueError(str(exc)) from None
    if url.get_backend_name() != "postgresql":
        return None
    bare = url._replace(password=None).render_as_string(hide_password=False)  # set() keeps None
    return Login(
        host=url.host or "localhost",
        port=url.port or 5432,
        database=url.database or "",
        user=url.username or "",
        password=url.password if url.password else None,
        without_password=bare,
    )


def postgres_driver() -> tuple[str, str]:
    """(the driver SQLAlchemy loads for a PostgreSQL address, psycopg's and libpq's versions):
    the dialect, the driver and libpq are loaded without connecting to any server."""
    import psycopg

    engine = create_engine("postgresql+psycopg://selftest@127.0.0.1:1/selftest")
    try:
        driver = engine.dialect.driver
    finally:
        engine.dispose()
    pq = psycopg.pq
    return driver, f"psycopg {psycopg.__version__}（{pq.__impl__}，libpq {pq.version()}）"


def describe_url(url: URL) -> str:
    """The database's name for messages, without a password."""
    if url.get_backend_name() == "sqlite":
        return url.database or ":memory:"
    return url.render_as_string(hide_password=True)


def _new_or_ours(cursor: sqlite3.Cursor) -> bool:
    tables = {row[0] for row in cursor.execute("SELECT name FROM sqlite_master")}
    return not tables or "alembic_version" in tables


def _read_only_connector(path: Path, timeout: float) -> Callable[[], sqlite3.Connection]:
    """Connections that only read `path`, for a data folder the program cannot write in (a
    read-only share or disk). SQLite reads a database in WAL mode read-only when its -wal and
    -shm files exist or can be made; a database closed cleanly in a read-only folder has
    neither, and is then opened as immutable: nothing can change it through this folder."""
    uri = path.resolve().as_uri() + "?mode=ro"

    def connect() -> sqlite3.Connection:
        connection = sqlite3.connect(uri, uri=True, timeout=timeout, check_same_thread=False)
        try:
            connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
            return connection
        except sqlite3.OperationalError:
            connection.close()
            if path.with_name(path.name + "-wal").exists():
                raise  # changes in the -wal file that an immutable reading would miss
        return sqlite3.connect(
            uri + "&immutable=1", uri=True, timeout=timeout, check_same_thread=False
        )

    return connect


def _sqlite_setup(engine: Engine, busy_timeout_ms: int, *, read_only: bool = False) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        # Take over transaction control from pysqlite (SQLAlchemy's documented recipe).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
            cursor.execute("PRAGMA foreign_keys = ON")
            if read_only:
                return
            mode = cursor.execute("PRAGMA journal_mode").fetchone()
            # Switching to WAL rewrites the file's header: only for a new database or one of
            # ours, never for another program's file (opening refuses that one untouched).
            if mode and str(mode[0]).lower() not in ("wal", "memory") and _new_or_ours(cursor):
                mode = cursor.execute("PRAGMA journal_mode = WAL").fetchone()
                if mode and str(mode[0]).lower() != "wal":
                    raise sqlite3.OperationalError("attempt to write a readonly database")
            cursor.execute("PRAGMA synchronous = FULL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection: Any) -> None:
        write = connection.get_execution_options().get("write", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def _postgresql_setup(engine: Engine, busy_timeout_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # The busy timeout's counterpart: wait this long for a row or table lock that another
        # counter holds, then fail (55P03, "database busy") instead of freezing the window.
        autocommit = dbapi_connection.autocommit
        dbapi_connection.autocommit = True
        try:
            with dbapi_connection.cursor() as cursor:
                cursor.execute(f"SET lock_timeout = {int(busy_timeout_ms)}")
        finally:
            dbapi_connection.autocommit = autocommit


class Store:
    """An open database: engine, sessions, and where it lives."""

    def __init__(
        self,
        url: URL,
        home: Path,
        *,
        busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS,
        read_only: bool = False,
    ):
        self.url = url
        self.folder = DataFolder(home)
        self.location = describe_url(url)
        # SQLite only: opened for reading (a data folder that cannot be written); every
        # write is refused by SQLite itself (ReadOnlyError).
        self.read_only = read_only
        # Problems that did not stop the database from opening (a failed daily backup):
        # the GUI and the command line show them.
        self.warnings: list[str] = []
        # The account signed in on this handle (services/accounts.sign_in); None until then.
        # Every service checks its permission against it (services/permissions.py).
        self.account: SignedIn | None = None
        kwargs: dict[str, Any] = {}
        if self.is_sqlite:
            kwargs["connect_args"] = {"timeout": busy_timeout_ms / 1000}
            if url.database:
                folder = Path(url.database).parent
                if not folder.is_dir():
                    raise CannotOpenError(
                        f"数据库所在的文件夹不存在（{folder}）。请检查设置中的数据文件夹。"
                    )
                if read_only:
                    kwargs["creator"] = _read_only_connector(
                        Path(url.database), busy_timeout_ms / 1000
                    )
                elif url.database != ":memory:":
                    create_empty(Path(url.database))  # the umask's mode, not SQLite's 0644
        else:
            kwargs["pool_pre_ping"] = True
            if "connect_timeout" not in url.query:  # the URL's own value wins
                kwargs["connect_args"] = {"connect_timeout": 10}
        try:
            self.engine = create_engine(url, **kwargs)
        except (NoSuchModuleError, ImportError) as exc:
            raise CannotOpenError(f"不支持的数据库地址 {self.location}：{exc}") from None
        if self.is_sqlite:
            _sqlite_setup(self.engine, busy_timeout_ms, read_only=read_only)
        elif self.backend == "postgresql":
            _postgresql_setup(self.engine, busy_timeout_ms)
        self._read = sessionmaker(self.engine, expire_on_commit=False)
        self._write = sessionmaker(
            self.engine.execution_options(write=True), expire_on_commit=False
        )

    @property
    def backend(self) -> str:
        return self.url.get_backend_name()

    @property
    def is_sqlite(self) -> bool:
        return self.backend == "sqlite"

    @property
    def sqlite_path(self) -> Path | None:
        if self.is_sqlite and self.url.database and self.url.database != ":memory:":
            return Path(self.url.database)
        return None

    @contextmanager
    def session(self, *, write: bool = False) -> Iterator[Session]:
        """A session in one transaction: committed at the end, rolled back on any error.

        Driver errors from the environment become StoreError with a Chinese message.
        """
        factory = self._write if write else self._read
        try:
            with factory() as session, session.begin():
                # Who acts in this session (services/audit_trail names them in each event).
                session.info["account"] = self.account
                yield session
        except DBAPIError as exc:
            translated = translate(exc, self.location)
            if translated is not None:
                raise translated from exc
            raise

    @contextmanager
    def connection(self, *, write: bool = False) -> Iterator[Any]:
        engine = self.engine.execution_options(write=True) if write else self.engine
        try:
            with engine.begin() as connection:
                yield connection
        except DBAPIError as exc:
            translated = translate(exc, self.location)
            if translated is not None:
                raise translated from exc
            raise

    @contextmanager
    def bare_connection(self) -> Iterator[Any]:
        """A connection whose transactions the caller manages (migrations, backups)."""
        try:
            with self.engine.connect() as connection:
                yield connection
        except DBAPIError as exc:
            translated = translate(exc, self.location)
            if translated is not None:
                raise translated from exc
            raise

    def dispose(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.dispose()


def raise_translated(exc: BaseException, location: str) -> None:
    """Re-raise a driver error as StoreError when it is an environment fault."""
    translated = translate(exc, location)
    if translated is not None:
        raise translated from exc


__all__ = ["DataFolder", "Store", "StoreError", "describe_url", "resolve_url"]
