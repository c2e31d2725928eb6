"""Queries and writes on the tables. All SQL of the program lives in `storage/`.

Every function works in the caller's session (one transaction per use case, opened by
the service); none commits on its own.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import (
    select,
)
from sqlalchemy import text as text_clause
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, joinedload

from desktop_app.storage import server_roles
from desktop_app.storage.models import (
    Application,
    Decision,
    Member,
    ReceiptCounter,
    Setting,
    decision_digest,
    load_terms,
)
from desktop_app.storage.types import Code

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
    return f"{prefix}-{next_number(session, prefix):04d}"


def next_number(session: Session, prefix: str) -> int:
    """The next number of the counter `prefix` (a receipt's station and day, a submission
    batch's station and year), from 1; the same transaction rules as `next_receipt`."""
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
    return int(session.execute(statement).scalar_one())


def dangling_terms(session: Session) -> list[str]:
    """Each "table.column" holding a term number that no term has (none when sound)."""
    from desktop_app.storage.models import dangling_terms_sql

    return [str(row[0]) for row in session.execute(text_clause(dangling_terms_sql()))]


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


# --- decisions ------------------------------------------------------------------------------


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def _insert(session: Session) -> Any:
    return postgresql.insert if _dialect(session) == "postgresql" else sqlite.insert


def decision_id(session: Session, policy_sha256: str, findings: list[Any]) -> int:
    """The id of the stored decision document (policy fingerprint and findings), stored now
    if it is new. Safe against another counter storing the same document at the same time:
    the insert does nothing on a taken digest (PostgreSQL waits for the other transaction
    and then skips), and the read that follows sees the committed row (READ COMMITTED on
    PostgreSQL; on SQLite the write transaction already excludes other writers)."""
    digest = decision_digest(policy_sha256, findings)
    by_digest = select(Decision.id).where(Decision.digest == digest)
    found = session.execute(by_digest).scalar_one_or_none()
    if found is not None:
        return int(found)
    session.execute(
        _insert(session)(Decision)
        .values(digest=digest, policy_sha256=policy_sha256, findings=findings)
        .on_conflict_do_nothing(index_elements=[Decision.digest])
    )
    return int(session.execute(by_digest).scalar_one())


# --- members and applications -------------------------------------------------------------


def member_by_id_number(session: Session, id_number: str) -> Member | None:
    # A station's role on the district's server sees a member another station registered
    # once it has asked for the member by the full ID number (storage/server_roles.py).
    server_roles.link_member(session, id_number)
    member = session.execute(
        select(Member).where(Member.id_number == id_number)
    ).scalar_one_or_none()
    if member is not None:
        load_terms(session, [member])
    return member


def live_claim(
    session: Session, member_id: int, scheme: str, kind: str, item: str, level: str
) -> Application | None:
    """The application holding this claim, unless it was returned (退回)."""
    found = session.execute(
        select(Application).where(
            Application.member_id == member_id,
            Application.scheme == scheme,
            Application.kind == kind,
            Application.claim_item == item,
            Application.claim_level == level,
            Application.live == 1,
        )
    ).scalar_one_or_none()
    if found is not None:
        load_terms(session, [found])
    return found


def claim_holder(
    session: Session, id_number: str, scheme: str, kind: str, item: str, level: str
) -> Application | None:
    """The application holding this claim, unless it was returned, wherever it was saved: a
    station's role on the district's server cannot read another station's applications, and
    is told only the receipt, date, station and status (a detached row holding just those)."""
    if server_roles.login_station(session.connection()) is None:
        member = member_by_id_number(session, id_number)
        if member is None:
            return None
        return live_claim(session, member.id, scheme, kind, item, level)
    kind_number = Code("kind").number(kind)
    held = server_roles.claim_holder(session, id_number, scheme, kind_number, item, level)
    if held is None:
        return None
    elsewhere = Application(
        receipt=held.receipt,
        applied_on=held.applied_on,
        station_code=held.station_code,
        station_name=held.station_name,
    )
    elsewhere.status = Code("status").word(held.status_number)
    return elsewhere


def application_by_receipt(
    session: Session, receipt: str, *, for_update: bool = False
) -> Application | None:
    statement = (
        select(Application)
        .where(Application.receipt == receipt)
        # One query for the row, its member and its history, one for their texts: each
        # statement costs ~0.5 ms on PostgreSQL, whatever it reads.
        .options(joinedload(Application.member), joinedload(Application.history))
    )
    if for_update:
        statement = statement.with_for_update(of=Application)
    found = session.execute(statement).unique().scalar_one_or_none()
    if found is not None:
        load_terms(session, [found])
    return found
