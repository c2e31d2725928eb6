"""The ledger query: pages and counts of the applications a `LedgerFilter` selects, found
through whichever index reads the fewest entries (all SQL; the filter itself is a domain value,
`domain/ledger_filter.py`)."""

from __future__ import annotations

import re
import unicodedata
from collections import namedtuple
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Integer,
    Select,
    String,
    Table,
    and_,
    bindparam,
    exists,
    func,
    literal_column,
    or_,
    select,
    union,
    union_all,
)
from sqlalchemy import column as sql_column
from sqlalchemy import table as sql_table
from sqlalchemy import text as text_clause
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.sql.compiler import SQLCompiler

from desktop_app.domain.ledger_filter import LedgerFilter
from desktop_app.domain.text import name_chars
from desktop_app.storage import server_roles
from desktop_app.storage.models import Application, Member, load_terms, term_texts
from desktop_app.storage.receipt_parts import (
    DAY_COLUMN,
    REST_COLUMN,
    calendar_days,
    day_bounds,
    day_passes,
    places,
)
from desktop_app.storage.types import CODES, Day

__all__ = ["LedgerFilter", "conditions", "ledger_count", "ledger_page", "ledger_page_rows"]

# --- the ledger ----------------------------------------------------------------------------
#
# The ledger lists applications newest first (id descending) in pages, under any mix of a
# date range, a scheme, a status and a free-text query. At a million applications a query
# must not read every row, and no single index serves every mix, so a page is found in two
# steps: first the page's ids, through whichever index reads the fewest entries for this
# filter (below), then those rows.
#
# Each part of the filter either matches few rows (at most SMALL) or many. Few: collect them
# through that part's index, keep those that pass the rest of the filter, sort. Many: walk an
# index that is already in id order (the primary key, (status, id), (scheme, id),
# (scheme, status, id), or on SQLite the search index itself) and stop at the page's last
# row, checking the rest of the filter on each; a date range narrows that walk to the ids
# the range's days hold (`_id_span`). How many rows a part matches is counted only up to
# SMALL + 1, which reads at most that many index entries.
#
# The free text is a name fragment, a receipt fragment or the start of a resident ID number,
# so it is three queries in one (`_branches`); the page is the union of their pages. Each is
# found through its search index (db/versions/0003_search_indexes.py) and then checked with
# the plain test (substring of the name, substring of the receipt, prefix of the ID number):
# the index only ever decides how fast a row is found, never whether.

_ID_LIKE = re.compile(r"^[0-9]{6,17}[0-9Xx]?$")
# Receipt numbers are made of these: station code, date, sequence (XC01-20261121-0007).
_RECEIPT_TEXT = re.compile(r"^[0-9A-Z-]+$")
# Nor does any hold more than 8 digits in a row (code ≤ 8, date 8, sequence `{:04d}`): a whole
# or long ID number is no receipt fragment.
_NO_RECEIPT = re.compile(r"[0-9]{9}")
# After a station code's last letter a receipt holds only '-', digits, '-', digits.
_RECEIPT_TAIL = re.compile(r"^(-[0-9]{0,8}(-[0-9]*)?)?$")
SMALL = 10_000
# A station's role on the district's server: at most this many of its matches of a text are
# collected through the search index (`server_roles.station_text_ids`); a text it has more
# matches of is found by walking the station's rows newest first, which then reads at most
# about page × (the station's rows) / STATION_COLLECT rows.
STATION_COLLECT = 1_000
# An ID number's start: at most this many of the station's members in the range are
# collected (their applications then found by member), more are tested row by row.
STATION_MEMBERS = 500
_COLLECT_COST = 8
COUNT_PROBE = 100_000
_BY_DATE = "INDEXED BY ix_application_applied_on"

_NAME_SEARCH = "application_search_name"
_RECEIPT_SEARCH = "application_search_receipt"


@compiles(Table, "sqlite")
def _sqlite_table_hint(element: Table, compiler: SQLCompiler, **kw: Any) -> str:
    """SQLite's `INDEXED BY` / `NOT INDEXED` from `Select.with_hint(…, "sqlite")`.

    SQLAlchemy's SQLite compiler has no table hints and drops them; this renders them after
    the table's name. Statements without a SQLite hint are compiled exactly as before.
    """
    text: str = compiler.visit_table(element, **kw)  # type: ignore[no-untyped-call]
    hints = kw.get("fromhints")
    if kw.get("asfrom") and hints and element in hints:
        text += f" {hints[element]}"
    return text


