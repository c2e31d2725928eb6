"""The database tables, as SQLAlchemy 2.0 typed ORM classes (no Qt).

The schema's history lives in `db/versions/` (Alembic). These classes describe the
newest schema; a test checks that upgrading an empty database to the newest
migration gives exactly these tables, columns and indexes.

Times are naive local (Beijing) times to the second; money is whole yuan in `int`.

Size (issue #3: a million applications in at most 400 MB): times, dates, statuses and kinds
are stored as small integers (`storage/types.py`), and the texts that repeat across
applications — scheme, station name, clerk, issuer, occupation, claim item, competition, a
member's work unit and position — are stored once in `term` and referred to by number
(`interned`). The Python attributes keep their plain values (`app.issuer` is a str, and can
be set, compared and selected like a column); only the storage changes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    ColumnElement,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    event,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.hybrid import Comparator, hybrid_property
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    Session,
    mapped_column,
    object_session,
    relationship,
    validates,
)
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.sql import operators

from desktop_app.domain import status as status_words
from desktop_app.domain.status import WITHDRAWN
from desktop_app.storage.types import CODES, Code, Day, Moment

# Stable constraint names, so migrations can refer to them on every backend.
NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# The status codes kept in the database are the domain's (domain/status.py). The claim key is
# unique among applications in every status but the withdrawn one.
_WITHDRAWN_NUMBER = CODES["status"].index(WITHDRAWN) + 1


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[Any]: JSON}


# --- interned texts ----------------------------------------------------------------------


class Term(Base):
    """A text stored once and referred to by number wherever it repeats (see `interned`).
    Rows are never changed or deleted: a number keeps its text for the database's life."""

    __tablename__ = "term"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    text: Mapped[str] = mapped_column(String(200), unique=True)


def term_for(session: Session, text: str) -> Term:
    """The term row for `text`, stored now if it is new. Safe against another counter storing
    the same text at the same time (as `repository.decision_id`)."""
    by_text = select(Term).where(Term.text == text)
    with session.no_autoflush:
        found = session.execute(by_text).scalar_one_or_none()
        if found is not None:
            return found
        dialect = session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        session.execute(
            insert(Term).values(text=text).on_conflict_do_nothing(index_elements=[Term.text])
        )
        return session.execute(by_text).scalar_one()


# The columns that hold a term's number (checked, not declared, references: see `_term`).
TERM_REFERENCES: tuple[tuple[str, str], ...] = (
    ("member", "work_unit_id"),
    ("member", "position_id"),
    ("application", "scheme_id"),
    ("application", "occupation_id"),
    ("application", "claim_item_id"),
    ("application", "issuer_id"),
    ("application", "competition_id"),
    ("application", "station_name_id"),
    ("application", "clerk_id"),
    ("status_change", "actor_id"),
)


def dangling_terms_sql() -> str:
    """SQL (SQLite and PostgreSQL) giving each "table.column" that holds a number no term
    has; no rows when every reference is sound. Reads each table once."""
    return " UNION ALL ".join(
        f"SELECT * FROM (SELECT '{table}.{column}' AS place FROM {table} x "
        f"LEFT JOIN term t ON t.id = x.{column} "
        f"WHERE x.{column} IS NOT NULL AND t.id IS NULL LIMIT 1) AS d{n}"
        for n, (table, column) in enumerate(TERM_REFERENCES)
    )


_PENDING = "_union_counter_pending_terms"


