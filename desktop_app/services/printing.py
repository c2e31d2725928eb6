"""Use case: print an application's forms (Annex 2, the receipt) as PDF — one or a batch.

Reading the application goes through `ledger_view.application_detail`; each print is an audit
event (`audit_trail.record_event`, action "print", with the form and the copy number) and moves
an application that is 已受理 to 已打印 (`services.status.change_status`).

The copy number is not stored anywhere else: it is derived from the application's own audit
events (the prints of that form before this one), so the audit trail is the one record of what
was printed. The first print of a form is the original; every later one is marked
"补打（第N次）date". (Two counters printing the same form at the same moment could both print
an "original"; both prints are still audited with their copy numbers.)

Steps that can fail come before anything is recorded: the forms are checked (Annex 2 only for
the applications that use it), drawn into memory, and written to a temporary file beside the
target; then the prints are recorded; then the file gets its name. A failed run leaves no
partial file and no print recorded for a PDF that was not written.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from desktop_app.domain.status import ACCEPTED, PRINTED
from desktop_app.domain.text import cn_date
from desktop_app.domain.validators import mask_resident_id
from desktop_app.errors import ClerkError
from desktop_app.printing.fonts import FontSet, default_fonts, describe_missing
from desktop_app.printing.forms import FormSpec, get_form
from desktop_app.printing.money import amount_in_capitals
from desktop_app.printing.render import PageLayout, render
from desktop_app.services.audit_trail import record_event
from desktop_app.services.ledger_view import Detail, application_detail
from desktop_app.services.permissions import acting, require
from desktop_app.services.presenter import (
    applied_on_words,
    date_text,
    finding_verdict,
    grade_label,
    kind_label,
    late_entry_text,
    scheme_name,
)
from desktop_app.services.station_settings import Station, station
from desktop_app.services.status import change_status
from desktop_app.storage.database import Store

AUTO = "auto"
FORM_CHOICES = ("annex2", "receipt")
# How the clerk calls each form (buttons, file names, messages); its full title is in forms/.
FORM_NAMES = {"annex2": "申请表（附件2）", "receipt": "受理回执"}


def form_name(form_id: str) -> str:
    """The form's name as the clerk knows it (附件2…, 受理回执)."""
    return FORM_NAMES.get(form_id, form_id)


class PrintRefusedError(ClerkError):
    """A request refused before anything was drawn or recorded (message for the clerk)."""


class PrintCancelledError(ClerkError):
    """The clerk stopped preparing the forms (progress returned False): nothing was recorded."""

    def __init__(self, message: str = "已取消打印，没有打印也没有记录任何内容。") -> None:
        super().__init__(message)


@dataclass(frozen=True)
class FormChoice:
    """A form one application can print: its id, its name, and whether it applies."""

    id: str
    name: str
    applies: bool
    refusal: str = ""


@dataclass(frozen=True)
class PrintJob:
    """One form of one application: the page it becomes and the copy it is."""

    receipt: str
    form_id: str
    copy: int  # 1 = the original; 2 and up = 补打
    status: str

    @property
    def reprint(self) -> bool:
        return self.copy > 1


@dataclass
class PrintResult:
    pdf: bytes
    jobs: list[PrintJob]
    pages: list[PageLayout]
    missing: list[str]  # characters printed blank: no font has them
    overflows: list[str] = field(default_factory=list)
    path: Path | None = None

    @property
    def warnings(self) -> list[str]:
        notes = []
        if self.missing:
            notes.append(describe_missing(self.missing))
        if self.overflows:
            notes.append(
                "以下内容太长，打印时截短了，请核对：" + "、".join(dict.fromkeys(self.overflows))
            )
        return notes


# --- which form, which copy ------------------------------------------------------------------


def choose_form(detail: Detail, form: str) -> FormSpec:
    """The form to print for this application; `auto`: Annex 2 where it applies, else receipt."""
    scheme, kind = detail.decision["scheme"], detail.certificate["kind"]
    if form == AUTO:
        annex = get_form("annex2")
        return annex if annex.applies(scheme, kind) else get_form("receipt")
    spec = get_form(form)
    if not spec.applies(scheme, kind):
        raise PrintRefusedError(
            f"申请 {detail.row.receipt}（{scheme_name(scheme)}，{kind_label(kind, scheme)}）"
            f"不能打印{spec.name}：{spec.refusal or '该表格不适用于这份申请。'}"
        )
    return spec