def date_conditions(filter_: LedgerFilter) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if filter_.date_from is not None:
        where.append(Application.applied_on >= filter_.date_from)
    if filter_.date_to is not None:
        where.append(Application.applied_on <= filter_.date_to)
    return where


def field_conditions(filter_: LedgerFilter) -> list[ColumnElement[bool]]:
    """The date range, scheme and status."""
    where = date_conditions(filter_)
    if filter_.station:
        where.append(Application.station_code == filter_.station)
    if filter_.scheme:
        where.append(Application.scheme == filter_.scheme)
    if filter_.status:
        where.append(Application.status == filter_.status)
    return where


def conditions(filter_: LedgerFilter, dialect: str = "sqlite") -> list[ColumnElement[bool]]:
    """The whole filter as plain conditions: what a row must satisfy, whatever the plan."""
    where = field_conditions(filter_)
    if filter_.text:
        where.append(or_(*(branch.exact for branch in _branches(filter_.text, dialect))))
    return where


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _fts_phrase(text: str) -> str:
    """An FTS5 query that takes `text` literally: one phrase, quotes doubled."""
    return '"' + text.replace('"', '""') + '"'


@dataclass(frozen=True)
class _Branch:
    """One reading of the free text: a name, a receipt or an ID number fragment."""

    exact: ColumnElement[bool]  # the plain test on one row
    ids: Select[Any] | None = None  # a superset of the matching ids, through an index
    fts: tuple[str, str] | None = None  # SQLite: (search table, MATCH query), walkable by id
    ids_exact: bool = False  # `ids` are exactly the matches (no need to test each row)
    indexed: ColumnElement[bool] | None = None  # PostgreSQL: a looser test an index serves
    # PostgreSQL, a station's role: (kind, text, LIKE pattern, ILIKE?) for `uc_text_ids`,
    # since row-level security keeps the search indexes from the station's own queries.
    station_search: tuple[str, str, str, bool] | None = None
    id_start: str | None = None  # the ID branch: the start of the members' ID numbers
    # PostgreSQL: the receipt fragment, asked for place by place (`_Planner._receipt_places`)
    # by a login that reads every station's rows.
    receipt: str | None = None
    days: tuple[int, ...] | None = None  # a place's days: a walk stays within their ids
    # Whether PostgreSQL's estimate of the rows that also pass the other fields can be
    # trusted to choose between walking and collecting (not for a name: see `_postgresql`).
    fields_estimated: bool = False


def _name_branch(text: str, dialect: str) -> _Branch | None:
    chars = name_chars(text)  # the typed fragment in the stored form
    if not chars:
        return None
    pattern = f"%{_escape_like(chars)}%"
    if dialect == "postgresql":
        # ILIKE: as SQLite's LIKE, a Latin name matches in either case. A fragment of
        # characters that have no case (Chinese characters, ASCII digits, the spaces
        # between characters) matches the same rows with LIKE, which PostgreSQL tests
        # about twice as fast: it counts when a page walks many rows.
        fold = not all(
            ch == " " or ch in "0123456789" or unicodedata.category(ch) == "Lo" for ch in chars
        )
        if fold:
            exact = Application.name_chars.ilike(pattern, escape="\\")
        else:
            exact = Application.name_chars.like(pattern, escape="\\")
        # The 'simple' parser keeps each letter, digit and CJK character as a token and
        # drops punctuation; a fragment with no such character cannot use the index.
        if not any(ch.isalnum() for ch in chars):
            return _Branch(exact)
        vector = func.to_tsvector(literal_column("'simple'::regconfig"), Application.name_chars)
        query = func.phraseto_tsquery(literal_column("'simple'::regconfig"), chars)
        indexed = vector.op("@@")(query)
        return _Branch(
            exact,
            select(Application.id).where(indexed),
            indexed=indexed,
            station_search=("name", chars, pattern, fold),
        )
    exact = Application.name_chars.like(pattern, escape="\\")
    # The ascii tokenizer drops ASCII punctuation; a fragment of nothing else has no tokens.
    if not any(not ch.isascii() or ch.isalnum() for ch in chars):
        return _Branch(exact)
    phrase = _fts_phrase(chars)
    ids = select(literal_column("rowid", Integer)).select_from(text_clause(_NAME_SEARCH))
    ids = ids.where(literal_column(_NAME_SEARCH).op("MATCH")(phrase))
    return _Branch(exact, ids, (_NAME_SEARCH, phrase))