class _TermComparator(Comparator[str | None]):
    """`Model.attr == "text"` as `attr_id = (the term's number)`: the column's own index
    serves it. Anything else (LIKE, selecting it) works on the text itself."""

    def __init__(self, id_column: Any, name: str) -> None:
        self.id_column = id_column
        text = select(Term.text).where(Term.id == id_column).scalar_subquery()
        super().__init__(text.label(name))

    def _number(self, value: Any) -> Any:
        return select(Term.id).where(Term.text == value).scalar_subquery()

    def __eq__(self, other: Any) -> ColumnElement[bool]:  # type: ignore[override]
        if other is None:
            return self.id_column.is_(None)  # type: ignore[no-any-return]
        return self.id_column == self._number(other)  # type: ignore[no-any-return]

    def __ne__(self, other: Any) -> ColumnElement[bool]:  # type: ignore[override]
        if other is None:
            return self.id_column.is_not(None)  # type: ignore[no-any-return]
        return self.id_column != self._number(other)  # type: ignore[no-any-return]

    def is_(self, other: Any) -> Any:
        return self == other if other is None else self.operate(operators.is_, other)

    def is_not(self, other: Any) -> Any:
        return self != other if other is None else self.operate(operators.is_not, other)

    def operate(self, op: Any, *other: Any, **kwargs: Any) -> Any:
        return op(self.expression, *other, **kwargs)

    def reverse_operate(self, op: Any, other: Any, **kwargs: Any) -> Any:
        return op(other, self.expression, **kwargs)

    def in_(self, other: Any) -> Any:
        return self.id_column.in_(select(Term.id).where(Term.text.in_(other)))


def interned(name: str) -> Any:
    """The text attribute `name` of a model that stores `{name}_id` (a `term` number) and
    has the relationship `{name}_term`. Reading gives the text; setting it on an object in a
    session stores the term at once; on a new object, at its first flush."""
    id_attr = f"{name}_id"
    term_attr = f"{name}_term"

    def fget(self: Any) -> str | None:
        pending = self.__dict__.get(_PENDING)
        if pending and name in pending:
            return pending[name]  # type: ignore[no-any-return]
        term = getattr(self, term_attr)
        return None if term is None else term.text

    def fset(self: Any, value: str | None) -> None:
        session = object_session(self)
        if session is None:
            self.__dict__.setdefault(_PENDING, {})[name] = value
            return
        self.__dict__.get(_PENDING, {}).pop(name, None)
        setattr(self, term_attr, None if value is None else term_for(session, value))

    def comparator(cls: Any) -> _TermComparator:
        return _TermComparator(getattr(cls, id_attr), name)

    prop = hybrid_property(fget, fset)
    return prop.comparator(comparator)


@event.listens_for(Session, "before_flush")
def _store_pending_terms(session: Session, _context: Any, _instances: Any) -> None:
    for obj in list(session.new):
        pending = obj.__dict__.pop(_PENDING, None)
        for name, value in (pending or {}).items():
            setattr(obj, f"{name}_term", None if value is None else term_for(session, value))


def _term(column: str) -> Any:
    """The term a `…_id` column refers to: loaded on first use, or for many rows at once with
    `load_terms` (one query; joining the term table once per column made PostgreSQL plan a
    ten-table join for every look-up). Not a declared foreign key:
    terms are only ever added (no code path changes or deletes one) and every number is read
    from the table in the transaction that stores it, so the check would prove nothing new;
    it would cost a look-up per column per row (~9 % of a bulk insert on SQLite, a trigger
    and a row lock on PostgreSQL). `repository.dangling_terms` checks the references."""
    return relationship(Term, primaryjoin=f"{column} == Term.id", foreign_keys=column)


# --- members and applications ------------------------------------------------------------


class Member(Base):
    """A union member, one row per resident ID number; contact details are the latest given."""

    __tablename__ = "member"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    id_number: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    card_number: Mapped[str | None] = mapped_column(String(19))
    phone: Mapped[str | None] = mapped_column(String(32))
    work_unit_id: Mapped[int | None] = mapped_column(Integer)
    position_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(Moment)
    updated_at: Mapped[datetime] = mapped_column(Moment)
    # The row's content digest as the program last wrote it (storage/seals.py).
    seal: Mapped[int | None] = mapped_column(BigInteger)

    work_unit_term: Mapped[Term | None] = _term("Member.work_unit_id")
    position_term: Mapped[Term | None] = _term("Member.position_id")
    work_unit = interned("work_unit")
    position = interned("position")

    applications: Mapped[list[Application]] = relationship(back_populates="member")

    # No INSERT … RETURNING: on a district's server a new member becomes visible to the
    # inserting station only through the link its insert trigger makes, which RETURNING's
    # check would not yet see (storage/server_roles.py). PostgreSQL draws the id from the
    # sequence first; SQLite reads the row id it gave.
    __table_args__ = ({"implicit_returning": False},)


