"""Station → district exchange: export, then import into another database (SQLite and
PostgreSQL), duplicates from another station, conflicts, decisions that differ, cancelling."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl

from desktop_app.domain.ledger_filter import LedgerFilter
from desktop_app.domain.status import WITHDRAWN as WITHDRAWN_STATUS
from desktop_app.exchange import batch as fmt
from desktop_app.services import audit_trail, ledger_view, station_settings
from desktop_app.services.exchange import export_batch, import_batch
from desktop_app.storage.database import Store
from tests.exchange.conftest import CLERK, NOW, counts, fill_station, save, station_key


def details(store: Store) -> dict[str, dict[str, Any]]:
    """Every application as its detail view shows it, minus the audit events."""
    rows = ledger_view.ledger(store, LedgerFilter(), limit=1000)
    result = {}
    for row in rows:
        detail = ledger_view.application_detail(store, row.receipt, full_numbers=True).to_dict()
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

    station_settings.save_station(store, actor=CLERK, code="DQ01", name="西城区总工会", now=NOW)
    report = import_batch(store, path, actor="区经办人", now=NOW)
    assert report.ok, report.problems
    assert sorted(report.inserted) == sorted(receipts)
    assert report.duplicates == [] and report.flags == []
    assert details(store) == details(station)

    # The import is in the district's audit trail.
    verification = audit_trail.verify_audit(store)
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
    station_settings.save_station(store, actor=CLERK, code="DQ01", name="区总", now=NOW)
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
    fmt.write_batch(
        target, rows, manifest=book.manifest, total=len(rows), signer=station_key(target.parent)
    )


def test_a_decision_that_differs_is_held_not_stored_as_the_stations(
    station: Store, store: Store, tmp_path: Path
) -> None:
    """The station's file (signed: another program, or a station that changed its amounts)
    says 3000 where the district computes 2400: that row is held (导入待核) with both amounts,
    never stored with the station's amount; the rest of the file imports."""
    from desktop_app.services.exchange import held_rows

    receipts = fill_station(station)
    path = tmp_path / "batch.xlsx"
    export_batch(station, path, actor=CLERK, now=NOW)
    changed = tmp_path / "changed.xlsx"
    raised: list[str] = []

    def more_money(row: list[Any]) -> list[Any]:
        if row[fmt.INDEX["amount"]] == 2400:
            row[fmt.INDEX["amount"]] = 3000
            raised.append(row[fmt.INDEX["receipt"]])
        return row

    _rewrite(path, changed, more_money)
    assert raised
    report = import_batch(store, changed, actor=CLERK, now=NOW)
    assert report.ok
    assert sorted(report.inserted) == sorted(set(receipts) - set(raised))
    assert len(report.held) == len(raised)
    assert "3000 元" in report.held[0].message and "2400 元" in report.held[0].message
    stored = {row.receipt for row in ledger_view.ledger(store, LedgerFilter(), limit=100)}
    assert not stored & set(raised)  # not in the ledger at all, so not with 3000
    held = held_rows.held_rows(store)
    assert [(h.receipt, h.station_amount, h.recomputed_amount) for h in held] == [
        (r, 3000, 2400) for r in raised
    ]
    # Importing the same file again holds nothing twice and adds nothing.
    again = import_batch(store, changed, actor=CLERK, now=NOW)
    assert again.ok and again.inserted == [] and again.held == []
    assert sorted(again.already_held) == sorted(raised)


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


def test_a_file_from_a_station_not_yet_updated_is_not_flagged(
    station: Store, store: Store, tmp_path: Path
) -> None:
    """Decisions computed with a policy file this version replaced name its fingerprint; the
    district still finds that file (resources/policies/superseded/) and decides with it."""
    from desktop_app.services.policies import policy_set

    old = {p.id: p.sha256 for p in policy_set().superseded}
    fill_station(station)
    path = tmp_path / "batch.xlsx"
    export_batch(station, path, actor=CLERK, now=NOW)
    changed = tmp_path / "before-update.xlsx"

    def computed_before(row: list[Any]) -> list[Any]:
        row[fmt.INDEX["policy_sha256"]] = old[row[fmt.INDEX["scheme"]]]
        return row

    _rewrite(path, changed, computed_before)
    report = import_batch(store, changed, actor=CLERK, now=NOW)
    assert report.ok and len(report.inserted) == 6
    assert report.flags == []


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


