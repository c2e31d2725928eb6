"""Many rows into one table at the driver's speed, with SQLAlchemy's own conversions.

The generic part of the bulk insert (`storage/bulk.py` holds the rules of applications,
members and their history): each column's bind processor looked up once and remembered per
value where the value alone decides it, rows handed to the driver as tuples (SQLite:
executemany; PostgreSQL: COPY, with ids drawn from the table's own sequence), the rows' ids
read back by a unique column, and the SQLite cache sized for a batch.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from operator import itemgetter
from typing import Any, cast

from sqlalchemy import Boolean, Connection, Date, DateTime, Table, select
from sqlalchemy.exc import DBAPIError

from desktop_app.storage.types import Code, Day, Moment, day_to_int, moment_to_int

# Keys looked up with IN (…) per statement: well under SQLite's smallest variable limit.
LOOKUP_CHUNK = 500


def chunks(values: Sequence[Any], size: int = LOOKUP_CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def ids_by(connection: Connection, column: Any, keys: Sequence[str]) -> dict[str, int]:
    """Row ids by a unique column's values (read back after an executemany insert; RETURNING
    with many rows is neither portable nor fast on SQLite)."""
    table = column.table
    ids: dict[str, int] = {}
    for chunk in chunks(keys):
        for row in connection.execute(select(column, table.c.id).where(column.in_(chunk))):
            ids[row[0]] = row[1]
    return ids


def rows_in(connection: Connection, sql: str, keys: Sequence[Any]) -> Iterable[Sequence[Any]]:
    """Rows of `sql` (ending in "IN ") for each chunk of `keys`, through the driver: the
    statement is plain text with one marker per key, no compiling per chunk."""
    marker = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    for chunk in chunks(keys):
        statement = f"{sql}({', '.join([marker] * len(chunk))})"
        yield from connection.exec_driver_sql(statement, tuple(chunk)).fetchall()


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cycle collector off while a batch is made (and on again after, if it was on).

    A batch of 20,000 applications allocates some millions of lists and tuples that all live
    until the batch is written; the collector, triggered every 700 allocations, walks them
    again and again without finding any garbage (the rows hold no cycles): 17 % of the bulk
    insert at 200,000 applications (16,510 → 19,782 applications/s). Reference counting
    still frees everything as usual; only cycles wait until the collector runs again."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


def _same(value: Any) -> Any:
    return value


def _exact(type_: Any, dialect: Any, slow: Callable[[Any], Any]) -> Callable[[Any], Any] | None:
    """SQLite's `Moment` and `Day` (storage/types.py) without the type machinery around
    them: the conversion itself, for the values it holds for (naive datetimes, dates:
    `_kind`), or None."""
    if dialect.name != "sqlite":
        return None
    if isinstance(type_, Moment):
        return moment_to_int
    if isinstance(type_, Day):
        return day_to_int
    return None


def _kind(type_: Any) -> type | None:
    """The one value type whose conversion for a column of `type_` depends on the value
    alone, so that it can be remembered by value (`Converted`)."""
    if isinstance(type_, (DateTime, Moment)):
        return datetime
    if isinstance(type_, (Date, Day)):
        return date
    if isinstance(type_, Boolean):
        return bool
    if isinstance(type_, Code):
        return str
    return None


def _processor(type_: Any, dialect: Any) -> Callable[[Any], Any] | None:
    """The column type's bind processor for `dialect`, with the shortcut of `_exact` for
    the naive datetimes and the dates the program stores."""
    process: Callable[[Any], Any] | None = type_.dialect_impl(dialect).bind_processor(dialect)
    if process is None:
        return process
    slow = process
    exact = _exact(type_, dialect, slow)
    if exact is None:
        return process
    kind = _kind(type_)

    def fast(value: Any) -> Any:
        # `exact` refuses what it cannot convert exactly (a time with a zone).
        return exact(value) if type(value) is kind else slow(value)

    return fast


class Converted(dict[Any, Any]):
    """A column type's converted values by value: the conversion runs once per distinct
    value of a batch (a batch has few distinct dates, and a datetime often comes back in
    another column or a history step).

    Only for the types whose conversion depends on the value alone (dates, naive datetimes,
    booleans: `_kind`), and only values of exactly that type (or None) are kept; an equal
    value of another type (1 for True) converts to the same text or number anyway."""

    def __init__(self, type_: Any, dialect: Any, kind: type) -> None:
        super().__init__()
        slow = type_.dialect_impl(dialect).bind_processor(dialect)
        self.slow: Callable[[Any], Any] = slow
        self.exact: Callable[[Any], Any] = _exact(type_, dialect, slow) or slow
        self.kind = kind

    def __missing__(self, value: Any) -> Any:
        if type(value) is self.kind and getattr(value, "tzinfo", None) is None:
            converted = self[value] = self.exact(value)
            return converted
        converted = self.slow(value)
        if value is None:
            self[value] = converted
        return converted


class Terms(dict[str | None, int | None]):
    """Texts of a batch → their `term` numbers (None stays None); see `_intern`."""


# Conversions remembered by value, shared by the tables of one batch (`Inserter`): by the
# column type's repr ("DateTime()"), which tells its settings.
Memos = dict[str, Converted]


class Inserter:
    """Many rows into one table through the driver itself.

    SQLAlchemy's Core executemany builds a parameter dictionary per row, which costs more
    than SQLite's insert itself; here each column's type conversion (the dialect's bind
    processor: dates to text on SQLite, JSON to text, booleans) is looked up once and the
    rows go to the driver as tuples: sqlite3's executemany, psycopg's COPY. Same types, same
    constraints, same triggers.
    """

    def __init__(
        self,
        connection: Connection,
        table: Table,
        columns: Sequence[str],
        memos: Memos | None = None,
        *,
        keys: Sequence[str] | None = None,
        terms: Mapping[str, Terms] | None = None,
    ) -> None:
        dialect = connection.dialect
        quote = dialect.identifier_preparer.quote
        marker = {"qmark": "?", "format": "%s", "pyformat": "%s"}.get(dialect.paramstyle)
        if marker is None:  # pragma: no cover - the program supports SQLite and psycopg only
            raise NotImplementedError(f"parameter style {dialect.paramstyle}")
        self.connection = connection
        self.table = table
        self._row_security: bool | None = None  # asked once (`_copying`)
        self.columns = tuple(columns)
        # The keys of the caller's values each column is taken from (`row_maker`).
        self.keys = tuple(keys) if keys is not None else self.columns
        self.sql = (
            f"INSERT INTO {quote(table.name)} ({', '.join(quote(c) for c in columns)}) "
            f"VALUES ({', '.join(marker for _c in columns)})"
        )
        self.sql_with_id = (
            f"INSERT INTO {quote(table.name)} (id, {', '.join(quote(c) for c in columns)}) "
            f"VALUES ({', '.join(marker for _c in ('id', *columns))})"
        )
        self.pairs = [(c, _processor(table.c[c].type, dialect)) for c in columns]
        # Each column's conversion: None (the value as it is), a `Converted` (remembered by
        # value: a batch has few distinct dates, and a datetime often comes back as another
        # column or a history step) or the processor itself.
        self.conversions: dict[str, Callable[[Any], Any] | Converted | Terms | None] = {}
        for column, process in self.pairs:
            if terms and column in terms:
                self.conversions[column] = terms[column]  # text → its term's number
                continue
            type_ = table.c[column].type
            kind = _kind(type_)
            # Times are nearly all distinct: remembering them costs more than converting.
            if process is None or kind is None or kind is datetime or memos is None:
                self.conversions[column] = process
                continue
            memo = memos.get(repr(type_))
            if memo is None:
                memo = memos[repr(type_)] = Converted(type_, dialect, kind)
            self.conversions[column] = memo

    def processor(self, column: str) -> Callable[[Any], Any]:
        """The conversion of one column's values (the identity when there is none)."""
        found = self.conversions[column]
        if found is None:
            return _same
        if isinstance(found, dict):
            return found.__getitem__
        return found

    def row_maker(self, skip: int) -> Callable[..., tuple[Any, ...]]:
        """One generated function making a row with its id: `make(values, id, *first)` is
        the id, the first `skip` columns' values as given (already converted), then the
        other columns taken from `values` (a missing one is None) and converted as
        `processor` would convert them.

        The columns are read from `values` in one call (operator.itemgetter) when they are
        all there, and no loop over the columns runs for each row."""
        names = self.keys[skip:]
        scope: dict[str, Any] = {"pick": itemgetter(*names), "names": names}
        given = [f"a{n}" for n in range(skip)]
        parts = ["row_id", *given]
        for n, column in enumerate(self.columns[skip:]):
            conversion = self.conversions[column]
            if conversion is None:
                parts.append(f"t[{n}]")
            else:
                scope[f"c{n}"] = conversion
                parts.append(f"c{n}[t[{n}]]" if isinstance(conversion, dict) else f"c{n}(t[{n}])")
        source = (
            f"def make(values, {', '.join(['row_id', *given])}):\n"
            "    try:\n"
            "        t = pick(values)\n"
            "    except KeyError:\n"
            "        get = values.get\n"
            "        t = [get(c) for c in names]\n"
            f"    return ({', '.join(parts)},)\n"
        )
        exec(compile(source, f"<bulk row of {self.table.name}>", "exec"), scope)
        return cast(Callable[..., tuple[Any, ...]], scope["make"])

    def execute(self, rows: Iterable[tuple[Any, ...]]) -> None:
        """Insert `rows` (the columns without the id; the database numbers them). Rows may
        be made as they are taken (an iterator): COPY sends them as they come."""
        if isinstance(rows, Sequence) and not rows:
            return
        if self._copying:
            self._copy(self.columns, rows)
        else:
            self.connection.exec_driver_sql(self.sql, list(rows))

    @property
    def _copying(self) -> bool:
        """COPY on PostgreSQL, unless row-level security applies to this login (a district's
        server after `server setup`: the district's working login, or an owner that is no
        superuser), where the server refuses COPY FROM and the rows go in as INSERTs."""
        if self.connection.dialect.driver != "psycopg":
            return False
        if self._row_security is None:
            self._row_security = bool(
                self.connection.exec_driver_sql(
                    "SELECT row_security_active(%(table)s::regclass)", {"table": self.table.name}
                ).scalar_one()
            )
        return not self._row_security

    def _copy(self, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        """PostgreSQL: COPY … FROM STDIN, several times faster than INSERT per row. COPY
        checks every constraint and fires every trigger just as INSERT does."""
        quote = self.connection.dialect.identifier_preparer.quote
        statement = (
            f"COPY {quote(self.table.name)} ({', '.join(quote(c) for c in columns)}) FROM STDIN"
        )
        driver: Any = self.connection.connection.driver_connection  # psycopg's connection
        error = self.connection.dialect.loaded_dbapi.Error
        try:
            with driver.cursor() as cursor, cursor.copy(statement) as copy:
                for row in rows:
                    copy.write_row(row)
        except error as exc:
            # As SQLAlchemy raises it for its own statements (IntegrityError, …).
            raise DBAPIError.instance(statement, None, exc, error) from exc

    def new_ids(self, count: int) -> Sequence[int]:
        """Ids for `count` new rows, to be given with the rows (`execute_with_ids`), as each
        database would have chosen them: PostgreSQL draws them from the table's own sequence
        (no other session can be given them); SQLite numbers on from the largest id, which
        is what it does itself for a row without one (INTEGER PRIMARY KEY), and no other
        connection can insert meanwhile: the bulk insert runs in a write transaction
        (BEGIN IMMEDIATE), and a read transaction that another writer overtook cannot write
        at all (SQLITE_BUSY_SNAPSHOT). Knowing the ids saves reading them back by key; no
        other row may be inserted into the table between this and `execute_with_ids`."""
        if count <= 0:
            return []
        if self._copying:
            return [
                int(value)
                for (value,) in self.connection.exec_driver_sql(
                    "SELECT nextval(pg_get_serial_sequence(%(table)s, 'id')) "
                    "FROM generate_series(1, %(count)s)",
                    {"table": self.table.name, "count": count},
                )
            ]
        quote = self.connection.dialect.identifier_preparer.quote
        top = self.connection.exec_driver_sql(
            f"SELECT max(id) FROM {quote(self.table.name)}"
        ).scalar_one()
        first = int(top or 0) + 1
        return range(first, first + count)

    def execute_with_ids(self, rows: Iterable[tuple[Any, ...]]) -> None:
        """Insert `rows`, each the id (from `new_ids`) followed by the columns (as `execute`)."""
        if isinstance(rows, Sequence) and not rows:
            return
        if self._copying:
            self._copy(("id", *self.columns), rows)
        else:
            self.connection.exec_driver_sql(self.sql_with_id, list(rows))


# SQLite page cache for a bulk insert's transaction (KiB). The default (2 MB) holds a small
# part of the indexes a batch inserts into at random places (resident ID numbers, claims),
# so pages go back and forth to the file; 256 MB holds them at a million applications.
# Only the cache's size: the journal, the syncing and every check stay as they are. The
# connection keeps it for the batches that follow (an import or the benchmark's fill inserts
# batch after batch on the pooled connection; a cache emptied between them would read the
# indexes again each time); it is memory only, filled as pages are read, and given back
# when the connection closes.
BULK_CACHE_KIB = 256 * 1024


# WAL pages after which a commit on the bulk connection copies the WAL into the database
# (a checkpoint). SQLite's default, 1,000 pages (4 MB), checkpoints after every batch, and
# the pages every batch touches (the member, claim and receipt indexes, the search tables) are
# then written twice per batch; 25,600 pages (100 MB) copies them once per several batches
# (+10 % applications/s at a million). The WAL file can grow to that size; every commit is
# still synced as before (crash safety does not depend on checkpoints).
BULK_CHECKPOINT_PAGES = 25_600


def bulk_connection(connection: Connection) -> None:
    """Size SQLite's page cache and checkpoint interval for batches (above); nothing on
    PostgreSQL."""
    if connection.dialect.name != "sqlite":
        return
    size = int(connection.exec_driver_sql("PRAGMA cache_size").scalar_one())
    wanted = -BULK_CACHE_KIB
    # Negative sizes are KiB, positive ones pages (4 KiB each by default).
    if (size < 0 and size > wanted) or (size >= 0 and size * 4 < BULK_CACHE_KIB):
        connection.exec_driver_sql(f"PRAGMA cache_size = {wanted}")
    pages = int(connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar_one())
    if 0 < pages < BULK_CHECKPOINT_PAGES:
        connection.exec_driver_sql(f"PRAGMA wal_autocheckpoint = {BULK_CHECKPOINT_PAGES}")
