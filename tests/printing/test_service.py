"""Printing as a use case: originals and reprints (补打 with count and date), audit events,
status 已受理 → 已打印, refusals, and files written whole or not at all (SQLite store)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from pypdf import PdfReader

from desktop_app.services import audit_trail, ledger_view, station_settings
from desktop_app.services import printing as service
from desktop_app.services import status as status_service
from desktop_app.services.printing import PrintRefusedError, prepare, print_to_file
from tests.printing.conftest import CLERK, NOW, qualification, save, social_worker

LATER = datetime(2026, 11, 23, 15, 0, 0)


@pytest.fixture
def outdir(tmp_path: Path) -> Path:
    """Where the PDFs go (the store's data folder is elsewhere in tmp_path)."""
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


def prints(store, receipt: str) -> list[dict]:
    detail = ledger_view.application_detail(store, receipt)
    return [json.loads(e["details"]) for e in detail.events if e["action"] == "print"]


def test_first_print_is_the_original_and_moves_the_application_to_printed(store, outdir) -> None:
    receipt = save(store, social_worker(1))
    out = outdir / "annex2.pdf"
    result = print_to_file(store, [receipt], out, actor=CLERK, form="annex2", now=NOW)
    assert result.path == out and out.read_bytes() == result.pdf
    assert [(j.form_id, j.copy, j.reprint) for j in result.jobs] == [("annex2", 1, False)]
    assert result.pages[0].find("print.mark").text == ""
    assert "补打" not in PdfReader(out).pages[0].extract_text()
    assert prints(store, receipt) == [{"copy": 1, "form": "annex2", "reprint": False}]
    detail = ledger_view.application_detail(store, receipt)
    assert detail.row.status_label == "已打印"
    assert [h["to_label"] for h in detail.history] == ["已受理", "已打印"]
    assert audit_trail.verify_audit(store).ok


def test_later_prints_are_marked_reprint_with_count_and_date(store, outdir) -> None:
    receipt = save(store, social_worker(1))
    print_to_file(store, [receipt], outdir / "1.pdf", actor=CLERK, form="annex2", now=NOW)
    second = print_to_file(
        store, [receipt], outdir / "2.pdf", actor=CLERK, form="annex2", now=LATER
    )
    assert second.jobs[0].copy == 2 and second.jobs[0].reprint
    text = PdfReader(outdir / "2.pdf").pages[0].extract_text()
    assert "补打（第2次）2026年11月23日" in text
    third = print_to_file(store, [receipt], outdir / "3.pdf", actor=CLERK, form="annex2", now=LATER)
    assert third.pages[0].find("print.mark").text == "补打（第3次）2026年11月23日"
    assert [p["copy"] for p in prints(store, receipt)] == [1, 2, 3]
    detail = ledger_view.application_detail(store, receipt)
    assert [h["to_label"] for h in detail.history] == ["已受理", "已打印"]  # moved once only


def test_each_form_counts_its_own_copies(store, outdir) -> None:
    receipt = save(store, social_worker(1))
    print_to_file(store, [receipt], outdir / "a.pdf", actor=CLERK, form="annex2", now=NOW)
    result = print_to_file(store, [receipt], outdir / "r.pdf", actor=CLERK, form="receipt", now=NOW)
    assert result.jobs[0].copy == 1 and not result.jobs[0].reprint


def test_the_same_application_twice_in_a_batch_is_an_original_and_a_reprint(store, outdir) -> None:
    receipt = save(store, social_worker(1))
    result = print_to_file(
        store, [receipt, receipt], outdir / "b.pdf", actor=CLERK, form="receipt", now=NOW
    )
    assert [j.copy for j in result.jobs] == [1, 2]


def test_a_status_past_accepted_is_left_as_it_is(store, outdir) -> None:
    receipt = save(store, social_worker(1))
    status_service.change_status(store, receipt, "已打印", actor=CLERK, now=NOW)
    status_service.change_status(store, receipt, "已报送", actor=CLERK, now=NOW)
    print_to_file(store, [receipt], outdir / "x.pdf", actor=CLERK, form="receipt", now=NOW)
    assert ledger_view.application_detail(store, receipt).row.status_label == "已报送"
    assert len(prints(store, receipt)) == 1


def test_preview_records_nothing(store) -> None:
    receipt = save(store, social_worker(1))
    result = prepare(store, [receipt], form="annex2", now=NOW)
    assert result.pdf.startswith(b"%PDF")
    assert prints(store, receipt) == []
    assert ledger_view.application_detail(store, receipt).row.status_label == "已受理"


def test_annex2_is_refused_for_an_application_that_does_not_use_it(store, outdir) -> None:
    receipt = save(store, qualification(2))
    out = outdir / "no.pdf"
    with pytest.raises(PrintRefusedError, match="只用于2016年职业发展助推计划") as caught:
        print_to_file(store, [receipt], out, actor=CLERK, form="annex2", now=NOW)
    assert receipt in caught.value.message
    assert not out.exists() and list(outdir.iterdir()) == []
    assert prints(store, receipt) == []


def test_a_batch_with_one_refusal_prints_nothing(store, outdir) -> None:
    good = save(store, social_worker(1))
    bad = save(store, qualification(2))
    with pytest.raises(PrintRefusedError):
        print_to_file(store, [good, bad], outdir / "b.pdf", actor=CLERK, form="annex2", now=NOW)
    assert prints(store, good) == [] and list(outdir.iterdir()) == []


def test_auto_chooses_annex2_where_it_applies_else_the_receipt(store) -> None:
    sw = save(store, social_worker(1))
    q = save(store, qualification(2))
    result = prepare(store, [sw, q], now=NOW)
    assert [j.form_id for j in result.jobs] == ["annex2", "receipt"]


def test_a_failure_while_recording_leaves_no_file(store, outdir, monkeypatch) -> None:
    receipt = save(store, social_worker(1))
    out = outdir / "fail.pdf"

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(service, "record_prints", broken)
    with pytest.raises(OSError):
        print_to_file(store, [receipt], out, actor=CLERK, now=NOW)
    assert list(outdir.iterdir()) == []  # neither the PDF nor its temporary file


def test_an_existing_file_is_replaced_whole(store, outdir) -> None:
    receipt = save(store, social_worker(1))
    out = outdir / "same.pdf"
    out.write_bytes(b"old")
    print_to_file(store, [receipt], out, actor=CLERK, now=NOW)
    assert out.read_bytes().startswith(b"%PDF") and len(list(outdir.iterdir())) == 1


def test_missing_folder_is_refused(store, outdir) -> None:
    receipt = save(store, social_worker(1))
    with pytest.raises(PrintRefusedError, match="不存在"):
        print_to_file(store, [receipt], outdir / "nope" / "x.pdf", actor=CLERK, now=NOW)
    assert prints(store, receipt) == []


def test_a_name_character_no_font_has_is_warned_about(store) -> None:
    receipt = save(store, social_worker(1, name="张\U00030000"))
    result = prepare(store, [receipt], form="annex2", now=NOW)
    assert result.missing == ["\U00030000"]
    assert any("\U00030000" in w and "手写" in w for w in result.warnings)


def test_every_field_a_form_uses_is_provided(store) -> None:
    from desktop_app.printing import available_forms, get_form

    receipt = save(store, social_worker(1))
    detail = ledger_view.application_detail(store, receipt, full_numbers=True)
    values = service.form_values(
        detail, station_settings.station(store), copy=1, printed_on=NOW.date()
    )
    for form_id in available_forms():
        assert get_form(form_id).fields <= set(values), form_id


def test_unknown_receipt_is_not_found(store, outdir) -> None:
    from desktop_app.storage.errors import NotFoundError

    with pytest.raises(NotFoundError):
        print_to_file(store, ["XC01-20261121-9999"], outdir / "x.pdf", actor=CLERK, now=NOW)
    assert list(outdir.iterdir()) == []


def test_paths_relative_to_the_working_folder(store, outdir, monkeypatch) -> None:
    receipt = save(store, social_worker(1))
    monkeypatch.chdir(outdir)
    print_to_file(store, [receipt], Path("here.pdf"), actor=CLERK, now=NOW)
    assert (outdir / "here.pdf").is_file()