def test_the_export_reads_the_same_values_as_the_stored_applications(station: Store) -> None:
    """The export reads plain rows (not ORM objects): the same values as `application_row`."""
    from sqlalchemy import select
    from sqlalchemy.orm import selectinload

    from desktop_app.services.exchange import application_row, batch_rows
    from desktop_app.storage.models import Application

    fill_station(station)
    streamed = list(batch_rows(station, LedgerFilter(), "XC01", page=4))
    with station.session() as session:
        apps = session.execute(
            select(Application)
            .order_by(Application.id)
            .options(selectinload(Application.history), selectinload(Application.member))
        ).scalars()
        expected = [application_row(app, app.decision) for app in apps]
    assert len(streamed) == 6
    assert streamed == expected


def test_the_checksum_is_the_hash_of_the_canonical_rows(station: Store, tmp_path: Path) -> None:
    """The checksum (built value by value, documents encoded once) is SHA-256 over each
    row's canonical JSON and a newline: files exported before keep verifying."""
    import hashlib

    fill_station(station)
    path = tmp_path / "batch.xlsx"
    export_batch(station, path, actor=CLERK, now=NOW)
    book = fmt.read_batch(path)
    expected = hashlib.sha256(b"".join(fmt.canonical(row) + b"\n" for row in book.rows))
    checksum = fmt.Checksum()
    for row in [*book.rows, *book.rows]:  # the same document objects again
        checksum.add(row)
    twice = hashlib.sha256(b"".join(fmt.canonical(row) + b"\n" for row in book.rows * 2))
    assert book.manifest.checksum == expected.hexdigest()
    assert checksum.hexdigest() == twice.hexdigest()
    assert '"XC01"' in fmt.canonical(book.rows[0]).decode()  # texts as JSON strings


# --- the import streams: rows are inserted in chunks inside the file's one transaction ---------


def _small_chunks(monkeypatch: Any) -> None:
    from desktop_app.services.exchange import batch_import as service

    monkeypatch.setattr(service, "INSERT_CHUNK", 2)
    monkeypatch.setattr(service, "PROGRESS_EVERY", 1)


def test_a_bad_last_row_rolls_back_the_chunks_already_inserted(
    station: Store, store: Store, tmp_path: Path, monkeypatch: Any
) -> None:
    _small_chunks(monkeypatch)
    fill_station(station)
    path = tmp_path / "batch.xlsx"
    export_batch(station, path, actor=CLERK, now=NOW)
    rows = list(fmt.read_batch(path).rows)
    last = len(rows) - 1

    def bad_last_id(row: list[Any]) -> list[Any]:
        if row[fmt.INDEX["receipt"]] == rows[last][fmt.INDEX["receipt"]]:
            number = row[fmt.INDEX["id_number"]]
            row[fmt.INDEX["id_number"]] = number[:-1] + ("0" if number[-1] != "0" else "1")
        return row

    changed = tmp_path / "changed.xlsx"
    _rewrite(path, changed, bad_last_id)
    before = counts(store)
    report = import_batch(store, changed, actor=CLERK, now=NOW)
    assert report.refused and [p.row for p in report.problems] == [last + 2]
    assert report.inserted == [] and report.flags == []
    assert counts(store) == before


def test_a_changed_cell_found_at_the_end_rolls_back_the_chunks(
    station: Store, store: Store, tmp_path: Path, monkeypatch: Any
) -> None:
    _small_chunks(monkeypatch)
    fill_station(station)
    path = tmp_path / "batch.xlsx"
    export_batch(station, path, actor=CLERK, now=NOW)
    book = openpyxl.load_workbook(path)
    sheet = book["申请"]
    header = [c.value for c in sheet[1]]
    sheet.cell(sheet.max_row, header.index("电话") + 1).value = "13900000000"
    changed = tmp_path / "changed.xlsx"
    book.save(changed)
    before = counts(store)
    report = import_batch(store, changed, actor=CLERK, now=NOW)
    assert report.refused and any("校验码" in p.message for p in report.problems)
    assert counts(store) == before


