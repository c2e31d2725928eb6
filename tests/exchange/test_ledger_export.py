"""The 台账 export: masked by default, full numbers recorded in the audit trail, Excel dates
and numbers, frozen header and filter, a 汇总 sheet whose totals equal the ledger's, no file
left by a cancelled or failed export, and the file opens in LibreOffice with the same values."""

from __future__ import annotations

import csv
import subprocess
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from desktop_app.domain.ledger_filter import LedgerFilter
from desktop_app.exchange.ledger_book import LEDGER_HEADER, SUMMARY_HEADER
from desktop_app.services import audit_trail
from desktop_app.services.ledger_export import export_ledger
from desktop_app.storage.database import Store
from tests.exchange.conftest import CLERK, NOW, fill_station, make_id, save
from tests.exchange.libreoffice import libreoffice


def _rows(path: Path, sheet: str) -> list[tuple]:
    return list(openpyxl.load_workbook(path)[sheet].iter_rows(values_only=True))


def test_export_masks_numbers_by_default(store: Store, tmp_path: Path) -> None:
    fill_station(store)
    path = tmp_path / "台账.xlsx"
    result = export_ledger(store, path, actor=CLERK, now=NOW)
    assert result.rows == 6 and not result.full_ids
    rows = _rows(path, "台账")
    assert rows[0] == LEDGER_HEADER
    ids = [row[3] for row in rows[1:]]
    assert all("*" in value for value in ids)
    assert make_id(1) not in {row[3] for row in rows[1:]}
    assert all(row[4] in (None, "") or row[4].startswith("*") for row in rows[1:])


def test_full_ids_are_written_and_recorded_in_the_audit_trail(store: Store, tmp_path: Path) -> None:
    from sqlalchemy import select

    from desktop_app.storage.models import AuditEvent

    fill_station(store)
    path = tmp_path / "full.xlsx"
    export_ledger(store, path, actor=CLERK, full_ids=True, now=NOW)
    ids = {row[3] for row in _rows(path, "台账")[1:]}
    assert make_id(1) in ids
    with store.session() as session:
        event = session.execute(
            select(AuditEvent).where(AuditEvent.action == "export")
        ).scalar_one()
        assert event.entity == "ledger" and '"full_ids":true' in event.details
    assert audit_trail.verify_audit(store).ok


def test_the_key_group_column_says_whether_the_clerk_confirmed(
    store: Store, tmp_path: Path
) -> None:
    """POLICY.md: a 2026 claim without the clerk's confirmation is paid and shown 未确认."""
    fill_station(store)
    save(store, 7, **{"member.key_group": True})
    save(store, 8, **{"member.key_group": False})
    path = tmp_path / "k.xlsx"
    export_ledger(store, path, actor=CLERK, now=NOW)
    rows = _rows(path, "台账")
    column = LEDGER_HEADER.index("重点群体")
    by_scheme: dict[str, set[str]] = {}
    for row in rows[1:]:
        by_scheme.setdefault(row[5], set()).add(row[column] or "")
    assert by_scheme["2016年在职职工职业发展助推计划（新增和调整）"] == {""}  # not asked
    assert by_scheme["北京市重点群体就业技能提升补助（2026年版）"] == {
        "已确认",
        "未确认",
        "确认不属于",
    }
    unconfirmed = [row for row in rows[1:] if row[column] == "未确认"]
    assert any(row[9] == "是" and row[10] > 0 for row in unconfirmed)  # paid all the same


def test_cells_are_dates_and_numbers_header_frozen_filtered(store: Store, tmp_path: Path) -> None:
    fill_station(store)
    path = tmp_path / "x.xlsx"
    export_ledger(store, path, actor=CLERK, now=NOW)
    sheet = openpyxl.load_workbook(path)["台账"]
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:O7"
    assert sheet.cell(2, 2).is_date and isinstance(sheet.cell(2, 2).value.date(), date)
    assert all(isinstance(sheet.cell(r, 11).value, int) for r in range(2, 8))
    assert sheet.column_dimensions["A"].width >= 20


