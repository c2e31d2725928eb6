"""Use cases: reading the ledger (台账) — its lines, pages walked from a known row or from the
far end, counts, one application in full (`application_detail`), and the choices of the filter
bar. The window, `union-counter ledger` / `ledger show`, the receipt and the exports read here.

The ledger model in the GUI shows a million applications without reading them all: it
reads pages of rows where the clerk looks. A page deep in the ledger is cheapest to find
from a row already read nearby (keyset paging: the rows after a known id) or, near the end,
from the oldest row backwards; `ledger_slice` offers both. Every page is in ledger order
(newest first) and masked, as `ledger` gives it. No Qt here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from desktop_app.domain import registration
from desktop_app.domain import status as statuses
from desktop_app.domain.ledger_filter import LedgerFilter
from desktop_app.domain.policy import PolicySet
from desktop_app.domain.validators import mask_card_number, mask_phone, mask_resident_id
from desktop_app.services import presenter
from desktop_app.services.permissions import allowed, missing_reason, require, station_scope
from desktop_app.services.policies import policy_set
from desktop_app.storage import audit, ledger_query, repository
from desktop_app.storage import batches as batch_rows
from desktop_app.storage.database import Store
from desktop_app.storage.errors import NotFoundError
from desktop_app.storage.models import Application, Member


@dataclass(frozen=True)
class LedgerRow:
    """One application as a line of the ledger: labels resolved, numbers masked unless the
    reader asked for them in full."""

    id: int
    receipt: str
    applied_on: date
    name: str
    id_number: str
    card_number: str
    scheme: str
    kind: str
    occupation: str
    level: str
    eligible: bool
    amount: int
    status: str
    status_label: str
    station_code: str
    clerk: str
    # The day it was typed in; later than `applied_on` only for a late entry (补录).
    entered_on: date | None = None
    late_entry_reason: str | None = None

    @property
    def late_entry(self) -> bool:
        return self.entered_on is not None and registration.is_late(
            self.applied_on, self.entered_on
        )

    def to_dict(self) -> dict[str, Any]:
        result = dict(self.__dict__)
        result["applied_on"] = self.applied_on.isoformat()
        result["entered_on"] = self.entered_on.isoformat() if self.entered_on else None
        return result


def scoped(store: Store, filter_: LedgerFilter) -> LedgerFilter:
    """The filter limited to the signed-in account's own station (a station-scoped role)."""
    from dataclasses import replace

    station = station_scope(store)
    return filter_ if station is None else replace(filter_, station=station)


def ledger_row(
    app: Application, *, full_numbers: bool = False, policies: PolicySet | None = None
) -> LedgerRow:
    """One stored application as a ledger line: level in the scheme's words, status label,
    numbers masked unless `full_numbers`."""
    member = app.member
    card = app.card_number or ""
    return LedgerRow(
        id=app.id,
        receipt=app.receipt,
        applied_on=app.applied_on,
        name=member.name,
        id_number=member.id_number if full_numbers else mask_resident_id(member.id_number),
        card_number=card if full_numbers or not card else mask_card_number(card),
        scheme=app.scheme,
        kind=app.kind,
        occupation=app.occupation or "",
        level=presenter.level_of(app, policies or policy_set()),
        eligible=app.eligible,
        amount=app.amount,
        status=app.status,
        status_label=app.status_label,
        station_code=app.station_code,
        clerk=app.clerk,
        entered_on=app.created_at.date(),
        late_entry_reason=app.late_entry_reason,
    )


# What a ledger line shows, read as plain rows (`ledger_query.ledger_page_rows`): no ORM
# objects, which cost most of a page's time (a page of 100 at a million applications: 7.3 →
# 3.2 ms). The export's lines read the same columns and the key-group answer
# (services/ledger_export.py).
LINE_COLUMNS = (
    Application.receipt,
    Application.applied_on,
    Member.name,
    Member.id_number,
    Member.card_number,
    Application.scheme,
    Application.kind,
    Application.occupation,
    Application.level,
    Application.grade,
    Application.rank,
    Application.stage,
    Application.eligible,
    Application.amount,
    Application.status,
    Application.station_code,
    Application.clerk,
)
_ROW_COLUMNS = (*LINE_COLUMNS, Application.created_at, Application.late_entry_reason)