def _receipt_branch(text: str, dialect: str) -> _Branch | None:
    fragment = text.upper()
    if not _RECEIPT_TEXT.match(fragment) or _NO_RECEIPT.search(fragment):
        return None  # no receipt number can contain it
    exact = Application.receipt.like(f"%{_escape_like(fragment)}%", escape="\\")
    if len(fragment) < 3:
        return _Branch(exact)  # shorter than a trigram: no index helps
    if dialect == "postgresql":
        # The pg_trgm index (when the extension was available) serves LIKE itself; as for a
        # name, a fragment most receipts hold (a year, a station) is found faster by walking
        # the newest rows than through the index (`_Planner._postgresql`).
        return _Branch(
            exact,
            select(Application.id).where(exact),
            ids_exact=True,
            indexed=exact,
            station_search=("receipt", fragment, f"%{_escape_like(fragment)}%", False),
            receipt=fragment,
        )
    # The index keeps which rows hold each trigram, not where (detail=none: a third of the
    # size): the rows holding all of the fragment's trigrams, each then tested exactly.
    query = _trigrams_query(fragment)
    ids = select(literal_column("rowid", Integer)).select_from(text_clause(_RECEIPT_SEARCH))
    ids = ids.where(literal_column(_RECEIPT_SEARCH).op("MATCH")(query))
    return _Branch(exact, ids, (_RECEIPT_SEARCH, query))


def _trigrams_query(fragment: str) -> str:
    """An FTS5 query for the rows whose text holds every trigram of `fragment` (≥ 3 chars)."""
    grams = dict.fromkeys(fragment[i : i + 3] for i in range(len(fragment) - 2))
    return " AND ".join(_fts_phrase(gram) for gram in grams)


def _id_range(start: str) -> ColumnElement[bool]:
    return and_(Member.id_number >= start, Member.id_number < start + "Z")


def _id_branch(text: str) -> _Branch | None:
    if not _ID_LIKE.match(text):
        return None
    start = text.upper()
    in_range = _id_range(start)
    # Row by row: one primary-key look-up of the member (no list of every member in range).
    exact = exists().where(Member.id == Application.member_id, in_range)
    # The members in range, then their applications: a walk that can stop early.
    ids = select(Application.id).join(Member, Member.id == Application.member_id).where(in_range)
    return _Branch(exact, ids, ids_exact=True, id_start=start)


def _branches(text: str, dialect: str) -> list[_Branch]:
    found = (_name_branch(text, dialect), _receipt_branch(text, dialect), _id_branch(text))
    return [branch for branch in found if branch is not None]


# The (scheme, status, id) index: its entries are in id order within one scheme and status.
# A scheme alone is read as one run per status, a status alone as one run per scheme, the
# runs merged in id order (`_Planner._runs`).
_SCHEME_STATUS = "INDEXED BY ix_application_scheme_status"
_STATUS_NUMBERS = range(1, len(CODES["status"]) + 1)


