"""The PDF read back (pypdf): page size, every label and value present and inside its cell,
fonts embedded, stamp boxes, rare characters, missing characters, long and empty values."""

from __future__ import annotations

import io
import re
from collections import defaultdict

import pytest
from pypdf import PdfReader

from desktop_app.printing import get_form, render
from desktop_app.printing.forms import MM
from desktop_app.printing.render import PageLayout, Placed, Rendered
from desktop_app.services.printing import prepare
from tests.printing.conftest import (
    LONG_UNIT,
    NOW,
    Fragment,
    fragments,
    make_id,
    qualification,
    save,
    social_worker,
)

A4 = (595.2756, 841.8898)
NOT_IN_ANY_FONT = "\U00030000"


def _owner(layout: PageLayout, frag: Fragment) -> Placed | None:
    for item in layout.placed:
        for ink in item.ink:
            if ink.contains(frag.x, frag.y, tolerance=0.5):
                return item
    return None


def check_page(rendered: Rendered, page: int = 0) -> dict[str, str]:
    """Every fragment belongs to one placed item and lies inside its cell; return item texts."""
    layout = rendered.pages[page]
    texts: dict[str, str] = defaultdict(str)
    for frag in fragments(rendered.pdf, page):
        item = _owner(layout, frag)
        assert item is not None, (
            f"text {frag.text!r} at ({frag.x:.1f}, {frag.y:.1f}) is outside every cell"
        )
        assert item.rect.contains(frag.x, frag.y), f"{frag.text!r} outside {item.key}"
        texts[item.key] += frag.text
    for item in layout.placed:
        for ink in item.ink:
            assert item.rect.contains_rect(ink, tolerance=0.5), f"{item.key} overflows its cell"
        expected = re.sub(r"\s", "", "".join(item.lines).replace("…", ""))
        for ch in rendered.missing:
            expected = expected.replace(ch, "")
        got = re.sub(r"\s", "", texts.get(item.key, "")).replace("…", "")
        assert got == expected, f"{item.key}: printed {got!r}, expected {expected!r}"
    return dict(texts)


def no_overlaps(layout: PageLayout) -> None:
    inks = [(item.key, ink) for item in layout.placed for ink in item.ink]
    for i, (key_a, a) in enumerate(inks):
        for key_b, b in inks[i + 1 :]:
            if key_a == key_b:
                continue
            overlap_x = min(a.x1, b.x1) - max(a.x0, b.x0)
            overlap_y = min(a.y1, b.y1) - max(a.y0, b.y0)
            assert overlap_x <= 0.5 or overlap_y <= 0.5, f"{key_a} overlaps {key_b}"


@pytest.fixture
def annex(store) -> Rendered:
    receipt = save(store, social_worker(1, name="李𠮷䶮", work_unit=LONG_UNIT))
    result = prepare(store, [receipt], form="annex2", now=NOW)
    return Rendered(result.pdf, result.pages, result.missing, result.overflows)


def test_page_is_a4_portrait(annex: Rendered) -> None:
    box = PdfReader(io.BytesIO(annex.pdf)).pages[0].mediabox
    assert float(box.width) == pytest.approx(A4[0], abs=0.1)
    assert float(box.height) == pytest.approx(A4[1], abs=0.1)


def test_every_label_and_value_is_printed_inside_its_cell(annex: Rendered) -> None:
    texts = check_page(annex)
    layout = annex.pages[0]
    no_overlaps(layout)
    labels = [p.text for p in layout.placed if p.kind == "label"]
    for label in ("姓名", "身份证号", "工会会员互助服务卡卡号", "联系电话", "工作单位", "职务",
                  "水平级别", "编号", "批准日期", "签发单位", "签发日期", "管理号"):  # fmt: skip
        assert label in labels
    assert texts["member.id_number"] == "110105198001010016"
    assert texts["certificate.grade"] == "社会工作师（中级）"
    assert texts["certificate.approved_on"] == "2016年6月1日"
    assert texts["member.card_number"] == "6217000010001234569"
    assert texts["text:附件2"] == "附件2"
    assert annex.missing == [] and annex.overflows == []


def test_rare_name_characters_come_back_as_themselves(annex: Rendered) -> None:
    texts = check_page(annex)
    assert texts["member.name"] == "李𠮷䶮"
    assert "李𠮷䶮" in PdfReader(io.BytesIO(annex.pdf)).pages[0].extract_text()


def test_a_forty_character_work_unit_stays_inside_its_cell(annex: Rendered) -> None:
    item = annex.pages[0].find("member.work_unit")
    assert "".join(item.lines) == LONG_UNIT
    assert len(item.lines) >= 1 and not item.overflow
    assert item.size >= get_form("annex2").min_font_size
    assert item.size < get_form("annex2").font_size  # it had to shrink
    for ink in item.ink:
        assert item.rect.contains_rect(ink)
    check_page(annex)


