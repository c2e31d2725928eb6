"""Saving many prepared applications at once: the benchmark's fill and the Excel import.

`save_application` (services/applications.py) is the counter's path: one application, one
transaction, one audit event per change. Importing thousands of rows that way costs a
transaction each; this module inserts a whole batch in the caller's one transaction:
members (new ones inserted, known ones updated), applications, their status history, and
receipt numbers reserved from the same counters the counter uses. The rows go to the driver
in one go per table (SQLite: executemany; PostgreSQL: COPY, with ids drawn from the tables'
own sequences), with each column converted exactly as SQLAlchemy would convert it (the
generic inserter is `storage/fast_insert.py`; this module holds the rules of the rows).

Nothing is bypassed: the database's constraints (unique resident ID number, unique receipt
number, never paid twice, foreign keys) hold for every row and a violation rolls the whole
batch back. Claims already taken (by an earlier application or an earlier row of the same
batch) are found first and reported instead of inserted, so one duplicate in a file does not
fail the import; a claim taken by another counter between that check and the insert still
fails the batch on the unique index (the caller retries or reports it).

Search index (SQLite): the insert trigger of db/versions/0003_search_indexes.py costs ~30 µs
a row through FTS5; for the batch it is dropped and created again inside the same write
transaction (`_drop_insert_triggers`), and the entries are written in one executemany per
search table, ~4 µs a row. PostgreSQL's GIN indexes follow by themselves. 统计's sums
(db/versions/0015_tallies.py) likewise: the row trigger is dropped and the batch's sums, counted
as the rows go to the driver, added with one upsert each; on PostgreSQL the statement trigger
adds them for COPY.

Texts stored once (`term`, models.interned): the batch's distinct texts are looked up (and the
new ones stored) in one go before the rows are made, and each row carries their numbers. The
status history's first step is not stored when it is the acceptance the application row
already records (models.Application.steps); the others are numbered per application.

Audit: the counter writes one event per application; a bulk insert writes one event for the
whole batch when `actor` is given (the import does that: "imported N applications, receipts
A…B"). The benchmark's fill passes no actor and so writes no audit events.

The values are trusted: the caller has already checked and decided each application (the
import runs every row through the same checks and the subsidy engine as `apply`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from operator import attrgetter, itemgetter
from typing import Any, cast

from sqlalchemy import Connection, Table, bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from desktop_app.domain.status import ACCEPTED, WITHDRAWN
from desktop_app.domain.text import name_chars
from desktop_app.storage import audit, seals
from desktop_app.storage.fast_insert import (
    Inserter,
    Memos,
    Terms,
    bulk_connection,
    chunks,
    collector_paused,
    ids_by,
    rows_in,
)
from desktop_app.storage.models import (
    Application,
    Base,
    Decision,
    Member,
    StatusChange,
    Term,
    decision_digest,
    implicit_acceptance,
)
from desktop_app.storage.types import Code, int_to_day


def _table(model: type[Base]) -> Table:
    return cast(Table, model.__table__)


MEMBER_DETAILS = ("name", "card_number", "phone", "work_unit", "position")
_MEMBER_INTERNED = {"work_unit": "work_unit_id", "position": "position_id"}
_MEMBER_ORDER = ("id_number", *MEMBER_DETAILS)
# Texts stored once in `term` (models.interned): the caller's key → the column of its number.
_INTERNED = {
    "scheme": "scheme_id",
    "occupation": "occupation_id",
    "claim_item": "claim_item_id",
    "issuer": "issuer_id",
    "competition": "competition_id",
    "station_name": "station_name_id",
    "clerk": "clerk_id",
}
_KEY_OF = {column: key for key, column in _INTERNED.items()}
# Application columns the caller supplies (receipt optional); the rest are filled in here.
_FILLED_HERE = frozenset({"id", "member_id", "name_chars", "decision_id", "live", "seal"})
# The decision document, given with each application and stored once (`decision` table).
_DECISION_KEYS = frozenset({"findings", "policy_sha256"})
_APPLICATION_COLUMNS = frozenset(c.name for c in _table(Application).columns) - _FILLED_HERE
_VALUE_KEYS = frozenset(_KEY_OF.get(c, c) for c in _APPLICATION_COLUMNS) | _DECISION_KEYS
# The insert's column order: the ones filled here first, then the caller's (and the keys of
# `values` they come from).
_FILLED_ORDER = ("receipt", "member_id", "name_chars", "decision_id", "live")
_APPLICATION_ORDER = _FILLED_ORDER + tuple(sorted(_APPLICATION_COLUMNS - {"receipt"}))
_APPLICATION_KEYS = tuple(_KEY_OF.get(c, c) for c in _APPLICATION_ORDER)
_HISTORY_ORDER = ("application_id", "step", "from_status", "to_status", "reason", "actor_id", "at")
_HISTORY_COLUMNS = frozenset({"from_status", "to_status", "reason", "actor", "at"})


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
    `member_id`, `name_chars` and `decision_id`, plus the decision's `findings` (list of
    dicts, as computed) and `policy_sha256`, which are stored once per distinct document
    (models.Decision) and referred to; `receipt` may be left out, and a number is then reserved
    from the receipt counter of `station_code` and the day of `created_at`, exactly as the
    counter would have issued it. The texts `scheme`, `occupation`, `claim_item`, `issuer`,
    `competition`, `station_name` and `clerk` are given as texts and stored as terms.
    `history` is its whole status history (`from_status`, `to_status`, `reason`, `actor`,
    `at`), as `Application.steps` gives it back; empty means only the acceptance by the
    application's clerk at `created_at` (which the application row itself records).
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


def _intern(connection: Connection, texts: Iterable[str | None]) -> Terms:
    """The `term` number of each distinct text, new texts stored (another counter storing the
    same text meanwhile is harmless: its row is then used)."""
    wanted = sorted({t for t in texts if t is not None})
    terms = Terms({None: None})
    table = _table(Term)
    terms.update(ids_by(connection, table.c.text, wanted))
    missing = [t for t in wanted if t not in terms]
    if missing:
        connection.execute(
            _upsert(connection)(table).on_conflict_do_nothing(index_elements=[table.c.text]),
            [{"text": t} for t in missing],
        )
        terms.update(ids_by(connection, table.c.text, missing))
    return terms


_PICK_INTERNED = itemgetter(*_INTERNED)


def _batch_texts(items: Sequence[NewApplication]) -> set[str | None]:
    """Every text of the batch that is stored as a term."""
    texts: set[str | None] = set()
    add, update = texts.add, texts.update
    for item in items:
        values = item.values
        try:
            update(_PICK_INTERNED(values))
        except KeyError:
            update(values.get(key) for key in _INTERNED)
        for step in item.history:
            add(step.get("actor"))
        member = item.member
        add(member.work_unit)
        add(member.position)
    return texts


# The insert triggers a bulk insert takes off for its batch (SQLite): the search index's
# (db/versions/0003_search_indexes.py) and 统计's sums' (db/versions/0015_tallies.py).
_INSERT_TRIGGERS = ("application_search_insert", "application_tally_insert")


def _drop_insert_triggers(connection: Connection) -> dict[str, str]:
    """SQLite: take the search index's and the sums' insert triggers off for this write
    transaction; their definitions by name, to put back before the transaction ends (empty
    on PostgreSQL, or for a trigger there is not). What they would have done is done for the
    batch by `_fill_search` and `_BatchSums` instead.

    Dropped, not paused: an AFTER INSERT trigger costs ~10 µs a row even when its WHEN
    clause stops it (SQLite builds the NEW row for it), a third of the insert. DDL is part of
    the transaction: other connections never see the table without its triggers (they read
    the last commit), and a rollback or a crash leaves them as they were."""
    if connection.dialect.name != "sqlite":
        return {}
    found: dict[str, str] = dict(
        connection.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name IN (?, ?)",
            _INSERT_TRIGGERS,
        ).all()
    )
    for name in found:
        connection.exec_driver_sql(f"DROP TRIGGER {name}")
    return {str(name): str(sql) for name, sql in found.items()}


# What 统计's sums (db/versions/0015_tallies.py) are keyed and summed by, read from each row as
# the driver takes it (the row is its id, then the columns of _APPLICATION_ORDER, converted).
_SUMMED = ("applied_on", "station_code", "scheme_id", "status", "amount", "occupation_id",
           "competition_id")  # fmt: skip
_ADD_SUMS = (
    "INSERT INTO tally_day (day, station_code, scheme_id, status, count, amount) "
    "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (day, station_code, scheme_id, status) DO UPDATE "
    "SET count = tally_day.count + excluded.count, amount = tally_day.amount + excluded.amount",
    "INSERT INTO tally_month (month, station_code, subject_id, count, amount) "
    "VALUES (?, ?, ?, ?, ?) ON CONFLICT (month, station_code, subject_id) DO UPDATE "
    "SET count = tally_month.count + excluded.count, amount = tally_month.amount + excluded.amount",
)


class _BatchSums:
    """SQLite: what the dropped row trigger of 统计's sums would have added for the batch,
    counted in passing as the driver takes the rows (a grouped read of the rows afterwards
    cost 3.5 µs an application; this, 1) and added with one upsert per sum."""

    def __init__(self) -> None:
        self._pick = itemgetter(*(1 + _APPLICATION_ORDER.index(c) for c in _SUMMED))
        self.days: dict[tuple[Any, ...], list[int]] = {}
        self.months: dict[tuple[Any, ...], list[int]] = {}
        self._month_of: dict[int, int] = {}

    def counted(self, rows: Iterable[tuple[Any, ...]]) -> Iterator[tuple[Any, ...]]:
        pick, days, months, month_of = self._pick, self.days, self.months, self._month_of
        for row in rows:
            day, station, scheme, status, amount, occupation, competition = pick(row)
            sums = days.get(key := (day, station, scheme, status))
            if sums is None:
                sums = days[key] = [0, 0]
            sums[0] += 1
            sums[1] += amount
            month = month_of.get(day)
            if month is None:  # days since 1970-01-01 (types.Day): its month's first day
                month = month_of[day] = day - int_to_day(day).day + 1
            subject = occupation if occupation is not None else competition or 0
            sums = months.get(at := (month, station, subject))
            if sums is None:
                sums = months[at] = [0, 0]
            sums[0] += 1
            sums[1] += amount
            yield row

    def add(self, connection: Connection) -> None:
        day_sql, month_sql = _ADD_SUMS
        connection.exec_driver_sql(day_sql, [(*k, n, a) for k, (n, a) in self.days.items()])
        connection.exec_driver_sql(month_sql, [(*k, n, a) for k, (n, a) in self.months.items()])


def _fill_search(
    connection: Connection, ids: Sequence[int], names: Sequence[str], receipts: Sequence[str]
) -> None:
    """What the dropped trigger would have done, one executemany per search table."""
    connection.exec_driver_sql(
        "INSERT INTO application_search_name (rowid, name_chars) VALUES (?, ?)",
        list(zip(ids, names, strict=True)),
    )
    connection.exec_driver_sql(
        "INSERT INTO application_search_receipt (rowid, receipt) VALUES (?, ?)",
        list(zip(ids, receipts, strict=True)),
    )


def _upsert(connection: Connection) -> Any:
    return postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert


def reserve_receipts(connection: Connection, prefix: str, count: int) -> list[str]:
    """`count` new receipt numbers for `prefix` (station code + date), never issued before."""
    return reserve_many(connection, {prefix: count})[prefix]


def reserve_many(connection: Connection, wanted: Mapping[str, int]) -> dict[str, list[str]]:
    """New receipt numbers for several prefixes: `wanted[prefix]` of each, never issued
    before. One statement per 500 prefixes (a batch spanning two years at eight stations
    has thousands): each counter is raised atomically by its count (insert, or on a taken
    prefix add to it) and its new last number returned."""
    marker = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    result: dict[str, list[str]] = {}
    prefixes = [prefix for prefix, count in wanted.items() if count > 0]
    for chunk in chunks(prefixes):
        # Plain SQL (SQLite ≥ 3.35 and PostgreSQL alike): compiling the multi-row statement
        # with SQLAlchemy costs more than running it.
        statement = (
            "INSERT INTO receipt_counter (prefix, last) VALUES "
            f"{', '.join([f'({marker}, {marker})'] * len(chunk))} "
            "ON CONFLICT (prefix) DO UPDATE SET last = receipt_counter.last + excluded.last "
            "RETURNING prefix, last"
        )
        parameters = tuple(value for prefix in chunk for value in (prefix, wanted[prefix]))
        for prefix, last in connection.exec_driver_sql(statement, parameters).fetchall():
            count = wanted[prefix]
            result[prefix] = [f"{prefix}-{n:04d}" for n in range(last - count + 1, last + 1)]
    return result


def _check(item: NewApplication) -> None:
    if not _VALUE_KEYS.issuperset(item.values):
        unknown = set(item.values) - _VALUE_KEYS
        raise ValueError(f"not application columns: {sorted(unknown)}")
    for step in item.history:
        if not _HISTORY_COLUMNS.issuperset(step):
            extra = set(step) - _HISTORY_COLUMNS
            raise ValueError(f"not status history columns: {sorted(extra)}")


def _members(
    session: Session, items: Sequence[NewApplication], result: BulkResult, terms: Terms
) -> tuple[dict[str, int], list[int], list[int]]:
    """Member id per resident ID number: known members updated, new ones inserted; the ids
    of the members stored before; and the ids of the rows to seal with the audit event: the
    updated ones, and the new ones where they were not sealed as written (`seals.NewRows`).
    A known member whose details came again unchanged keeps its seal: reading it back to
    reseal it was 3 % of the insert."""
    connection = session.connection()
    latest: dict[str, NewMember] = {}
    for item in items:
        latest[item.member.id_number] = item.member  # a later row's details win
    table = _table(Member)
    known: dict[str, tuple[int, tuple[Any, ...]]] = {}
    numbers = list(latest)
    found = rows_in(
        connection,
        "SELECT m.id, m.id_number, m.name, m.card_number, m.phone, w.text, p.text "
        "FROM member m LEFT JOIN term w ON w.id = m.work_unit_id "
        "LEFT JOIN term p ON p.id = m.position_id WHERE m.id_number IN ",
        numbers,
    )
    for row in found:
        known[row[1]] = (row[0], tuple(row)[2:])
    now = datetime.now().replace(microsecond=0)
    changes: list[dict[str, Any]] = []
    details = attrgetter(*MEMBER_DETAILS)
    for number, (member_id, before) in known.items():
        member = latest[number]
        if details(member) == before:
            continue  # the usual case: the same details again
        after = tuple(
            new if new is not None else old
            for new, old in zip((getattr(member, f) for f in MEMBER_DETAILS), before, strict=True)
        )
        if after != before:
            changes.append({"b_id": member_id, **dict(zip(MEMBER_DETAILS, after, strict=True))})
    if changes:
        seals.before_change(session, "member", [change["b_id"] for change in changes])
        # Details kept from the stored row are texts the batch did not bring.
        kept = [c[k] for c in changes for k in _MEMBER_INTERNED if c[k] not in terms]
        if kept:
            terms.update(_intern(connection, kept))
        for change in changes:
            for key in _MEMBER_INTERNED:
                change[key] = terms[change[key]]
        connection.execute(
            update(table)
            .where(table.c.id == bindparam("b_id"))
            .values(
                {_MEMBER_INTERNED.get(f, f): bindparam(f) for f in MEMBER_DETAILS}
                | {"updated_at": now}
            ),
            changes,
        )
        result.members_updated += len(changes)
    ids = {number: member_id for number, (member_id, _before) in known.items()}
    stored = list(ids.values())
    to_seal = [change["b_id"] for change in changes]
    new = [latest[number] for number in numbers if number not in known]
    if new:
        columns = tuple(_MEMBER_INTERNED.get(c, c) for c in _MEMBER_ORDER)
        inserter = Inserter(connection, table, (*columns, "created_at", "updated_at"))
        at = inserter.processor("created_at")(now)
        new_ids = inserter.new_ids(len(new))
        fields = attrgetter(*_MEMBER_ORDER[:-2])
        rows: Iterable[tuple[Any, ...]] = [
            (i, *fields(m), terms[m.work_unit], terms[m.position], at, at)
            for i, m in zip(new_ids, new, strict=True)
        ]
        sealer = seals.NewRows(session)
        if sealer.at_insert:  # sealed as written; else read back with the audit event
            rows = sealer.members(
                rows,
                ("id", *columns, "created_at", "updated_at"),
                [(m.work_unit, m.position) for m in new],
            )
            inserter = Inserter(connection, table, (*columns, "created_at", "updated_at", "seal"))
        inserter.execute_with_ids(rows)
        if not sealer.at_insert:
            to_seal.extend(new_ids)
        ids.update(zip((m.id_number for m in new), new_ids, strict=True))
        result.members_created += len(new)
    return ids, stored, to_seal


def _history(
    connection: Connection,
    accepted: Sequence[NewApplication],
    application_ids: Sequence[int],
    terms: Terms,
    memos: Memos,
) -> list[tuple[Any, ...]]:
    """The status_change rows of the batch, in `_HISTORY_ORDER`: the history after
    acceptance (the acceptance itself is the application row, stored again only when the
    given first step says something else: models.Application.steps)."""
    inserter = Inserter(connection, _table(StatusChange), _HISTORY_ORDER, memos)
    at = inserter.processor("at")
    status = inserter.processor("to_status")
    history: list[tuple[Any, ...]] = []
    append = history.append
    for item, application_id in zip(accepted, application_ids, strict=True):
        steps: Sequence[Mapping[str, Any]] = item.history
        if steps:
            values = item.values
            if implicit_acceptance(steps[0], values["clerk"], values["created_at"]):
                steps = steps[1:]
        for number, step in enumerate(steps, 1):
            get = step.get
            append(
                (
                    application_id,
                    number,
                    status(get("from_status")),
                    status(step["to_status"]),
                    get("reason"),
                    terms[step["actor"]],
                    at(step["at"]),
                )
            )
    return history


def _digests(connection: Connection, decision_ids: Sequence[int]) -> dict[int, str]:
    """The digest of each of these decisions (few distinct ones per batch)."""
    table = _table(Decision)
    wanted = sorted(set(decision_ids))
    found: dict[int, str] = {}
    for chunk in chunks(wanted):
        statement = select(table.c.id, table.c.digest).where(table.c.id.in_(chunk))
        found.update((key, value) for key, value in connection.execute(statement))
    return found


def _decisions(connection: Connection, rows: Sequence[Mapping[str, Any]]) -> list[int]:
    """The decision id of each row: its document's digest looked up, new documents stored.

    A batch holds few distinct documents (the findings depend on the claim and the checks
    that failed), and an import hands the same list object to the rows it decided the same
    way: the digest (JSON text and SHA-256, ~20 µs) is computed once per object, then once
    per distinct digest the table is asked."""
    by_object: dict[tuple[str, int], str] = {}
    documents: dict[str, tuple[str, list[Any]]] = {}
    digests: list[str] = []
    for row in rows:
        sha: str = row["policy_sha256"]
        findings: list[Any] = row["findings"]
        key = (sha, id(findings))
        digest = by_object.get(key)
        if digest is None:
            digest = by_object[key] = decision_digest(sha, findings)
            documents.setdefault(digest, (sha, findings))
        digests.append(digest)
    table = _table(Decision)
    ids = ids_by(connection, table.c.digest, list(documents))
    missing = [
        {"digest": d, "policy_sha256": sha, "findings": findings}
        for d, (sha, findings) in documents.items()
        if d not in ids
    ]
    if missing:
        # Another counter may store the same document meanwhile: its row is then used.
        connection.execute(
            _upsert(connection)(table).on_conflict_do_nothing(index_elements=[table.c.digest]),
            missing,
        )
        ids.update(ids_by(connection, table.c.digest, [str(m["digest"]) for m in missing]))
    return [ids[digest] for digest in digests]


ClaimTuple = tuple[int, int, int, int, str]


def _taken_claims(connection: Connection, member_ids: Sequence[int]) -> dict[ClaimTuple, int]:
    """Live claims (not returned) already held by these members → the holder's id, by
    (member, scheme's term, kind's code, item's term, level) as the claim index keeps them.

    Only what the claim index holds is asked (on SQLite every index also holds the row's
    id), so the look-up reads no table row: at a million applications the members' older
    rows lie all over the table, and reading their receipts here cost 2 % of the insert
    (the few that a duplicate needs are read after: `seals.labels`)."""
    taken: dict[ClaimTuple, int] = {}
    rows = rows_in(
        connection,
        "SELECT member_id, scheme_id, kind, claim_item_id, claim_level, id "
        "FROM application WHERE live = 1 AND member_id IN ",
        sorted(set(member_ids)),
    )
    for row in rows:
        taken[(row[0], row[1], row[2], row[3], row[4])] = row[5]
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
    with collector_paused():
        return _insert(session, items, actor=actor, station_code=station_code, now=now)


def _insert(
    session: Session,
    items: Sequence[NewApplication],
    *,
    actor: str | None,
    station_code: str,
    now: datetime | None,
) -> BulkResult:
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
    bulk_connection(connection)
    terms = _intern(connection, _batch_texts(items))
    member_ids, stored_members, members_to_seal = _members(session, items, result, terms)
    # Sealed with the batch's audit event (here with `actor`, else the caller's).
    seals.mark(session, members=members_to_seal)
    kind_type = cast(Code, _table(Application).c.kind.type)
    kinds, kind_number = kind_type.numbers, kind_type.number

    # Claims already held: by a stored application (its id; a member inserted just now holds
    # none) or by an earlier item of the batch (its position in `accepted`).
    stored_claims: Mapping[tuple[Any, ...], int] = _taken_claims(connection, stored_members)
    batch_claims: dict[tuple[Any, ...], int] = {}
    held: dict[int, int] = {}  # item index → id of the stored application holding its claim
    # The accepted items (one list per column of the insert) and the refused ones.
    indexes: list[int] = []
    accepted: list[NewApplication] = []
    members: list[int] = []
    # Receipt numbers: given ones kept, missing ones reserved per station and day.
    receipts: list[str] = []
    wanted: dict[str, list[int]] = defaultdict(list)
    prefixes: dict[tuple[str, int, int, int], str] = {}
    # An item whose claim an earlier item of the batch holds: its position in `accepted`.
    within: dict[int, int] = {}
    for index, item in enumerate(items):
        member_id = member_ids[item.member.id_number]
        values = item.values
        receipt = values.get("receipt")
        if values.get("status", ACCEPTED) != WITHDRAWN:
            kind = values["kind"]
            key = (
                member_id,
                terms[values["scheme"]],
                kinds.get(kind) or kind_number(kind),  # an unknown kind: its message
                terms[values["claim_item"]],
                values["claim_level"],
            )
            holder = stored_claims.get(key)
            if holder is not None:
                held[index] = holder  # named by its receipt below
                continue
            position = batch_claims.get(key)
            if position is not None:
                within[index] = position  # named once the receipts are known
                continue
            batch_claims[key] = len(accepted)
        if not receipt:
            created: datetime = values["created_at"]
            day = (values["station_code"], created.year, created.month, created.day)
            prefix = prefixes.get(day)
            if prefix is None:
                prefix = prefixes[day] = f"{day[0]}-{created:%Y%m%d}"
            wanted[prefix].append(len(accepted))
        receipts.append(str(receipt or ""))
        indexes.append(index)
        accepted.append(item)
        members.append(member_id)
    reserved = reserve_many(connection, {prefix: len(p) for prefix, p in wanted.items()})
    for prefix, positions in wanted.items():
        for position, receipt in zip(positions, reserved[prefix], strict=True):
            receipts[position] = receipt
    # Duplicates: the receipt of the stored application, or of the batch's earlier item.
    if held:
        ids = sorted(set(held.values()))
        holders = dict(zip(ids, seals.labels(connection, "application", ids), strict=True))
        for index, holder in held.items():
            result.duplicates[index] = holders[holder]
    for index, position in within.items():
        result.duplicates[index] = receipts[position]
    if held and within:
        result.duplicates = dict(sorted(result.duplicates.items()))

    if not accepted:
        return result
    application_values = [item.values for item in accepted]
    decision_ids = _decisions(connection, application_values)
    memos: Memos = {}
    inserter = Inserter(
        connection,
        _table(Application),
        _APPLICATION_ORDER,
        memos,
        keys=_APPLICATION_KEYS,
        terms={column: terms for column in _KEY_OF},
    )
    make = inserter.row_maker(len(_FILLED_ORDER))
    names: list[str] = [name_chars(item.member.name) for item in accepted]
    lives = [None if item.values.get("status", ACCEPTED) == WITHDRAWN else 1 for item in accepted]
    application_ids = inserter.new_ids(len(accepted))
    history = _history(connection, accepted, application_ids, terms, memos)
    # Made (and sealed) as the driver takes them: see seals.NewRows.applications.
    rows: Iterable[tuple[Any, ...]] = map(
        make, application_values, application_ids, receipts, members, names, decision_ids, lives
    )
    sealer = seals.NewRows(session)
    if sealer.at_insert:
        # Sealed as they are written (the same content `audit verify` reads back).
        rows = sealer.applications(
            rows,
            ("id", *_APPLICATION_ORDER),
            history,
            terms,
            _digests(connection, decision_ids),
        )
        inserter = Inserter(connection, _table(Application), (*_APPLICATION_ORDER, "seal"))
    dropped = _drop_insert_triggers(connection)
    try:
        sums = _BatchSums() if "application_tally_insert" in dropped else None
        inserter.execute_with_ids(rows if sums is None else sums.counted(rows))
        if "application_search_insert" in dropped:
            _fill_search(connection, application_ids, names, receipts)
        if sums is not None:
            sums.add(connection)
    finally:
        for sql in dropped.values():
            connection.exec_driver_sql(sql)
    Inserter(connection, _table(StatusChange), _HISTORY_ORDER, memos).execute(history)
    if not sealer.at_insert:
        seals.mark(session, applications=application_ids)

    for index, receipt in zip(indexes, receipts, strict=True):
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