@dataclass(frozen=True)
class Step:
    """One step of an application's status history, as shown and exported."""

    from_status: str | None
    to_status: str
    reason: str | None
    actor: str
    at: datetime


class Application(Base):
    """One application (申请) with its receipt number and the decision stored at saving time."""

    __tablename__ = "application"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    receipt: Mapped[str] = mapped_column(String(32), unique=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    scheme_id: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(Code("kind"))
    # What was typed, and the two halves of the claim key derived from it.
    occupation_id: Mapped[int | None] = mapped_column(Integer)
    claim_item_id: Mapped[int] = mapped_column(Integer)
    claim_level: Mapped[str] = mapped_column(String(32))
    level: Mapped[int | None] = mapped_column(Integer)
    grade: Mapped[str | None] = mapped_column(String(32))
    # Certificate, including the Annex 2 fields 编号, 批准日期, 签发单位, 签发日期, 管理号.
    certificate_number: Mapped[str | None] = mapped_column(String(64))
    issued_on: Mapped[date | None] = mapped_column(Day)
    approved_on: Mapped[date | None] = mapped_column(Day)
    issuer_id: Mapped[int | None] = mapped_column(Integer)
    management_number: Mapped[str | None] = mapped_column(String(64))
    # Competition result.
    competition_id: Mapped[int | None] = mapped_column(Integer)
    stage: Mapped[str | None] = mapped_column(String(16))
    rank: Mapped[int | None] = mapped_column(Integer)
    entrants: Mapped[int | None] = mapped_column(Integer)
    final_held: Mapped[bool | None] = mapped_column()
    # Member facts as given for this application (the 京卡 number is the member's).
    union_affiliated: Mapped[bool | None] = mapped_column()
    full_time_union_social_worker: Mapped[bool | None] = mapped_column()
    key_group: Mapped[bool | None] = mapped_column()
    # The registration date (登记日期): what the deadline rule uses. Earlier than the day the
    # application was typed in (`created_at`, by `clerk`) only for a late entry (补录), whose
    # reason is kept here (domain/registration.py).
    applied_on: Mapped[date] = mapped_column(Day)
    late_entry_reason: Mapped[str | None] = mapped_column(Text)
    station_code: Mapped[str] = mapped_column(String(16))
    station_name_id: Mapped[int] = mapped_column(Integer)
    clerk_id: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(Code("status"))
    # 1 while the application holds its claim, NULL once returned (退回): the claim index
    # below counts NULLs as distinct, so a returned claim can be applied for again.
    live: Mapped[int | None] = mapped_column(Integer)
    # The decision exactly as computed when saved: the outcome here (the ledger filters and
    # sums it), the findings and the policy's fingerprint in the shared `decision` row.
    eligible: Mapped[bool] = mapped_column()
    amount: Mapped[int] = mapped_column(Integer)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decision.id"))
    # A searchable copy of the member's name: its characters separated by spaces.
    name_chars: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(Moment)
    updated_at: Mapped[datetime] = mapped_column(Moment)
    # The row's content digest as the program last wrote it (storage/seals.py).
    seal: Mapped[int | None] = mapped_column(BigInteger)

    scheme_term: Mapped[Term] = _term("Application.scheme_id")
    occupation_term: Mapped[Term | None] = _term("Application.occupation_id")
    claim_item_term: Mapped[Term] = _term("Application.claim_item_id")
    issuer_term: Mapped[Term | None] = _term("Application.issuer_id")
    competition_term: Mapped[Term | None] = _term("Application.competition_id")
    station_name_term: Mapped[Term] = _term("Application.station_name_id")
    clerk_term: Mapped[Term] = _term("Application.clerk_id")
    scheme = interned("scheme")
    occupation = interned("occupation")
    claim_item = interned("claim_item")
    issuer = interned("issuer")
    competition = interned("competition")
    station_name = interned("station_name")
    clerk = interned("clerk")

    member: Mapped[Member] = relationship(back_populates="applications")
    decision: Mapped[Decision] = relationship()
    history: Mapped[list[StatusChange]] = relationship(
        back_populates="application", order_by="StatusChange.step"
    )

    __table_args__ = (
        # Never paid twice: one live claim per person, scheme, kind, occupation/item,
        # level/grade. It also serves every look-up of a member's applications.
        Index(
            "uq_application_claim",
            "member_id",
            "scheme_id",
            "kind",
            "claim_item_id",
            "claim_level",
            "live",
            unique=True,
        ),
        CheckConstraint(
            f"(status = {_WITHDRAWN_NUMBER} AND live IS NULL)"
            # (live IS NOT NULL: `live = 1` alone is NULL for a NULL, and a CHECK passes NULL)
            f" OR (status <> {_WITHDRAWN_NUMBER} AND live IS NOT NULL AND live = 1)",
            name="live",
        ),
        # Both read in id order within a day / a scheme and status. SQLite ends every index
        # entry with the row id, in order: naming `id` again would store it twice.
        Index("ix_application_applied_on", "applied_on", "id").ddl_if(dialect="postgresql"),
        Index("ix_application_applied_on", "applied_on").ddl_if(dialect="sqlite"),
        Index("ix_application_scheme_status", "scheme_id", "status", "id").ddl_if(
            dialect="postgresql"
        ),
        Index("ix_application_scheme_status", "scheme_id", "status").ddl_if(dialect="sqlite"),
        # A station's rows on a district's server, where row-level security adds the station
        # to every query (migrations 0010, 0011; PostgreSQL only). The first carries what the
        # ledger tests on each row, so that a station's walk reads the index alone.
        Index(
            "ix_application_station",
            "station_code",
            "id",
            postgresql_include=[
                "scheme_id",
                "status",
                "applied_on",
                "member_id",
                "name_chars",
                "receipt",
            ],
        ).ddl_if(dialect="postgresql"),
        Index("ix_application_station_day", "station_code", "applied_on", "id").ddl_if(
            dialect="postgresql"
        ),
    )

    @validates("status")
    def _keep_live(self, _key: str, value: str) -> str:
        self.live = None if value == WITHDRAWN else 1
        return value

    @property
    def status_label(self) -> str:
        return status_words.label(self.status)

    @property
    def card_number(self) -> str | None:
        """The member's 京卡 number (the latest given)."""
        return self.member.card_number

    @property
    def steps(self) -> list[Step]:
        """The whole status history. Its first step — accepted by the clerk when the
        application was saved — is the application row itself (`clerk`, `created_at`), so it
        is not stored again unless it differs (`acceptance_stored`)."""
        stored = [Step(s.from_status, s.to_status, s.reason, s.actor, s.at) for s in self.history]
        if stored and stored[0].from_status is None:
            return stored
        return [Step(None, status_words.ACCEPTED, None, self.clerk, self.created_at), *stored]

    @property
    def findings(self) -> list[Any]:
        """The decision's findings as computed when saved (list of dicts, in order)."""
        return self.decision.findings

    @property
    def policy_sha256(self) -> str:
        """SHA-256 of the policy file the decision was made with."""
        return self.decision.policy_sha256


def implicit_acceptance(first: Mapping[str, Any], clerk: str, created_at: datetime) -> bool:
    """Whether a history's first step is the one the application row already says (accepted
    by `clerk` at `created_at`, no reason), and so is not stored (`Application.steps`)."""
    return (
        first.get("from_status") is None
        and first.get("to_status") == status_words.ACCEPTED
        and not first.get("reason")
        and first.get("actor") == clerk
        and first.get("at") == created_at
    )


def decision_digest(policy_sha256: str, findings: list[Any]) -> str:
    """The identity of a decision document: SHA-256 (hex) of the JSON text of
    [policy_sha256, findings], compact, non-ASCII kept, keys in their given order. Two
    documents share a digest only if they read back identical, key order included."""
    document = json.dumps(
        [policy_sha256, findings], ensure_ascii=False, separators=(",", ":"), allow_nan=False
    )
    return hashlib.sha256(document.encode("utf-8")).hexdigest()


class Decision(Base):
    """One distinct decision document (the findings and the policy's fingerprint), stored
    once and shared by every application decided the same way: at a million applications
    a few hundred distinct documents exist (findings depend only on the claim, the policy
    and the checks that failed), each ~1.5 kB of JSON."""

    __tablename__ = "decision"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)  # decision_digest()
    policy_sha256: Mapped[str] = mapped_column(String(64))
    findings: Mapped[list[Any]] = mapped_column(JSON)


