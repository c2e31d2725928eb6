"""Catalogue search across every scheme, with the stored pinyin index."""

from __future__ import annotations

import json
import subprocess
import sys

from desktop_app.domain.pinyin import compute_readings, load_index
from desktop_app.paths import pinyin_index_file
from desktop_app.services.catalogue import default_search
from desktop_app.services.pinyin_index import catalogue_names
from tests.conftest import ROOT


def names(query: str, limit: int = 10) -> list[str]:
    return [row.entry.name for row in default_search().search(query, limit=limit)]


def test_stored_pinyin_covers_every_catalogue_name_and_is_current(policies):
    stored = load_index(pinyin_index_file())
    wanted = catalogue_names(policies)
    missing = [name for name in wanted if name not in stored]
    assert missing == [], "run `make pinyin` to regenerate resources/pinyin.json"
    stale = [name for name in wanted if stored[name] != compute_readings(name)]
    assert stale == [], "run `make pinyin` to regenerate resources/pinyin.json"


def test_examples_from_the_issue():
    assert names("wrj")[0] == "无人机驾驶员"
    assert names("wurenji")[0] == "无人机驾驶员"
    assert names("dg")[0] == "电工"
    assert names("jtczz")[0] == "家庭餐制作"
    assert (
        set(names("4-02-04"))
        == set(names("40204"))
        == {
            "航空运输地面服务员",
            "无人机驾驶员",
        }
    )


def test_search_spans_every_scheme_and_kind():
    assert names("保育员")[0] == "保育员"  # 2016 Annex 1 (the 2026 保育师 comes after)
    assert "保育师" in names("保育")
    assert names("社会工作者")[0] == "社会工作者"
    assert any("职工技协杯" in name for name in names("职工技协杯"))
    assert names("lnrzh")[0] == "老年人照护"


def test_polyphonic_characters_by_their_reading_in_the_word():
    assert "调酒师" in names("tiaojiushi")
    assert "中药调剂员" in names("zhongyaotiaoji")
    assert "电网调度自动化运行值班员" in names("dianwangdiaodu")
    assert "电能表修校工" in names("xiujiao")


def test_rows_carry_scheme_tier_levels_and_amounts():
    row = default_search().search("wrjjsy", limit=1)[0]
    assert (row.policy.id, row.entry.code, row.entry.tier) == ("bj-2026-skills", "4-02-04-06", "A")
    assert [(a.condition, a.amount) for a in row.amounts] == [
        ("五级", 1200), ("四级", 1800), ("三级", 2400), ("二级", 2400), ("一级", 2400)
    ]  # fmt: skip
    postal = default_search().search("邮政营业员", limit=1)[0]
    assert postal.levels_text == "一级（高级技师）、二级（技师）"
    assert [(a.condition, a.amount) for a in postal.amounts] == [("二级", 1000), ("一级", 2000)]
    assert "三、助推标准" in postal.amounts[0].source


def test_building_the_search_does_not_import_pypinyin():
    code = (
        "import sys\n"
        "from desktop_app.services.catalogue import default_search\n"
        "hits = default_search().search('wrj')\n"
        "print(hits[0].entry.name, 'pypinyin' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, encoding="utf-8",
        cwd=ROOT, check=True, timeout=60,
    )  # fmt: skip
    assert result.stdout.split() == ["无人机驾驶员", "False"]


def test_index_file_is_valid_json_with_version():
    data = json.loads(pinyin_index_file().read_text(encoding="utf-8"))
    assert data["version"] == 1
    assert data["readings"]["电工"][0] == ["diangong", "dg"]
