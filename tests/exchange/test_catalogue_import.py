"""Catalogue import (`union-counter catalogue import|new`, services/catalogue_import.py): the
diff, confirmation, versions kept by fingerprint, the version in effect by date, bad workbooks
refused with sheet/row/column and nothing written, a new scheme that can quote."""

from __future__ import annotations

import io
import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import select

from desktop_app.cli.main import main
from desktop_app.domain.engine import decide
from desktop_app.domain.facts import application_from_mapping
from desktop_app.exchange.errors import ExchangeError
from desktop_app.services import applications, audit_trail, ledger_view
from desktop_app.services.catalogue import CatalogueSearch, lookup_for
from desktop_app.services.catalogue_import import (
    CatalogueImportError,
    apply_plan,
    plan_import,
    plan_new_scheme,
)
from desktop_app.services.policies import policy_set, reload
from desktop_app.services.quote import quote_mapping
from desktop_app.storage.database import Store
from desktop_app.storage.models import AuditEvent
from tests.exchange.conftest import counts
from tests.storage.conftest import CLERK, NOW, apply_input

SCHEME = "bj-2026-skills"
EFFECTIVE = date(2026, 12, 1)  # after NOW (2026-11-21): applications saved before keep theirs
ADDED = ("网约配送员", "4-02-07-10", "B")