def test_cancelling_after_some_chunks_leaves_the_database_unchanged(
    station: Store, store: Store, tmp_path: Path, monkeypatch: Any
) -> None:
    _small_chunks(monkeypatch)
    fill_station(station)
    path = tmp_path / "batch.xlsx"
    export_batch(station, path, actor=CLERK, now=NOW)
    seen: list[tuple[int, int]] = []

    def stop_at_five(done: int, total: int) -> bool:
        seen.append((done, total))
        return done < 5

    before = counts(store)
    report = import_batch(store, path, actor=CLERK, now=NOW, progress=stop_at_five)
    assert report.cancelled and report.inserted == []
    assert seen[:5] == [(n, 6) for n in range(1, 6)]
    assert counts(store) == before


def test_a_claim_repeated_in_a_later_chunk_is_reported_as_a_duplicate(
    station: Store, store: Store, tmp_path: Path, monkeypatch: Any
) -> None:
    _small_chunks(monkeypatch)
    fill_station(station)
    path = tmp_path / "batch.xlsx"
    export_batch(station, path, actor=CLERK, now=NOW)
    book = fmt.read_batch(path)
    # A returned application holds no claim: copy the first that is not returned.
    first = next(list(row) for row in book.rows if row[fmt.INDEX["status"]] != WITHDRAWN_STATUS)
    copy = list(first)
    copy[fmt.INDEX["receipt"]] = first[fmt.INDEX["receipt"]] + "9"
    rows = [list(row) for row in book.rows] + [copy]
    target = tmp_path / "twice.xlsx"
    fmt.write_batch(
        target, rows, manifest=book.manifest, total=len(rows), signer=station_key(target.parent)
    )
    station_settings.save_station(store, actor=CLERK, code="DQ01", name="西城区总工会", now=NOW)
    report = import_batch(store, target, actor=CLERK, now=NOW)
    assert report.ok, [p.describe() for p in report.problems]
    assert len(report.inserted) == 6
    (duplicate,) = report.duplicates
    assert duplicate.row == 8 and first[fmt.INDEX["receipt"]] in duplicate.message
    assert copy[fmt.INDEX["receipt"]] not in report.inserted


# Texts a spreadsheet program could take for the start of a formula: the export writes them as
# text, and the import must read them back as text (only a real <f> cell is a formula).
FORMULA_LIKE = {
    "member.name": "=王伟",
    "member.work_unit": "+86北京某物业公司",
    "member.position": "-维修工",
    "certificate.number": "@S0001",
    "certificate.issuer": '=HYPERLINK("http://x")',
    "late_entry_reason": "-纸质登记表已按时受理，补录",
}


def test_texts_that_begin_like_formulas_come_back_as_the_same_texts(
    station: Store, store: Store, tmp_path: Path
) -> None:
    receipts = [save(station, 11, **FORMULA_LIKE)]
    for n, (field, value) in enumerate(FORMULA_LIKE.items()):
        receipts.append(save(station, 12 + n, **{field: value}))
    path = tmp_path / "batch.xlsx"
    export_batch(station, path, actor=CLERK, now=NOW)
    # The cells are texts in the file, as Excel and WPS will show them.
    sheet = openpyxl.load_workbook(path)["申请"]
    header = [cell.value for cell in sheet[1]]
    first = {header[n]: cell for n, cell in enumerate(sheet[2])}
    assert first["姓名"].value == "=王伟" and first["姓名"].data_type == "s"
    assert first["签发单位"].data_type == "s"

    station_settings.save_station(store, actor=CLERK, code="DQ01", name="西城区总工会", now=NOW)
    report = import_batch(store, path, actor="区经办人", now=NOW)
    assert report.ok, report.problems
    assert sorted(report.inserted) == sorted(receipts)
    assert details(store) == details(station)
    shown = details(store)[receipts[0]]
    assert shown["member"]["name"] == "=王伟"
    assert shown["member"]["work_unit"] == "+86北京某物业公司"