@dataclass
class _Planner:
    session: Session
    filter_: LedgerFilter
    dialect: str
    newest_first: bool = True
    after: int | None = None  # keyset paging: only rows after this id in ledger order
    _collected: dict[tuple[str, str, str, bool], list[int] | None] = field(default_factory=dict)
    _receipt_days: tuple[int, int] | None = None  # the oldest and the newest receipt day

    def _texts(self, text: str) -> list[_Branch]:
        """The free text's branches (`_branches`), less a receipt fragment that none of a
        station's receipts can hold; on PostgreSQL, for a login that reads every station's
        rows, the receipt branch as one branch per place of the fragment."""
        found: list[_Branch] = []
        for branch in _branches(text, self.dialect):
            if self._not_our_receipt(branch):
                continue
            if (
                branch.receipt is not None
                and server_roles.login_station(self.session.connection()) is None
            ):
                found.extend(self._receipt_places(branch))
            else:
                found.append(branch)
        return found

    def _receipt_places(self, branch: _Branch) -> list[_Branch]:
        """PostgreSQL: the receipt fragment's rows, place by place (storage/receipt_parts.py):
        each place a branch of its own with its own index, the receipt's day (with the span of
        ids its days hold, for a walk) or the rest's pg_trgm index; a receipt of another form
        through the day's index (its day is NULL). Each branch still applies the plain test
        on the receipt: together they find exactly its rows."""
        assert branch.receipt is not None
        day = literal_column(f"application.{DAY_COLUMN}", Integer)
        rest = literal_column(f"application.{REST_COLUMN}", String)
        pattern = f"%{_escape_like(branch.receipt)}%"
        found = [_Branch(and_(day.is_(None), branch.exact), indexed=day.is_(None))]
        for place in places(branch.receipt):
            days = self._place_days(place.day)
            if days == ():
                continue  # no receipt's day reads so
            rest_like = None if place.rest is None else f"%{_escape_like(place.rest)}%"
            if days is None:  # any day: the rows are found through the rest's index
                indexed: ColumnElement[bool] = day.is_not(None)
                if rest_like is not None:
                    indexed = and_(indexed, rest.like(rest_like, escape="\\"))
                found.append(
                    _Branch(and_(indexed, branch.exact), indexed=indexed, fields_estimated=True)
                )
                continue
            assert place.day is not None
            low, high = day_bounds(place.day)
            in_days = day.between(low, high) if place.day[0] in ("start", "is") else day.in_(days)
            # The day says which rows: their receipt and rest are tested row by row. Through
            # the pg_trgm indexes PostgreSQL would read every row of the fragment's commonest
            # trigram ("C01" of every station code) to narrow a day's thousand rows (25 ms for
            # a whole receipt); `|| ''` keeps the tests from those indexes.
            tests = [in_days, Application.receipt.concat("").like(pattern, escape="\\")]
            if rest_like is not None:
                tests.append(rest.concat("").like(rest_like, escape="\\"))
            found.append(_Branch(and_(*tests), indexed=in_days, days=days, fields_estimated=True))
        return found

    def _place_days(self, test: tuple[str, str] | None) -> tuple[int, ...] | None:
        """The days that read as `test` asks; None when every day does (the place asks
        nothing of the day), () when none does."""
        if test is None:
            return None
        days = tuple(d for d in self._days(*day_bounds(test)) if day_passes(d, test))
        return None if len(days) == len(self._days(*day_bounds(None))) else days

    def _days(self, low: int, high: int) -> list[int]:
        """The day numbers between `low` and `high` a receipt's day can hold, within the
        oldest and the newest day stored (two look-ups on the (receipt_day, id) index)."""
        if self._receipt_days is None:
            statement = text_clause(f"SELECT min({DAY_COLUMN}), max({DAY_COLUMN}) FROM application")
            oldest, newest = self.session.execute(statement).one()
            # No receipt of the form: a span that holds no day.
            self._receipt_days = (1, 0) if oldest is None else (int(oldest), int(newest))
        oldest, newest = self._receipt_days
        return calendar_days(max(low, oldest), min(high, newest))

    def _day_span(self, days: tuple[int, ...]) -> tuple[int, int] | None:
        """The smallest and largest id among the applications of these receipt days: two
        look-ups per day on the (receipt_day, id) index."""
        statement = text_clause(
            f"""
            SELECT min(s.low), max(s.high)
            FROM unnest(CAST(:days AS integer[])) AS d(x)
            CROSS JOIN LATERAL (
                SELECT min(a.id) AS low, max(a.id) AS high FROM application a
                WHERE a.{DAY_COLUMN} = d.x
            ) AS s
            """
        ).bindparams(days=list(days))
        low, high = self.session.execute(statement).one()
        return None if low is None else (int(low), int(high))

    def _station_matches(self, branch: _Branch) -> list[int] | None:
        """A station's role: the station's matches of the branch's text through the search
        index when there are at most STATION_COLLECT of them; None when there are more (or
        for any other login, whose own queries use the indexes)."""
        search = branch.station_search
        if search is None or server_roles.login_station(self.session.connection()) is None:
            return None
        if search not in self._collected:
            found = server_roles.station_text_ids(self.session, *search, STATION_COLLECT + 1)
            self._collected[search] = found if len(found) <= STATION_COLLECT else None
        return self._collected[search]

    def _station_members(self, branch: _Branch) -> list[int] | None:
        """A station's role, an ID number's start: its members in the range when there are at
        most STATION_MEMBERS (the range is read on the ID number's index, each member's link
        to the station looked up by the policy), None when there are more."""
        assert branch.id_start is not None
        key = ("id", branch.id_start, "", False)
        if key not in self._collected:
            statement = (
                select(Member.id).where(_id_range(branch.id_start)).limit(STATION_MEMBERS + 1)
            )
            found = [int(row[0]) for row in self.session.execute(statement)]
            self._collected[key] = found if len(found) <= STATION_MEMBERS else None
        return self._collected[key]

    def _not_our_receipt(self, branch: _Branch | None) -> bool:
        """A station's role, a receipt fragment with letters that none of its receipts can
        hold (they all read `<its code>-<date>-<number>`): another station's code, say."""
        if branch is None or branch.station_search is None:
            return False
        kind, fragment, _pattern, _fold = branch.station_search
        code = server_roles.login_station(self.session.connection())
        if kind != "receipt" or code is None or not re.search("[A-Z]", fragment):
            return False
        if fragment in code:
            return False
        return not any(
            code.endswith(fragment[:k]) and _RECEIPT_TAIL.match(fragment[k:])
            for k in range(1, len(fragment) + 1)
        )

    def _station_search(self, branch: _Branch | None) -> bool:
        return (
            branch is not None
            and (branch.station_search is not None or branch.id_start is not None)
            and server_roles.login_station(self.session.connection()) is not None
        )

    def fields(self) -> list[ColumnElement[bool]]:
        """The date range, scheme and status, and the keyset bound."""
        where = field_conditions(self.filter_)
        if self.after is not None:
            where.append(
                Application.id < self.after if self.newest_first else Application.id > self.after
            )
        return where

    @staticmethod
    def _hint(statement: Select[Any], hint: str) -> Select[Any]:
        return statement.with_hint(Application, hint, "sqlite")

    def _at_most(self, statement: Select[Any], limit: int = SMALL) -> int:
        """How many rows `statement` gives, counted only up to `limit` + 1."""
        bounded = select(func.count()).select_from(statement.limit(limit + 1).subquery())
        return int(self.session.execute(bounded).scalar_one())

    def _order(self, column: Any = Application.id) -> Any:
        return column.desc() if self.newest_first else column.asc()

    def _id_span(self) -> tuple[int, int] | None:
        """The smallest and largest id among the applications in the date range, found by
        visiting each day in the range on the (applied_on, id) index: a few look-ups per day
        instead of reading every row of the range. None when the range holds none."""
        f = self.filter_
        statement = text_clause(
            """
            WITH RECURSIVE day(d) AS (
                SELECT min(applied_on) FROM application WHERE applied_on >= :low
                UNION ALL
                SELECT (SELECT min(a.applied_on) FROM application a WHERE a.applied_on > day.d)
                FROM day WHERE day.d < :high
            )
            SELECT min((SELECT min(a.id) FROM application a WHERE a.applied_on = day.d)),
                   max((SELECT max(a.id) FROM application a WHERE a.applied_on = day.d))
            FROM day WHERE day.d <= :high
            """
        ).bindparams(
            bindparam("low", f.date_from or date.min, Day()),
            bindparam("high", f.date_to or date.max, Day()),
        )
        low, high = self.session.execute(statement).one()
        return None if low is None else (int(low), int(high))

    def counting_plan(self, branch: _Branch | None) -> Select[Any] | None:
        """All the ids matching the fields and `branch`, for counting: every match has to be
        visited, so the part with the fewest matches (counted up to COUNT_PROBE) leads; on a
        tie the scheme/status index (walked within the date range's ids), then the text."""
        if self.dialect == "postgresql":
            return self._postgresql(branch, None)
        f = self.filter_
        where = self.fields()
        if branch is not None:
            where.append(branch.exact)
        options: list[tuple[int, int, Callable[[], Select[Any] | None]]] = []
        if branch is not None and branch.ids is not None:
            size = self._at_most(branch.ids, COUNT_PROBE)
            options.append((size, 1, lambda: self._by_ids(branch, None)))
        dates = date_conditions(f)
        if dates:
            size = self._at_most(select(Application.id).where(*dates), COUNT_PROBE)
            plan = self._hint(select(Application.id).where(*where), _BY_DATE)
            options.append((size, 2, lambda: plan))
        if f.scheme or f.status:
            same = field_conditions(f)[len(dates) :]
            size = self._at_most(select(Application.id).where(*same), COUNT_PROBE)

            def by_equality() -> Select[Any] | None:
                statement = select(Application.id).where(*where)
                if dates:
                    span = self._id_span()
                    if span is None:
                        return None
                    statement = statement.where(Application.id.between(*span))
                if not f.scheme:  # the index's first column: every scheme in use
                    statement = statement.where(Application.scheme_id.in_(self._scheme_numbers()))
                return self._hint(statement, _SCHEME_STATUS)

            options.append((size, 0, by_equality))
        if not options:
            return select(Application.id).where(*where)  # a scan: the database's choice
        return min(options)[2]()

    def _estimate(self, condition: ColumnElement[bool] | None) -> float:
        """PostgreSQL's own estimate of the rows matching `condition` (planning only)."""
        statement = select(Application.id)
        if condition is not None:
            statement = statement.where(condition)
        dialect = self.session.get_bind().dialect
        compiled = statement.compile(
            dialect=dialect,
            compile_kwargs={"render_postcompile": True},  # an IN list's values, one by one
        )
        params = {}
        for key, value in compiled.params.items():
            # As the statement itself would pass them: a status as its stored number.
            bind = compiled.binds.get(key)
            process = None if bind is None else bind.type.bind_processor(dialect)
            params[key] = value if process is None else process(value)
        plan = (
            self.session.connection()
            .exec_driver_sql(f"EXPLAIN (FORMAT JSON) {compiled}", params)
            .scalar_one()
        )
        return float(plan[0]["Plan"]["Plan Rows"])

    def _postgresql(self, branch: _Branch | None, count: int | None) -> Select[Any] | None:
        """PostgreSQL plans from its statistics, given every condition, the search index's
        among them, and for a date range the span of ids the range's days hold, which its
        statistics cannot know. One thing it gets wrong: a name test and its index test
        count twice in its estimate, so it collects every row of a common character and sorts
        them where walking the newest rows finds a page at once. When the walk reads fewer
        rows than the collecting would, bitmap scans and sorting are switched off for the
        query (`walk`), which leaves PostgreSQL only the id-ordered indexes."""
        f = self.filter_
        where = self.fields()
        walk = False
        if branch is not None and self._station_search(branch):
            # A station's role (see `uc_text_ids`): few matches collected, else a walk.
            where.append(branch.exact)
            if branch.station_search is not None:
                collected = self._station_matches(branch)
                if collected is not None:
                    where.append(Application.id.in_(collected))
            else:
                collected = self._station_members(branch)
                if collected is not None:
                    where.append(Application.member_id.in_(collected))
            walk = collected is None and count is not None
        elif branch is not None:
            where.append(branch.exact)
            if branch.indexed is not None:
                matches = self._estimate(branch.indexed)
                # Walking reads count * rows / found rows in id order (found: the rows that
                # also pass the other fields), collecting reads each match of the index at a
                # random place in the table, about _COLLECT_COST times as dear a row as the
                # walk's (measured at a million applications).
                found = matches
                if branch.fields_estimated and where[:-1]:
                    found = self._estimate(and_(branch.indexed, *where))
                walk = (
                    count is not None
                    and count * self._estimate(None) < _COLLECT_COST * matches * found
                )
                if not walk and branch.indexed is not branch.exact:
                    where.append(branch.indexed)
                if walk and branch.days is not None:
                    # A place in the receipt's day: its rows lie among the ids its days hold.
                    day_span = self._day_span(branch.days)
                    if day_span is None:
                        return None
                    where.append(Application.id.between(*day_span))
        if date_conditions(f):
            if branch is None and count is not None:
                walk = self._at_most(select(Application.id).where(*date_conditions(f))) > SMALL
            span = self._id_span()
            if span is None:
                return None
            where.append(Application.id.between(*span))
        statement = select(Application.id).where(*where)
        if count is not None:
            statement = statement.order_by(self._order()).limit(count)
        if walk:
            statement = statement.execution_options(union_counter_walk=True)
        return statement

    def _run(self, statement: Select[Any] | CompoundSelect[Any]) -> list[int]:
        if not statement.get_execution_options().get("union_counter_walk"):
            return [int(row[0]) for row in self.session.execute(statement)]
        # (No hash or merge joins either: an ID number's start is tested row by row too.)
        settings = ("enable_bitmapscan", "enable_sort", "enable_hashjoin", "enable_mergejoin")
        connection = self.session.connection()
        before = [connection.exec_driver_sql(f"SHOW {name}").scalar_one() for name in settings]
        for name in settings:
            connection.exec_driver_sql(f"SET LOCAL {name} = off")
        try:
            return [int(row[0]) for row in self.session.execute(statement)]
        finally:
            for name, value in zip(settings, before, strict=True):
                connection.exec_driver_sql(f"SET LOCAL {name} = {value}")

    def plan(self, branch: _Branch | None, count: int) -> Select[Any] | CompoundSelect[Any] | None:
        """The first `count` ids (in ledger order) matching the fields and `branch`; None
        when the date range holds nothing."""
        if self.dialect == "postgresql":
            return self._postgresql(branch, count)
        f = self.filter_
        where = self.fields()
        if branch is not None:
            where.append(branch.exact)
        base = select(Application.id).where(*where).order_by(self._order()).limit(count)

        # Few matches of the text: collect them through its index, filter, sort.
        if branch is not None and branch.ids is not None and self._at_most(branch.ids) <= SMALL:
            return self._by_ids(branch, count)
        dates = date_conditions(f)
        if dates:
            # Few days' worth: the (applied_on, id) index, then sort.
            if self._at_most(select(Application.id).where(*dates)) <= SMALL:
                return self._hint(base, _BY_DATE)
            # Many: walk below within the ids that the range's days hold.
            span = self._id_span()
            if span is None:
                return None
            base = base.where(Application.id.between(*span))
        else:
            span = None
        if f.scheme or f.status:
            return self._merged(base, self._runs(), count)
        if branch is not None and branch.fts is not None and self.dialect == "sqlite":
            return self._fts_walk(branch.fts, where, span, count)
        return self._hint(base, "NOT INDEXED")

    def _scheme_numbers(self) -> list[int]:
        """The term numbers of the schemes the applications use, one visit each on the
        (scheme, status, id) index (no reading of every entry)."""
        statement = text_clause(
            """
            WITH RECURSIVE s(x) AS (
                SELECT min(scheme_id) FROM application
                UNION ALL
                SELECT (SELECT min(a.scheme_id) FROM application a WHERE a.scheme_id > s.x)
                FROM s WHERE s.x IS NOT NULL
            )
            SELECT x FROM s WHERE x IS NOT NULL
            """
        )
        return [int(row[0]) for row in self.session.execute(statement)]

    def _runs(self) -> list[list[ColumnElement[bool]]]:
        """The runs of the (scheme, status, id) index that hold this filter's scheme and/or
        status, each in id order: the extra conditions of each run."""
        f = self.filter_
        if f.scheme and f.status:
            return [[]]
        if f.scheme:
            return [[Application.status == word] for word in CODES["status"]]
        return [[Application.scheme_id == number] for number in self._scheme_numbers()]

    def _merged(
        self, base: Select[Any], runs: list[list[ColumnElement[bool]]], count: int
    ) -> Select[Any] | CompoundSelect[Any]:
        """`base` (ordered, limited to `count`) read run by run on the (scheme, status, id)
        index, the runs merged in ledger order: SQLite merges sorted arms of a compound
        SELECT as it reads them, so a page reads about `count` entries of each run."""
        if len(runs) == 1:
            return self._hint(base.where(*runs[0]), _SCHEME_STATUS)
        if not runs:
            return base  # no applications at all
        arms = [
            select(self._hint(base.where(*run), _SCHEME_STATUS).subquery().c.id) for run in runs
        ]
        merged = union_all(*arms)
        order: ColumnElement[int] = literal_column("id", Integer)
        return merged.order_by(order.desc() if self.newest_first else order.asc()).limit(count)

    def _by_ids(self, branch: _Branch, count: int | None) -> Select[Any]:
        """The branch's index matches that pass the rest of the filter, through its index."""
        assert branch.ids is not None
        fields = self.fields()
        if branch.ids_exact and count is None and not fields:
            return branch.ids  # counting the text alone: the index knows
        where = fields if branch.ids_exact else [*fields, branch.exact]
        statement = select(Application.id).where(Application.id.in_(branch.ids), *where)
        if count is not None:
            statement = statement.order_by(self._order()).limit(count)
        return self._hint(statement, "NOT INDEXED")

    def _fts_walk(
        self,
        fts: tuple[str, str],
        where: list[ColumnElement[bool]],
        span: tuple[int, int] | None,
        count: int | None,
    ) -> Select[Any]:
        """SQLite: walk the search index itself in id order (it yields its matches newest
        first without collecting them all), joining each to its row for the rest."""
        table, phrase = fts
        search = sql_table(table, sql_column("rowid", Integer), sql_column(table))
        rowid = search.c.rowid
        statement = (
            select(Application.id)
            .select_from(search)
            .join(Application, Application.id == rowid)
            .where(search.c[table].op("MATCH")(phrase), *where)
        )
        if span is not None:
            statement = statement.where(rowid.between(*span))
        if self.after is not None:
            statement = statement.where(
                rowid < self.after if self.newest_first else rowid > self.after
            )
        if count is not None:
            statement = statement.order_by(self._order(rowid)).limit(count)
        return statement

    def page_ids(self, limit: int, offset: int) -> list[int]:
        count = offset + limit
        text = self.filter_.text
        branches: list[_Branch | None] = [None]
        if text:
            branches = list(self._texts(text))
            if not branches:
                return []
        if len(branches) == 1 and offset:
            # One way to find the rows: the database skips the first `offset` itself (a
            # deep page then costs a walk inside the engine, not `offset` ids in Python).
            statement = self.plan(branches[0], count)
            if statement is None:
                return []
            return self._run(statement.limit(limit).offset(offset))
        found: set[int] = set()
        for branch in branches:
            statement = self.plan(branch, count)
            if statement is not None:
                found.update(self._run(statement))
        return sorted(found, reverse=self.newest_first)[offset:count]

    def count(self, limit: int | None = None) -> int:
        if limit is not None:
            # Capped: the first `limit` matches in ledger order, found as a page is (each
            # plan walks an id-ordered index and stops there, or collects a few matches):
            # as fast as a page of that many rows, whatever the filter matches in all.
            return len(self.page_ids(limit, 0)) if limit > 0 else 0
        text = self.filter_.text
        if not text and not field_conditions(self.filter_):
            # count(*) of the table: SQLite reads its smallest index.
            return int(
                self.session.execute(select(func.count()).select_from(Application)).scalar_one()
            )
        parts = [
            statement
            for branch in (self._texts(text) if text else [None])
            if (statement := self.counting_plan(branch)) is not None
        ]
        if not parts:
            return 0
        matches = parts[0] if len(parts) == 1 else union(*parts)
        return int(
            self.session.execute(select(func.count()).select_from(matches.subquery())).scalar_one()
        )


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def ledger_page(
    session: Session,
    filter_: LedgerFilter,
    *,
    limit: int = 100,
    offset: int = 0,
    newest_first: bool = True,
    after_id: int | None = None,
) -> Sequence[Application]:
    """One page of the ledger, newest first (see the notes above on how it is found).

    `after_id` pages by key: the rows that follow the application with that id (the last
    row of the previous page) in ledger order. A page then costs what the first page costs
    however deep it is, where `offset` has to pass over every row before it; the GUI's
    lazy ledger model fetches its next rows this way.
    """
    planner = _Planner(session, filter_, _dialect(session), newest_first, after_id)
    ids = planner.page_ids(limit, offset)
    if not ids:
        return []
    rows = session.execute(
        select(Application).where(Application.id.in_(ids)).options(joinedload(Application.member))
    ).scalars()
    by_id = {row.id: row for row in rows}
    load_terms(session, by_id.values())
    return [by_id[i] for i in ids if i in by_id]