class StatusChange(Base):
    """A status change after acceptance: who moved the application, when, and why (the
    acceptance itself is the application row; see `Application.steps`). Numbered per
    application (`step` 1, 2, …) and stored clustered by application on SQLite."""

    __tablename__ = "status_change"

    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), primary_key=True)
    step: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    from_status: Mapped[str | None] = mapped_column(Code("status"))
    to_status: Mapped[str] = mapped_column(Code("status"))
    reason: Mapped[str | None] = mapped_column(Text)
    actor_id: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(Moment)

    actor_term: Mapped[Term] = _term("StatusChange.actor_id")
    actor = interned("actor")

    application: Mapped[Application] = relationship(back_populates="history")

    __table_args__ = ({"sqlite_with_rowid": False},)


class AuditEvent(Base):
    """Append-only: each event carries the hash of the one before it (see storage/audit.py)."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(DateTime)
    actor: Mapped[str] = mapped_column(String(64))
    station_code: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(32))
    entity: Mapped[str] = mapped_column(String(32))
    entity_ref: Mapped[str] = mapped_column(String(64), index=True)
    details: Mapped[str] = mapped_column(Text)  # canonical JSON, personal numbers masked
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """The newest event's number and hash (one row). Catches a deleted last event, and its
    row lock orders concurrent writers on PostgreSQL."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_id: Mapped[int] = mapped_column(Integer)
    last_hash: Mapped[str] = mapped_column(String(64))
    # The sum of every sealed row's element (storage/seals.py), hex; NULL until sealed.
    rows_sum: Mapped[str | None] = mapped_column(Text)


