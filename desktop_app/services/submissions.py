"""报送批次 (issue 19): a station's printed and stamped applications sent together, through the
district, to the 北京市职工技术协会 (2016 plan 四(三)); the window and the command line call these.

- `create_batch`: the applications named, or those a station, a period (登记日期) and a scheme
  select, each printed (已打印) and in no standing batch, in one transaction: the batch with
  its own number (`XC01-BS-2026-0003`), every application moved to 已报送 with its history
  step and audit event, and the batch's own event (its receipts and total). All or nothing:
  one application that cannot join stops the batch, and the message names every one.
- `withdraw_batch`: the whole batch, only while each of its applications is still 已报送 (no
  result came back), each back to 已打印; the batch keeps its list, marked withdrawn (audited,
  with a reason).
- `batch_view`, `batches`: what the list shows (masked ID numbers), with totals per scheme.

Creating and withdrawing need the permission to set 已报送 (`status.submit`: a reviewer); a
station's account acts on its own station's batches only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from desktop_app.domain import status as statuses
from desktop_app.domain.facts import InputError
from desktop_app.domain.validators import mask_resident_id
from desktop_app.services import audit_trail, station_settings
from desktop_app.services.permissions import acting, require, require_station, station_scope
from desktop_app.services.station_settings import event_station_code
from desktop_app.services.status import record_change
from desktop_app.storage import batches as batch_rows
from desktop_app.storage.database import Store
from desktop_app.storage.errors import NotFoundError, StatusChangeError
from desktop_app.storage.models import Application, BatchItem, SubmissionBatch

if TYPE_CHECKING:
    from desktop_app.printing.transmittal import RenderedList, TransmittalList

PERMISSION = "status.submit"
MAX_ITEMS = 2000  # one list the 协会 checks by hand: a district's month is a few hundred


@dataclass(frozen=True)
class BatchRow:
    """One line of the 报送清单."""

    position: int
    receipt: str
    name: str
    id_number: str  # masked
    scheme: str
    item: str  # occupation (工种) or competition, with the claimed item's code when there is one
    level: str
    amount: int
    status: str  # the application's status now (a label)


@dataclass(frozen=True)
class BatchView:
    number: str
    station_code: str
    station_name: str
    created_at: datetime
    created_by: str
    withdrawn_at: datetime | None
    withdrawn_by: str | None
    withdraw_reason: str | None
    rows: tuple[BatchRow, ...]

    @property
    def standing(self) -> bool:
        return self.withdrawn_at is None

    @property
    def total(self) -> int:
        return sum(row.amount for row in self.rows)

    def totals_by_scheme(self) -> list[tuple[str, int, int]]:
        """(scheme, applications, amount), in the order the schemes first appear."""
        found: dict[str, list[int]] = {}
        for row in self.rows:
            entry = found.setdefault(row.scheme, [0, 0])
            entry[0] += 1
            entry[1] += row.amount
        return [(scheme, n, amount) for scheme, (n, amount) in found.items()]


@dataclass(frozen=True)
class BatchSummary:
    number: str
    station_code: str
    created_at: datetime
    created_by: str
    withdrawn: bool
    applications: int
    total: int


def _level(app: Application) -> str:
    if app.level is not None:
        return f"{app.level}级"
    return app.grade or app.claim_level or ""


def _item(app: Application) -> str:
    return app.occupation or app.competition or app.claim_item or ""


def _row(position: int, app: Application, amount: int) -> BatchRow:
    return BatchRow(
        position=position,
        receipt=app.receipt,
        name=app.member.name,
        id_number=mask_resident_id(app.member.id_number),
        scheme=app.scheme,
        item=_item(app),
        level=_level(app),
        amount=amount,
        status=statuses.label(app.status),
    )


def _view(batch: SubmissionBatch) -> BatchView:
    first = batch.items[0].application if batch.items else None
    return BatchView(
        number=batch.number,
        station_code=batch.station_code,
        station_name=first.station_name if first is not None else batch.station_code,
        created_at=batch.created_at,
        created_by=batch.created_by,
        withdrawn_at=batch.withdrawn_at,
        withdrawn_by=batch.withdrawn_by,
        withdraw_reason=batch.withdraw_reason,
        rows=tuple(_row(i.position, i.application, i.amount) for i in batch.items),
    )


def _station(store: Store, station_code: str | None, now: datetime | None) -> str:
    """The batch's station: the one named, else the account's own, else this counter's."""
    own = station_scope(store)
    code = (station_code or own or event_station_code(store)).strip().upper()
    if not code:
        raise InputError("station", "请指定服务站（批次按服务站编号，如 XC01）")
    require_station(store, code, now=now)
    return code


def batchable(
    store: Store,
    *,
    station_code: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    scheme: str | None = None,
) -> list[str]:
    """The receipts a new batch of the station would take for this period and scheme:
    printed, in no standing batch, oldest 登记日期 first."""
    require(store, "ledger.view")
    code = _station(store, station_code, None)
    with store.session() as session:
        return batch_rows.printed_receipts(
            session, code, date_from=date_from, date_to=date_to, scheme=scheme
        )


