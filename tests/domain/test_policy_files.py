"""The shipped policy files against the seed documents, parsed here from their text."""

from __future__ import annotations

import re

import pytest

from desktop_app.domain.policy import PolicySet
from tests.conftest import SEEDS

SEED_2026 = SEEDS / "000_a5531de3f2fbf2a1.txt"
SEED_2016 = SEEDS / "003_54a3ad04537183fb.txt"

pytestmark = pytest.mark.skipif(
    not SEED_2026.exists() or not SEED_2016.exists(),
    reason="../shared/seeds is not beside the checkout",
)


def seed_2026_tables() -> tuple[list[tuple[str, str, str, str]], list[tuple[str, str, str]], str]:
    text = SEED_2026.read_text(encoding="utf-8")
    skill, special = text.split("（专项职业能力证书）")
    rows = re.findall(r"^(\d+)\t(\S+)\t(\d-\d\d-\d\d-\d\d)\t([AB])\b", skill, re.M)
    items = re.findall(r"^(\d+)\t(\S+)\t([AB])\b", special, re.M)
    return rows, items, text


def test_2026_skill_catalogue_matches_the_document_row_by_row(policies: PolicySet):
    rows, _, _ = seed_2026_tables()
    assert len(rows) == 91
    entries = policies.get("bj-2026-skills").kinds["skill_level"].catalogue.entries
    shipped = [(e.row, e.name, e.code, e.tier) for e in entries]
    assert shipped == rows
    assert sum(1 for r in rows if r[3] == "A") == 24


def test_2026_special_ability_catalogue_matches_the_document(policies: PolicySet):
    _, items, _ = seed_2026_tables()
    assert len(items) == 7
    entries = policies.get("bj-2026-skills").kinds["special_ability"].catalogue.entries
    assert [(e.row, e.name, e.tier) for e in entries] == items


def test_2026_rates_match_the_document(policies: PolicySet):
    _, _, text = seed_2026_tables()
    rate_text = re.search(r"B档：(.+?)。\s*A档在B档补助基础上上浮(\d+)%", text)
    assert rate_text
    b = dict(
        (level, int(amount))
        for level, amount in re.findall(r"（(\S)级）(?:及以上)?(\d+)元", rate_text.group(1))
    )
    assert b == {"五": 1000, "四": 1500, "三": 2000}
    raise_percent = int(rate_text.group(2))
    level_of = {"五": 5, "四": 4, "三": 3}
    policy = policies.get("bj-2026-skills")
    rates = {(r.tier, r.level): r.amount for r in policy.rates_for("skill_level")}
    for word, amount in b.items():
        levels = [1, 2, 3] if word == "三" else [level_of[word]]  # 三级及以上
        for level in levels:
            assert rates[("B", level)] == amount
            assert rates[("A", level)] == amount * (100 + raise_percent) // 100
    special = re.search(r"A档 (\d+) 元/人 B档 (\d+) 元/人", text)
    assert special
    shipped = {r.tier: r.amount for r in policy.rates_for("special_ability")}
    assert shipped == {"A": int(special.group(1)), "B": int(special.group(2))}


def annex_1_text() -> str:
    text = SEED_2016.read_text(encoding="utf-8")
    start = text.index("新增和调整范围目录")
    end = text.index("附件2", start)
    return text[start:end]


_NOT_A_NAME = ("竞赛", "不取证", "鉴定中心", "鉴定管理", "鉴定核发", "决赛", "复赛", "技师", "高级", "序号", "类别", "社会工作",
               "证书", "大赛", "市总工会", "附件", "目录", "助推", "只到", "五名", "工种")  # fmt: skip


def annex_1_names_in_order() -> str:
    """All occupation names of Annex 1 joined in document order (cells wrap across lines)."""
    lines = [line.strip() for line in annex_1_text().splitlines()]
    names = [
        line
        for line in lines
        if re.fullmatch(r"[\u4e00-\u9fff()（）]+", line) and not any(w in line for w in _NOT_A_NAME)
    ]
    return "".join(names)


def test_2016_annex_1_occupations_match_the_document(policies: PolicySet):
    entries = policies.get("bj-2016-union-boost").kinds["qualification"].catalogue.entries
    assert "".join(e.name for e in entries) == annex_1_names_in_order()


def test_2016_group_sizes_match_the_document_counts(policies: PolicySet):
    text = SEED_2016.read_text(encoding="utf-8")
    body = re.sub(r"\s+", "", text)
    postal_power = int(re.search(r"二级（技师）职业资格证书，共(\d+)个", body).group(1))
    centre = int(re.search(r"三级（高级技能）职业资格证书，共(\d+)个", body).group(1))
    telecom = int(re.search(r"由2015年的\d+个调整为(\d+)个", body).group(1))
    entries = policies.get("bj-2016-union-boost").kinds["qualification"].catalogue.entries
    by_group: dict[str, list[str]] = {}
    for entry in entries:
        by_group.setdefault(entry.group.id, []).append(entry.name)
    assert len(by_group["jianding"]) == centre == 8
    assert len(by_group["telecom"]) == telecom == 7
    assert len(by_group["postal"]) + len(by_group["power"]) == postal_power == 38
    assert len(entries) == 53


