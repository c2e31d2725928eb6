"""Imported applications held for a clerk's check (导入待核, `models.HeldImport`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from desktop_app.storage.models import HeldImport


def held_receipts(session: Session, receipts: Iterable[str]) -> set[str]:
    """Which of these receipts are held already (waiting or decided)."""
    wanted = sorted(set(receipts))
    found: set[str] = set()
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        found.update(
            session.execute(select(HeldImport.receipt).where(HeldImport.receipt.in_(chunk)))
            .scalars()
            .all()
        )
    return found


def hold(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Keep these rows (each the columns of `HeldImport` but id and the resolution), in one
    statement."""
    if rows:
        session.execute(insert(HeldImport), list(rows))


def held(session: Session, *, waiting_only: bool = True) -> Sequence[HeldImport]:
    """The held rows, oldest first; only those not yet decided unless `waiting_only` is off."""
    statement = select(HeldImport).order_by(HeldImport.id)
    if waiting_only:
        statement = statement.where(HeldImport.resolution.is_(None))
    return session.execute(statement).scalars().all()


def held_row(session: Session, receipt: str, *, lock: bool = False) -> HeldImport | None:
    """The held row of this receipt, or None."""
    statement = select(HeldImport).where(HeldImport.receipt == receipt)
    if lock:
        statement = statement.with_for_update()
    return session.execute(statement).scalars().first()


def resolve(
    session: Session, row: HeldImport, *, resolution: str, at: datetime, actor: str
) -> None:
    """Record the clerk's choice on the held row."""
    row.resolution = resolution
    row.resolved_at = at
    row.resolved_by = actor
    session.flush()
