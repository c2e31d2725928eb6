"""报送批次 in the database: numbering, the applications a batch may take, reading a batch.

The rules (which status joins a batch, when a batch may be withdrawn) are the domain's
(`domain/status.py`); the use cases, with their permissions and audit events, are
`services/submissions.py`. Here only what is stored and how it is found.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from desktop_app.domain import status as statuses
from desktop_app.storage import repository
from desktop_app.storage.models import Application, BatchItem, SubmissionBatch, load_terms

LIVE = 1


def next_batch_number(session: Session, station_code: str, year: int) -> str:
    """XC01-BS-2026-0003: the station's next batch of the year (the receipt counters' table,
    prefix `XC01-BS-2026`; a rolled-back batch gives its number back)."""
    prefix = f"{station_code}-BS-{year:04d}"
    return f"{prefix}-{repository.next_number(session, prefix):04d}"


def applications_for(
    session: Session, receipts: Sequence[str], *, for_update: bool = False
) -> dict[str, Application]:
    """The applications with these receipt numbers (those that exist), with their members
    and texts; locked for the batch's transaction with `for_update`."""
    if not receipts:
        return {}
    statement = (
        select(Application)
        .where(Application.receipt.in_(list(receipts)))
        .options(joinedload(Application.member), selectinload(Application.history))
    )
    if for_update:
        statement = statement.with_for_update(of=Application)
    found = list(session.execute(statement).unique().scalars())
    load_terms(session, found)
    return {app.receipt: app for app in found}


def printed_receipts(
    session: Session,
    station_code: str,
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    scheme: str | None = None,
) -> list[str]:
    """The station's applications that may join a batch (printed, in no standing batch), by
    登记日期 within the period and of the scheme when given: oldest first, the list's order."""
    standing = select(BatchItem.application_id).where(BatchItem.live == LIVE)
    statement = select(Application.receipt).where(
        Application.station_code == station_code,
        Application.status == statuses.BATCHABLE,
        Application.id.not_in(standing),
    )
    if date_from is not None:
        statement = statement.where(Application.applied_on >= date_from)
    if date_to is not None:
        statement = statement.where(Application.applied_on <= date_to)
    if scheme is not None:
        statement = statement.where(Application.scheme == scheme)
    statement = statement.order_by(Application.applied_on, Application.id)
    return [str(r) for r in session.scalars(statement)]


def standing_batches(session: Session, application_ids: Sequence[int]) -> dict[int, str]:
    """application id → the number of the standing batch that holds it."""
    if not application_ids:
        return {}
    statement = (
        select(BatchItem.application_id, SubmissionBatch.number)
        .join(SubmissionBatch, SubmissionBatch.id == BatchItem.batch_id)
        .where(BatchItem.application_id.in_(list(application_ids)), BatchItem.live == LIVE)
    )
    return {int(a): str(n) for a, n in session.execute(statement)}


def batches_of(session: Session, application_id: int) -> list[tuple[SubmissionBatch, BatchItem]]:
    """Every batch that held the application (standing or withdrawn), oldest first, with
    its item (the 协会's answer, when one came back)."""
    statement = (
        select(SubmissionBatch, BatchItem)
        .join(BatchItem, BatchItem.batch_id == SubmissionBatch.id)
        .where(BatchItem.application_id == application_id)
        .order_by(SubmissionBatch.id)
    )
    return [(batch, item) for batch, item in session.execute(statement)]


def batch_by_number(
    session: Session, number: str, *, for_update: bool = False
) -> SubmissionBatch | None:
    """The batch with its items and their applications (members and texts loaded)."""
    statement = (
        select(SubmissionBatch)
        .where(SubmissionBatch.number == number)
        .options(
            selectinload(SubmissionBatch.items)
            .joinedload(BatchItem.application)
            .joinedload(Application.member)
        )
    )
    if for_update:
        statement = statement.with_for_update(of=SubmissionBatch)
    found = session.execute(statement).unique().scalar_one_or_none()
    if found is not None:
        load_terms(session, [item.application for item in found.items])
    return found


def batch_numbers(session: Session, station_code: str | None = None) -> list[SubmissionBatch]:
    """Every batch (of one station when given), newest first, without their items."""
    statement = select(SubmissionBatch).order_by(SubmissionBatch.id.desc())
    if station_code is not None:
        statement = statement.where(SubmissionBatch.station_code == station_code)
    return list(session.scalars(statement))


def batch_sizes(session: Session, batch_ids: Sequence[int]) -> dict[int, tuple[int, int]]:
    """batch id → (applications, total amount in yuan)."""
    from sqlalchemy import func

    if not batch_ids:
        return {}
    statement = (
        select(BatchItem.batch_id, func.count(), func.sum(BatchItem.amount))
        .where(BatchItem.batch_id.in_(list(batch_ids)))
        .group_by(BatchItem.batch_id)
    )
    return {int(b): (int(n), int(total or 0)) for b, n, total in session.execute(statement)}
