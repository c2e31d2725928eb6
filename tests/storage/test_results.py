"""审核结果 imported from the 协会's filled-in 报送清单 (services/results.py), on SQLite and
PostgreSQL: passed applications go to 已发放 with the day paid, refused ones to 退回 with the
reason, adjusted ones are paid the new amount; every row is checked and every problem named by
row; all or nothing per file; a re-import of the same file changes nothing; hostile files are
refused in Chinese."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from desktop_app.cli.main import main
from desktop_app.errors import EXIT_INPUT, EXIT_OK
from desktop_app.exchange.errors import ExchangeError
from desktop_app.services import audit_trail, results
from desktop_app.services import submissions as batches
from desktop_app.services.ledger_view import application_detail
from desktop_app.storage.models import AuditEvent, BatchItem
from tests.storage.test_batches import _events, _printed, _save

NOW = datetime(2026, 12, 20, 15, 0, 0)
HEADS = ("审核结果", "核定金额（元）", "发放日期", "原因")


@pytest.fixture
def sent(store: Any, tmp_path: Path) -> dict[str, Any]:
    """A standing batch of three printed applications, and its list exported for the 协会."""
    receipts = [_printed(store, _save(store, n)) for n in (1, 2, 3)]
    view = batches.create_batch(store, receipts, actor="李站长")
    book = tmp_path / "清单.xlsx"
    batches.export_transmittal(store, view.number, book)
    return {"receipts": receipts, "view": view, "book": book, "amount": view.rows[0].amount}


def _answer(book: Path, out: Path, answers: dict[str, tuple[Any, ...]]) -> Path:
    """The list with the 协会's answers filled in (receipt → result, amount, day, reason), as
    the 协会 would in Excel."""
    workbook = load_workbook(book)
    sheet = workbook.active
    heads = [cell.value for cell in sheet[2]]
    columns = {name: heads.index(name) + 1 for name in ("受理编号", *HEADS)}
    for row in range(3, sheet.max_row + 1):
        receipt = sheet.cell(row, columns["受理编号"]).value
        if receipt in answers:
            for name, value in zip(HEADS, answers[receipt], strict=True):
                sheet.cell(row, columns[name]).value = value
    workbook.save(out)
    return out


def _status(store: Any, receipt: str) -> str:
    return application_detail(store, receipt).row.status_label


def test_passed_refused_and_adjusted_come_back_and_a_second_import_changes_nothing(
    store, sent, tmp_path
):
    a, b, c = sent["receipts"]
    amount = sent["amount"]
    answered = _answer(sent["book"], tmp_path / "结果.xlsx", {
        a: ("通过", None, datetime(2026, 12, 18), None),
        b: ("不通过", None, None, "证书编号与证书库不符"),
        c: ("金额调整", amount - 600, "2026-12-19", "按证书等级核定"),
    })  # fmt: skip
    done = results.import_results(store, answered, actor="区管理员", now=NOW)
    assert (done.passed, done.refused, done.adjusted, done.unchanged, done.pending) == (
        1,
        1,
        1,
        0,
        0,
    )
    assert done.paid == amount + amount - 600
    assert _status(store, a) == "已发放" and _status(store, b) == "退回"
    assert _status(store, c) == "已发放"
    history = application_detail(store, a).history[-1]
    assert history["reason"] == f"协会审核通过，2026-12-18 发放 {amount} 元"
    assert (
        application_detail(store, b).history[-1]["reason"] == "协会审核不通过：证书编号与证书库不符"
    )
    assert "协会核定金额" in application_detail(store, c).history[-1]["reason"]
    with store.session() as session:
        items = {i.application.receipt: i for i in session.query(BatchItem).all()}
        assert items[a].paid_amount == amount and items[a].paid_on == date(2026, 12, 18)
        assert items[b].paid_amount is None and items[b].result_reason == "证书编号与证书库不符"
        assert items[c].paid_amount == amount - 600 and items[c].paid_on == date(2026, 12, 19)
        assert len({i.result_file for i in items.values()}) == 1
    assert len(_events(store, "results")) == 1
    # A member who comes back is told the batch and the answer (the detail, `ledger show`).
    from desktop_app.services.presenter import detail_sections

    (told,) = [s for s in detail_sections(application_detail(store, c)) if s.title == "报送"]
    number = sent["view"].number
    assert told.rows == (
        ("报送批次", f"{number}（在报）"),
        ("审核结果", f"金额调整，2026-12-19 发放 {amount - 600} 元（按证书等级核定）"),
    )
    (told,) = [s for s in detail_sections(application_detail(store, b)) if s.title == "报送"]
    assert told.rows[1] == ("审核结果", "不通过：证书编号与证书库不符")
    # The same file again: nothing changes, no new event.
    again = results.import_results(store, answered, actor="区管理员", now=NOW)
    assert (again.changed, again.unchanged) == (0, 3)
    assert len(_events(store, "results")) == 1
    assert audit_trail.verify_audit(store).ok
    # A result came back: the batch cannot be withdrawn any more.
    with pytest.raises(Exception, match="已是“已发放”"):
        batches.withdraw_batch(store, sent["view"].number, reason="撤", actor="李站长")


def test_an_answer_may_come_in_parts(store, sent, tmp_path):
    a, b, _c = sent["receipts"]
    first = _answer(sent["book"], tmp_path / "一.xlsx", {a: ("通过", None, None, None)})
    done = results.import_results(store, first, actor="区管理员", now=NOW)
    assert (done.passed, done.pending) == (1, 2)
    assert _status(store, b) == "已报送"
    second = _answer(first, tmp_path / "二.xlsx", {b: ("通过", None, None, None)})
    done = results.import_results(store, second, actor="区管理员", now=NOW)
    assert (done.passed, done.unchanged, done.pending) == (1, 1, 1)


def test_every_bad_row_is_named_and_nothing_is_imported(store, sent, tmp_path):
    a, b, c = sent["receipts"]
    amount = sent["amount"]
    bad = _answer(sent["book"], tmp_path / "坏.xlsx", {
        a: ("通过", amount + 1, None, None),  # a different amount must be an adjustment
        b: ("不通过", None, None, None),  # no reason
        c: ("金额调整", amount + 600, None, "多给"),  # above the decision
    })  # fmt: skip
    workbook = load_workbook(bad)
    sheet = workbook.active
    sheet.cell(6, 2).value = "XC09-20261121-0001"  # a receipt of no batch, answered
    sheet.cell(6, 9).value = "同意"  # not a result word
    workbook.save(bad)
    with pytest.raises(ExchangeError) as refused:
        results.import_results(store, bad, actor="区管理员", now=NOW)
    described = [p.describe() for p in refused.value.problems]
    text = "\n".join(described)
    assert "没有导入任何结果" in refused.value.message
    assert "第3行" in text and "金额不同请填“金额调整”" in text
    assert "第4行" in text and "不通过须写明原因" in text
    assert "第5行" in text and f"高于报送的 {amount} 元" in text
    assert "第6行" in text and "“同意”不是审核结果" in text
    assert all(_status(store, r) == "已报送" for r in (a, b, c))
    assert _events(store, "results") == []


def test_a_changed_answer_for_an_imported_row_is_refused(store, sent, tmp_path):
    a = sent["receipts"][0]
    first = _answer(sent["book"], tmp_path / "一.xlsx", {a: ("通过", None, None, None)})
    results.import_results(store, first, actor="区管理员", now=NOW)
    changed = _answer(sent["book"], tmp_path / "改.xlsx", {a: ("不通过", None, None, "改主意")})
    with pytest.raises(ExchangeError) as refused:
        results.import_results(store, changed, actor="区管理员", now=NOW)
    assert "不能再改为别的结果" in refused.value.problems[0].message
    assert _status(store, a) == "已发放"


def test_hostile_and_foreign_files_are_refused_in_chinese(store, sent, tmp_path):
    garbage = tmp_path / "假.xlsx"
    garbage.write_bytes(b"PK\x03\x04 not really a workbook" * 10)
    with pytest.raises(ExchangeError) as refused:
        results.import_results(store, garbage, actor="区管理员", now=NOW)
    assert refused.value.message and refused.value.message.isascii() is False
    formula = _answer(sent["book"], tmp_path / "公式.xlsx", {})
    workbook = load_workbook(formula)
    workbook.active.cell(3, 9).value = '=HYPERLINK("http://x","通过")'
    workbook.active.cell(4, 9).value = "不通过"  # the line after it is read and checked too
    workbook.save(formula)
    with pytest.raises(ExchangeError) as refused:
        results.import_results(store, formula, actor="区管理员", now=NOW)
    first, second = refused.value.problems
    assert "含公式" in first.message and first.row == 3
    assert second.row == 4 and "不通过须写明原因" in second.message
    other = _answer(sent["book"], tmp_path / "别批.xlsx", {})
    workbook = load_workbook(other)
    workbook.active.cell(1, 3).value = "XC01-BS-2026-0999"
    workbook.save(other)
    with pytest.raises(ExchangeError, match="找不到报送批次 XC01-BS-2026-0999"):
        results.import_results(store, other, actor="区管理员", now=NOW)


def test_the_command_line_imports_and_names_the_problems(store, sent, tmp_path, capsys, db_args):
    a, b, _c = sent["receipts"]
    bad = _answer(sent["book"], tmp_path / "坏.xlsx", {a: ("不通过", None, None, None)})
    problems = tmp_path / "问题.xlsx"
    code = main(["results", "import", str(bad), "--problems", str(problems), *db_args])
    assert code == EXIT_INPUT
    err = capsys.readouterr().err
    assert "没有导入任何结果" in err and "不通过须写明原因" in err
    assert problems.exists()
    good = _answer(sent["book"], tmp_path / "好.xlsx", {a: ("通过", None, None, None),
                                                       b: ("不通过", None, None, "材料不全")})  # fmt: skip
    assert main(["results", "import", str(good), *db_args]) == EXIT_OK
    assert "通过 1 份" in capsys.readouterr().out
    assert _status(store, a) == "已发放" and _status(store, b) == "退回"
    with store.session() as session:
        assert session.query(AuditEvent).filter_by(action="results").count() == 1
