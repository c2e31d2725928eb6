"""The form files: Annex 2 in the document's order with the note's exact text, and the checks
a new or edited form file gets (a broken file is refused with its name, entry and problem)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from desktop_app.printing import FormError, available_forms, get_form, load_form
from desktop_app.printing.forms import Table
from tests.conftest import ROOT

POLICY = ROOT.parent / "shared" / "POLICY.md"


def test_shipped_forms_load() -> None:
    assert {"annex2", "receipt"} <= set(available_forms())
    for form_id in available_forms():
        spec = get_form(form_id)
        assert spec.page_size == pytest.approx((595.2756, 841.8898), abs=0.1)


def _policy_annex2() -> tuple[list[list[str]], str]:
    text = POLICY.read_text(encoding="utf-8")
    section = text[text.index("## Annex 2") :]
    sections = []
    for key in ("申请人信息", "社会工作者职业水平证书信息"):
        line = next(ln for ln in section.splitlines() if ln.startswith(f"- {key}:"))
        sections.append([f.strip() for f in line.split(":", 1)[1].split(",")])
    note = re.search(r"the note (备注：\S+)", section)
    assert note is not None
    return sections, note.group(1)


def test_annex2_follows_the_document() -> None:
    spec = get_form("annex2")
    table = next(b for b in spec.blocks if isinstance(b, Table))
    ordered = sorted(table.cells, key=lambda c: (c.row, c.col))
    labels = [c.text for c in ordered if c.kind == "label" and not c.vertical]
    sections, note = _policy_annex2()
    assert labels == sections[0] + sections[1]
    vertical = [c.text for c in ordered if c.vertical]
    assert vertical == ["申请人信息", "社会工作者职业水平证书信息", "单位意见（并盖章）"]
    stamps = [c.text.rstrip("：") for c in ordered if c.kind == "stamp"]
    assert stamps == ["所在单位意见（并盖章）", "区总工会意见（并盖章）"]
    texts = [p.text for b in spec.blocks if hasattr(b, "parts") for p in b.parts if not p.field]
    assert texts[0] == "附件2"
    assert "".join(texts[1:3]) == "北京市专职工会社会工作者职业发展助推计划申请表" == spec.name
    assert texts[-1] == note
    # each label sits left of its value on the same row
    for label in (c for c in ordered if c.kind == "label" and not c.vertical):
        value = next(c for c in ordered if c.row == label.row and c.kind == "value")
        assert value.col == label.col + 1


def test_annex2_applies_only_to_social_workers_of_the_2016_scheme() -> None:
    spec = get_form("annex2")
    assert spec.applies("bj-2016-union-boost", "social_worker")
    assert not spec.applies("bj-2016-union-boost", "qualification")
    assert not spec.applies("bj-2026-skills", "skill_level")
    assert get_form("receipt").applies("bj-2026-skills", "skill_level")


GOOD = """
id = "@ID@"
name = "试验表"
margins_mm = { top = 30, right = 26, bottom = 25, left = 28 }
[[blocks]]
type = "table"
columns_mm = [40, 100]
rows_mm = [10, 60]
cells = [
  { at = [0, 0], label = "姓名" },
  { at = [0, 1], field = "member.name" },
  { at = [1, 0], span = [1, 2], stamp = "意见", seal_mm = 42, min_mm = [50, 50] },
]
"""


def write(folder: Path, text: str, form_id: str = "trial") -> Path:
    path = folder / f"{form_id}.toml"
    path.write_text(text.replace("@ID@", form_id), encoding="utf-8")
    return path


def test_a_new_form_is_a_new_file(tmp_path: Path) -> None:
    write(tmp_path, GOOD)
    assert available_forms(tmp_path) == ["trial"]
    spec = get_form("trial", tmp_path)
    assert spec.fields == {"member.name"}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ('{ at = [0, 0], label = "姓名" }', '{ at = [0, 0], span = [1, 2], label = "姓名" }'),
            "重叠",
        ),
        (('{ at = [0, 1], field = "member.name" },', ""), "没有格子"),
        (('{ at = [0, 0], label = "姓名" }', '{ at = [5, 0], label = "姓名" }'), "超出表格"),
        (("rows_mm = [10, 60]", "rows_mm = [10, 45]"), "小于要求"),
        (("columns_mm = [40, 100]", "columns_mm = [40, 140]"), "超过版心"),
        (('label = "姓名"', 'label = "姓名", colour = "red"'), "未知的键"),
        (('type = "table"', 'type = "chart"'), "应为 text、space 或 table"),
        (("rows_mm = [10, 60]", "rows_mm = [10, 260]"), "超过版心"),
        (("seal_mm = 42", "seal_mm = 120"), "放不下"),
        # A QR code must stay in the top margin, big enough to scan, clear of the paper's edge.
        (
            (
                'name = "试验表"',
                'name = "试验表"\nqr = { field = "application.receipt", size_mm = 25 }',
            ),
            "伸进了版心",
        ),
        (
            (
                'name = "试验表"',
                'name = "试验表"\nqr = { field = "application.receipt", size_mm = 8 }',
            ),
            "12–40",
        ),
        (
            (
                'name = "试验表"',
                'name = "试验表"\nqr = { field = "a.b", size_mm = 20, top_mm = 2 }',
            ),
            "纸边",
        ),
        (('name = "试验表"', 'name = "试验表"\nqr = { field = "a.b", right_mm = 140 }'), "左右"),
        (('name = "试验表"', 'name = "试验表"\nqr = { size_mm = 20 }'), "缺少 field"),
        (
            ('name = "试验表"', 'name = "试验表"\nqr = { field = "a.b", colour = "red" }'),
            "未知的键",
        ),
    ],
)
def test_a_broken_form_is_refused_with_the_entry_and_problem(
    tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    old, new = change
    assert old in GOOD
    path = write(tmp_path, GOOD.replace(old, new))
    with pytest.raises(FormError, match=message) as caught:
        load_form(path)
    assert "trial.toml" in str(caught.value)


def test_a_qr_code_in_the_top_margin_is_a_field_of_the_form(tmp_path: Path) -> None:
    text = GOOD.replace(
        'name = "试验表"',
        'name = "试验表"\nqr = { field = "application.receipt", size_mm = 20, top_mm = 7, '
        'caption = "受理编号" }',
    )
    spec = load_form(write(tmp_path, text))
    assert spec.qr is not None and spec.qr.caption == "受理编号"
    assert spec.fields == {"member.name", "application.receipt"}
    for shipped in ("receipt", "annex2"):
        qr = get_form(shipped).qr
        assert qr is not None and qr.field == "application.receipt"


def test_unknown_form_names_the_available_ones(tmp_path: Path) -> None:
    with pytest.raises(FormError, match="annex2"):
        get_form("nosuch")
    with pytest.raises(FormError):
        get_form("../annex2")


def test_bad_toml_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text("id = [", encoding="utf-8")
    with pytest.raises(FormError, match="格式有误"):
        load_form(path)