def create_batch(
    store: Store,
    receipts: Sequence[str],
    *,
    actor: str,
    station_code: str | None = None,
    now: datetime | None = None,
) -> BatchView:
    """A new batch of the station holding `receipts` (in that order), each moved to 已报送.
    InputError naming every application that cannot join (nothing is changed then)."""
    require(store, PERMISSION, now=now)
    actor = acting(store, actor)
    code = _station(store, station_code, now)
    wanted = list(dict.fromkeys(r.strip().upper() for r in receipts if r.strip()))
    if not wanted:
        raise InputError("receipts", "批次里没有申请：请选择已打印的申请，或指定服务站、日期和方案")
    if len(wanted) > MAX_ITEMS:
        raise InputError(
            "receipts", f"一个批次最多 {MAX_ITEMS} 份申请（这次 {len(wanted)} 份）：请分成几批"
        )
    moment = (now or datetime.now()).replace(microsecond=0)
    here = event_station_code(store)
    with store.session(write=True) as session:
        found = batch_rows.applications_for(session, wanted, for_update=True)
        standing = batch_rows.standing_batches(session, [a.id for a in found.values()])
        problems: list[str] = []
        for receipt in wanted:
            app = found.get(receipt)
            if app is None or (station_scope(store) not in (None, app.station_code)):
                problems.append(f"找不到受理编号为 {receipt} 的申请。")
            elif app.station_code != code:
                problems.append(f"申请 {receipt} 是服务站 {app.station_code} 的，不是 {code} 的。")
            elif app.id in standing:
                problems.append(f"申请 {receipt} 已在报送批次 {standing[app.id]} 里。")
            elif refusal := statuses.batch_refusal(receipt, app.status):
                problems.append(refusal)
        if problems:
            raise InputError("receipts", "不能建立批次，没有做任何改动：\n" + "\n".join(problems))
        number = batch_rows.next_batch_number(session, code, moment.year)
        batch = SubmissionBatch(
            number=number, station_code=code, created_at=moment, created_by=actor
        )
        session.add(batch)
        session.flush()
        reason = f"报送批次 {number}"
        for position, receipt in enumerate(wanted, start=1):
            app = found[receipt]
            session.add(
                BatchItem(
                    batch_id=batch.id,
                    application_id=app.id,
                    position=position,
                    amount=app.amount,
                    live=batch_rows.LIVE,
                )
            )
            record_change(
                session,
                app,
                statuses.SUBMITTED,
                actor=actor,
                reason=reason,
                at=moment,
                station_code=here,
            )
        audit_trail.record_in(
            session,
            at=moment,
            actor=actor,
            station_code=here,
            action="batch",
            entity="submission_batch",
            entity_ref=number,
            details={
                "station": code,
                "receipts": wanted,
                "applications": len(wanted),
                "total": sum(found[r].amount for r in wanted),
            },
        )
        session.flush()
        loaded = batch_rows.batch_by_number(session, number)
        assert loaded is not None
        return _view(loaded)


def withdraw_batch(
    store: Store, number: str, *, reason: str, actor: str, now: datetime | None = None
) -> BatchView:
    """The whole batch withdrawn (each application back to 已打印), only while every one of
    them is still 已报送; a reason is required."""
    require(store, PERMISSION, now=now)
    actor = acting(store, actor)
    number = number.strip().upper()
    reason = (reason or "").strip()
    if not reason:
        raise InputError("reason", "撤回批次必须写明原因")
    moment = (now or datetime.now()).replace(microsecond=0)
    here = event_station_code(store)
    with store.session() as session:
        found = batch_rows.batch_by_number(session, number)
        code = found.station_code if found is not None else None
    if code is None or station_scope(store) not in (None, code):
        raise NotFoundError(f"找不到报送批次 {number}。")
    require_station(store, code, now=now)
    with store.session(write=True) as session:
        batch = batch_rows.batch_by_number(session, number, for_update=True)
        assert batch is not None
        if batch.withdrawn_at is not None:
            raise StatusChangeError(
                f"报送批次 {number} 已于 {batch.withdrawn_at:%Y-%m-%d %H:%M} 由 "
                f"{batch.withdrawn_by} 撤回。"
            )
        receipts = [item.application.receipt for item in batch.items]
        locked = batch_rows.applications_for(session, receipts, for_update=True)
        problems = [
            refusal
            for receipt in receipts
            if (refusal := statuses.withdrawal_refusal(receipt, locked[receipt].status))
        ]
        if problems:
            raise StatusChangeError(
                f"报送批次 {number} 不能撤回，没有做任何改动：\n" + "\n".join(problems)
            )
        step_reason = f"撤回报送批次 {number}：{reason}"
        for item in batch.items:
            item.live = None
            record_change(
                session,
                locked[item.application.receipt],
                statuses.WITHDRAWN_TO,
                actor=actor,
                reason=step_reason,
                at=moment,
                station_code=here,
            )
        batch.withdrawn_at = moment
        batch.withdrawn_by = actor
        batch.withdraw_reason = reason
        audit_trail.record_in(
            session,
            at=moment,
            actor=actor,
            station_code=here,
            action="batch.withdraw",
            entity="submission_batch",
            entity_ref=number,
            details={"station": code, "receipts": receipts, "reason": reason},
        )
        session.flush()
        return _view(batch)


