"""Pinyin readings of occupation names: computing, storing and loading them."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from desktop_app.domain.pinyin import (
    MAX_READINGS,
    PinyinIndexError,
    PinyinLookup,
    compute_readings,
    load_index,
    write_index,
)

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_phrase_reading_comes_first() -> None:
    readings = compute_readings("无人机驾驶员")
    assert readings[0] == ("wurenjijiashiyuan", "wrjjsy")
    assert len(set(readings)) == len(readings)


def test_polyphonic_character_gets_its_other_reading_as_a_variant() -> None:
    # pypinyin reads 调酒师 as "diao jiu shi"; the trade says "tiao".
    assert compute_readings("调酒师")[0] == ("diaojiushi", "djs")
    assert ("tiaojiushi", "tjs") in compute_readings("调酒师")
    assert ("diannengbiaoxiujiaogong", "dnbxjg") in compute_readings("电能表修校工")


def test_variants_change_one_character_at_a_time() -> None:
    primary, *variants = compute_readings("电网调度自动化运行值班员")
    assert primary[0] == "dianwangdiaoduzidonghuayunxingzhibanyuan"
    assert ("dianwangtiaoduzidonghuayunxingzhibanyuan", "dwtdzdhyxzby") in variants
    # 调 -> tiao and 行 -> hang together would be a product, not a single substitution.
    assert all(not ("tiao" in full and "yunhang" in full) for full, _ in variants), (
        "only single substitutions are expected"
    )


def test_name_without_polyphonic_characters_has_one_reading() -> None:
    assert compute_readings("电工") == (("diangong", "dg"),)


def test_punctuation_is_dropped_in_both_widths() -> None:
    half = compute_readings("邮政业务(营销)员")
    full = compute_readings("邮政业务（营销）员")
    assert half == full
    assert half[0] == ("youzhengyewuyingxiaoyuan", "yzywyxy")


def test_ascii_letters_and_digits_are_kept_lower_case() -> None:
    assert compute_readings("CAD绘图员")[0] == ("cadhuituyuan", "cadhty")
    assert compute_readings("３D打印员")[0] == ("3ddayinyuan", "3ddyy")


def test_name_without_readable_characters_has_no_readings() -> None:
    assert compute_readings("（）") == ()
    assert compute_readings("") == ()


def test_readings_are_capped() -> None:
    # 18 polyphonic characters with 37 alternative readings between them.
    name = "行长调重传乐还了弹藏差和血都着给会便"
    readings = compute_readings(name)
    assert len(readings) == MAX_READINGS
    assert readings[0][1] == "hzdzclhldcchxdzghb"


def test_index_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "pinyin.json"
    names = ["调酒师", "电工", "无人机驾驶员", "电工"]
    write_index(path, names)

    loaded = load_index(path)

    assert set(loaded) == {"调酒师", "电工", "无人机驾驶员"}
    assert loaded["调酒师"] == compute_readings("调酒师")
    text = path.read_text(encoding="utf-8")
    assert text.endswith("}\n")
    assert "调酒师" in text  # not \\u escapes
    assert list(json.loads(text)["readings"]) == sorted(set(names))
    assert [p.name for p in tmp_path.iterdir()] == ["pinyin.json"]  # no temp file left


def test_rewriting_an_index_replaces_it(tmp_path: Path) -> None:
    path = tmp_path / "pinyin.json"
    write_index(path, ["调酒师"])
    write_index(path, ["电工"])
    assert set(load_index(path)) == {"电工"}


def test_missing_index_file_is_empty(tmp_path: Path) -> None:
    assert load_index(tmp_path / "absent.json") == {}


@pytest.mark.parametrize(
    "content",
    [
        "{not json",
        "[]",
        '{"version": 2, "readings": {}}',
        '{"version": 1}',
        '{"version": 1, "readings": {"电工": "diangong"}}',
        '{"version": 1, "readings": {"电工": [["diangong"]]}}',
        '{"version": 1, "readings": {"电工": [["diangong", 3]]}}',
    ],
)
def test_malformed_index_names_the_file(tmp_path: Path, content: str) -> None:
    path = tmp_path / "坏的拼音.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(PinyinIndexError) as caught:
        load_index(path)
    assert isinstance(caught.value, ValueError)
    assert str(path) in str(caught.value)
    assert "拼音索引文件" in str(caught.value)


def test_index_that_is_not_utf8_is_malformed(tmp_path: Path) -> None:
    path = tmp_path / "pinyin.json"
    path.write_bytes("电工".encode("gbk"))
    with pytest.raises(PinyinIndexError) as caught:
        load_index(path)
    assert str(path) in str(caught.value)


def test_lookup_prefers_the_index_and_computes_the_rest() -> None:
    stored = (("stored", "s"),)
    lookup = PinyinLookup({"电工": stored})
    assert lookup.readings("电工") is stored
    computed = lookup.readings("调酒师")
    assert computed == compute_readings("调酒师")
    assert lookup.readings("调酒师") is computed  # remembered


def test_startup_path_does_not_import_pypinyin(tmp_path: Path) -> None:
    path = tmp_path / "pinyin.json"
    write_index(path, ["无人机驾驶员", "电工"])
    script = textwrap.dedent(
        f"""
        import sys
        from pathlib import Path
        import desktop_app.domain.search, desktop_app.domain.pinyin
        from desktop_app.domain.pinyin import PinyinLookup, load_index
        from desktop_app.domain.search import SearchIndex, SearchItem

        lookup = PinyinLookup(load_index(Path({str(path)!r})))
        index = SearchIndex(
            [SearchItem(n, n, None, lookup.readings(n)) for n in ("无人机驾驶员", "电工")]
        )
        assert index.search("wrj")[0].item.name == "无人机驾驶员"
        print("pypinyin" in sys.modules)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "False"