def _line(row: Any, policies: PolicySet) -> LedgerRow:
    """`ledger_row` of a row of `_ROW_COLUMNS` (the application's id first)."""
    card = row.card_number or ""
    return LedgerRow(
        id=row[0],
        receipt=row.receipt,
        applied_on=row.applied_on,
        name=row.name,
        id_number=mask_resident_id(row.id_number),
        card_number=mask_card_number(card) if card else card,
        scheme=row.scheme,
        kind=row.kind,
        occupation=row.occupation or "",
        level=presenter.level_of(row, policies),
        eligible=row.eligible,
        amount=row.amount,
        status=row.status,
        status_label=statuses.label(row.status),
        station_code=row.station_code,
        clerk=row.clerk,
        entered_on=row.created_at.date(),
        late_entry_reason=row.late_entry_reason,
    )


def ledger(
    store: Store,
    filter_: LedgerFilter,
    *,
    limit: int = 100,
    offset: int = 0,
) -> list[LedgerRow]:
    """`limit` lines of the ledger from `offset`, newest first, numbers masked."""
    require(store, "ledger.view")
    filter_ = scoped(store, filter_)
    with store.session() as session:
        rows = ledger_query.ledger_page_rows(
            session, filter_, _ROW_COLUMNS, limit=limit, offset=offset
        )
    policies = policy_set()
    return [_line(row, policies) for row in rows]


def ledger_count(store: Store, filter_: LedgerFilter, *, limit: int | None = None) -> int:
    """How many applications the filter matches: exactly, or with `limit` min(count, limit),
    found quickly (the window's "10,000+")."""
    require(store, "ledger.view")
    filter_ = scoped(store, filter_)
    with store.session() as session:
        return ledger_query.ledger_count(session, filter_, limit=limit)


@dataclass(frozen=True)
class Detail:
    """One application as the ledger's detail view and `ledger show` present it."""

    row: LedgerRow
    member: dict[str, Any]
    certificate: dict[str, Any]
    decision: dict[str, Any]
    history: list[dict[str, Any]]
    events: list[dict[str, Any]] = field(default_factory=list)
    # The 报送批次 that held it, oldest first: number, standing, withdrawn_at, result,
    # paid_amount, paid_on, result_reason (services/submissions.py, services/results.py).
    batches: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "application": self.row.to_dict(),
            "member": self.member,
            "certificate": self.certificate,
            "decision": self.decision,
            "history": self.history,
            "events": self.events,
            "batches": self.batches,
        }


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _visible(store: Store, session: Any, receipt: str) -> Application | None:
    """The application with that receipt number, as the signed-in account may see it: for a
    station's account another station's application is not there at all."""
    app = repository.application_by_receipt(session, receipt.strip().upper())
    station = station_scope(store)
    if app is None or (station is not None and app.station_code != station):
        return None
    return app


def receipt_on_record(store: Store, receipt: str) -> bool:
    """Whether `application_detail` would find the receipt (a scanned number is checked
    first, so that an unknown one is said quietly instead of as an error)."""
    require(store, "ledger.view")
    with store.session() as session:
        return _visible(store, session, receipt) is not None


def application_detail(store: Store, receipt: str, *, full_numbers: bool = False) -> Detail:
    """One application in full: member, certificate, decision, status record and audit
    events; numbers masked unless `full_numbers` (the printed forms). NotFoundError when no
    application has that receipt number."""
    require(store, "application.print" if full_numbers else "ledger.view")
    with store.session() as session:
        app = _visible(store, session, receipt)
        if app is None:
            raise NotFoundError(f"找不到受理编号为 {receipt} 的申请。")
        member = app.member
        events = audit.events_about(session, [app.receipt, f"member:{member.id}"])
        event_list = [
            {
                "id": e.id,
                "at": e.at.isoformat(sep=" "),
                "actor": e.actor,
                "action": e.action,
                "entity": e.entity,
                "details": e.details,
            }
            for e in events
        ]
        row = ledger_row(app, full_numbers=full_numbers)
        return Detail(
            row=row,
            member={
                "name": member.name,
                "id_number": row.id_number,
                "card_number": row.card_number,
                "phone": (member.phone if full_numbers else mask_phone(member.phone))
                if member.phone
                else None,
                "work_unit": member.work_unit,
                "position": member.position,
            },
            certificate={
                "kind": app.kind,
                "occupation": app.occupation,
                "level": app.level,
                "grade": app.grade,
                "number": app.certificate_number,
                "issued_on": _iso(app.issued_on),
                "approved_on": _iso(app.approved_on),
                "issuer": app.issuer,
                "management_number": app.management_number,
                "competition": app.competition,
                "stage": app.stage,
                "rank": app.rank,
                "entrants": app.entrants,
                "final_held": app.final_held,
            },
            decision={
                "eligible": app.eligible,
                "amount": app.amount,
                "scheme": app.scheme,
                "findings": app.findings,
                "policy_sha256": app.policy_sha256,
            },
            history=[
                {
                    "from": h.from_status,
                    "to": h.to_status,
                    "to_label": statuses.label(h.to_status),
                    "reason": h.reason,
                    "actor": h.actor,
                    "at": h.at.isoformat(sep=" "),
                }
                for h in app.steps
            ],
            events=event_list,
            batches=[
                {
                    "number": batch.number,
                    "standing": batch.withdrawn_at is None,
                    "withdrawn_at": batch.withdrawn_at.isoformat(sep=" ")
                    if batch.withdrawn_at
                    else None,
                    "result": item.result,
                    "paid_amount": item.paid_amount,
                    "paid_on": _iso(item.paid_on),
                    "result_reason": item.result_reason,
                }
                for batch, item in batch_rows.batches_of(session, app.id)
            ],
        )