def test_summary_totals_equal_the_ledger(store: Store, tmp_path: Path) -> None:
    fill_station(store)
    path = tmp_path / "x.xlsx"
    export_ledger(store, path, actor=CLERK, now=NOW)
    ledger = _rows(path, "台账")[1:]
    summary = _rows(path, "汇总")
    assert summary[0] == SUMMARY_HEADER
    (total,) = [row for row in summary if row[0] == "合计"]
    assert summary[-1][0] == "审计链头" and summary.index(total) == len(summary) - 2
    assert total[2] == len(ledger) == 6
    assert total[4] == sum(row[10] for row in ledger)
    assert total[3] == sum(1 for row in ledger if row[9] == "是")
    # Each grouping adds up to the total.
    for group in ("补助方案", "证书类别和等级", "状态", "服务站"):
        part = [row for row in summary if row[0] == group]
        assert part, group
        assert sum(row[2] for row in part) == total[2]
        assert sum(row[4] for row in part) == total[4]
    by_status = {row[1]: row[2] for row in summary if row[0] == "状态"}
    assert by_status["退回"] == 1 and by_status["已发放"] == 1


def test_the_filter_selects_rows(store: Store, tmp_path: Path) -> None:
    fill_station(store)
    path = tmp_path / "x.xlsx"
    result = export_ledger(
        store, path, LedgerFilter(scheme="bj-2016-union-boost"), actor=CLERK, now=NOW
    )
    assert result.rows == 1
    assert [row[5] for row in _rows(path, "台账")[1:]] != []


def test_cancel_leaves_no_file_and_keeps_an_old_one(store: Store, tmp_path: Path) -> None:
    fill_station(store)
    path = tmp_path / "x.xlsx"
    path.write_bytes(b"old")
    calls: list[tuple[int, int]] = []

    def stop(done: int, total: int) -> bool:
        calls.append((done, total))
        return False

    result = export_ledger(store, path, actor=CLERK, progress=stop, now=NOW)
    assert result.cancelled and calls
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir() if p.is_file()] == ["x.xlsx"]


def test_a_failed_export_leaves_no_partial_file(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from desktop_app.services import ledger_export

    fill_station(store)

    def failing(*args: object, **kwargs: object):
        raise OSError(28, "No space left on device")
        yield  # pragma: no cover

    monkeypatch.setattr(ledger_export, "ledger_lines", failing)
    path = tmp_path / "out" / "x.xlsx"
    path.parent.mkdir()
    with pytest.raises(OSError):
        export_ledger(store, path, actor=CLERK, now=NOW)
    assert list(path.parent.iterdir()) == []


@pytest.mark.slow
def test_the_export_opens_in_libreoffice_with_the_same_values(store: Store, tmp_path: Path) -> None:
    program = libreoffice()
    fill_station(store)
    path = tmp_path / "ledger.xlsx"
    export_ledger(store, path, actor=CLERK, now=NOW)
    out = tmp_path / "csv"
    profile = tmp_path / "lo-profile"
    subprocess.run(
        [
            program,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1",
            "--outdir",
            str(out),
            str(path),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    # -1: every sheet to its own file (ledger-台账.csv, ledger-汇总.csv).
    files = {p.stem: p for p in out.glob("*.csv")}
    ledger_csv = next(p for name, p in files.items() if name.endswith("台账"))
    summary_csv = next(p for name, p in files.items() if name.endswith("汇总"))
    expected = _rows(path, "台账")
    with ledger_csv.open(encoding="utf-8") as handle:
        got = list(csv.reader(handle))
    assert tuple(got[0]) == expected[0]
    assert len(got) == len(expected)
    for mine, theirs in zip(expected[1:], got[1:], strict=True):
        assert theirs[0] == mine[0]
        assert theirs[1] == mine[1].date().isoformat()  # an Excel date shown yyyy-mm-dd
        assert theirs[3] == mine[3]
        assert int(theirs[10].replace(",", "")) == mine[10]
    with summary_csv.open(encoding="utf-8") as handle:
        (total,) = [row for row in csv.reader(handle) if row and row[0] == "合计"]
    assert int(total[4].replace(",", "")) == sum(row[10] for row in expected[1:])


def test_lines_read_page_by_page_match_the_stored_applications(store: Store) -> None:
    """The export reads plain rows page by page: the same applications, in ledger order,
    with the same level text and masked numbers as the 台账 view shows."""
    from desktop_app.services.ledger_export import ledger_lines
    from desktop_app.services.ledger_view import ledger_row
    from desktop_app.storage.ledger_query import ledger_page

    fill_station(store)
    lines = list(ledger_lines(store, LedgerFilter(), page=4))
    with store.session() as session:
        shown = [ledger_row(app) for app in ledger_page(session, LedgerFilter(), limit=100)]
    assert [line.receipt for line in lines] == [row.receipt for row in shown]
    assert len(lines) == 6
    for line, row in zip(lines, shown, strict=True):
        assert (line.id_number, line.card_number, line.level) == (
            row.id_number,
            row.card_number,
            row.level,
        )
