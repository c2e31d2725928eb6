"""Saving many prepared applications at once: the benchmark's fill and the Excel import.

`save_application` (services/applications.py) is the counter's path: one application, one
transaction, one audit event per change. Importing thousands of rows that way costs a
transaction each; this module inserts a whole batch in the caller's one transaction:
members (new ones inserted, known ones updated), applications, their status history, and
receipt numbers reserved from the same counters the counter uses. The rows go to the driver
in one go per table (SQLite: executemany; PostgreSQL: COPY, with ids drawn from the tables'
own sequences), with each column converted exactly as SQLAlchemy would convert it.

Nothing is bypassed: the database's constraints (unique resident ID number, unique receipt
number, never paid twice, foreign keys) hold for every row and a violation rolls the whole
batch back. Claims already taken (by an earlier application or an earlier row of the same
batch) are found first and reported instead of inserted, so one duplicate in a file does not
fail the import; a claim taken by another counter between that check and the insert still
fails the batch on the unique index (the caller retries or reports it).

Search index (SQLite): the insert trigger of db/versions/0003_search_indexes.py costs ~30 µs
a row through FTS5; for the batch it is paused (a row in `application_search_pause`, inside
this write transaction only) and the entries are written in one executemany per search
table, ~4 µs a row. PostgreSQL's GIN indexes follow by themselves.

Audit: the counter writes one event per application; a bulk insert writes one event for the
whole batch when `actor` is given (the import does that: "imported N applications, receipts
A…B"). The benchmark's fill passes no actor and so writes no audit events.

The values are trusted: the caller has already checked and decided each application (the
import runs every row through the same checks and the subsidy engine as `apply`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, DateTime, Table, bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from desktop_app.storage import audit
from desktop_app.storage.models import (
    ACCEPTED,
    WITHDRAWN_STATUS,
    Application,
    Base,
    Member,
    ReceiptCounter,
    StatusChange,
)


def _table(model: type[Base]) -> Table:
    return cast(Table, model.__table__)


MEMBER_DETAILS = ("name", "card_number", "phone", "work_unit", "position")
# Application columns the caller supplies (receipt optional); the rest are filled in here.
_FILLED_HERE = frozenset({"id", "member_id", "name_chars"})
_APPLICATION_COLUMNS = frozenset(c.name for c in _table(Application).columns) - _FILLED_HERE
_HISTORY_ORDER = ("application_id", "from_status", "to_status", "reason", "actor", "at")
_HISTORY_COLUMNS = frozenset(_HISTORY_ORDER[1:])
# Keys looked up with IN (…) per statement: well under SQLite's smallest variable limit.
_LOOKUP_CHUNK = 500


@dataclass(frozen=True)
class NewMember:
    id_number: str  # already checked and normalised (check_resident_id)
    name: str
    card_number: str | None = None
    phone: str | None = None
    work_unit: str | None = None
    position: str | None = None


@dataclass(frozen=True)
class NewApplication:
    """One prepared application.

    `values` holds the application table's columns (see models.Application) except `id`,
    `member_id` and `name_chars`; `receipt` may be left out, and a number is then reserved
    from the receipt counter of `station_code` and the day of `created_at`, exactly as the
    counter would have issued it. `history` is its status history (StatusChange columns
    `from_status`, `to_status`, `reason`, `actor`, `at`); empty means the one "accepted" step
    by the application's clerk at `created_at`.
    """

    member: NewMember
    values: Mapping[str, Any]
    history: Sequence[Mapping[str, Any]] = ()


@dataclass
class BulkResult:
    """What a batch did: a receipt for each item (None where refused) and the refusals."""

    receipts: list[str | None] = field(default_factory=list)
    # item index → receipt of the application already holding that claim
    duplicates: dict[int, str] = field(default_factory=dict)
    members_created: int = 0
    members_updated: int = 0

    @property
    def inserted(self) -> int:
        return sum(1 for receipt in self.receipts if receipt is not None)


def name_chars(name: str) -> str:
    """The name's characters separated by spaces (what the name search indexes)."""
    return " ".join(ch for ch in name if not ch.isspace())