def test_2016_group_bodies_and_levels_match_the_annex(policies: PolicySet):
    annex = re.sub(r"\s+", "", annex_1_text())
    policy = policies.get("bj-2016-union-boost")
    for group in policy.groups.values():
        for body in group.body.split("、"):
            assert body in annex, body
    scopes = [line.strip() for line in annex_1_text().splitlines()]
    # 助推范围 cells: the appraisal centre's row says 高级, the others 技师、高级技师.
    assert scopes.count("高级") == 1
    assert scopes.count("技师、高级技师") >= 3
    assert policy.groups["jianding"].levels == (3,)
    for gid in ("telecom", "postal", "power"):
        assert policy.groups[gid].levels == (1, 2)


def test_2016_rates_match_the_document(policies: PolicySet):
    body = re.sub(r"\s+", "", SEED_2016.read_text(encoding="utf-8"))
    level_amounts = {
        {"一": 1, "二": 2, "三": 3}[word]: int(amount)
        for word, amount in re.findall(
            r"获得国家职业资格(\S)级（[^）]+）证书，每人资助(\d+)元", body
        )
    }
    policy = policies.get("bj-2016-union-boost")
    assert {r.level: r.amount for r in policy.rates_for("qualification")} == level_amounts
    assert level_amounts == {1: 2000, 2: 1000, 3: 800}
    competition = {
        (r.stage, r.rank_from, r.rank_to): r.amount for r in policy.rates_for("competition")
    }
    assert "决赛第1名，参照国家职业资格一级" in body
    assert "决赛第2—10名及复赛前5名参照国家职业资格二级" in body
    assert competition == {
        ("final", 1, 1): level_amounts[1],
        ("final", 2, 10): level_amounts[2],
        ("semifinal", 1, 5): level_amounts[2],
    }
    assert (
        "中级、高级社会工作者职业水平证书的专职工会社会工作者，分别参照国家职业资格二级（技师）、国家职业资格一级"
        in body
    )
    grades = {r.grade: r.amount for r in policy.rates_for("social_worker")}
    assert grades == {"intermediate": level_amounts[2], "senior": level_amounts[1]}


def test_2016_dates_and_thresholds_match_the_document(policies: PolicySet):
    body = re.sub(r"\s+", "", SEED_2016.read_text(encoding="utf-8"))
    policy = policies.get("bj-2016-union-boost")
    window = next(c for c in policy.conditions if c.rule == "issued_within")
    deadline = next(c for c in policy.conditions if c.rule == "registered_by")
    y1, m1, d1, y2, m2, d2 = map(
        int,
        re.search(
            r"证书颁发日期为(\d+)年(\d+)月(\d+)日至(\d+)年(\d+)月(\d+)日（含）", body
        ).groups(),
    )
    assert (window.date_from.year, window.date_from.month, window.date_from.day) == (y1, m1, d1)
    assert (window.date_to.year, window.date_to.month, window.date_to.day) == (y2, m2, d2)
    y, m, d = map(int, re.search(r"须于(\d+)年(\d+)月(\d+)日（含", body).groups())
    assert (deadline.date_to.year, deadline.date_to.month, deadline.date_to.day) == (y, m, d)
    final_min = int(re.search(r"决赛要求初赛参赛选手规模在(\d+)人以上", body).group(1))
    semi = re.search(r"复赛要求初赛参赛选手规模在(\d+)人以上(\d+)人以下", body)
    rule = policy.kinds["competition"]
    assert rule.final_min_entrants == final_min == 334
    assert (rule.semifinal_min_entrants, rule.semifinal_max_entrants) == tuple(
        int(x) for x in semi.groups()
    )


def test_2016_competition_and_social_worker_rows_are_in_the_catalogue(policies: PolicySet):
    annex = re.sub(r"\s+", "", annex_1_text())
    policy = policies.get("bj-2016-union-boost")
    competitions = policy.kinds["competition"].catalogue.entries
    assert len(competitions) == 2
    for entry in competitions:
        assert entry.name.replace("2016年", "") in annex.replace("2016年", "")
    social = policy.kinds["social_worker"].catalogue.entries
    assert [e.name for e in social] == ["社会工作者"]
    assert "社会工作师、高级社会工作师" in annex
    assert social[0].grades == ("intermediate", "senior")


def test_every_value_carries_its_source(policies: PolicySet):
    for policy in policies:
        for entry in policy.entries():
            assert entry.source.part and entry.source.row, entry
            assert policy.document.short in entry.source.cite()
        for rate in policy.rates:
            assert rate.source.part and rate.source.quote, rate
        for condition in policy.conditions:
            assert condition.source.part, condition
        assert policy.document.file and (SEEDS / policy.document.file).exists()