def form_choices(store: Store, receipt: str) -> list[FormChoice]:
    """Every printable form (Annex 2, the receipt) and whether it applies to this application."""
    detail = application_detail(store, receipt)
    scheme, kind = detail.decision["scheme"], detail.certificate["kind"]
    choices = []
    for form_id in FORM_CHOICES:
        spec = get_form(form_id)
        applies = spec.applies(scheme, kind)
        refusal = "" if applies else (spec.refusal or "该表格不适用于这份申请。")
        choices.append(FormChoice(spec.id, spec.name, applies, refusal))
    return choices


def _details(event: Mapping[str, Any]) -> dict[str, Any]:
    raw = event.get("details")
    if isinstance(raw, str):
        try:
            loaded = json.loads(raw)
        except ValueError:
            return {}
        return loaded if isinstance(loaded, dict) else {}
    return dict(raw) if isinstance(raw, Mapping) else {}


def print_count(detail: Detail, form_id: str) -> int:
    """How many times this form of this application was printed (its audit events)."""
    return sum(
        1
        for event in detail.events
        if event.get("action") == "print"
        and event.get("entity") == "application"
        and _details(event).get("form") == form_id
    )


# --- the values a form shows ---------------------------------------------------------------------


def reprint_mark(copy: int, on: date) -> str:
    """The mark a reprint carries (补打（第2次）2026年12月3日); '' on the first copy."""
    return f"补打（第{copy}次）{cn_date(on)}" if copy > 1 else ""


# The marks as the forms' fonts draw them.
_PRINTED_MARKS = {"✓": "√", "✗": "×", "…": "…", "！": "！"}


def _mark(finding: Mapping[str, Any]) -> str:
    return finding_verdict(bool(finding.get("passed")), caution=bool(finding.get("caution")))[0]


def form_values(
    detail: Detail, here: Station | None, *, copy: int, printed_on: date
) -> dict[str, str]:
    """Every field a form may show, as text; `detail` read with full numbers."""
    row, member, cert, decision = detail.row, detail.member, detail.certificate, detail.decision
    scheme = decision["scheme"]
    findings = "\n".join(
        f"{_PRINTED_MARKS[_mark(f)]} {f.get('message', '')}" for f in decision.get("findings") or []
    )
    amount = int(decision.get("amount") or 0)
    station_name = row.station_code
    if here is not None and here.code == row.station_code and here.name:
        station_name = here.name
    grade = cert.get("grade")
    return {
        "print.mark": reprint_mark(copy, printed_on),
        "print.date": cn_date(printed_on),
        "application.receipt": row.receipt,
        "application.applied_on": applied_on_words(row),
        "application.late_entry": late_entry_text(row),
        "application.scheme_name": scheme_name(scheme),
        "application.clerk": row.clerk,
        "member.name": member.get("name") or "",
        "member.id_number": member.get("id_number") or "",
        "member.id_number_masked": mask_resident_id(member.get("id_number") or ""),
        "member.card_number": member.get("card_number") or "",
        "member.phone": member.get("phone") or "",
        "member.work_unit": member.get("work_unit") or "",
        "member.position": member.get("position") or "",
        "member.signature": "",
        "certificate.kind_label": kind_label(cert.get("kind") or "", scheme),
        "certificate.occupation": cert.get("occupation") or "",
        "certificate.level_text": row.level,
        "certificate.grade": grade_label(grade) if grade else "",
        "certificate.number": cert.get("number") or "",
        "certificate.approved_on": date_text(cert.get("approved_on")),
        "certificate.issuer": cert.get("issuer") or "",
        "certificate.issued_on": date_text(cert.get("issued_on")),
        "certificate.management_number": cert.get("management_number") or "",
        "decision.result": "符合条件" if decision.get("eligible") else "不符合条件",
        "decision.amount": f"{amount}元",
        "decision.amount_capitals": amount_in_capitals(amount),
        "decision.findings": findings,
        "station.name": station_name,
        "station.full": f"{station_name}（{row.station_code}）"
        if station_name != row.station_code
        else row.station_code,
    }


# --- preview, print, record ---------------------------------------------------------------


def _receipts(receipts: Sequence[str]) -> list[str]:
    cleaned = [r.strip().upper() for r in receipts if r.strip()]
    if not cleaned:
        raise PrintRefusedError("请给出要打印的受理编号。")
    return cleaned


