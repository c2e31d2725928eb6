"""The occupation search box: what a clerk finds for what they type, and in which order."""

from __future__ import annotations

import random
import re
import unicodedata
from functools import cache

import pytest

from desktop_app.domain.pinyin import Reading, compute_readings
from desktop_app.domain.search import (
    RANK_EXACT_CODE,
    RANK_EXACT_NAME,
    RANK_PREFIX,
    RANK_SUBSTRING,
    SearchHit,
    SearchIndex,
    SearchItem,
)

# (name, code) as in the catalogues; None where the catalogue gives no code.
CATALOGUE: list[tuple[str, str | None]] = [
    ("无人机驾驶员", "4-02-04-06"),
    ("无人机装调检修工", "6-23-03-15"),
    ("电工仪器仪表装配工", None),
    ("电工", "6-31-01-03"),
    ("维修电工", None),
    ("电气设备安装工", "6-29-03-02"),
    ("家庭餐制作", None),
    ("调酒师", "4-03-02-09"),
    ("调饮师", "4-03-02-10"),
    ("中药调剂员", None),
    ("电网调度自动化运行值班员", None),
    ("电能表修校工", None),
    ("音响调音员", "4-13-02-06"),
    ("航空运输地面服务员", "4-02-04-02"),
    ("邮政业务（营销）员", None),
    # Not a real occupation: its code holds 4-02-04 away from the start.
    ("代码干扰项", "2-04-02-04"),
]


@cache
def readings_of(name: str) -> tuple[Reading, ...]:
    return compute_readings(name)


def make_items(catalogue: list[tuple[str, str | None]]) -> list[SearchItem]:
    return [SearchItem(name, name, code, readings_of(name)) for name, code in catalogue]


@pytest.fixture(scope="module")
def index() -> SearchIndex:
    return SearchIndex(make_items(CATALOGUE))


def names(hits: list[SearchHit]) -> list[str]:
    return [hit.item.name for hit in hits]


@pytest.mark.parametrize("query", ["wrj", "WRJ", "wurenji", "wu ren ji", "ｗｒｊ", " Wu Ren Ji "])
def test_drone_pilot_by_pinyin(index: SearchIndex, query: str) -> None:
    hits = index.search(query)
    assert names(hits) == ["无人机驾驶员", "无人机装调检修工"]
    assert hits[0].rank == RANK_PREFIX


def test_exact_initials_beat_longer_names_with_the_same_start(index: SearchIndex) -> None:
    hits = index.search("dg")
    # 电工仪器仪表装配工 comes before 电工 in the catalogue, 维修电工 only contains "dg".
    assert names(hits) == ["电工", "电工仪器仪表装配工", "维修电工"]
    assert [h.rank for h in hits] == [RANK_EXACT_NAME, RANK_PREFIX, RANK_SUBSTRING]
    assert hits[0].matched == "initials"


def test_initials_of_a_name_without_code(index: SearchIndex) -> None:
    hits = index.search("jtczz")
    assert names(hits) == ["家庭餐制作"]
    assert (hits[0].rank, hits[0].matched) == (RANK_EXACT_NAME, "initials")


def test_full_pinyin_of_the_whole_name_is_an_exact_name(index: SearchIndex) -> None:
    hits = index.search("diangong")
    assert names(hits) == ["电工", "电工仪器仪表装配工", "维修电工"]
    assert (hits[0].rank, hits[0].matched) == (RANK_EXACT_NAME, "pinyin")


@pytest.mark.parametrize("query", ["4-02-04", "40204", "４－０２－０４", "4-0204"])
def test_code_prefix_with_or_without_dashes(index: SearchIndex, query: str) -> None:
    hits = index.search(query)
    assert names(hits) == ["无人机驾驶员", "航空运输地面服务员"]
    assert all((h.rank, h.matched) == (RANK_PREFIX, "code") for h in hits)


def test_full_code_is_an_exact_code(index: SearchIndex) -> None:
    for query in ("4-02-04-02", "4020402"):
        hits = index.search(query)
        assert names(hits) == ["航空运输地面服务员"]
        assert (hits[0].rank, hits[0].matched) == (RANK_EXACT_CODE, "code")