class ReceiptCounter(Base):
    """The last sequence number issued per receipt prefix (station code + date)."""

    __tablename__ = "receipt_counter"

    prefix: Mapped[str] = mapped_column(String(32), primary_key=True)
    last: Mapped[int] = mapped_column(Integer)


class Setting(Base):
    """Station-wide settings: station name and code, district."""

    __tablename__ = "setting"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class StationKey(Base):
    """A station's registered Ed25519 public key (base64) and its fingerprint: the key its
    exchange files must be signed with (migration 0007)."""

    __tablename__ = "station_key"

    station_code: Mapped[str] = mapped_column(String(16), primary_key=True)
    station_name: Mapped[str] = mapped_column(Text)
    district: Mapped[str] = mapped_column(Text)
    public_key: Mapped[str] = mapped_column(String(64))
    fingerprint: Mapped[str] = mapped_column(String(32))
    registered_at: Mapped[datetime] = mapped_column(DateTime)
    registered_by: Mapped[str] = mapped_column(String(64))


class HeldImport(Base):
    """An imported application held (导入待核) because the decision recomputed here differs
    from the station's: both outcomes, the row as the file had it (plain JSON values in the
    exchange's column order), and, once a clerk chose, which one and by whom."""

    __tablename__ = "held_import"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    receipt: Mapped[str] = mapped_column(String(40), unique=True)
    station_code: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(Text)
    file_name: Mapped[str] = mapped_column(Text)
    file_checksum: Mapped[str] = mapped_column(String(64))
    station_eligible: Mapped[bool] = mapped_column(Boolean)
    station_amount: Mapped[int] = mapped_column(Integer)
    recomputed_eligible: Mapped[bool] = mapped_column(Boolean)
    recomputed_amount: Mapped[int] = mapped_column(Integer)
    recomputed_policy_sha256: Mapped[str] = mapped_column(String(64))
    recomputed_findings: Mapped[list[Any]] = mapped_column(JSON)
    row: Mapped[list[Any]] = mapped_column(JSON)
    held_at: Mapped[datetime] = mapped_column(DateTime)
    held_by: Mapped[str] = mapped_column(String(64))
    resolution: Mapped[str | None] = mapped_column(String(16))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime)
    resolved_by: Mapped[str | None] = mapped_column(String(64))


