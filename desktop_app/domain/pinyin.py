"""Pinyin readings of occupation names, for the search box.

A reading is the pair (full pinyin, initials) of a name, lower case, without tones or spaces:
``("wurenjijiashiyuan", "wrjjsy")`` for 无人机驾驶员. A name has several readings: first the
phrase-aware one pypinyin gives, then one variant per alternative reading of each polyphonic
character (pypinyin's phrase mode reads 调酒师 as "diao jiu shi"; the clerk types "tiaojiushi").

pypinyin is slow to import and holds large dictionaries in memory, so it is imported only inside
`compute_readings`. The program ships a precomputed index file (`write_index` builds it,
`load_index` reads it with the standard library only) and `PinyinLookup` falls back to
`compute_readings` only for names missing from that file.
"""

from __future__ import annotations

import json
import os
import unicodedata
from collections.abc import Iterable, Mapping
from pathlib import Path

Reading = tuple[str, str]
"""(full pinyin, initials), e.g. ("wurenjijiashiyuan", "wrjjsy")."""

MAX_READINGS = 24
INDEX_VERSION = 1

_ASCII_ALNUM = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")
_ASCII_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyz")


class PinyinIndexError(ValueError):
    """The pinyin index file exists but cannot be used."""


def _syllable(raw: str) -> str:
    """Keep only the ASCII letters of a pypinyin syllable ("lv" stays "lv")."""
    return "".join(ch for ch in raw.lower() if ch in _ASCII_LETTERS)


def compute_readings(name: str) -> tuple[Reading, ...]:
    """Return the readings of *name*: the phrase-aware reading first, then variants.

    Each variant replaces the reading of one polyphonic character by one of its other readings,
    all other characters keeping their phrase reading (linear in the name's length, not the full
    product). ASCII letters and digits are kept, lower-cased, in both the full pinyin and the
    initials; punctuation and other symbols are dropped. At most `MAX_READINGS` readings.
    """
    from pypinyin import Style, lazy_pinyin, pinyin

    text = unicodedata.normalize("NFKC", name).lower()

    # One unit per kept character: its candidate syllables, the phrase reading first.
    # Han characters are found by asking pypinyin for each character's readings.
    units: list[list[str]] = []
    han_run: list[int] = []  # indexes into `units` of the current run of Han characters
    run_text: list[str] = []

    def close_run() -> None:
        if not han_run:
            return
        phrase = [_syllable(s) for s in lazy_pinyin("".join(run_text), style=Style.NORMAL)]
        if len(phrase) == len(han_run):
            for unit_index, primary in zip(han_run, phrase, strict=True):
                candidates = units[unit_index]
                if primary and primary in candidates:
                    candidates.remove(primary)
                    candidates.insert(0, primary)
                elif primary:
                    candidates.insert(0, primary)
        han_run.clear()
        run_text.clear()

    for ch in text:
        if ch in _ASCII_ALNUM:
            close_run()
            units.append([ch])
            continue
        heteronyms = pinyin(ch, heteronym=True, style=Style.NORMAL)
        raw = heteronyms[0] if heteronyms else []
        candidates: list[str] = []
        for item in raw:
            syllable = _syllable(item)
            if syllable and syllable not in candidates and item != ch:
                candidates.append(syllable)
        if not candidates:  # punctuation, symbols, spaces: dropped
            close_run()
            continue
        han_run.append(len(units))
        run_text.append(ch)
        units.append(candidates)
    close_run()

    if not units:
        return ()
    primary = [candidates[0] for candidates in units]
    readings: list[Reading] = [_reading(primary)]
    seen = set(readings)
    for position, candidates in enumerate(units):
        for alternative in candidates[1:]:
            variant = primary.copy()
            variant[position] = alternative
            reading = _reading(variant)
            if reading not in seen:
                seen.add(reading)
                readings.append(reading)
                if len(readings) >= MAX_READINGS:
                    return tuple(readings)
    return tuple(readings)


def _reading(syllables: list[str]) -> Reading:
    return "".join(syllables), "".join(s[0] for s in syllables)


def load_index(path: Path) -> dict[str, tuple[Reading, ...]]:
    """Read a pinyin index file written by `write_index`.

    A missing file gives an empty index (every name is then computed on demand); a file that is
    not a valid index raises `PinyinIndexError` naming the file.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except UnicodeDecodeError as exc:
        raise _index_error(path, "不是 UTF-8 编码的文本") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _index_error(path, f"JSON 格式错误（第 {exc.lineno} 行）") from exc
    if not isinstance(data, dict):
        raise _index_error(path, "顶层不是对象")
    version = data.get("version")
    if version != INDEX_VERSION:
        raise _index_error(path, f"版本为 {version!r}，本程序只能读取版本 {INDEX_VERSION}")
    table = data.get("readings")
    if not isinstance(table, dict):
        raise _index_error(path, "缺少“readings”对象")
    index: dict[str, tuple[Reading, ...]] = {}
    for name, entries in table.items():
        if not isinstance(entries, list):
            raise _index_error(path, f"“{name}”的读音不是列表")
        readings: list[Reading] = []
        for entry in entries:
            if (
                not isinstance(entry, list)
                or len(entry) != 2
                or not all(isinstance(part, str) for part in entry)
            ):
                raise _index_error(path, f"“{name}”的读音应为 [全拼, 首字母] 两个字符串")
            readings.append((entry[0], entry[1]))
        index[name] = tuple(readings)
    return index


def _index_error(path: Path, detail: str) -> PinyinIndexError:
    return PinyinIndexError(
        f"拼音索引文件“{path}”无法使用：{detail}。请重新安装程序，或请管理员重新生成该文件。"
    )


def write_index(path: Path, names: Iterable[str]) -> None:
    """Compute the readings of *names* and write them atomically to *path*."""
    import tempfile  # a build step, not needed when the program starts

    table = {name: [list(r) for r in compute_readings(name)] for name in sorted(set(names))}
    text = json.dumps(
        {"version": INDEX_VERSION, "readings": table},
        ensure_ascii=False,
        indent=1,
        sort_keys=True,
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    temp = Path(temp_name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        temp.replace(path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


class PinyinLookup:
    """Readings of names: from the loaded index, else computed once and remembered."""

    def __init__(self, index: Mapping[str, tuple[Reading, ...]]) -> None:
        self._readings: dict[str, tuple[Reading, ...]] = dict(index)

    def readings(self, name: str) -> tuple[Reading, ...]:
        found = self._readings.get(name)
        if found is None:
            found = compute_readings(name)
            self._readings[name] = found
        return found