def prepare(
    store: Store,
    receipts: Sequence[str],
    *,
    form: str = AUTO,
    now: datetime | None = None,
    fonts: FontSet | None = None,
    progress: Callable[[int, int], bool] | None = None,
) -> PrintResult:
    """Draw the forms as they would print now (copy numbers included); records nothing.

    This is the print preview; `record_prints` then records what was printed.
    `progress(done, total)` is told after each application is read; when it returns False the
    preparing stops with PrintCancelledError."""
    moment = now or datetime.now()
    here = station(store)
    planned: list[tuple[FormSpec, dict[str, str]]] = []
    jobs: list[PrintJob] = []
    refusals: list[str] = []
    counts: dict[tuple[str, str], int] = {}
    wanted = _receipts(receipts)
    for done, receipt in enumerate(wanted, start=1):
        detail = application_detail(store, receipt, full_numbers=True)
        if progress is not None and not progress(done, len(wanted)):
            raise PrintCancelledError()
        try:
            spec = choose_form(detail, form)
        except PrintRefusedError as exc:
            refusals.append(exc.message)
            continue
        key = (detail.row.receipt, spec.id)
        counts[key] = counts.get(key, print_count(detail, spec.id)) + 1
        copy = counts[key]
        planned.append((spec, form_values(detail, here, copy=copy, printed_on=moment.date())))
        jobs.append(PrintJob(detail.row.receipt, spec.id, copy, detail.row.status))
    if refusals:
        raise PrintRefusedError("\n".join(refusals))
    rendered = render(planned, fonts=fonts or default_fonts(), title=planned[0][0].name)
    if progress is not None and not progress(len(wanted), len(wanted)):
        raise PrintCancelledError()  # stopped while the pages were drawn
    return PrintResult(rendered.pdf, jobs, rendered.pages, rendered.missing, rendered.overflows)


def warm_up() -> bytes:
    """Make the first print as quick as the later ones: import reportlab, read the forms, load
    the forms' font and draw each form once (empty); the PDF drawn. The window runs this off
    the GUI thread once it is up. The fallback faces (rare characters) still load when a text
    first needs them: together they would add about 20 MB to every idle window."""
    fonts = default_fonts()
    fonts.primary.load()
    forms = [get_form(form_id) for form_id in FORM_CHOICES]
    return render([(spec, {}) for spec in forms], fonts=fonts).pdf


def record_prints(
    store: Store, jobs: Sequence[PrintJob], *, actor: str, now: datetime | None = None
) -> None:
    """Audit each printed page and move 已受理 applications to 已打印."""
    require(store, "application.print", now=now)
    actor = acting(store, actor)
    moment = (now or datetime.now()).replace(microsecond=0)
    moved: set[str] = set()
    for job in jobs:
        record_event(
            store,
            actor=actor,
            action="print",
            entity="application",
            entity_ref=job.receipt,
            details={"form": job.form_id, "copy": job.copy, "reprint": job.reprint},
            now=moment,
        )
        if job.status == ACCEPTED and job.receipt not in moved:
            change_status(store, job.receipt, PRINTED, actor=actor, now=moment)
            moved.add(job.receipt)


def write_atomically(path: Path, data: bytes) -> Path:
    """Write into a temporary file beside `path`; return it (the caller renames it)."""
    folder = path.parent if str(path.parent) else Path()
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return Path(temp)


def print_to_file(
    store: Store,
    receipts: Sequence[str],
    out: Path,
    *,
    actor: str,
    form: str = AUTO,
    now: datetime | None = None,
    fonts: FontSet | None = None,
) -> PrintResult:
    """Print the forms of `receipts` into one PDF at `out`, recording each print."""
    moment = (now or datetime.now()).replace(microsecond=0)
    result = prepare(store, receipts, form=form, now=moment, fonts=fonts)
    return save_prepared(store, result, out, actor=actor, now=moment)


def save_prepared(
    store: Store, result: PrintResult, out: Path, *, actor: str, now: datetime | None = None
) -> PrintResult:
    """Save a prepared PDF (the preview's) at `out` whole or not at all, recording each print."""
    if out.is_dir():
        raise PrintRefusedError(f"{out} 是一个文件夹，请给出 PDF 文件名。")
    try:
        temp = write_atomically(out, result.pdf)
    except FileNotFoundError:
        raise PrintRefusedError(f"文件夹 {out.parent} 不存在。") from None
    try:
        record_prints(store, result.jobs, actor=actor, now=now)
        temp.replace(out)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    result.path = out
    return result


__all__ = [
    "AUTO",
    "FORM_CHOICES",
    "FormChoice",
    "PrintCancelledError",
    "PrintJob",
    "PrintRefusedError",
    "PrintResult",
    "choose_form",
    "form_choices",
    "form_values",
    "prepare",
    "print_count",
    "print_to_file",
    "record_prints",
    "reprint_mark",
    "save_prepared",
    "warm_up",
]