def test_every_font_is_embedded(annex: Rendered) -> None:
    page = PdfReader(io.BytesIO(annex.pdf)).pages[0]
    fonts = page["/Resources"]["/Font"]
    assert len(fonts) >= 3  # the Song face and both fallbacks (𠮷, 䶮)
    for name in fonts:
        font = fonts[name].get_object()
        # Not even reportlab's initial font (Helvetica, unembedded) is named: every page
        # starts in the forms' own face (printing/render.py).
        assert font["/Subtype"] != "/Type1", f"{font['/BaseFont']} is not embedded"
        descriptor = font["/FontDescriptor"].get_object()
        assert "/FontFile2" in descriptor, f"{font['/BaseFont']} is not embedded"
        assert "/ToUnicode" in font


def test_no_font_but_embedded_ones_draws_text(annex: Rendered) -> None:
    page = PdfReader(io.BytesIO(annex.pdf)).pages[0]
    used = set(re.findall(rb"/(F\d+\+\d+|F\d+) [\d.]+ Tf", page.get_contents().get_data()))
    fonts = page["/Resources"]["/Font"]
    for name in used:
        font = fonts["/" + name.decode()].get_object()
        assert "/FontFile2" in font["/FontDescriptor"].get_object()


def test_stamp_boxes_are_at_least_50_mm_with_room_for_a_42_mm_seal(annex: Rendered) -> None:
    stamps = [p for p in annex.pages[0].placed if p.kind == "stamp"]
    assert [s.text for s in stamps] == ["所在单位意见（并盖章）：", "区总工会意见（并盖章）："]
    for stamp in stamps:
        assert stamp.rect.width >= 50 * MM and stamp.rect.height >= 50 * MM
        assert stamp.seal is not None and not stamp.overflow
        assert stamp.seal.width >= 42 * MM - 0.01 and stamp.seal.height >= 42 * MM - 0.01
        assert stamp.rect.contains_rect(stamp.seal)
        for ink in stamp.ink:  # the heading, the signature and the date stay out of the seal
            assert ink.y0 >= stamp.seal.y1 or ink.y1 <= stamp.seal.y0
        assert "负责人签字：" in stamp.lines and "年　　月　　日" in stamp.lines


def test_the_note_with_the_address_is_under_the_table(annex: Rendered) -> None:
    layout = annex.pages[0]
    note = next(p for p in layout.placed if p.key.startswith("text:备注"))
    table_bottom = min(p.rect.y0 for p in layout.placed if p.kind in ("label", "value", "stamp"))
    assert note.rect.y1 <= table_bottom + 0.01
    assert "北京市西城区虎坊路13号北京职工服务中心院内" in "".join(note.lines)


def test_margins_are_those_of_an_official_form(annex: Rendered) -> None:
    spec = get_form("annex2")
    top, right, bottom, left = spec.margins_mm
    assert all(25 <= m <= 37 for m in (top, bottom)) and all(25 <= m <= 37 for m in (left, right))
    in_margin = [p for p in annex.pages[0].placed if p.key.startswith(("qr:", "qr-caption:"))]
    assert len(in_margin) == 2  # the receipt's QR code and its text, in the top margin
    for item in annex.pages[0].placed:
        if item in in_margin:
            continue
        for ink in item.ink:
            assert ink.x0 >= left * MM - 0.5 and ink.x1 <= A4[0] - right * MM + 0.5
            assert ink.y0 >= bottom * MM - 0.5 and ink.y1 <= A4[1] - top * MM + 0.5
    for item in in_margin:
        for box in (item.rect, *item.ink):
            assert box.x0 >= left * MM - 0.5 and box.x1 <= A4[0] - right * MM + 0.5
            # Above the text area, and no nearer the paper's edge than a printer prints.
            assert A4[1] - top * MM <= box.y0 and box.y1 <= A4[1] - 5 * MM


def _codes_on(pdf: bytes, dpi: int) -> list[str]:
    """What a QR reader finds on the PDF's first page rendered at `dpi` (a scanner's view)."""
    import pypdfium2
    import zxingcpp

    page = pypdfium2.PdfDocument(pdf)[0]
    image = page.render(scale=dpi / 72, grayscale=True).to_pil()
    return [code.text for code in zxingcpp.read_barcodes(image)]


@pytest.mark.parametrize("form", ["receipt", "annex2"])
def test_the_receipt_number_reads_back_from_its_qr_code(store, form: str) -> None:
    application = social_worker(2) if form == "annex2" else qualification(5)
    receipt = save(store, application)
    result = prepare(store, [receipt], form=form, now=NOW)
    # At a scanner's resolution and at a coarse one (a photocopy, a phone's photo).
    assert _codes_on(result.pdf, 150) == [receipt]
    assert _codes_on(result.pdf, 72) == [receipt]
    caption = result.pages[0].find("qr-caption:application.receipt")
    assert caption.lines == (f"受理编号　{receipt}",)
    code = result.pages[0].find("qr:application.receipt").rect
    assert caption.rect.x1 <= code.x0 + 0.01  # beside the code, not over it
    assert abs(code.width - 20 * MM) < 0.01 and abs(code.height - 20 * MM) < 0.01


