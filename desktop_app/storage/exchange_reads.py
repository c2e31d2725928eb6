"""The reads the exchange (`services/exchange/`) makes besides the ledger walk: stored
decisions by id, status changes by application, and applications by receipt — each in chunks
of 500 ids, so a parameter list never grows with the file."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from desktop_app.storage.models import Application, StatusChange
from desktop_app.storage.models import Decision as StoredDecision

CHUNK = 500


def _chunks(values: Sequence[Any]) -> Iterator[list[Any]]:
    for start in range(0, len(values), CHUNK):
        yield list(values[start : start + CHUNK])


def decisions(session: Session, ids: Iterable[int]) -> Iterator[StoredDecision]:
    """The stored decisions with these ids."""
    for chunk in _chunks(sorted(set(ids))):
        yield from session.execute(
            select(StoredDecision).where(StoredDecision.id.in_(chunk))
        ).scalars()


def decision_documents(session: Session, ids: Iterable[int]) -> Iterator[tuple[int, str, Any]]:
    """(id, policy SHA-256, findings) of the stored decisions with these ids."""
    for chunk in _chunks(sorted(set(ids))):
        statement = select(
            StoredDecision.id, StoredDecision.policy_sha256, StoredDecision.findings
        ).where(StoredDecision.id.in_(chunk))
        for found, sha, findings in session.execute(statement):  # noqa: UP028 - plain tuples
            yield found, sha, findings


def status_changes(
    session: Session, ids: Sequence[int]
) -> Iterator[tuple[int, str | None, str, str | None, str, datetime]]:
    """(application id, from, to, reason, actor, at) of each stored status change of these
    applications, in each application's step order."""
    for chunk in _chunks(ids):
        statement = (
            select(
                StatusChange.application_id,
                StatusChange.from_status,
                StatusChange.to_status,
                StatusChange.reason,
                StatusChange.actor,
                StatusChange.at,
            )
            .where(StatusChange.application_id.in_(chunk))
            .order_by(StatusChange.application_id, StatusChange.step)
        )
        for application_id, before, after, reason, actor, at in session.execute(statement):  # noqa: UP028
            yield application_id, before, after, reason, actor, at


def applications_by_receipt(session: Session, receipts: Sequence[str]) -> Iterator[Application]:
    """The applications with these receipt numbers, each with its member."""
    for chunk in _chunks(receipts):
        yield from session.execute(
            select(Application)
            .where(Application.receipt.in_(chunk))
            .options(joinedload(Application.member))
        ).scalars()