def batch_view(store: Store, number: str) -> BatchView:
    """One batch with its list (ID numbers masked). NotFoundError when there is none (or it
    is another station's, for a station's account)."""
    require(store, "ledger.view")
    number = number.strip().upper()
    with store.session() as session:
        batch = batch_rows.batch_by_number(session, number)
        if batch is None or station_scope(store) not in (None, batch.station_code):
            raise NotFoundError(f"找不到报送批次 {number}。")
        return _view(batch)


def batches(store: Store, *, station_code: str | None = None) -> list[BatchSummary]:
    """Every batch the account may see (of one station when given), newest first."""
    require(store, "ledger.view")
    own = station_scope(store)
    code = own or (station_code.strip().upper() if station_code else None)
    with store.session() as session:
        rows = batch_rows.batch_numbers(session, code)
        sizes = batch_rows.batch_sizes(session, [b.id for b in rows])
        return [
            BatchSummary(
                number=b.number,
                station_code=b.station_code,
                created_at=b.created_at,
                created_by=b.created_by,
                withdrawn=b.withdrawn_at is not None,
                applications=sizes.get(b.id, (0, 0))[0],
                total=sizes.get(b.id, (0, 0))[1],
            )
            for b in rows
        ]


# --- the 报送清单: PDF and Excel ---------------------------------------------------------------


def transmittal(store: Store, number: str) -> TransmittalList:
    """What the 报送清单 of the batch shows (ID numbers masked, the schemes by their names)."""
    from desktop_app.printing.transmittal import TransmittalLine, TransmittalList
    from desktop_app.services.ledger_view import scheme_names

    view = batch_view(store, number)
    names = scheme_names()
    here = station_settings.station(store)
    district = here.district if here is not None and here.district else "区"
    note = ""
    if not view.standing:
        assert view.withdrawn_at is not None
        when = f"{view.withdrawn_at:%Y-%m-%d %H:%M}"
        note = f"本批次已于 {when} 撤回（{view.withdraw_reason}），仅供存档"
    station = view.station_name
    if station != view.station_code:
        station = f"{station}（{view.station_code}）"
    return TransmittalList(
        number=view.number,
        station=station,
        district=district,
        made=f"{view.created_at.year}年{view.created_at.month}月{view.created_at.day}日",
        lines=tuple(
            TransmittalLine(
                r.position,
                r.receipt,
                r.name,
                r.id_number,
                names.get(r.scheme, r.scheme),
                r.item,
                r.level,
                r.amount,
            )
            for r in view.rows
        ),
        totals=tuple((names.get(s, s), n, a) for s, n, a in view.totals_by_scheme()),
        note=note,
    )


def print_transmittal(
    store: Store, number: str, out: Path, *, actor: str, now: datetime | None = None
) -> RenderedList:
    """The batch's 报送清单 written to `out` as a PDF (whole or not at all), audited."""
    from desktop_app.printing.transmittal import render_transmittal
    from desktop_app.services.printing import write_atomically

    require(store, "application.print", now=now)
    actor = acting(store, actor)
    data = transmittal(store, number)
    rendered = render_transmittal(data)
    temp = write_atomically(out, rendered.pdf)
    try:
        audit_trail.record_event(
            store,
            actor=actor,
            action="batch.print",
            entity="submission_batch",
            entity_ref=data.number,
            details={"pages": rendered.pages, "applications": len(data.lines)},
            now=now,
        )
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    temp.replace(out)
    return rendered


def export_transmittal(store: Store, number: str, out: Path) -> TransmittalList:
    """The batch's 报送清单 as an Excel workbook for the 协会 (the PDF's lines and totals)."""
    from desktop_app.exchange.batch_book import write_batch_list
    from desktop_app.printing.money import amount_in_capitals

    require(store, "ledger.view")
    data = transmittal(store, number)
    write_batch_list(
        out,
        number=data.number,
        station=data.station,
        made=data.made,
        lines=[
            (x.position, x.receipt, x.name, x.id_number, x.scheme, x.item, x.level, x.amount)
            for x in data.lines
        ],
        totals=[(s, n, a, amount_in_capitals(a)) for s, n, a in data.totals],
        total=(len(data.lines), data.total, amount_in_capitals(data.total)),
    )
    return data
