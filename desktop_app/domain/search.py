"""The occupation search box: one query over names, codes and pinyin.

A clerk types a name fragment (驾驶), a code or its start with or without dashes (4-02-04,
40204), full pinyin (wurenji, "wu ren ji") or initials (wrj). Hits are ranked:

0. exact code;
1. exact name, or the whole name's full pinyin or initials typed exactly;
2. prefix of the name, the code, a full pinyin or the initials;
3. substring of the name, a full pinyin or the initials (codes match only from the start).

Within a rank, items keep the order they were given in.

Speed: each field (names, codes, pinyin) keeps its keys three ways, built once:
- a dict from key to items, for exact matches;
- the keys sorted, so all keys starting with the query are one `bisect` range; a small range is
  turned into items with C-level slice/set/sort, a large one is walked in item order instead;
- one string joining every key, each preceded by a separator, for substrings: a C-level
  ``str.find`` jumps from hit to the next item, so Python code runs only for matching items,
  and the walk stops once `limit` hits are known.
A query thus costs at most about one pass of ``str.find`` over the field plus its own hits.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

from desktop_app.domain.pinyin import Reading
from desktop_app.domain.text import code_digits

RANK_EXACT_CODE = 0
RANK_EXACT_NAME = 1
RANK_PREFIX = 2
RANK_SUBSTRING = 3

_SEP = "\x00"
# Control characters (including the separator) never take part in a match.
_DROP_CONTROL = dict.fromkeys([*range(0x00, 0x20), 0x7F])
_KEY_END = "\U0010ffff"  # sorts after any character a key can hold
# Up to this many keys starting with the query, prefix hits are collected from the sorted keys;
# beyond it prefix hits are dense, and walking the haystack in item order stops sooner.
_PREFIX_RANGE_MAX = 2500
_CODE_QUERY = re.compile(r"[0-9-]+")
_NOT_PINYIN = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class SearchItem:
    """One searchable occupation; *payload* is handed back untouched in hits."""

    payload: object
    name: str
    code: str | None
    readings: tuple[Reading, ...]


@dataclass(frozen=True)
class SearchHit:
    """An item found by a query, its rank (0 best) and the field that matched."""

    item: SearchItem
    rank: int
    matched: str  # "code", "name", "pinyin" or "initials"


def normalize_text(text: str) -> str:
    """NFKC (full-width to half-width, （） to ()), lower case, no spaces or control chars."""
    text = unicodedata.normalize("NFKC", text).lower().translate(_DROP_CONTROL)
    return "".join(text.split())


class _Field:
    """One searchable field of all items: exact, prefix and substring lookups."""

    __slots__ = ("_exact", "_haystack", "_owners", "_sorted_keys", "_sorted_owners", "_starts")

    def __init__(self, keys_per_item: Sequence[Sequence[str]]) -> None:
        exact: dict[str, list[int]] = {}
        parts: list[str] = []
        starts: list[int] = []
        owners: list[int] = []
        pairs: list[tuple[str, int]] = []
        position = 0
        for index, keys in enumerate(keys_per_item):
            unique = [key for key in dict.fromkeys(keys) if key]
            if not unique:
                continue
            segment = "".join(_SEP + key for key in unique)
            starts.append(position)
            owners.append(index)
            parts.append(segment)
            position += len(segment)
            for key in unique:
                exact.setdefault(key, []).append(index)
                pairs.append((key, index))
        starts.append(position)  # end of the last segment
        pairs.sort()
        self._exact = exact
        self._haystack = "".join(parts)
        self._starts = starts
        self._owners = owners
        self._sorted_keys = [key for key, _ in pairs]
        self._sorted_owners = [index for _, index in pairs]

    def exact(self, key: str) -> list[int]:
        """Items having *key* itself, in item order."""
        return self._exact.get(key, [])

    def prefixed(self, key: str) -> list[int] | None:
        """Items having a key that starts with *key*, in item order; None when too many."""
        keys = self._sorted_keys
        low = bisect_left(keys, key)
        high = bisect_left(keys, key + _KEY_END, low)
        if high - low > _PREFIX_RANGE_MAX:
            return None
        return sorted(set(self._sorted_owners[low:high]))

    def scan(
        self, needle: str, skip: set[int] | frozenset[int], want: int | None, out: list[int]
    ) -> None:
        """Append to *out*, in item order, items with a key containing *needle*.

        A needle starting with the separator finds key prefixes. Items in *skip* are passed
        over; the scan stops once *out* holds *want* items.
        """
        if want is not None and len(out) >= want:
            return
        find = self._haystack.find
        starts = self._starts
        owners = self._owners
        position = find(needle)
        while position != -1:
            slot = bisect_right(starts, position) - 1
            index = owners[slot]
            if index not in skip:
                out.append(index)
                if want is not None and len(out) >= want:
                    return
            position = find(needle, starts[slot + 1])


class SearchIndex:
    """Search over a fixed list of items; build once per catalogue, query many times."""

    def __init__(self, items: Sequence[SearchItem]) -> None:
        self._items: tuple[SearchItem, ...] = tuple(items)
        fulls: list[tuple[str, ...]] = []
        initials: list[tuple[str, ...]] = []
        for item in self._items:
            item_fulls: dict[str, None] = {}
            item_initials: dict[str, None] = {}
            for full, first_letters in item.readings:
                item_fulls[_NOT_PINYIN.sub("", full.lower())] = None
                item_initials[_NOT_PINYIN.sub("", first_letters.lower())] = None
            fulls.append(tuple(key for key in item_fulls if key))
            initials.append(tuple(key for key in item_initials if key))
        self._fulls = fulls
        self._names = _Field([(normalize_text(item.name),) for item in self._items])
        self._codes = _Field([(code_digits(item.code or ""),) for item in self._items])
        self._pinyin = _Field(
            [(*full, *first) for full, first in zip(fulls, initials, strict=True)]
        )

    def __len__(self) -> int:
        return len(self._items)

    def search(self, query: str, limit: int | None = 50) -> list[SearchHit]:
        """Items matching *query*, best first; at most *limit* hits (None: all)."""
        if limit is not None and limit <= 0:
            return []
        text = normalize_text(query)
        if not text:
            return []
        if _CODE_QUERY.fullmatch(text):
            digits = text.replace("-", "")
            if not digits:
                return []
            return self._search_code(digits, limit)
        if text.isascii():
            letters = _NOT_PINYIN.sub("", text)
            if letters:
                return self._search_pinyin(letters, limit)
        return self._search_name(text, limit)

    def _search_code(self, digits: str, limit: int | None) -> list[SearchHit]:
        exact, prefix = _exact_and_prefix(self._codes, digits, limit)
        items = self._items
        return [SearchHit(items[i], RANK_EXACT_CODE, "code") for i in exact] + [
            SearchHit(items[i], RANK_PREFIX, "code") for i in prefix
        ]

    def _ranked(self, field: _Field, key: str, limit: int | None) -> tuple[list[int], ...]:
        """Exact, prefix and substring matches of *key* in *field*, each in item order."""
        exact, prefix = _exact_and_prefix(field, key, limit)
        substring: list[int] = []
        found = len(exact) + len(prefix)
        if limit is None or found < limit:
            field.scan(key, {*exact, *prefix}, None if limit is None else limit - found, substring)
        return exact, prefix, substring

    def _search_name(self, text: str, limit: int | None) -> list[SearchHit]:
        exact, prefix, substring = self._ranked(self._names, text, limit)
        items = self._items
        hits = [SearchHit(items[i], RANK_EXACT_NAME, "name") for i in exact]
        hits += [SearchHit(items[i], RANK_PREFIX, "name") for i in prefix]
        hits += [SearchHit(items[i], RANK_SUBSTRING, "name") for i in substring]
        return hits

    def _search_pinyin(self, letters: str, limit: int | None) -> list[SearchHit]:
        exact, prefix, substring = self._ranked(self._pinyin, letters, limit)
        items = self._items
        fulls = self._fulls
        hits = [
            SearchHit(items[i], RANK_EXACT_NAME, "pinyin" if letters in fulls[i] else "initials")
            for i in exact
        ]
        hits += [
            SearchHit(
                items[i],
                RANK_PREFIX,
                "pinyin" if any(f.startswith(letters) for f in fulls[i]) else "initials",
            )
            for i in prefix
        ]
        hits += [
            SearchHit(
                items[i],
                RANK_SUBSTRING,
                "pinyin" if any(letters in f for f in fulls[i]) else "initials",
            )
            for i in substring
        ]
        return hits


def _exact_and_prefix(field: _Field, key: str, limit: int | None) -> tuple[list[int], list[int]]:
    """Items with *key* itself, then the other items with a key starting with it, in item
    order and together at most *limit*; when the limit is not reached both lists are complete.
    """
    exact = _cut(field.exact(key), limit)
    prefix = field.prefixed(key)
    if prefix is None:
        prefix = []
        field.scan(_SEP + key, frozenset(exact), _room(limit, exact), prefix)
        return exact, prefix
    if exact:
        taken = set(exact)
        prefix = [i for i in prefix if i not in taken]
    return exact, _cut(prefix, _room(limit, exact))


def _cut(indexes: list[int], limit: int | None) -> list[int]:
    """The first *limit* of *indexes* (all of them for None)."""
    return indexes if limit is None else indexes[:limit]


def _room(limit: int | None, taken: list[int]) -> int | None:
    """How many more hits fit after *taken* (None: no limit)."""
    return None if limit is None else limit - len(taken)