def test_a_form_without_the_value_prints_no_qr_code() -> None:
    spec = get_form("receipt")
    result = render([(spec, {"member.name": "王小明"})])
    assert not [p for p in result.pages[0].placed if p.key.startswith("qr")]
    assert _codes_on(result.pdf, 150) == []


def test_title_is_larger_and_bold_looking(annex: Rendered) -> None:
    title = annex.pages[0].find("text:北京市专职工会社会工作者职业发展助推计划")
    body = annex.pages[0].find("member.id_number")
    assert title.size >= body.size * 1.4
    content = PdfReader(io.BytesIO(annex.pdf)).pages[0].get_contents().get_data()
    assert b"2 Tr" in content  # fill and stroke: the fake bold of a face that has no bold


def test_an_empty_value_leaves_a_blank_cell(store) -> None:
    data = social_worker(3)
    del data["member"]["phone"]
    del data["certificate"]["management_number"]
    receipt = save(store, data)
    result = prepare(store, [receipt], form="annex2", now=NOW)
    rendered = Rendered(result.pdf, result.pages, result.missing, result.overflows)
    texts = check_page(rendered)
    for key in ("member.phone", "certificate.management_number"):
        item = rendered.pages[0].find(key)
        assert item.text == "" and item.ink == ()
        assert key not in texts
        assert not any(item.rect.contains(f.x, f.y) for f in fragments(rendered.pdf))


def test_a_character_no_font_has_is_left_blank_and_named() -> None:
    spec = get_form("annex2")
    rendered = render([(spec, {"member.name": f"张{NOT_IN_ANY_FONT}伟"})])
    assert rendered.missing == [NOT_IN_ANY_FONT]
    texts = check_page(rendered)
    assert texts["member.name"] == "张伟"
    item = rendered.pages[0].find("member.name")
    assert item.ink[0].width == pytest.approx(3 * item.size, abs=0.5)  # a blank em between


def test_a_value_too_long_for_its_cell_is_cut_and_reported() -> None:
    spec = get_form("annex2")
    rendered = render([(spec, {"member.work_unit": "很长的单位名称" * 30})])
    item = rendered.pages[0].find("member.work_unit")
    assert item.overflow and rendered.overflows == ["member.work_unit"]
    assert item.lines[-1].endswith("…")
    for ink in item.ink:
        assert item.rect.contains_rect(ink, tolerance=0.5)


def test_receipt_shows_amount_in_figures_and_capitals_and_masks_the_id(store) -> None:
    receipt = save(store, qualification(4))
    result = prepare(store, [receipt], form="receipt", now=NOW)
    rendered = Rendered(result.pdf, result.pages, result.missing, result.overflows)
    texts = check_page(rendered)
    no_overlaps(rendered.pages[0])
    assert texts["decision.amount"] == "2000元"
    assert texts["decision.amount_capitals"] == "贰仟元整"
    assert texts["application.receipt"] == receipt
    assert (
        texts["member.id_number_masked"].startswith("110105")
        and "*" in texts["member.id_number_masked"]
    )
    assert texts["certificate.occupation"] == "电力调度员"
    assert texts["certificate.level_text"] == "一级（高级技师）"
    assert "电力调度员列入国家职业资格证书助推职业" in texts["decision.findings"]
    assert texts["station.full"] == "西城区某街道工会服务站（XC01）"
    assert texts["application.clerk"] == "王柜员"
    assert texts["print.date"] == "2026年11月21日"
    assert rendered.pages[0].find("member.signature").ink == ()  # blank: the member signs


def test_a_2026_receipt_without_the_key_group_confirmation_says_so(store) -> None:
    """An application saved from the command line without 重点群体 confirmation: the receipt
    prints the amount and, read back from the PDF, the ！ line that it was not confirmed."""
    data = {
        "scheme": "bj-2026-skills",
        "applied_on": "2026-11-21",
        "member": {"name": "赵六", "id_number": make_id(31)},
        "certificate": {"kind": "skill_level", "occupation": "无人机驾驶员", "level": 4},
    }
    result = prepare(store, [save(store, data)], form="receipt", now=NOW)
    texts = check_page(Rendered(result.pdf, result.pages, result.missing, result.overflows))
    assert texts["decision.amount"] == "1800元"
    assert texts["certificate.level_text"] == "中级工（四级）"
    lines = texts["decision.findings"]
    assert "！ 是否属于重点群体尚未经受理人员确认" in lines
    assert "√ A档 中级工（四级）：补助 1800 元" in lines


def test_batch_is_one_page_per_form(store) -> None:
    receipts = [save(store, social_worker(10 + i)) for i in range(3)]
    result = prepare(store, receipts, form="receipt", now=NOW)
    reader = PdfReader(io.BytesIO(result.pdf))
    assert len(reader.pages) == 3
    for i, receipt in enumerate(receipts):
        assert receipt in reader.pages[i].extract_text()
