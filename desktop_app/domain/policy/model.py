"""What a loaded policy file is: its document, the sources of its values (references with the
document's own words), catalogue rows, rates, conditions and the scheme itself. Values only:
`loader.py` builds them, `versions.py` keeps a scheme's versions."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from desktop_app.domain.policy.vocabulary import LEVEL_LABELS
from desktop_app.domain.text import code_digits, normalize_name, quoted
from desktop_app.errors import EXIT_POLICY, ClerkError


class PolicyError(ClerkError):
    """A policy file that cannot be used. The message is for a person, in Chinese."""

    exit_code = EXIT_POLICY

    def __init__(self, file: str, entry: str, problem: str) -> None:
        where = f"“{entry}”" if entry else "文件本身"
        super().__init__(f"补助政策文件 {file} 有误，未予采用：{where}：{problem}")
        self.file = file
        self.entry = entry
        self.problem = problem


@dataclass(frozen=True)
class Document:
    file: str
    title: str
    short: str


@dataclass(frozen=True)
class Reference:
    """One place in a document, and optionally its own words.

    The reference (document, part, row, column) is ours to write. `quote` is the document's
    own text, character for character (the extraction's line and page breaks aside), as one
    piece or several pieces in the document's order, shown joined by “……”. `note` is ours
    (arithmetic, a reading) and is always shown outside the quotation marks."""

    document: Document
    part: str
    row: str | None = None
    column: str | None = None
    quote: tuple[str, ...] = ()
    note: str | None = None

    def place(self) -> str:
        text = self.part
        if self.row:
            text += f" 序号{self.row}"
        return text


@dataclass(frozen=True)
class Source:
    """Where a value comes from: one or more references, cited together."""

    refs: tuple[Reference, ...]

    @classmethod
    def at(
        cls,
        document: Document,
        part: str,
        row: str | None = None,
        *,
        column: str | None = None,
        quote: str | Sequence[str] = (),
        note: str | None = None,
    ) -> Source:
        pieces = (quote,) if isinstance(quote, str) else tuple(quote)
        return cls((Reference(document, part, row, column, pieces, note),))

    def __add__(self, other: Source) -> Source:
        return Source(self.refs + tuple(r for r in other.refs if r not in self.refs))

    @property
    def part(self) -> str:
        return self.refs[0].part if self.refs else ""

    @property
    def row(self) -> str | None:
        return self.refs[0].row if self.refs else None

    @property
    def quote(self) -> str | None:
        """The first quotation, as shown (pieces joined by “……”), or None."""
        for ref in self.refs:
            if ref.quote:
                return "……".join(ref.quote)
        return None

    def cite(self, *, with_quote: bool = True) -> str:
        """京工办发〔2016〕55号 附件1 序号3 “类别”栏：“…”；“助推范围”栏：“高级”.

        A reference repeats the document and the place only where they change."""
        parts: list[str] = []
        previous: Reference | None = None
        for index, ref in enumerate(self.refs):
            following = self.refs[index + 1] if index + 1 < len(self.refs) else None
            if (
                following is not None
                and not (ref.column or ref.quote or ref.note)
                and (following.document, following.place()) == (ref.document, ref.place())
            ):
                continue  # "附件1 序号3" followed by a cell of 附件1 序号3: cite the cell
            head: list[str] = []
            if previous is None or previous.document != ref.document:
                head.append(ref.document.short)
            if (
                previous is None
                or previous.document != ref.document
                or (previous.place() != ref.place())
            ):
                head.append(ref.place())
            if ref.column:
                head.append(f"{quoted(ref.column)}栏")
            text = " ".join(head)
            if with_quote and ref.quote:
                text += ("：" if text else "") + quoted("……".join(ref.quote))
            if ref.note:
                text += f"（{ref.note}）"
            if text:
                parts.append(text)
            previous = ref
        return "；".join(parts)


@dataclass(frozen=True)
class Group:
    """Occupations sharing an appraisal body and the levels it funds (2016 Annex 1)."""

    id: str
    body: str
    levels: tuple[int, ...]
    source: Source


@dataclass(frozen=True)
class Entry:
    """One catalogue row: an occupation, a special-ability item, a competition, …"""

    scheme_id: str
    catalogue_id: str
    kind: str
    row: str
    name: str
    source: Source
    code: str | None = None
    tier: str | None = None
    group: Group | None = None
    grades: tuple[str, ...] = ()
    scope: str | None = None

    @property
    def levels(self) -> tuple[int, ...]:
        return self.group.levels if self.group else ()


@dataclass(frozen=True)
class Catalogue:
    id: str
    kind: str
    title: str
    part: str
    entries: tuple[Entry, ...]


@dataclass(frozen=True)
class Rate:
    kind: str
    amount: int
    source: Source
    tier: str | None = None
    level: int | None = None
    grade: str | None = None
    stage: str | None = None
    rank_from: int | None = None
    rank_to: int | None = None


@dataclass(frozen=True)
class Condition:
    rule: str
    source: Source
    applies_to: tuple[str, ...] = ()  # empty: every kind
    date_from: date | None = None
    date_to: date | None = None

    def applies(self, kind: str) -> bool:
        return not self.applies_to or kind in self.applies_to


@dataclass(frozen=True)
class KindRule:
    kind: str
    label: str
    method: str
    catalogue: Catalogue
    source: Source
    final_min_entrants: int | None = None
    semifinal_min_entrants: int | None = None
    semifinal_max_entrants: int | None = None
    certificate_groups: tuple[str, ...] = ()
    # The sources of the method's individual rules, by name (COMPETITION_SOURCES).
    sources: Mapping[str, Source] = field(default_factory=dict)

    def source_for(self, name: str) -> Source:
        return self.sources.get(name, self.source)


@dataclass(frozen=True)
class Policy:
    id: str
    name: str
    short_name: str
    year: int | None
    document: Document
    kinds: Mapping[str, KindRule]
    catalogues: tuple[Catalogue, ...]
    rates: tuple[Rate, ...]
    conditions: tuple[Condition, ...]
    groups: Mapping[str, Group]
    sha256: str
    path: Path
    _by_name: Mapping[tuple[str, str], Entry] = field(repr=False, compare=False)
    _by_code: Mapping[tuple[str, str], Entry] = field(repr=False, compare=False)
    # A version written by catalogue import: in effect from `effective` (None: the shipped
    # file, in effect from the start), made from the version whose SHA-256 is `based_on`.
    effective: date | None = None
    based_on: str | None = None
    # The level names in the scheme's own words (2016: 三级（高级技能）); LEVEL_LABELS else.
    level_labels: Mapping[int, str] = field(default_factory=lambda: LEVEL_LABELS)

    def level_label(self, level: int) -> str:
        return self.level_labels.get(level) or LEVEL_LABELS.get(level, f"{level}级")

    def entries(self) -> Iterable[Entry]:
        for catalogue in self.catalogues:
            yield from catalogue.entries

    def find_entry(self, catalogue_id: str, text: str) -> Entry | None:
        """Find a catalogue row by its name or, where rows have codes, by its code."""
        name = normalize_name(text)
        hit = self._by_name.get((catalogue_id, name))
        if hit is not None:
            return hit
        digits = code_digits(text)
        if digits and len(digits) == len(name.replace("-", "")):
            return self._by_code.get((catalogue_id, digits))
        return None

    def rates_for(self, kind: str) -> tuple[Rate, ...]:
        return tuple(rate for rate in self.rates if rate.kind == kind)
