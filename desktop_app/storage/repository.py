"""Queries and writes on the tables. All SQL of the program lives in `storage/`.

Every function works in the caller's session (one transaction per use case, opened by
the service); none commits on its own.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, joinedload, selectinload

from desktop_app.storage.models import (
    WITHDRAWN_STATUS,
    Application,
    Member,
    ReceiptCounter,
    Setting,
)

# --- settings ------------------------------------------------------------------------


def get_settings(session: Session) -> dict[str, str]:
    return {row.key: row.value for row in session.execute(select(Setting)).scalars()}


def put_settings(session: Session, values: dict[str, str]) -> dict[str, tuple[str | None, str]]:
    """Store settings; return {key: (before, after)} for the ones that changed."""
    changed: dict[str, tuple[str | None, str]] = {}
    for key, value in values.items():
        row = session.get(Setting, key)
        if row is None:
            session.add(Setting(key=key, value=value))
            changed[key] = (None, value)
        elif row.value != value:
            changed[key] = (row.value, value)
            row.value = value
    session.flush()
    return changed


# --- receipt numbers -------------------------------------------------------------------


def next_receipt(session: Session, station_code: str, day: date) -> str:
    """The next receipt number for the station and day, e.g. XC01-20261121-0007.

    The counter row is incremented in the caller's transaction: a rolled-back save
    gives its number back unused, a committed one can never be issued again.
    """
    prefix = f"{station_code}-{day:%Y%m%d}"
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(ReceiptCounter)
        .values(prefix=prefix, last=1)
        .on_conflict_do_update(
            index_elements=[ReceiptCounter.prefix], set_={"last": ReceiptCounter.last + 1}
        )
        .returning(ReceiptCounter.last)
    )
    number = session.execute(statement).scalar_one()
    return f"{prefix}-{number:04d}"


def receipt_counters(session: Session) -> dict[str, int]:
    return {row.prefix: row.last for row in session.execute(select(ReceiptCounter)).scalars()}


def raise_receipt_counters(session: Session, floor: dict[str, int]) -> None:
    """Make every counter at least `floor[prefix]` (after a restore: numbers never reused)."""
    for prefix, last in floor.items():
        row = session.get(ReceiptCounter, prefix)
        if row is None:
            session.add(ReceiptCounter(prefix=prefix, last=last))
        elif row.last < last:
            row.last = last
    session.flush()


# --- members and applications -------------------------------------------------------------


def member_by_id_number(session: Session, id_number: str) -> Member | None:
    return session.execute(select(Member).where(Member.id_number == id_number)).scalar_one_or_none()


def live_claim(
    session: Session, member_id: int, scheme: str, kind: str, item: str, level: str
) -> Application | None:
    """The application holding this claim, unless it was returned (退回)."""
    return session.execute(
        select(Application).where(
            Application.member_id == member_id,
            Application.scheme == scheme,
            Application.kind == kind,
            Application.claim_item == item,
            Application.claim_level == level,
            Application.status != WITHDRAWN_STATUS,
        )
    ).scalar_one_or_none()


def application_by_receipt(
    session: Session, receipt: str, *, for_update: bool = False
) -> Application | None:
    statement = (
        select(Application)
        .where(Application.receipt == receipt)
        .options(joinedload(Application.member), selectinload(Application.history))
    )
    if for_update:
        statement = statement.with_for_update(of=Application)
    return session.execute(statement).unique().scalar_one_or_none()


# --- the ledger ----------------------------------------------------------------------------

_ID_LIKE = re.compile(r"^[0-9]{6,17}[0-9Xx]?$")


@dataclass(frozen=True)
class LedgerFilter:
    date_from: date | None = None
    date_to: date | None = None
    scheme: str | None = None
    status: str | None = None
    query: str | None = None  # a name, receipt number or resident ID number, or a fragment

    def conditions(self) -> list[ColumnElement[bool]]:
        where: list[ColumnElement[bool]] = []
        if self.date_from is not None:
            where.append(Application.applied_on >= self.date_from)
        if self.date_to is not None:
            where.append(Application.applied_on <= self.date_to)
        if self.scheme:
            where.append(Application.scheme == self.scheme)
        if self.status:
            where.append(Application.status == self.status)
        text = (self.query or "").strip()
        if text:
            where.append(_text_condition(text))
        return where


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _text_condition(text: str) -> ColumnElement[bool]:
    """Name fragment, receipt fragment, or the start of a resident ID number."""
    pattern = f"%{_escape_like(text)}%"
    options: list[ColumnElement[bool]] = [
        Application.receipt.like(pattern.upper(), escape="\\"),
        Application.member_id.in_(select(Member.id).where(Member.name.like(pattern, escape="\\"))),
    ]
    if _ID_LIKE.match(text):
        start = text.upper()
        options.append(
            Application.member_id.in_(
                select(Member.id).where(
                    and_(Member.id_number >= start, Member.id_number < start + "Z")
                )
            )
        )
    return or_(*options)


def _ledger_select(filter_: LedgerFilter) -> Select[Application]:
    return select(Application).where(*filter_.conditions())


def ledger_page(
    session: Session,
    filter_: LedgerFilter,
    *,
    limit: int = 100,
    offset: int = 0,
    newest_first: bool = True,
) -> Sequence[Application]:
    order = Application.id.desc() if newest_first else Application.id.asc()
    statement = (
        _ledger_select(filter_)
        .options(joinedload(Application.member))
        .order_by(order)
        .limit(limit)
        .offset(offset)
    )
    return session.execute(statement).scalars().all()


def ledger_count(session: Session, filter_: LedgerFilter) -> int:
    statement = select(func.count()).select_from(Application).where(*filter_.conditions())
    return int(session.execute(statement).scalar_one())