def ledger_slice(
    store: Store,
    filter_: LedgerFilter,
    *,
    limit: int,
    offset: int = 0,
    after_id: int | None = None,
    backwards: bool = False,
) -> list[LedgerRow]:
    """`limit` rows of the ledger, in ledger order (newest first), numbers masked.

    Forwards: the rows after the row with id `after_id` (or from the newest), skipping
    `offset`. Backwards: walked from the other end — the rows before `after_id` (or from the
    oldest), skipping `offset` — and returned in ledger order; the last row of the result is
    then the one `offset` rows above `after_id` (or above the oldest row).
    """
    require(store, "ledger.view")
    filter_ = scoped(store, filter_)
    with store.session() as session:
        found = ledger_query.ledger_page_rows(
            session,
            filter_,
            _ROW_COLUMNS,
            limit=limit,
            offset=offset,
            newest_first=not backwards,
            after_id=after_id,
        )
    policies = policy_set()
    rows = [_line(row, policies) for row in found]
    if backwards:
        rows.reverse()
    return rows


# --- labels ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SchemeChoice:
    id: str
    short_name: str
    name: str


def scheme_choices() -> list[SchemeChoice]:
    """Every scheme that loaded, newest year first."""
    policies = policy_set().policies.values()
    ordered = sorted(policies, key=lambda p: (-(p.year or 0), p.id))
    return [SchemeChoice(p.id, p.short_name, p.name) for p in ordered]


def scheme_names() -> dict[str, str]:
    """Scheme id → its short name, for the ledger's 方案 column."""
    return {choice.id: choice.short_name for choice in scheme_choices()}


def status_choices() -> list[tuple[str, str]]:
    """(code, label) of every status, in the order an application goes through them."""
    return list(statuses.LABELS.items())


def next_statuses(status: str, store: Store | None = None) -> list[tuple[str, str]]:
    """(code, label) of the statuses an application in `status` may be changed to (with
    `store`: by the account signed in there)."""
    choices = [(code, statuses.label(code)) for code in statuses.allowed(status)]
    if store is None:
        return choices
    from desktop_app.services.status import STATUS_PERMISSIONS

    return [(c, label) for c, label in choices if allowed(store, STATUS_PERMISSIONS[c])]


def withheld_statuses(status: str, store: Store) -> str:
    """Why the signed-in account is not offered some of the next statuses ('' when it is
    offered every one): the status box's tooltip."""
    from desktop_app.services.status import STATUS_PERMISSIONS

    return "\n".join(
        missing_reason(store, STATUS_PERMISSIONS[code])
        for code in statuses.allowed(status)
        if not allowed(store, STATUS_PERMISSIONS[code])
    )


# --- the filter bar --------------------------------------------------------------------------

_DATE_TEXT = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*$")
_DATE_DIGITS = re.compile(r"^\s*(\d{4})(\d{2})(\d{2})\s*$")


def parse_date_text(text: str) -> date | None:
    """A date typed in the filter bar: 2026-11-21, 2026/1/5, 2026.1.5, 2026年1月5日 or
    20261121; empty is no limit. ValueError with a Chinese message otherwise."""
    if not text.strip():
        return None
    match = _DATE_TEXT.match(text) or _DATE_DIGITS.match(text)
    if match is None:
        raise ValueError(f"“{text.strip()}”不是日期，请写成 2026-11-21 或 20261121")
    year, month, day = (int(part) for part in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueError(f"没有 {year}年{month}月{day}日 这一天") from None


def make_filter(
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    scheme: str | None = None,
    status: str | None = None,
    query: str | None = None,
) -> LedgerFilter:
    """The ledger filter of the filter bar's values (empty values filter nothing)."""
    if date_from is not None and date_to is not None and date_from > date_to:
        raise ValueError("起始日期晚于截止日期")
    return LedgerFilter(
        date_from=date_from,
        date_to=date_to,
        scheme=scheme or None,
        status=status or None,
        query=(query or "").strip() or None,
    )
