"""审核结果 (issue 19): the 北京市职工技术协会's answer to a submission batch, imported from the
报送清单 workbook it was sent with its result columns filled in (exchange/results_book.py).

Each answered line is checked against the batch: the receipt must be in it; 不通过 needs a
reason; 金额调整 a new amount no higher than the amount sent, and a reason; 通过 pays the amount
sent (a different amount must be a 金额调整). A line answered by an earlier import must say the
same again (a re-import of the same file changes nothing); an application no longer 已报送 (returned
by hand) cannot take a result. Any problem and nothing is imported (all or nothing per file),
every problem named by row and column like the exchange import. Then, in one transaction: 通过
and 金额调整 move the application to 已发放 with the day paid, 不通过 to 退回 with the reason,
each with its history step and audit event, and the import's own event (the file's SHA-256,
what it did). Lines left empty are left as they are: the answer may come in parts.

Needs the permission to set 已发放 (`status.pay`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from desktop_app.domain import status as statuses
from desktop_app.exchange.errors import ExchangeError, Problem
from desktop_app.exchange.results_book import ResultLine, read_results
from desktop_app.services import audit_trail
from desktop_app.services.permissions import acting, require, require_station, station_scope
from desktop_app.services.station_settings import event_station_code
from desktop_app.services.status import record_change
from desktop_app.storage import batches as batch_rows
from desktop_app.storage.database import Store
from desktop_app.storage.models import BatchItem

PASSED, REFUSED, ADJUSTED = "通过", "不通过", "金额调整"


@dataclass(frozen=True)
class ResultsImport:
    number: str
    passed: int
    refused: int
    adjusted: int
    unchanged: int  # answered by an earlier import, the same again
    pending: int  # not answered yet
    paid: int  # yuan, this import's 通过 and 金额调整

    @property
    def changed(self) -> int:
        return self.passed + self.refused + self.adjusted


def _same(item: BatchItem, line: ResultLine, amount: int) -> bool:
    return (
        item.result == line.result
        and item.paid_amount == (amount if line.result != REFUSED else None)
        and (item.result_reason or "") == line.reason
    )


def _check(item: BatchItem | None, line: ResultLine, number: str) -> str | None:
    """Why this line cannot take its result (Chinese), or None."""
    if item is None:
        return f"申请 {line.receipt} 不在报送批次 {number} 里"
    if line.result == REFUSED and not line.reason:
        return "不通过须写明原因（申请人会被告知）"
    if line.result == ADJUSTED:
        if line.amount is None:
            return "金额调整须填核定金额"
        if line.amount > item.amount:
            return f"核定金额 {line.amount} 元高于报送的 {item.amount} 元：只能调低"
        if not line.reason:
            return "金额调整须写明原因"
    if line.result == PASSED and line.amount is not None and line.amount != item.amount:
        return f"通过时的核定金额应为报送的 {item.amount} 元；金额不同请填“金额调整”并写明原因"
    return None


def import_results(
    store: Store, path: Path, *, actor: str, now: datetime | None = None
) -> ResultsImport:
    """Import the answer in `path` (see the module's notes); ExchangeError naming every
    problem, nothing changed then."""
    require(store, "status.pay", now=now)
    actor = acting(store, actor)
    book = read_results(path)
    moment = (now or datetime.now()).replace(microsecond=0)
    here = event_station_code(store)
    sheet = "报送清单"
    with store.session() as session:
        found = batch_rows.batch_by_number(session, book.number)
        code = found.station_code if found is not None else None
    if code is None or station_scope(store) not in (None, code):
        raise ExchangeError(f"找不到报送批次 {book.number}：请核对文件第一行的批次号。")
    require_station(store, code, now=now)
    with store.session(write=True) as session:
        batch = batch_rows.batch_by_number(session, book.number, for_update=True)
        assert batch is not None
        if batch.withdrawn_at is not None:
            raise ExchangeError(f"报送批次 {book.number} 已撤回，不能导入审核结果。")
        items = {item.application.receipt: item for item in batch.items}
        apps = batch_rows.applications_for(session, list(items), for_update=True)
        problems: list[Problem] = list(book.problems)
        todo: list[tuple[BatchItem, ResultLine, int]] = []
        unchanged = pending = 0
        seen: set[str] = set()
        for line in book.lines:
            if line.receipt in seen:
                problems.append(Problem(sheet, line.row, "受理编号", f"{line.receipt} 重复出现"))
                continue
            seen.add(line.receipt)
            item = items.get(line.receipt)
            if line.result is None:
                if item is None:
                    outside = f"申请 {line.receipt} 不在报送批次 {book.number} 里"
                    problems.append(Problem(sheet, line.row, "受理编号", outside))
                pending += 1
                continue
            refusal = _check(item, line, book.number)
            if refusal is not None:
                problems.append(Problem(sheet, line.row, "审核结果", refusal))
                continue
            assert item is not None
            amount = item.amount if line.amount is None else line.amount
            if item.result is not None:
                if _same(item, line, amount):
                    unchanged += 1
                else:
                    earlier = (
                        f"申请 {line.receipt} 已于 {item.result_at:%Y-%m-%d} 导入结果"
                        f"“{item.result}”，不能再改为别的结果"
                    )
                    problems.append(Problem(sheet, line.row, "审核结果", earlier))
                continue
            current = apps[line.receipt].status
            if current != statuses.SUBMITTED:
                problems.append(Problem(sheet, line.row, "审核结果", (
                    f"申请 {line.receipt} 目前是“{statuses.label(current)}”，"
                    f"不是“{statuses.label(statuses.SUBMITTED)}”，不能导入结果")))  # fmt: skip
                continue
            todo.append((item, line, amount))
        if problems:
            problems.sort(key=lambda p: p.row or 0)
            raise ExchangeError(
                f"文件 {path.name} 有 {len(problems)} 处问题，没有导入任何结果。请改正后重新导入。",
                problems,
            )
        counts = {PASSED: 0, REFUSED: 0, ADJUSTED: 0}
        paid = 0
        for item, line, amount in todo:
            app = apps[line.receipt]
            paid_on: date = line.paid_on or moment.date()
            item.result = line.result
            item.result_reason = line.reason or None
            item.result_at = moment
            item.result_file = book.sha256
            if line.result == REFUSED:
                target, reason = statuses.RETURNED, f"协会审核不通过：{line.reason}"
            else:
                item.paid_amount = amount
                item.paid_on = paid_on
                paid += amount
                target = statuses.PAID
                reason = f"协会审核通过，{paid_on:%Y-%m-%d} 发放 {amount} 元"
                if line.result == ADJUSTED:
                    reason = (
                        f"协会核定金额 {amount} 元（报送 {item.amount} 元）：{line.reason}；"
                        f"{paid_on:%Y-%m-%d} 发放"
                    )
            counts[line.result or PASSED] += 1
            record_change(
                session, app, target, actor=actor, reason=reason, at=moment, station_code=here
            )
        summary = ResultsImport(
            number=book.number,
            passed=counts[PASSED],
            refused=counts[REFUSED],
            adjusted=counts[ADJUSTED],
            unchanged=unchanged,
            pending=pending,
            paid=paid,
        )
        if summary.changed:
            audit_trail.record_in(
                session,
                at=moment,
                actor=actor,
                station_code=here,
                action="results",
                entity="submission_batch",
                entity_ref=book.number,
                details={
                    "file_sha256": book.sha256,
                    "passed": summary.passed,
                    "refused": summary.refused,
                    "adjusted": summary.adjusted,
                    "paid": paid,
                },
            )
    return summary