def test_exact_code_comes_before_longer_codes() -> None:
    # Some catalogues split an occupation into sub-items with longer codes.
    index = SearchIndex(
        [
            SearchItem("sub", "电工（高压）", "6-31-01-03-01", ()),
            SearchItem("main", "电工", "6-31-01-03", ()),
        ]
    )
    hits = index.search("6-31-01-03")
    assert [h.item.payload for h in hits] == ["main", "sub"]
    assert [h.rank for h in hits] == [RANK_EXACT_CODE, RANK_PREFIX]


def test_digits_never_match_the_middle_of_a_code(index: SearchIndex) -> None:
    assert index.search("0204") == []  # in 4-02-04-xx and 2-04-02-04, never at the start


def test_chinese_substring(index: SearchIndex) -> None:
    hits = index.search("驾驶")
    assert names(hits) == ["无人机驾驶员"]
    assert (hits[0].rank, hits[0].matched) == (RANK_SUBSTRING, "name")


def test_name_ranks_exact_then_prefix_then_substring(index: SearchIndex) -> None:
    hits = index.search("电工")
    assert names(hits) == ["电工", "电工仪器仪表装配工", "维修电工"]
    assert [h.rank for h in hits] == [RANK_EXACT_NAME, RANK_PREFIX, RANK_SUBSTRING]
    assert all(h.matched == "name" for h in hits)


def test_ranking_does_not_depend_on_catalogue_order() -> None:
    reordered = SearchIndex(make_items(list(reversed(CATALOGUE))))
    assert names(reordered.search("电工")) == ["电工", "电工仪器仪表装配工", "维修电工"]
    assert names(reordered.search("dg")) == ["电工", "电工仪器仪表装配工", "维修电工"]


def test_ties_keep_catalogue_order() -> None:
    forward = SearchIndex(make_items(CATALOGUE))
    backward = SearchIndex(make_items(list(reversed(CATALOGUE))))
    # Both are prefix matches of "wrj": a tie.
    assert names(forward.search("wrj")) == ["无人机驾驶员", "无人机装调检修工"]
    assert names(backward.search("wrj")) == ["无人机装调检修工", "无人机驾驶员"]
    assert names(backward.search("40204")) == ["航空运输地面服务员", "无人机驾驶员"]


def test_parentheses_match_in_either_width(index: SearchIndex) -> None:
    assert names(index.search("业务(营销)")) == ["邮政业务（营销）员"]
    assert names(index.search("业务（营销）")) == ["邮政业务（营销）员"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("tiaojiushi", "调酒师"),
        ("tjs", "调酒师"),
        ("diaodu", "电网调度自动化运行值班员"),
        ("xiujiao", "电能表修校工"),
        ("tiaoyin", "音响调音员"),
        ("tiaoji", "中药调剂员"),
    ],
)
def test_polyphonic_characters_are_found_by_their_trade_reading(
    index: SearchIndex, query: str, expected: str
) -> None:
    assert expected in names(index.search(query))


def test_tiaojiushi_is_an_exact_name(index: SearchIndex) -> None:
    hits = index.search("tiaojiushi")
    assert names(hits) == ["调酒师"]
    assert (hits[0].rank, hits[0].matched) == (RANK_EXACT_NAME, "pinyin")


def test_pinyin_prefix_comes_before_pinyin_substring(index: SearchIndex) -> None:
    # 调饮师 starts with "tiaoyin" (a variant reading); 音响调音员 only contains it.
    hits = index.search("tiaoyin")
    assert names(hits) == ["调饮师", "音响调音员"]
    assert [h.rank for h in hits] == [RANK_PREFIX, RANK_SUBSTRING]


@pytest.mark.parametrize("query", ["", "   ", "xyzq", "不存在", "9-99", "-"])
def test_nothing_found(index: SearchIndex, query: str) -> None:
    assert index.search(query) == []


def test_limit(index: SearchIndex) -> None:
    everything = index.search("d", limit=None)
    assert len(everything) > 3
    assert index.search("d", limit=3) == everything[:3]
    assert index.search("d", limit=0) == []
    assert len(index.search("d")) == len(everything)  # default 50 is more than there are


def test_limit_keeps_the_best_ranks(index: SearchIndex) -> None:
    hits = index.search("电工", limit=2)
    assert names(hits) == ["电工", "电工仪器仪表装配工"]