@pytest.fixture(autouse=True)
def data_home(home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("UNION_COUNTER_HOME", str(home))
    monkeypatch.delenv("UNION_COUNTER_POLICIES", raising=False)
    reload()
    return home


def shipped_rows(kind: str) -> list[list[Any]]:
    policy = policy_set().get(SCHEME)
    assert policy is not None
    entries = policy.kinds[kind].catalogue.entries
    if kind == "skill_level":
        return [[e.name, e.code, e.tier] for e in entries]
    return [[e.name, e.tier] for e in entries]


def write_book(
    path: Path,
    skill: list[list[Any]] | None = None,
    special: list[list[Any]] | None = None,
    *,
    title: bool = True,
) -> Path:
    """A workbook as the published catalogue: a merged title row, the header, numbered rows."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "职业技能等级证书"
    if title:
        sheet.append(["北京市重点群体就业技能提升补助标准目录（2027年版）"])
        sheet.merge_cells("A1:E1")
    sheet.append(["序号", "职业（工种）名称", "职业（工种）代码", "补助档次", "补助标准"])
    for n, row in enumerate(skill if skill is not None else shipped_rows("skill_level"), 1):
        sheet.append([n, *row])
    second = book.create_sheet("专项职业能力")
    second.append(["序号", "专项职业能力项目", "补助档次", "补助标准"])
    for n, row in enumerate(special if special is not None else shipped_rows("special_ability"), 1):
        second.append([n, *row])
    book.save(path)
    return path


def changed_rows() -> list[list[Any]]:
    """The shipped skill catalogue less 收银员, with 电工 moved to tier A and one occupation added."""
    rows = [r for r in shipped_rows("skill_level") if r[0] != "收银员"]
    for row in rows:
        if row[0] == "电工":
            row[2] = "A"
    return [*rows, list(ADDED)]


def versions(home: Path) -> list[str]:
    folder = home / "policies"
    return sorted(p.name for p in folder.rglob("*")) if folder.exists() else []


# --- the diff and confirmation ------------------------------------------------------------------


def test_the_diff_lists_exactly_the_added_removed_and_changed_rows(tmp_path: Path) -> None:
    plan = plan_import(
        write_book(tmp_path / "目录.xlsx", changed_rows()), SCHEME, effective=EFFECTIVE
    )
    found = {(c.change, c.name, c.old_tier, c.new_tier) for c in plan.changes}
    assert found == {
        ("added", "网约配送员", None, "B"),
        ("removed", "收银员", "B", None),
        ("changed", "电工", "B", "A"),
    }
    skill = next(d for d in plan.diffs if d.kind == "skill_level")
    assert (skill.old_count, skill.new_count) == (91, 91)
    special = next(d for d in plan.diffs if d.kind == "special_ability")
    assert not special.has_changes
    lines = "\n".join(plan.change_lines())
    assert "新增  职业技能等级证书目录：网约配送员（4-02-07-10） B档" in lines
    assert "补助档次 B档 → A档" in lines
    assert plan.new_names == ("网约配送员",)


def test_an_unchanged_catalogue_writes_nothing(tmp_path: Path, store: Store, home: Path) -> None:
    plan = plan_import(write_book(tmp_path / "同.xlsx"), SCHEME, effective=EFFECTIVE)
    assert not plan.has_changes and plan.changes == []
    with pytest.raises(CatalogueImportError, match="没有需要写入的变化"):
        apply_plan(store, plan, actor=CLERK)
    assert versions(home) == []


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    monkeypatch.setenv("UNION_COUNTER_CLERK", CLERK)
    monkeypatch.delenv("UNION_COUNTER_DB", raising=False)

    def run(*args: str, stdin: str = "") -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        capsys.readouterr()
        code = main(list(args))
        out, err = capsys.readouterr()
        assert "Traceback" not in err
        return code, out, err

    return run


def test_the_command_asks_and_writes_nothing_without_yes(cli, tmp_path: Path, home: Path) -> None:
    book = write_book(tmp_path / "目录.xlsx", changed_rows())
    args = ("catalogue", "import", str(book), "--scheme", SCHEME, "--effective", "2026-12-01")
    for answer in ("", "n\n", "否\n"):
        code, out, _err = cli(*args, stdin=answer)
        assert code == 0
        assert "新增 1，删除 1，档次或代码变更 1" in out
        assert "删除  职业技能等级证书目录：收银员" in out
        assert "确认写入新版本吗？[y/N]" in out and "已取消，没有写入任何内容" in out
    assert versions(home) == []
    code, out, _err = cli(*args, stdin="y\n")
    assert code == 0 and "已写入方案 bj-2026-skills 的新版本，自 2026-12-01 起生效" in out
    written = versions(home)
    tomls = [n for n in written if n.endswith(".toml")]
    assert len(tomls) == 1 and tomls[0].startswith("2026-12-01-")
    # The import is in the audit trail, and the chain is intact.
    code, out, _err = cli("audit", "verify")
    assert code == 0 and "校验链无误" in out
    # The same workbook again: now the version in effect, so nothing more is written.
    code, out, _err = cli(*args, "--yes")
    assert code == 0 and "目录与现行版本相同，没有写入任何内容" in out
    assert versions(home) == written


# --- versions: what new and old applications use ------------------------------------------------


def quote(scheme: str, occupation: str, applied_on: str, level: int = 5) -> Any:
    data = {
        "scheme": scheme,
        "applied_on": applied_on,
        "certificate": {"kind": "skill_level", "occupation": occupation, "level": level},
    }
    return quote_mapping(data, policy_set())


def test_after_confirmation_search_dates_and_old_decisions(
    store: Store, tmp_path: Path, home: Path
) -> None:
    before = applications.save_application(
        store,
        apply_input(1, **{"certificate.occupation": "电工", "certificate.level": 5}),
        clerk=CLERK,
        now=NOW,
    )
    assert before.decision.amount == 1000  # 电工, tier B, level 5
    old_sha = before.decision.policy_sha256

    plan = plan_import(
        write_book(tmp_path / "目录.xlsx", changed_rows()), SCHEME, effective=EFFECTIVE
    )
    result = apply_plan(store, plan, actor=CLERK, now=NOW)
    assert result.path.is_file() and result.path.parent == home / "policies" / SCHEME
    assert result.path.with_name(result.path.stem + ".pinyin.json").is_file()

    # Both versions are known; each application date gets the version in effect then.
    loaded = policy_set()
    assert [p.effective for p in loaded.history(SCHEME)] == [None, EFFECTIVE]
    assert quote(SCHEME, "电工", "2026-11-30").amount == 1000
    assert quote(SCHEME, "电工", "2026-12-01").amount == 1200  # tier A from the effective date
    assert quote(SCHEME, "网约配送员", "2026-12-01").amount == 1000
    assert not quote(SCHEME, "网约配送员", "2026-11-30").eligible
    assert not quote(SCHEME, "收银员", "2026-12-02").eligible
    assert quote(SCHEME, "收银员", "2026-11-30").amount == 1000

    # A new application from the effective date is decided with the new version and tier.
    after = applications.save_application(
        store,
        apply_input(
            2,
            applied_on="2026-12-03",
            **{"certificate.occupation": "电工", "certificate.level": 5},
        ),
        clerk=CLERK,
        now=NOW.replace(month=12, day=3),  # registered and entered that day
    )
    assert after.decision.amount == 1200
    assert after.decision.policy_sha256 == result.sha256

    # The application saved before still shows its stored decision; its fingerprint resolves
    # to the old version, which gives that decision again.
    detail = ledger_view.application_detail(store, before.receipt)
    assert detail.decision["amount"] == 1000
    assert detail.decision["policy_sha256"] == old_sha != result.sha256
    old = loaded.by_sha256(old_sha)
    assert old is not None and old.effective is None
    assert old.kinds["skill_level"].catalogue.entries[-4].name == "电工"
    again = decide(
        old,
        application_from_mapping(
            {
                "scheme": SCHEME,
                "applied_on": "2026-11-21",
                "certificate": {"kind": "skill_level", "occupation": "电工", "level": 5},
            },
            set(loaded.policies),
        ),
    )
    assert again.amount == 1000 and again.policy_sha256 == old_sha
    assert loaded.by_sha256(result.sha256) is not None

    # Search (once the version is in effect) finds the added occupation by its pinyin initials.
    later = policy_set(today=date(2026, 12, 5))
    search = CatalogueSearch(later, lookup_for(later))
    hits = search.search("wypsy", limit=3)
    assert hits and hits[0].entry.name == "网约配送员" and hits[0].entry.tier == "B"
    assert [r.entry.name for r in search.search("收银员", limit=3)] != ["收银员"]


def test_an_import_is_an_audit_event(store: Store, tmp_path: Path) -> None:
    plan = plan_import(
        write_book(tmp_path / "目录.xlsx", changed_rows()), SCHEME, effective=EFFECTIVE
    )
    before = counts(store)["audit_event"]
    result = apply_plan(store, plan, actor=CLERK, now=NOW)
    assert counts(store)["audit_event"] == before + 1
    with store.session() as session:
        event = session.execute(select(AuditEvent).order_by(AuditEvent.id.desc())).scalars().first()
        assert event is not None
        assert (event.action, event.entity, event.actor) == ("import", "catalogue", CLERK)
        details = json.loads(event.details)
    assert details["sha256"] == result.sha256 and details["effective"] == "2026-12-01"
    assert (details["added"], details["removed"], details["changed"]) == (
        ["网约配送员"],
        ["收银员"],
        ["电工"],
    )
    assert audit_trail.verify_audit(store).ok


def test_an_earlier_effective_date_makes_search_find_the_new_name(
    store: Store, tmp_path: Path
) -> None:
    from desktop_app.services.catalogue import default_search

    assert not [r for r in default_search().search("wypsy") if r.entry.name == "网约配送员"]
    plan = plan_import(
        write_book(tmp_path / "目录.xlsx", changed_rows()), SCHEME, effective=date(2026, 1, 1)
    )
    apply_plan(store, plan, actor=CLERK, now=NOW)
    hits = default_search().search("wypsy", limit=3)
    assert hits[0].entry.name == "网约配送员"


# --- bad workbooks ------------------------------------------------------------------------------


def refused(path: Path) -> ExchangeError:
    with pytest.raises(ExchangeError) as caught:
        plan_import(path, SCHEME, effective=EFFECTIVE)
    return caught.value


def where(error: ExchangeError) -> set[tuple[str, int | None, str]]:
    return {(p.sheet, p.row, p.column) for p in error.problems}


def test_wrong_headers_are_refused(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    book.active.append(["序号", "职业名称", "代码", "档次"])
    book.active.append([1, "电工", "6-31-01-03", "B"])
    book.save(tmp_path / "x.xlsx")
    error = refused(tmp_path / "x.xlsx")
    assert "没有导入任何内容" in error.message
    assert any(
        "没有目录的表头" in p.message and "职业（工种）名称" in p.message for p in error.problems
    )


def test_row_problems_name_sheet_row_and_column(tmp_path: Path, store: Store, home: Path) -> None:
    rows = shipped_rows("skill_level")
    rows[2][2] = "C"  # unknown tier, sheet row 5 (title, header, rows 1 and 2 above)
    rows[3][1] = rows[0][1]  # duplicate code, sheet row 6
    rows[4][1] = "4-0201"  # bad code format, sheet row 7
    rows[5][0] = None  # empty name, sheet row 8
    rows[6][2] = "=B9"  # a formula, sheet row 9
    error = refused(write_book(tmp_path / "x.xlsx", rows))
    sheet = "职业技能等级证书"
    assert {
        (sheet, 5, "补助档次"),
        (sheet, 6, "职业（工种）代码"),
        (sheet, 7, "职业（工种）代码"),
        (sheet, 8, "职业（工种）名称"),
        (sheet, 9, "补助档次"),
    } <= where(error)
    messages = " ".join(p.describe() for p in error.problems)
    assert "补助档次“C”不是本方案的档次（应为 A、B）" in messages
    assert "与第3行重复" in messages and "格式应为 4-02-04-06" in messages
    assert "公式" in messages and "不能为空" in messages
    assert versions(home) == []


def test_duplicate_names_and_merged_cells_are_refused(tmp_path: Path) -> None:
    special = [["母婴照护", "A"], ["母婴照护", "B"], ["家庭清洁", "B"]]
    path = write_book(tmp_path / "x.xlsx", special=special)
    book = openpyxl.load_workbook(path)
    book["职业技能等级证书"].merge_cells("B10:C10")
    book.save(path)
    error = refused(path)
    assert ("专项职业能力", 3, "专项职业能力项目") in where(error)
    merged = [p for p in error.problems if "合并单元格 B10:C10" in p.message]
    assert merged and (merged[0].sheet, merged[0].row, merged[0].column) == (
        "职业技能等级证书",
        10,
        "B",
    )
    # The merged title above the header is how the published catalogues look: no problem.
    assert not any("A1:E1" in p.message for p in error.problems)


def test_the_command_lists_problems_and_saves_them(cli, tmp_path: Path, home: Path) -> None:
    rows = shipped_rows("skill_level")
    rows[0][2] = "Z"
    book = write_book(tmp_path / "x.xlsx", rows)
    problems = tmp_path / "问题.xlsx"
    code, _out, err = cli(
        "catalogue", "import", str(book), "--scheme", SCHEME, "--yes", "--problems", str(problems)
    )
    assert code == 2
    assert "工作表“职业技能等级证书” 第3行 “补助档次”列：补助档次“Z”不是本方案的档次" in err
    saved = list(openpyxl.load_workbook(problems).active.iter_rows(values_only=True))
    assert saved[1][:3] == ("职业技能等级证书", 3, "补助档次")
    assert versions(home) == []


def test_a_scheme_without_tiers_and_an_unknown_scheme(cli, tmp_path: Path, home: Path) -> None:
    book = write_book(tmp_path / "目录.xlsx")
    code, _out, err = cli("catalogue", "import", str(book), "--scheme", "bj-2016-union-boost")
    assert code == 2 and "不按补助档次分档" in err
    code, _out, err = cli("catalogue", "import", str(book), "--scheme", "bj-2099")
    assert code == 2 and "找不到补助方案“bj-2099”" in err
    code, _out, err = cli("catalogue", "import", str(tmp_path / "无.xlsx"), "--scheme", SCHEME)
    assert code == 2 and "找不到文件" in err
    assert versions(home) == []


# --- a new scheme -------------------------------------------------------------------------------


def test_a_new_scheme_from_a_catalogue_can_quote(cli, tmp_path: Path, home: Path) -> None:
    skill = [["电工", "6-31-01-03", "A"], list(ADDED)]
    path = tmp_path / "2027目录.xlsx"
    write_book(path, skill)
    book = openpyxl.load_workbook(path)
    del book["专项职业能力"]  # this plan funds skill-level certificates only
    book.save(path)
    code, out, err = cli(
        "catalogue",
        "new",
        str(path),
        "--from-scheme",
        SCHEME,
        "--id",
        "bj-2027-skills",
        "--name",
        "北京市重点群体就业技能提升补助（2027年版）",
        "--effective",
        "2027-01-01",
        "--yes",
    )
    assert code == 0, err
    assert "新建补助方案" in out and "bj-2027-skills" in out
    written = home / "policies" / "bj-2027-skills"
    assert len(list(written.glob("2027-01-01-*.toml"))) == 1

    code, out, err = cli(
        "quote",
        stdin=json.dumps(
            {
                "scheme": "bj-2027-skills",
                "applied_on": "2027-02-01",
                "certificate": {"kind": "skill_level", "occupation": "网约配送员", "level": 4},
            },
            ensure_ascii=False,
        ),
    )
    assert code == 0, err
    decision = json.loads(out)
    assert decision["eligible"] and decision["amount"] == 1500
    assert any("2027年版" in json.dumps(f, ensure_ascii=False) for f in decision["findings"])
    # Only the kinds the workbook holds: a special-ability certificate is not offered.
    policy = policy_set().get("bj-2027-skills")
    assert policy is not None and set(policy.kinds) == {"skill_level"}
    # The same id twice is refused.
    code, _out, err = cli(
        "catalogue",
        "new",
        str(path),
        "--from-scheme",
        SCHEME,
        "--id",
        "bj-2027-skills",
        "--name",
        "又一个",
        "--effective",
        "2027-01-01",
        "--yes",
    )
    assert code == 2 and "已经存在" in err


def test_a_new_scheme_id_is_checked(tmp_path: Path, home: Path) -> None:
    path = write_book(tmp_path / "目录.xlsx")
    with pytest.raises(CatalogueImportError, match="只能由小写字母"):
        plan_new_scheme(
            path, from_scheme=SCHEME, scheme_id="BJ 2027", name="x", effective=date(2027, 1, 1)
        )
    with pytest.raises(CatalogueImportError, match="已经存在"):
        plan_new_scheme(
            path, from_scheme=SCHEME, scheme_id=SCHEME, name="x", effective=date(2027, 1, 1)
        )
    assert versions(home) == []


def test_an_exchange_import_recomputes_under_the_older_version_it_names(
    station: Store, store: Store, tmp_path: Path
) -> None:
    """A station's application decided before a new catalogue version came into effect is
    recomputed at the district under that older version (found by its fingerprint): no flag."""
    from desktop_app.services.exchange import export_batch, import_batch

    saved = applications.save_application(
        station,
        apply_input(1, **{"certificate.occupation": "电工", "certificate.level": 5}),
        clerk=CLERK,
        now=NOW,
    )
    old_sha = saved.decision.policy_sha256
    plan = plan_import(
        write_book(tmp_path / "目录.xlsx", changed_rows()), SCHEME, effective=date(2026, 11, 1)
    )
    new_sha = apply_plan(store, plan, actor=CLERK, now=NOW).sha256
    assert new_sha != old_sha
    # The new version is in effect for the application's date: under it, 电工 pays 1200.
    assert quote(SCHEME, "电工", "2026-11-21").amount == 1200

    batch = tmp_path / "batch.xlsx"
    export_batch(station, batch, actor=CLERK, now=NOW)
    report = import_batch(store, batch, actor=CLERK, now=NOW)
    assert report.ok and report.inserted == [saved.receipt]
    assert report.flags == []
    detail = ledger_view.application_detail(store, saved.receipt)
    assert detail.decision["amount"] == 1000 and detail.decision["policy_sha256"] == old_sha
