"""Page 1 of Annex 2 and of the receipt, rendered to PNG (pdftoppm, poppler-utils), against
reviewed reference images in tests/printing/reference/ within a tolerance.

Regenerate after an intended change of layout (then look at the images before committing):
    UPDATE_REFERENCES=1 .venv/bin/python -m pytest tests/printing/test_images.py
Without pdftoppm the comparison is skipped with the reason, except under CI (CI=true), where it
fails: the Makefile installs poppler-utils.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageStat

from desktop_app.printing import get_form, render
from tests.printing.conftest import LONG_UNIT

REFERENCE = Path(__file__).parent / "reference"
DPI = 72
MEAN_TOLERANCE = 0.5  # mean absolute difference, grey levels 0–255
PIXEL_SHARE = (
    0.0003  # share of pixels allowed to differ by more than 64 grey levels (a name is ~0.05 %)
)

ANNEX2_VALUES = {
    "member.name": "李𠮷䶮",
    "member.id_number": "110105198001010016",
    "member.card_number": "6217000010001234569",
    "member.phone": "13800138000",
    "member.work_unit": LONG_UNIT,
    "member.position": "专职工会社会工作者",
    "certificate.grade": "社会工作师（中级）",
    "certificate.number": "2016110000123",
    "certificate.approved_on": "2016年6月1日",
    "certificate.issuer": "北京市人力资源和社会保障局",
    "certificate.issued_on": "2016年6月15日",
    "certificate.management_number": "",  # blank: written by hand
    "print.mark": "补打（第2次）2026年11月21日",
}

RECEIPT_VALUES = {
    "station.name": "西城区某街道工会服务站",
    "print.mark": "",
    "application.receipt": "XC01-20261121-0001",
    "application.applied_on": "2026年11月18日（补录）",
    "application.late_entry": "补录：登记日期2026年11月18日，2026年11月21日由王柜员录入；"
    "补录原因：纸质登记表已于当日受理，系统停电未能录入",
    "member.name": "张伟",
    "member.id_number_masked": "110105********0015",
    "application.scheme_name": "2026年北京市职工职业技能提升补助",
    "certificate.kind_label": "职业技能等级证书",
    "certificate.level_text": "四级（中级工）",
    "certificate.occupation": "无人机驾驶员",
    "decision.result": "符合条件",
    "decision.amount": "1800元",
    "decision.amount_capitals": "壹仟捌佰元整",
    "decision.findings": "√ 本方案受理“职业技能等级证书”\n√ 无人机驾驶员列于补助目录A档\n"
    "√ 持有京卡·互助服务卡（尾号4569）\n√ 四级（中级工）：补助 1800 元",
    "station.full": "西城区某街道工会服务站（XC01）",
    "application.clerk": "王柜员",
    "print.date": "2026年11月21日",
}


def _pdftoppm() -> str:
    tool = shutil.which("pdftoppm")
    if tool is None:
        reason = "pdftoppm 不在本机（Debian：apt-get install poppler-utils，或 make system-deps）"
        if os.environ.get("CI"):
            pytest.fail(reason + "；CI 中不允许跳过")
        pytest.skip(reason)
    return tool


def page_png(pdf: bytes, folder: Path, name: str) -> Path:
    source = folder / f"{name}.pdf"
    source.write_bytes(pdf)
    subprocess.run(
        [_pdftoppm(), "-r", str(DPI), "-gray", "-png", "-singlefile", "-f", "1", "-l", "1",
         str(source), str(folder / name)],
        check=True,
        timeout=60,
    )  # fmt: skip
    return folder / f"{name}.png"


@pytest.mark.parametrize(
    ("form_id", "values"), [("annex2", ANNEX2_VALUES), ("receipt", RECEIPT_VALUES)]
)
def test_page_matches_the_reviewed_reference(form_id: str, values: dict, tmp_path: Path) -> None:
    rendered = render([(get_form(form_id), values)])
    png = page_png(rendered.pdf, tmp_path, form_id)
    reference = REFERENCE / f"{form_id}.png"
    if os.environ.get("UPDATE_REFERENCES"):
        REFERENCE.mkdir(exist_ok=True)
        shutil.copyfile(png, reference)
    got = Image.open(png).convert("L")
    want = Image.open(reference).convert("L")
    assert got.size == want.size
    diff = ImageChops.difference(got, want)
    mean = ImageStat.Stat(diff).mean[0]
    far = sum(diff.histogram()[65:]) / (diff.width * diff.height)
    assert mean <= MEAN_TOLERANCE, f"{form_id}: mean difference {mean:.2f} (see {png})"
    assert far <= PIXEL_SHARE, f"{form_id}: {far:.2%} of pixels differ (see {png})"


def test_the_comparison_notices_a_change(tmp_path: Path) -> None:
    """A moved or missing value is beyond the tolerance (so the test above can fail)."""
    changed = dict(ANNEX2_VALUES, **{"member.name": "", "member.phone": "010-66668888 转 1234"})
    png = page_png(render([(get_form("annex2"), changed)]).pdf, tmp_path, "changed")
    diff = ImageChops.difference(
        Image.open(png).convert("L"), Image.open(REFERENCE / "annex2.png").convert("L")
    )
    far = sum(diff.histogram()[65:]) / (diff.width * diff.height)
    assert far > PIXEL_SHARE


@pytest.mark.parametrize(
    ("form_id", "values"), [("annex2", ANNEX2_VALUES), ("receipt", RECEIPT_VALUES)]
)
def test_pdffonts_finds_every_font_embedded(form_id: str, values: dict, tmp_path: Path) -> None:
    """As a print shop's preflight reads it: `pdffonts` lists no font that is not embedded,
    on any page (two pages: each starts with its own font selection)."""
    tool = shutil.which("pdffonts") or _pdftoppm().replace("pdftoppm", "pdffonts")
    rendered = render([(get_form(form_id), values)] * 2)
    source = tmp_path / f"{form_id}.pdf"
    source.write_bytes(rendered.pdf)
    listing = subprocess.run(
        [tool, str(source)], check=True, capture_output=True, text=True, timeout=60
    ).stdout.splitlines()
    header = listing[0].split()
    emb = header.index("emb")
    fonts = [line for line in listing[2:] if line.strip()]
    assert fonts  # the Song face (and for Annex 2 its fallbacks)
    for line in fonts:
        fields = line.split()
        # (a name has no spaces; the type may: "CID TrueType")
        assert fields[emb - len(header)] == "yes", f"not embedded: {line}"
        assert "Helvetica" not in line