def test_payload_is_handed_back_and_length_counts_items() -> None:
    payload = {"scheme": "bj-2026", "row": 7}
    index = SearchIndex([SearchItem(payload, "电工", "6-31-01-03", readings_of("电工"))])
    assert len(index) == 1
    assert index.search("dg")[0].item.payload is payload
    assert len(SearchIndex([])) == 0
    assert SearchIndex([]).search("dg") == []


# --- Agreement with a plain reference over a large catalogue --------------------------------
# The index takes shortcuts (sorted keys, a joined haystack, early stops) that only show with
# many items; a slow, obvious implementation of the same rules checks them.

_SYLLABLES: dict[str, tuple[str, ...]] = {
    "电": ("dian",),
    "调": ("diao", "tiao"),
    "度": ("du", "duo"),
    "工": ("gong",),
    "师": ("shi",),
    "员": ("yuan", "yun"),
    "机": ("ji",),
    "检": ("jian",),
    "(": (),
}


def _synthetic_readings(name: str) -> tuple[Reading, ...]:
    units = [_SYLLABLES[ch] for ch in name if _SYLLABLES[ch]]
    if not units:
        return ()
    primary = [u[0] for u in units]
    out = [primary]
    for i, unit in enumerate(units):
        for alternative in unit[1:]:
            out.append([*primary[:i], alternative, *primary[i + 1 :]])
    return tuple(("".join(s), "".join(x[0] for x in s)) for s in out)


def _reference(items: list[SearchItem], query: str, limit: int | None) -> list[tuple[int, int]]:
    q = "".join(unicodedata.normalize("NFKC", query).lower().split())
    found: list[tuple[int, int]] = []  # (rank, position)
    for position, item in enumerate(items):
        ranks: list[int] = []
        if q and all(ch in "0123456789-" for ch in q):
            digits = q.replace("-", "")
            code = (item.code or "").replace("-", "")
            if digits and code == digits:
                ranks.append(0)
            elif digits and code.startswith(digits):
                ranks.append(2)
        elif q.isascii() and re.sub("[^a-z0-9]", "", q):
            letters = re.sub("[^a-z0-9]", "", q)
            keys = [k for reading in item.readings for k in reading]
            for key in keys:
                if key == letters:
                    ranks.append(1)
                elif key.startswith(letters):
                    ranks.append(2)
                elif letters in key:
                    ranks.append(3)
        elif q:
            name = unicodedata.normalize("NFKC", item.name)
            if name == q:
                ranks.append(1)
            elif name.startswith(q):
                ranks.append(2)
            elif q in name:
                ranks.append(3)
        if ranks:
            found.append((min(ranks), position))
    found.sort()
    return found if limit is None else found[:limit]


@pytest.mark.slow
def test_agrees_with_reference_on_a_large_catalogue() -> None:
    rng = random.Random(1234)
    chars = [ch for ch in _SYLLABLES if ch != "("]
    items: list[SearchItem] = []
    for position in range(4000):
        name = "".join(rng.choice(chars) for _ in range(rng.randint(1, 5)))
        if rng.random() < 0.05:
            name = name[:1] + "(" + name[1:]
        code = (
            None
            if rng.random() < 0.2
            else f"{rng.randint(1, 3)}-0{rng.randint(1, 3)}-0{position % 7}"
        )
        items.append(SearchItem(position, name, code, _synthetic_readings(name)))
    index = SearchIndex(items)

    queries = [
        "d",
        "di",
        "dg",
        "dd",
        "g",
        "shi",
        "y",
        "yun",
        "电",
        "电工",
        "调度",
        "1",
        "1-0",
        "2-03-04",
    ]
    for _ in range(150):
        item = rng.choice(items)
        kind = rng.randrange(4)
        if kind == 0 and item.readings:
            full, initials = rng.choice(item.readings)
            source = rng.choice((full, initials))
        elif kind == 1 and item.code:
            source = item.code
        else:
            source = item.name
        start = rng.randrange(len(source))
        queries.append(source[start : start + rng.randint(1, 6)])

    for query in queries:
        for limit in (50, 7, None):
            expected = _reference(items, query, limit)
            got = [(h.rank, h.item.payload) for h in index.search(query, limit=limit)]
            assert got == expected, (query, limit)