# The interned attributes of each model (`interned`).
_TERM_NAMES: dict[type, tuple[str, ...]] = {
    Member: ("work_unit", "position"),
    Application: (
        "scheme",
        "occupation",
        "claim_item",
        "issuer",
        "competition",
        "station_name",
        "clerk",
    ),
    StatusChange: ("actor",),
}


def term_texts(session: Session, numbers: Iterable[int]) -> dict[int, str]:
    """The texts of these term numbers, 500 to a query (a number not stored is left out)."""
    ordered = sorted(set(numbers))
    found: dict[int, str] = {}
    for start in range(0, len(ordered), 500):
        chunk = ordered[start : start + 500]
        found.update(
            (int(i), str(t))
            for i, t in session.execute(select(Term.id, Term.text).where(Term.id.in_(chunk)))
        )
    return found


def load_terms(session: Session, objects: Iterable[Any]) -> None:
    """The texts of these rows — and of the members and status histories already loaded with
    them — in one query, set on each row: nothing is loaded per text afterwards, and the rows
    keep their texts after the session closes."""
    # What the ORM has loaded on an object is in its __dict__ (its state's dict); what it has
    # not, is not (`inspect(obj).unloaded` computes the same, for every attribute, each call).
    rows: list[Any] = []
    for obj in objects:
        rows.append(obj)
        if isinstance(obj, Application):
            loaded = obj.__dict__
            if "member" in loaded:
                rows.append(loaded["member"])
            if "history" in loaded:
                rows.extend(loaded["history"])
    wanted = {
        number
        for row in rows
        for name in _TERM_NAMES.get(type(row), ())
        if (number := getattr(row, f"{name}_id")) is not None
    }
    found: dict[int, Term] = {}
    numbers = sorted(wanted)
    for start in range(0, len(numbers), 500):
        chunk = numbers[start : start + 500]
        for term in session.execute(select(Term).where(Term.id.in_(chunk))).scalars():
            found[term.id] = term
    for row in rows:
        loaded = row.__dict__
        for name in _TERM_NAMES.get(type(row), ()):
            attribute = f"{name}_term"
            if attribute not in loaded:  # as if loaded with the row (no change recorded)
                set_committed_value(row, attribute, found.get(getattr(row, f"{name}_id")))


class Account(Base):
    """A person who signs in (migration 0009): never deleted, only disabled — the audit trail
    names them. The password only as libsodium's argon2id string (salted, slow)."""

    __tablename__ = "account"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(32))
    role: Mapped[str] = mapped_column(String(32))
    station_code: Mapped[str | None] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(255))
    must_change_password: Mapped[bool] = mapped_column(default=False)
    disabled: Mapped[bool] = mapped_column(default=False)
    failed_sign_ins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    created_by: Mapped[str] = mapped_column(String(64))
    changed_at: Mapped[datetime] = mapped_column(DateTime)


