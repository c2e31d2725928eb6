"""Use case: 导入待核 — imported applications whose decision, recomputed at the district,
differs from the one the station stored.

Such a row is never stored as the station's amount. The import keeps it in its own table
(`storage.held_imports`) with both outcomes and the row as the file had it; the rest of the
file imports as before (the file is still all or nothing: its held rows are kept in the same
transaction as its inserted ones). A clerk then looks at both and accepts one
(`accept_held`): the application is inserted with the outcome chosen — the station's, or the
recomputed one with its findings — and the choice is audited with both amounts.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

from desktop_app.errors import ClerkError
from desktop_app.exchange import batch as fmt
from desktop_app.services import audit_trail
from desktop_app.services.exchange.batch_import import (
    Held,
    ImportReport,
    _Decider,
    _Preparer,
    outcome_text,
)
from desktop_app.services.permissions import require
from desktop_app.services.policies import policy_set
from desktop_app.services.station_settings import station
from desktop_app.storage import held_imports as held_store
from desktop_app.storage.bulk import insert_applications
from desktop_app.storage.database import Store
from desktop_app.storage.models import HeldImport

Choice = Literal["station", "recomputed"]
CHOICE_LABELS = {"station": "按服务站的决定", "recomputed": "按重新核算的结果"}


class HeldError(ClerkError):
    """A held row that cannot be accepted (not held, already decided, claim taken)."""


@dataclass(frozen=True)
class HeldItem:
    """One held row as a clerk sees it."""

    receipt: str
    station_code: str
    name: str
    file_name: str
    station_eligible: bool
    station_amount: int
    recomputed_eligible: bool
    recomputed_amount: int
    held_at: datetime
    held_by: str
    resolution: str | None = None
    resolved_at: datetime | None = None
    resolved_by: str | None = None

    @property
    def station_outcome(self) -> str:
        return outcome_text(self.station_eligible, self.station_amount)

    @property
    def recomputed_outcome(self) -> str:
        return outcome_text(self.recomputed_eligible, self.recomputed_amount)


def _item(row: HeldImport) -> HeldItem:
    return HeldItem(
        row.receipt,
        row.station_code,
        row.name,
        row.file_name,
        row.station_eligible,
        row.station_amount,
        row.recomputed_eligible,
        row.recomputed_amount,
        row.held_at,
        row.held_by,
        row.resolution,
        row.resolved_at,
        row.resolved_by,
    )


def held_rows(store: Store, *, waiting_only: bool = True) -> list[HeldItem]:
    """The held rows, oldest first (only those waiting for a clerk unless told otherwise)."""
    require(store, "exchange.import")
    with store.session() as session:
        return [_item(row) for row in held_store.held(session, waiting_only=waiting_only)]


def _typed(values: list[Any]) -> tuple[Any, ...]:
    """The stored plain row back with its dates and times."""
    result = list(values)
    for n, column in enumerate(fmt.COLUMNS):
        value = result[n] if n < len(result) else None
        if isinstance(value, str) and column.type == "date":
            result[n] = date.fromisoformat(value)
        elif isinstance(value, str) and column.type == "datetime":
            result[n] = datetime.fromisoformat(value)
    return tuple(result[: len(fmt.COLUMNS)])


def accept_held(
    store: Store,
    receipt: str,
    choice: Choice,
    *,
    actor: str,
    now: datetime | None = None,
) -> HeldItem:
    """Store the held application with the outcome chosen, and record the choice (audited
    with both amounts). HeldError when it is not held, already decided, or its claim was
    taken meanwhile."""
    require(store, "exchange.import")
    if choice not in CHOICE_LABELS:
        raise HeldError("请选择按服务站的决定还是按重新核算的结果核定。")
    moment = (now or datetime.now()).replace(microsecond=0)
    here = station(store)
    here_code = here.code if here is not None else ""
    with store.session(write=True) as session:
        row = held_store.held_row(session, receipt, lock=True)
        if row is None:
            raise HeldError(f"受理编号 {receipt} 不在“导入待核”中。")
        if row.resolution is not None:
            raise HeldError(
                f"受理编号 {receipt} 已由 {row.resolved_by} 于 {row.resolved_at} "
                f"{CHOICE_LABELS.get(row.resolution, row.resolution)}核定过了。"
            )
        values = _typed(list(row.row))
        report = ImportReport(path=Path(row.file_name))
        preparer = _Preparer(_Decider(policy_set()), report)
        prepared = preparer.prepare(values, 0)
        if prepared is None:
            problems = "；".join(p.message for p in preparer.problems) or "无法核算"
            raise HeldError(f"受理编号 {receipt} 无法核定：{problems}")
        item = prepared.item if isinstance(prepared, Held) else prepared
        if choice == "recomputed":
            changed = dict(item.values)
            changed.update(
                eligible=row.recomputed_eligible,
                amount=row.recomputed_amount,
                findings=row.recomputed_findings,
                policy_sha256=row.recomputed_policy_sha256,
            )
            item = replace(item, values=changed)
        result = insert_applications(session, [item], station_code=here_code, now=moment)
        if result.duplicates:
            holder = next(iter(result.duplicates.values()))
            raise HeldError(
                f"受理编号 {receipt}（{row.name}）：同一补助已由 {holder} 受理，不能再核定入库。"
            )
        amount = row.station_amount if choice == "station" else row.recomputed_amount
        held_store.resolve(session, row, resolution=choice, at=moment, actor=actor)
        audit_trail.record_in(
            session,
            at=moment,
            actor=actor,
            station_code=here_code,
            action="accept",
            entity="held_import",
            entity_ref=receipt,
            details={
                "station": row.station_code,
                "file": row.file_name,
                "choice": choice,
                "amount": amount,
                "station_amount": row.station_amount,
                "station_eligible": row.station_eligible,
                "recomputed_amount": row.recomputed_amount,
                "recomputed_eligible": row.recomputed_eligible,
            },
        )
        return _item(row)