def _chunks(values: Sequence[Any], size: int = _LOOKUP_CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _ids_by(connection: Connection, column: Any, keys: Sequence[str]) -> dict[str, int]:
    """Row ids by a unique column's values (read back after an executemany insert; RETURNING
    with many rows is neither portable nor fast on SQLite)."""
    table = column.table
    ids: dict[str, int] = {}
    for chunk in _chunks(keys):
        for row in connection.execute(select(column, table.c.id).where(column.in_(chunk))):
            ids[row[0]] = row[1]
    return ids


def _same(value: Any) -> Any:
    return value


_SAMPLE = datetime(1999, 12, 31, 23, 59, 58, 123456)


def _processor(type_: Any, dialect: Any) -> Callable[[Any], Any] | None:
    """The column type's bind processor for `dialect`, with one shortcut: SQLite's DATETIME
    text (the default storage format, checked here) is what isoformat() writes, at a tenth
    of the cost, for the naive datetimes the program stores."""
    process: Callable[[Any], Any] | None = type_.dialect_impl(dialect).bind_processor(dialect)
    if (
        process is not None
        and dialect.name == "sqlite"
        and isinstance(type_, DateTime)
        and process(_SAMPLE) == _SAMPLE.isoformat(" ", "microseconds")
    ):
        slow = process

        def fast(value: Any) -> Any:
            if type(value) is datetime and value.tzinfo is None:
                return value.isoformat(" ", "microseconds")
            return slow(value)

        return fast
    return process


class _Inserter:
    """Many rows into one table through the driver itself.

    SQLAlchemy's Core executemany builds a parameter dictionary per row, which costs more
    than SQLite's insert itself; here each column's type conversion (the dialect's bind
    processor: dates to text on SQLite, JSON to text, booleans) is looked up once and the
    rows go to the driver as tuples: sqlite3's executemany, psycopg's COPY. Same types, same
    constraints, same triggers.
    """

    def __init__(self, connection: Connection, table: Table, columns: Sequence[str]) -> None:
        dialect = connection.dialect
        quote = dialect.identifier_preparer.quote
        marker = {"qmark": "?", "format": "%s", "pyformat": "%s"}.get(dialect.paramstyle)
        if marker is None:  # pragma: no cover - the program supports SQLite and psycopg only
            raise NotImplementedError(f"parameter style {dialect.paramstyle}")
        self.connection = connection
        self.table = table
        self.columns = tuple(columns)
        self.sql = (
            f"INSERT INTO {quote(table.name)} ({', '.join(quote(c) for c in columns)}) "
            f"VALUES ({', '.join(marker for _c in columns)})"
        )
        self.pairs = [(c, _processor(table.c[c].type, dialect)) for c in columns]

    def processor(self, column: str) -> Callable[[Any], Any]:
        """The conversion of one column's values (the identity when there is none)."""
        found = dict(self.pairs)[column]
        return found if found is not None else _same

    def row(self, values: Mapping[str, Any]) -> tuple[Any, ...]:
        get = values.get
        return tuple([get(c) if p is None else p(get(c)) for c, p in self.pairs])

    def execute(self, rows: Sequence[tuple[Any, ...]]) -> None:
        if not rows:
            return
        if self._copying:
            self._copy(self.columns, rows)
        else:
            self.connection.exec_driver_sql(self.sql, list(rows))

    @property
    def _copying(self) -> bool:
        return self.connection.dialect.driver == "psycopg"

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

    def insert_ids(self, rows: Sequence[tuple[Any, ...]], key: str) -> dict[Any, int]:
        """Insert `rows`; the new rows' ids by their value of the unique column `key`."""
        if not rows:
            return {}
        position = self.columns.index(key)
        if self._copying:
            # Ids drawn from the table's own sequence, as a plain INSERT would: no other
            # session can be given them.
            ids = [
                int(value)
                for (value,) in self.connection.exec_driver_sql(
                    "SELECT nextval(pg_get_serial_sequence(%(table)s, 'id')) "
                    "FROM generate_series(1, %(count)s)",
                    {"table": self.table.name, "count": len(rows)},
                )
            ]
            self._copy(("id", *self.columns), ((i, *row) for i, row in zip(ids, rows, strict=True)))
            return {row[position]: i for row, i in zip(rows, ids, strict=True)}
        # sqlite3 cannot return rows from executemany: read the ids back by the unique key.
        self.execute(rows)
        return _ids_by(self.connection, self.table.c[key], [row[position] for row in rows])


def _pause_search_triggers(connection: Connection) -> bool:
    """SQLite: stop the search index's insert trigger for this transaction (see
    db/versions/0003_search_indexes.py); the rows' index entries are then written by
    `_fill_search`. The pause row lives only inside this write transaction."""
    if connection.dialect.name != "sqlite":
        return False
    found = connection.exec_driver_sql(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'application_search_pause'"
    ).first()
    if found is None:
        return False
    connection.exec_driver_sql(
        "INSERT INTO application_search_pause (since) VALUES (?)", (datetime.now().isoformat(),)
    )
    return True


def _fill_search(
    connection: Connection, rows: Sequence[Mapping[str, Any]], ids: Mapping[str, int]
) -> None:
    """What the paused trigger would have done, one executemany per search table."""
    connection.exec_driver_sql(
        "INSERT INTO application_search_name (rowid, name_chars) VALUES (?, ?)",
        [(ids[row["receipt"]], row["name_chars"]) for row in rows],
    )
    connection.exec_driver_sql(
        "INSERT INTO application_search_receipt (rowid, receipt) VALUES (?, ?)",
        [(ids[row["receipt"]], row["receipt"]) for row in rows],
    )


def _upsert(connection: Connection) -> Any:
    return postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert


def reserve_receipts(connection: Connection, prefix: str, count: int) -> list[str]:
    """`count` new receipt numbers for `prefix` (station code + date), never issued before."""
    statement = (
        _upsert(connection)(ReceiptCounter)
        .values(prefix=prefix, last=count)
        .on_conflict_do_update(
            index_elements=[ReceiptCounter.prefix], set_={"last": ReceiptCounter.last + count}
        )
        .returning(ReceiptCounter.last)
    )
    last = int(connection.execute(statement).scalar_one())
    return [f"{prefix}-{number:04d}" for number in range(last - count + 1, last + 1)]


def _check(item: NewApplication) -> None:
    unknown = set(item.values) - _APPLICATION_COLUMNS
    if unknown:
        raise ValueError(f"not application columns: {sorted(unknown)}")
    for step in item.history:
        extra = set(step) - _HISTORY_COLUMNS
        if extra:
            raise ValueError(f"not status history columns: {sorted(extra)}")


def _members(
    connection: Connection, items: Sequence[NewApplication], result: BulkResult
) -> dict[str, int]:
    """Member id per resident ID number: known members updated, new ones inserted."""
    latest: dict[str, NewMember] = {}
    for item in items:
        latest[item.member.id_number] = item.member  # a later row's details win
    table = _table(Member)
    known: dict[str, tuple[int, tuple[Any, ...]]] = {}
    numbers = list(latest)
    for chunk in _chunks(numbers):
        found = connection.execute(
            select(table.c.id, table.c.id_number, *(table.c[f] for f in MEMBER_DETAILS)).where(
                table.c.id_number.in_(chunk)
            )
        )
        for row in found:
            known[row.id_number] = (row.id, tuple(row)[2:])
    now = datetime.now().replace(microsecond=0)
    changes: list[dict[str, Any]] = []
    for number, (member_id, before) in known.items():
        member = latest[number]
        after = tuple(
            new if new is not None else old
            for new, old in zip((getattr(member, f) for f in MEMBER_DETAILS), before, strict=True)
        )
        if after != before:
            changes.append({"b_id": member_id, **dict(zip(MEMBER_DETAILS, after, strict=True))})
    if changes:
        connection.execute(
            update(table)
            .where(table.c.id == bindparam("b_id"))
            .values({f: bindparam(f) for f in MEMBER_DETAILS} | {"updated_at": now}),
            changes,
        )
        result.members_updated += len(changes)
    ids = {number: member_id for number, (member_id, _before) in known.items()}
    new = [latest[number] for number in numbers if number not in known]
    if new:
        rows = [
            {
                "id_number": m.id_number,
                "name": m.name,
                "card_number": m.card_number,
                "phone": m.phone,
                "work_unit": m.work_unit,
                "position": m.position,
                "created_at": now,
                "updated_at": now,
            }
            for m in new
        ]
        inserter = _Inserter(connection, table, list(rows[0]))
        ids.update(inserter.insert_ids([inserter.row(row) for row in rows], "id_number"))
        result.members_created += len(new)
    return ids


ClaimTuple = tuple[int, str, str, str, str]


def _claim(member_id: int, values: Mapping[str, Any]) -> ClaimTuple:
    return (
        member_id,
        values["scheme"],
        values["kind"],
        values["claim_item"],
        values["claim_level"],
    )


def _taken_claims(connection: Connection, member_ids: Sequence[int]) -> dict[ClaimTuple, str]:
    """Live claims (not returned) already held by these members → the holder's receipt."""
    table = _table(Application)
    taken: dict[ClaimTuple, str] = {}
    for chunk in _chunks(sorted(set(member_ids))):
        rows = connection.execute(
            select(
                table.c.member_id,
                table.c.scheme,
                table.c.kind,
                table.c.claim_item,
                table.c.claim_level,
                table.c.receipt,
            ).where(table.c.member_id.in_(chunk), table.c.status != WITHDRAWN_STATUS)
        )
        for row in rows:
            taken[(row[0], row[1], row[2], row[3], row[4])] = row.receipt
    return taken


def insert_applications(
    session: Session,
    items: Sequence[NewApplication],
    *,
    actor: str | None = None,
    station_code: str = "",
    now: datetime | None = None,
) -> BulkResult:
    """Insert `items` in the caller's transaction; see the module's notes.

    With `actor`, one audit event records the batch (count, first and last receipt).
    """
    result = BulkResult(receipts=[None] * len(items))
    if not items:
        return result
    for item in items:
        _check(item)
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        # A table filled by this import has no statistics yet (autovacuum analyses it
        # later), and PostgreSQL then takes it for tiny and scans it for every look-up by
        # key. The look-ups here all have an index: say so, for this transaction only.
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
    member_ids = _members(connection, items, result)

    taken = _taken_claims(connection, list(member_ids.values()))
    accepted: list[tuple[int, NewApplication, int]] = []
    for index, item in enumerate(items):
        member_id = member_ids[item.member.id_number]
        values = item.values
        if values.get("status", ACCEPTED) != WITHDRAWN_STATUS:
            key = _claim(member_id, values)
            holder = taken.get(key)
            if holder is not None:
                result.duplicates[index] = holder
                continue
            taken[key] = values.get("receipt") or f"#{index}"  # resolved below
        accepted.append((index, item, member_id))

    # Receipt numbers: given ones kept, missing ones reserved per station and day.
    wanted: dict[str, list[int]] = defaultdict(list)
    for position, (_index, item, _member_id) in enumerate(accepted):
        if not item.values.get("receipt"):
            created: datetime = item.values["created_at"]
            wanted[f"{item.values['station_code']}-{created:%Y%m%d}"].append(position)
    receipts: list[str] = [str(item.values.get("receipt") or "") for _i, item, _m in accepted]
    for prefix, positions in wanted.items():
        for position, receipt in zip(
            positions, reserve_receipts(connection, prefix, len(positions)), strict=True
        ):
            receipts[position] = receipt
    # Duplicates within the batch were told the earlier row's placeholder: name its receipt.
    placeholder = {f"#{index}": receipts[p] for p, (index, _i, _m) in enumerate(accepted)}
    for index, holder in result.duplicates.items():
        result.duplicates[index] = placeholder.get(holder, holder)

    rows = []
    for (_index, item, member_id), receipt in zip(accepted, receipts, strict=True):
        row = dict(item.values)
        row["receipt"] = receipt
        row["member_id"] = member_id
        row["name_chars"] = name_chars(item.member.name)
        rows.append(row)
    if not rows:
        return result
    table = _table(Application)
    inserter = _Inserter(connection, table, sorted(_APPLICATION_COLUMNS | _FILLED_HERE - {"id"}))
    paused = _pause_search_triggers(connection)
    try:
        by_receipt = inserter.insert_ids([inserter.row(row) for row in rows], "receipt")
        if paused:
            _fill_search(connection, rows, by_receipt)
    finally:
        if paused:
            connection.exec_driver_sql("DELETE FROM application_search_pause")
    application_ids = [by_receipt[receipt] for receipt in receipts]

    inserter = _Inserter(connection, _table(StatusChange), _HISTORY_ORDER)
    at = inserter.processor("at")
    history: list[tuple[Any, ...]] = []
    for (_index, item, _member_id), application_id in zip(accepted, application_ids, strict=True):
        if not item.history:
            values = item.values
            history.append(
                (application_id, None, ACCEPTED, None, values["clerk"], at(values["created_at"]))
            )
        for step in item.history:
            history.append(
                (
                    application_id,
                    step.get("from_status"),
                    step["to_status"],
                    step.get("reason"),
                    step["actor"],
                    at(step["at"]),
                )
            )
    inserter.execute(history)

    for (index, _item, _member_id), receipt in zip(accepted, receipts, strict=True):
        result.receipts[index] = receipt
    if actor is not None:
        audit.append(
            session,
            at=now or datetime.now(),
            actor=actor,
            station_code=station_code,
            action="import",
            entity="application",
            entity_ref=f"{receipts[0]}…{receipts[-1]}"[:64],
            details={
                "count": len(receipts),
                "first": receipts[0],
                "last": receipts[-1],
                "members_created": result.members_created,
                "members_updated": result.members_updated,
                "duplicates": len(result.duplicates),
            },
        )
    return result


__all__ = [
    "BulkResult",
    "NewApplication",
    "NewMember",
    "insert_applications",
    "name_chars",
    "reserve_receipts",
]