class SubmissionBatch(Base):
    """A 报送批次 (migration 0014): printed and stamped applications of one station sent
    together, through the district, to the 北京市职工技术协会 (2016 plan 四(三)); numbered
    `XC01-BS-2026-0003` per station and year. Withdrawn only as a whole, before any result
    came back: the row stays, with who withdrew it, when and why (services/submissions.py)."""

    __tablename__ = "submission_batch"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    station_code: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    created_by: Mapped[str] = mapped_column(String(64))
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime)
    withdrawn_by: Mapped[str | None] = mapped_column(String(64))
    withdraw_reason: Mapped[str | None] = mapped_column(Text)

    items: Mapped[list[BatchItem]] = relationship(
        back_populates="batch", order_by="BatchItem.position"
    )


class BatchItem(Base):
    """One application of a batch, in the list's order, with the amount it was sent with.
    `live` is 1 while the batch stands and NULL once it is withdrawn: (application_id, live) is
    unique, so an application is in one standing batch at most (NULLs never collide), and a
    withdrawn batch keeps its list."""

    __tablename__ = "batch_item"

    batch_id: Mapped[int] = mapped_column(ForeignKey("submission_batch.id"), primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    amount: Mapped[int] = mapped_column(Integer)
    live: Mapped[int | None] = mapped_column(Integer)
    # The 协会's answer (services/results.py): 通过 | 不通过 | 金额调整, the amount paid (通过:
    # the amount sent; 金额调整: the new one), the day it was paid, the reason (不通过 and
    # 金额调整), when it was imported and the SHA-256 of the workbook it came in.
    result: Mapped[str | None] = mapped_column(String(16))
    paid_amount: Mapped[int | None] = mapped_column(Integer)
    paid_on: Mapped[date | None] = mapped_column(Date)
    result_reason: Mapped[str | None] = mapped_column(Text)
    result_at: Mapped[datetime | None] = mapped_column(DateTime)
    result_file: Mapped[str | None] = mapped_column(String(64))

    batch: Mapped[SubmissionBatch] = relationship(back_populates="items")
    application: Mapped[Application] = relationship()

    __table_args__ = (
        UniqueConstraint("application_id", "live", name="uq_batch_item_live"),
        CheckConstraint("live IS NULL OR live = 1", name="live"),
    )


class DayTally(Base):
    """统计's running sums (migration 0015): how many applications, and their decided amounts
    (an ineligible one's is 0), of one 登记日期, station, scheme and status. Kept by the
    database itself — triggers on `application` (SQLite: per row; PostgreSQL: per statement,
    as the owner) — and by a bulk insert for its batch (storage/bulk.py); never written by the
    program otherwise. A year's overview sums some 3,000 of these instead of reading 300,000
    applications (storage/statistics.py). A sum that came back to 0 stays as a row of 0."""

    __tablename__ = "tally_day"

    day: Mapped[date] = mapped_column(Day, primary_key=True)
    station_code: Mapped[str] = mapped_column(String(16), primary_key=True)
    scheme_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    status: Mapped[str] = mapped_column(Code("status"), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    amount: Mapped[int] = mapped_column(Integer)

    __table_args__ = ({"sqlite_with_rowid": False},)


class MonthTally(Base):
    """The same sums per month of 登记日期 (its first day), station and occupation or
    competition (`subject_id`: the term of either, 0 for neither): the top occupations of the
    whole months of a period (the days at its ends are read from `application`)."""

    __tablename__ = "tally_month"

    month: Mapped[date] = mapped_column(Day, primary_key=True)
    station_code: Mapped[str] = mapped_column(String(16), primary_key=True)
    subject_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    amount: Mapped[int] = mapped_column(Integer)

    __table_args__ = ({"sqlite_with_rowid": False},)
