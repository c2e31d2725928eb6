"""Benchmark of the occupation search box over a synthetic 5,000-entry catalogue.

Run ``python bench/search_bench.py``. Names are built from pieces of real occupation names
(无人机 + 装调 + 检修工 …); their readings are computed with pypinyin once, before timing.
The timed part is `SearchIndex.search` for a mix of what clerks type: initials, full pinyin
prefixes, Chinese fragments, code prefixes with and without dashes, and misses.
Target: p95 ≤ 2 ms per query.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from desktop_app.domain.pinyin import Reading, compute_readings
from desktop_app.domain.search import SearchIndex, SearchItem

_SUBJECTS = (
    "无人机",
    "电网",
    "家庭",
    "中药",
    "航空",
    "铁路",
    "汽车",
    "数控",
    "化工",
    "食品",
    "纺织",
    "电子",
    "仪器仪表",
    "工业机器人",
    "建筑",
    "园林",
    "农业",
    "水产",
    "石油",
    "燃气",
    "锅炉",
    "电梯",
    "音响",
    "邮政",
    "变电站",
    "焊接",
    "冷藏",
    "茶叶",
    "酒店",
    "物流",
    "信息通信",
    "光伏",
    "风电",
    "核电",
    "船舶",
    "轨道交通",
    "医疗器械",
    "眼镜",
    "钟表",
    "乐器",
    "陶瓷",
    "印刷",
    "服装",
    "皮革",
    "家具",
    "玻璃",
    "水泥",
    "粮油",
    "烟草",
    "制药",
)
_ACTIONS = (
    "装调",
    "检修",
    "维修",
    "操作",
    "制作",
    "安装",
    "调度",
    "运行",
    "设计",
    "检验",
    "营销",
    "调试",
    "装配",
    "保养",
    "监控",
    "测试",
    "加工",
    "质检",
    "调剂",
    "仓储",
    "培训",
    "服务",
    "管理",
    "配送",
    "编程",
    "施工",
    "养护",
    "修校",
    "鉴定",
    "包装",
)
_ROLES = ("工", "员", "师", "技术员", "值班员", "管理员", "指导员", "调度员")


def build_catalogue(n_entries: int, seed: int = 20240501) -> list[tuple[str, str]]:
    """*n_entries* distinct (name, code) pairs, codes in d-dd-dd-dd form."""
    names = [s + a + r for s in _SUBJECTS for a in _ACTIONS for r in _ROLES]
    if n_entries > len(names):
        raise ValueError(f"at most {len(names)} distinct names")
    rng = random.Random(seed)
    rng.shuffle(names)
    codes: set[str] = set()
    catalogue: list[tuple[str, str]] = []
    for name in names[:n_entries]:
        while True:
            code = (
                f"{rng.randint(1, 8)}-{rng.randint(1, 40):02d}-"
                f"{rng.randint(1, 12):02d}-{rng.randint(1, 30):02d}"
            )
            if code not in codes:
                codes.add(code)
                break
        catalogue.append((name, code))
    return catalogue


def _readings(names: list[str]) -> dict[str, tuple[Reading, ...]]:
    return {name: compute_readings(name) for name in names}


def build_queries(
    catalogue: list[tuple[str, str]],
    readings: dict[str, tuple[Reading, ...]],
    n_queries: int,
    seed: int = 7,
) -> list[str]:
    """A realistic mix of what a clerk types into the search box."""
    rng = random.Random(seed)
    queries: list[str] = []
    misses = ("zzqx", "xqzv", "鑫淼", "9-99", "0000", "qqq", "犇", "vvb")
    while len(queries) < n_queries:
        name, code = rng.choice(catalogue)
        full, initials = readings[name][0]
        kind = rng.random()
        if kind < 0.30:  # initials, 2-5 letters
            queries.append(initials[: rng.randint(2, min(5, len(initials)))])
        elif kind < 0.50:  # start of the full pinyin
            queries.append(full[: rng.randint(3, min(12, len(full)))])
        elif kind < 0.72:  # a Chinese fragment of 1-3 characters
            length = rng.randint(1, 3)
            start = rng.randint(0, len(name) - length)
            queries.append(name[start : start + length])
        elif kind < 0.82:  # code prefix with dashes
            queries.append(code[: rng.choice((1, 4, 7, 10))])
        elif kind < 0.92:  # code prefix without dashes
            queries.append(code.replace("-", "")[: rng.randint(1, 7)])
        else:
            queries.append(rng.choice(misses))
    return queries


def run(n_entries: int = 5000, n_queries: int = 2000) -> dict[str, float]:
    """Build the index and time *n_queries* searches; figures in milliseconds."""
    catalogue = build_catalogue(n_entries)
    readings = _readings([name for name, _ in catalogue])  # untimed: pypinyin is slow
    queries = build_queries(catalogue, readings, n_queries)

    start = time.perf_counter_ns()
    index = SearchIndex([SearchItem(code, name, code, readings[name]) for name, code in catalogue])
    build_ms = (time.perf_counter_ns() - start) / 1e6

    for query in queries[:200]:  # warm-up
        index.search(query)
    timings: list[float] = []
    for query in queries:
        start = time.perf_counter_ns()
        index.search(query)
        timings.append((time.perf_counter_ns() - start) / 1e6)
    timings.sort()
    return {
        "p50_ms": statistics.median(timings),
        "p95_ms": timings[min(len(timings) - 1, int(len(timings) * 0.95))],
        "max_ms": timings[-1],
        "build_ms": build_ms,
    }


if __name__ == "__main__":
    from bench import yardstick

    figures = run()
    for key, value in figures.items():
        print(f"{key:>8}: {value:8.3f}")
    print(f"     p95: {yardstick.current().times(figures['p95_ms'], 'python')}")
