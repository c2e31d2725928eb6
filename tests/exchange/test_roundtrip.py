"""Station → district exchange: export, then import into another database (SQLite and
PostgreSQL), duplicates from another station, conflicts, decisions that differ, cancelling."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl

from desktop_app.exchange import batch as fmt
from desktop_app.services import applications
from desktop_app.services.exchange import export_batch, import_batch
from desktop_app.storage.database import Store
from desktop_app.storage.repository import LedgerFilter
from tests.exchange.conftest import CLERK, NOW, counts, fill_station, save


def details(store: Store) -> dict[str, dict[str, Any]]:
    """Every application as its detail view shows it, minus the audit events."""
    rows = applications.ledger(store, LedgerFilter(), limit=1000)
    result = {}
    for row in rows:
        detail = applications.application_detail(store, row.receipt, full_numbers=True).to_dict()
        detail.pop("events")
        detail["application"].pop("id")
        result[row.receipt] = detail
    return result


def test_round_trip_gives_the_same_applications_and_decisions(
    station: Store, store: Store, tmp_path: Path
) -> None:
    receipts = fill_station(station)
    path = tmp_path / "XC01-2026.xlsx"
    exported = export_batch(station, path, actor=CLERK, now=NOW)
    assert exported.manifest is not None and exported.manifest.count == len(receipts)

    applications.save_station(store, actor=CLERK, code="DQ01", name="西城区总工会", now=NOW)
    report = import_batch(store, path, actor="区经办人", now=NOW)
    assert report.ok, report.problems
    assert sorted(report.inserted) == sorted(receipts)
    assert report.duplicates == [] and report.flags == []
    assert details(store) == details(station)

    # The import is in the district's audit trail.
    verification = applications.verify_audit(store)
    assert verification.ok
    # Importing the same file again adds nothing and says so.
    before = counts(store)
    again = import_batch(store, path, actor="区经办人", now=NOW)
    assert again.ok and again.inserted == [] and sorted(again.already) == sorted(receipts)
    after = counts(store)
    assert after["application"] == before["application"]


def test_the_same_claim_from_another_station_is_reported_not_imported(
    station: Store, store: Store, tmp_path: Path
) -> None:
    receipts = fill_station(station)
    path = tmp_path / "batch.xlsx"
    export_batch(station, path, actor=CLERK, now=NOW)
    # The district already holds serial 2's claim, saved at its own counter.
    applications.save_station(store, actor=CLERK, code="DQ01", name="区总", now=NOW)
    first = save(store, 2)
    report = import_batch(store, path, actor=CLERK, now=NOW)
    assert report.ok
    assert len(report.duplicates) == 1
    assert receipts[1] in report.duplicates[0].message and first in report.duplicates[0].message
    assert receipts[1] not in report.inserted
    assert len(report.inserted) == len(receipts) - 1


def test_same_receipt_with_other_content_is_a_conflict_and_nothing_is_imported(
    station: Store, store: Store, tmp_path: Path
) -> None:
    fill_station(station)
    path = tmp_path / "batch.xlsx"
    export_batch(station, path, actor=CLERK, now=NOW)
    # Another database that issued the same receipt number to someone else.
    save(store, 900)
    before = counts(store)
    report = import_batch(store, path, actor=CLERK, now=NOW)
    assert not report.ok and "冲突" in (report.refused or "")
    assert report.problems and "内容不同" in report.problems[0].message
    assert counts(store) == before


def _rewrite(path: Path, target: Path, change: Any) -> None:
    """Read a batch, change its rows, write it again with a fresh (valid) checksum: what a
    station with another policy version or another program would send."""
    book = fmt.read_batch(path)
    rows = [change(list(row)) for row in book.rows]
    fmt.write_batch(target, rows, manifest=book.manifest, total=len(rows))


def test_a_decision_that_differs_is_flagged(station: Store, store: Store, tmp_path: Path) -> None:
    fill_station(station)
    path = tmp_path / "batch.xlsx"
    export_batch(station, path, actor=CLERK, now=NOW)
    changed = tmp_path / "changed.xlsx"

    def more_money(row: list[Any]) -> list[Any]:
        if row[fmt.INDEX["amount"]] == 2400:
            row[fmt.INDEX["amount"]] = 3000
        return row

    _rewrite(path, changed, more_money)
    report = import_batch(store, changed, actor=CLERK, now=NOW)
    assert report.ok
    assert report.flags and all("重新核算" in f.message for f in report.flags)
    assert "3000" in report.flags[0].message


def test_an_unknown_policy_version_is_flagged(station: Store, store: Store, tmp_path: Path) -> None:
    fill_station(station)
    path = tmp_path / "batch.xlsx"
    export_batch(station, path, actor=CLERK, now=NOW)
    changed = tmp_path / "changed.xlsx"

    def other_policy(row: list[Any]) -> list[Any]:
        row[fmt.INDEX["policy_sha256"]] = "0" * 64
        return row

    _rewrite(path, changed, other_policy)
    report = import_batch(store, changed, actor=CLERK, now=NOW)
    assert report.ok
    assert len([f for f in report.flags if "政策文件版本" in f.message]) == 6


def test_cancelling_an_import_leaves_the_database_unchanged(
    station: Store, store: Store, tmp_path: Path
) -> None:
    fill_station(station)
    path = tmp_path / "batch.xlsx"
    export_batch(station, path, actor=CLERK, now=NOW)
    before = counts(store)
    report = import_batch(store, path, actor=CLERK, now=NOW, progress=lambda done, total: False)
    assert report.cancelled and not report.ok
    assert counts(store) == before


def test_cancelling_an_export_leaves_no_file(station: Store, tmp_path: Path) -> None:
    fill_station(station)
    path = tmp_path / "batch.xlsx"
    result = export_batch(station, path, actor=CLERK, progress=lambda done, total: False)
    assert result.cancelled
    assert list(tmp_path.glob("*.xlsx*")) == []


def test_the_exchange_file_has_a_manifest_and_typed_cells(station: Store, tmp_path: Path) -> None:
    receipts = fill_station(station)
    path = tmp_path / "batch.xlsx"
    export_batch(station, path, actor=CLERK, now=NOW)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["申请", "清单"]
    manifest = {row[0]: row[1] for row in book["清单"].iter_rows(values_only=True)}
    assert manifest["服务站代码"] == "XC01"
    assert manifest["申请份数"] == len(receipts)
    assert len(manifest["校验码（SHA-256）"]) == 64
    sheet = book["申请"]
    assert sheet.freeze_panes == "A2"
    header = [c.value for c in sheet[1]]
    assert header == [c.header for c in fmt.COLUMNS]
    assert sheet.cell(2, 2).is_date
    assert isinstance(sheet.cell(2, header.index("补助金额（元）") + 1).value, int)