def ledger_count(session: Session, filter_: LedgerFilter, *, limit: int | None = None) -> int:
    """How many applications the filter matches: exactly (every match is visited, see the
    notes; hundreds of milliseconds for a broad filter at a million applications), or with
    `limit`, min(that count, limit), found as fast as a page of `limit` rows, for a view that
    needs to know quickly whether there are more (the GUI's lazy ledger model: "10,000+")."""
    return _Planner(session, filter_, _dialect(session)).count(limit)


def ledger_page_rows(
    session: Session,
    filter_: LedgerFilter,
    columns: Sequence[Any],
    *,
    limit: int = 100,
    offset: int = 0,
    newest_first: bool = True,
    after_id: int | None = None,
) -> list[Any]:
    """One page of the ledger as `ledger_page` finds it, but only `columns` (Application and
    Member attributes, e.g. `Application.receipt`, `Member.name`) as plain rows, in ledger
    order, with the application's id first: no ORM objects (the ledger's lines, the exports)."""
    planner = _Planner(session, filter_, _dialect(session), newest_first, after_id)
    ids = planner.page_ids(limit, offset)
    if not ids:
        return []
    # An interned text (scheme, occupation, clerk, …) is read as its term number and the
    # page's numbers looked up at once: a sub-select per row and text costs PostgreSQL a
    # look-up each (700 for a page of 100).
    names = list(select(Application.id, *columns).selected_columns.keys())
    interned = {
        at: number
        for at, column in enumerate(columns, start=1)
        if (number := getattr(column, "id_column", None)) is not None
    }
    plain = [interned.get(at, column) for at, column in enumerate(columns, start=1)]
    statement = (
        select(Application.id, *plain)
        .select_from(Application)
        .join(Member, Member.id == Application.member_id)
        .where(Application.id.in_(ids))
    )
    found = session.execute(statement).all()
    texts = term_texts(
        session, {row[at] for row in found for at in interned if row[at] is not None}
    )
    line = _line_type(tuple(names))
    by_id = {}
    for row in found:
        values = list(row)
        for at in interned:
            values[at] = None if values[at] is None else texts.get(values[at])
        by_id[values[0]] = line(*values)
    return [by_id[i] for i in ids if i in by_id]


@lru_cache(maxsize=16)
def _line_type(names: tuple[str, ...]) -> Any:
    """A row of `ledger_page_rows`: the columns by position and by name, as a Row reads."""
    return namedtuple("LedgerPageRow", names)
