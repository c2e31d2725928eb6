"""Use cases on the catalogues: search across every scheme, and list one scheme."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from desktop_app.domain.pinyin import PinyinLookup, load_index
from desktop_app.domain.policy import (
    GRADE_LABELS,
    STAGE_LABELS,
    Entry,
    Policy,
    PolicySet,
    Rate,
)
from desktop_app.domain.search import SearchIndex, SearchItem
from desktop_app.paths import pinyin_index_file
from desktop_app.services.policies import policy_set

_SHORT_LEVEL = {1: "一级", 2: "二级", 3: "三级", 4: "四级", 5: "五级"}


@dataclass(frozen=True)
class AmountLine:
    """One amount a catalogue row can earn, with what earns it and where that is written."""

    condition: str
    amount: int
    source: str


@dataclass(frozen=True)
class CatalogueRow:
    policy: Policy
    entry: Entry
    kind_label: str
    amounts: tuple[AmountLine, ...]

    @property
    def levels_text(self) -> str:
        if self.entry.levels:
            return "、".join(self.policy.level_label(lv) for lv in self.entry.levels)
        if self.entry.grades:
            return "、".join(GRADE_LABELS[g] for g in self.entry.grades)
        rule = self.policy.kinds.get(self.entry.kind)
        if rule is not None and rule.method == "tier_level":
            # Levels paid for this row's tier (2026: every level of its tier has a rate).
            levels = sorted(
                {
                    r.level
                    for r in self.policy.rates_for(self.entry.kind)
                    if r.tier == self.entry.tier and r.level is not None
                },
                reverse=True,
            )
            return "、".join(self.policy.level_label(lv) for lv in levels)
        return ""

    @property
    def amounts_text(self) -> str:
        return "；".join(f"{line.condition} {line.amount}元" for line in self.amounts)


def amounts_for(policy: Policy, entry: Entry) -> tuple[AmountLine, ...]:
    """What each level (tier, grade, rank) of this row pays under its scheme."""
    rule = policy.kinds.get(entry.kind)
    if rule is None:
        return ()
    rates = policy.rates_for(entry.kind)
    lines: list[AmountLine] = []

    def add(condition: str, rate: Rate) -> None:
        lines.append(AmountLine(condition, rate.amount, rate.source.cite(with_quote=False)))

    if rule.method == "tier_level":
        for rate in sorted(
            (r for r in rates if r.tier == entry.tier), key=lambda r: -(r.level or 0)
        ):
            add(_SHORT_LEVEL.get(rate.level or 0, "?"), rate)
    elif rule.method == "tier":
        for rate in rates:
            if rate.tier == entry.tier:
                add(f"{entry.tier}档", rate)
    elif rule.method == "level":
        for rate in sorted(rates, key=lambda r: -(r.level or 0)):
            if rate.level in entry.levels:
                add(_SHORT_LEVEL.get(rate.level or 0, "?"), rate)
    elif rule.method == "grade":
        for rate in rates:
            if rate.grade in entry.grades:
                add(GRADE_LABELS.get(rate.grade or "", "?"), rate)
    elif rule.method == "competition":
        for rate in rates:
            ranks = (
                f"第{rate.rank_from}名"
                if rate.rank_from == rate.rank_to
                else f"第{rate.rank_from}—{rate.rank_to}名"
            )
            add(f"{STAGE_LABELS.get(rate.stage or '', '?')}{ranks}", rate)
    return tuple(lines)


def catalogue_rows(policies: PolicySet) -> list[CatalogueRow]:
    """Every catalogue entry of every loaded scheme as a row of the 目录 page (its rates
    resolved), in the files' order."""
    rows: list[CatalogueRow] = []
    for policy in policies:
        for entry in policy.entries():
            rule = policy.kinds.get(entry.kind)
            rows.append(
                CatalogueRow(
                    policy,
                    entry,
                    rule.label if rule else entry.kind,
                    amounts_for(policy, entry),
                )
            )
    return rows


class CatalogueSearch:
    """Search over the rows of every loaded scheme, by name, code or pinyin."""

    def __init__(self, policies: PolicySet, lookup: PinyinLookup) -> None:
        self._rows = catalogue_rows(policies)
        self._index = SearchIndex(
            [
                SearchItem(row, row.entry.name, row.entry.code, lookup.readings(row.entry.name))
                for row in self._rows
            ]
        )

    def __len__(self) -> int:
        return len(self._rows)

    def search(self, query: str, limit: int | None = 50) -> list[CatalogueRow]:
        hits = self._index.search(query, limit=limit)
        return [hit.item.payload for hit in hits if isinstance(hit.item.payload, CatalogueRow)]


def version_pinyin_file(policy: Policy) -> Path:
    """The readings of an imported version's new names, kept beside its file."""
    return policy.path.with_name(policy.path.stem + ".pinyin.json")


def lookup_for(policies: PolicySet) -> PinyinLookup:
    """The stored readings: the shipped index plus those of each imported version."""
    index = dict(load_index(pinyin_index_file()))
    for policy in policies:
        if policy.effective is not None or policy.based_on is not None:
            for name, readings in load_index(version_pinyin_file(policy)).items():
                index.setdefault(name, readings)
    return PinyinLookup(index)


_SEARCHES: dict[int, tuple[PolicySet, CatalogueSearch]] = {}


def default_search() -> CatalogueSearch:
    """The search over the program's own schemes (current versions), built once per loaded
    set of schemes (again after a catalogue import)."""
    policies = policy_set()
    found = _SEARCHES.get(id(policies))
    if found is not None and found[0] is policies:
        return found[1]
    search = CatalogueSearch(policies, lookup_for(policies))
    _SEARCHES.clear()
    _SEARCHES[id(policies)] = (policies, search)
    return search
