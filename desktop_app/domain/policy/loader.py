"""Reading and checking one policy file.

A file is checked completely when it is loaded. Anything wrong is reported as a
`PolicyError` naming the file, the entry and what is wrong, in Chinese."""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

from desktop_app.domain.policy.model import (
    Catalogue,
    Condition,
    Document,
    Entry,
    Group,
    KindRule,
    Policy,
    PolicyError,
    Rate,
    Reference,
    Source,
)
from desktop_app.domain.policy.vocabulary import (
    CONDITION_RULES,
    GRADE_LABELS,
    KINDS,
    LEVEL_LABELS,
    METHOD_SOURCES,
    METHODS,
    STAGE_LABELS,
)
from desktop_app.domain.text import code_digits, normalize_name

FORMAT_VERSION = 1
_CODE_RE = re.compile(r"^\d-\d{2}-\d{2}-\d{2}$")
_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_TIER_RE = re.compile(r"^[A-Z]$")
_SHA_RE = re.compile(r"^[0-9a-f]{64}$")


def load_policy(path: Path) -> Policy:
    """Read and check one policy file; raise PolicyError for anything wrong."""
    name = path.name
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise PolicyError(name, "", f"无法读取文件（{exc.strerror or exc}）") from None
    return parse_policy(raw, path)


def parse_policy(raw: bytes, path: Path) -> Policy:
    """Check the content of a policy file (not yet written to `path`, or read from it)."""
    name = path.name
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise PolicyError(name, "", "不是 UTF-8 编码的文本文件") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(name, "", f"格式错误，无法解析（{exc}）") from None
    return _Builder(name, path, hashlib.sha256(raw).hexdigest()).build(data)


class _Builder:
    """Turns parsed TOML into a Policy, checking every value on the way."""

    def __init__(self, file: str, path: Path, sha256: str) -> None:
        self.file = file
        self.path = path
        self.sha256 = sha256
        self.document = Document("", "", "")

    def fail(self, entry: str, problem: str) -> PolicyError:
        return PolicyError(self.file, entry, problem)

    # -- small typed getters ------------------------------------------------------------

    def _table(self, value: Any, where: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(where, "应为表（键值对）")
        return value

    def _keys(
        self, table: dict[str, Any], where: str, required: set[str], optional: set[str]
    ) -> None:
        problems = []
        missing = sorted(required - table.keys())
        if missing:
            problems.append(f"缺少必填项 {', '.join(missing)}")
        unknown = sorted(table.keys() - required - optional)
        if unknown:
            problems.append(f"有无法识别的项 {', '.join(unknown)}（是否拼写错误？）")
        if problems:
            raise self.fail(where, "；".join(problems))

    def _str(self, table: dict[str, Any], key: str, where: str) -> str:
        value = table.get(key)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(where, f"{key} 应为非空文字")
        return value.strip()

    def _opt_str(self, table: dict[str, Any], key: str, where: str) -> str | None:
        if key not in table:
            return None
        return self._str(table, key, where)

    def _int(self, table: dict[str, Any], key: str, where: str, *, low: int, high: int) -> int:
        value = table.get(key)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(where, f"{key} 应为整数")
        if not low <= value <= high:
            raise self.fail(where, f"{key} = {value} 超出范围 {low}–{high}")
        return value

    def _opt_int(
        self, table: dict[str, Any], key: str, where: str, *, low: int, high: int
    ) -> int | None:
        if key not in table:
            return None
        return self._int(table, key, where, low=low, high=high)

    def _date(self, table: dict[str, Any], key: str, where: str) -> date:
        value = table.get(key)
        if not isinstance(value, date) or hasattr(value, "hour"):
            raise self.fail(where, f"{key} 应为日期，写作 YYYY-MM-DD")
        return value

    def _list(self, table: dict[str, Any], key: str, where: str) -> list[Any]:
        value = table.get(key, [])
        if not isinstance(value, list):
            raise self.fail(where, f"{key} 应为列表")
        return value

    def _row(self, table: dict[str, Any], where: str) -> str:
        value = table.get("row")
        if isinstance(value, bool) or not isinstance(value, int | str) or str(value).strip() == "":
            raise self.fail(where, "row（序号）应为数字或文字")
        return str(value).strip()

    def _source(self, value: Any, where: str) -> Source:
        """A `source`: one reference as a table, or several as a list of tables."""
        where = f"{where}.source"
        items = value if isinstance(value, list) else [value]
        if not items:
            raise self.fail(where, "至少应有一处出处")
        refs = []
        for index, item in enumerate(items, 1):
            here = where if len(items) == 1 else f"{where} 第{index}处"
            table = self._table(item, here)
            self._keys(table, here, {"part"}, {"row", "column", "quote", "note"})
            refs.append(
                Reference(
                    self.document,
                    self._str(table, "part", here),
                    self._row(table, here) if "row" in table else None,
                    self._opt_str(table, "column", here),
                    self._quote(table, here),
                    self._opt_str(table, "note", here),
                )
            )
        return Source(tuple(refs))

    def _quote(self, table: dict[str, Any], where: str) -> tuple[str, ...]:
        """The document's own words: one text, or a list of pieces in the document's order."""
        if "quote" not in table:
            return ()
        value = table["quote"]
        pieces = [value] if isinstance(value, str) else value
        if (
            not isinstance(pieces, list)
            or not pieces
            or any(not isinstance(p, str) or not p.strip() for p in pieces)
        ):
            raise self.fail(where, "quote 应为原文文字，或原文片段的列表")
        if any("……" in p for p in pieces):
            raise self.fail(where, "quote 中不应含省略号“……”：几处原文请写成列表")
        return tuple(p.strip() for p in pieces)

    def _sources(self, spec: dict[str, Any], where: str, names: set[str]) -> dict[str, Source]:
        """The named sources of a kind's individual rules (`[kinds.X.sources]`); a rule
        without its own cites the kind's source (files written before there were any)."""
        table = self._table(spec.get("sources", {}), f"{where}.sources")
        self._keys(table, f"{where}.sources", set(), names)
        return {key: self._source(value, f"{where}.sources.{key}") for key, value in table.items()}

    # -- the file -----------------------------------------------------------------------

    def build(self, data: dict[str, Any]) -> Policy:
        top = {"format", "id", "name", "document", "kinds", "catalogues", "rates"}
        self._keys(
            data,
            "",
            top,
            {"short_name", "year", "conditions", "groups", "effective", "based_on", "levels"},
        )
        fmt = data.get("format")
        if fmt != FORMAT_VERSION:
            raise self.fail("format", f"文件格式版本为 {fmt!r}，本程序只识别 {FORMAT_VERSION}")
        scheme_id = self._str(data, "id", "id")
        if not _ID_RE.match(scheme_id):
            raise self.fail("id", f"方案编号“{scheme_id}”只能由小写字母、数字和连字符组成")
        name = self._str(data, "name", "name")
        doc = self._table(data["document"], "document")
        self._keys(doc, "document", {"file", "title", "short"}, set())
        self.document = Document(
            self._str(doc, "file", "document"),
            self._str(doc, "title", "document"),
            self._str(doc, "short", "document"),
        )
        year = self._opt_int(data, "year", "year", low=1990, high=2100)

        groups = self._groups(self._list(data, "groups", "groups"))
        kinds_table = self._table(data["kinds"], "kinds")
        if not kinds_table:
            raise self.fail("kinds", "至少应有一类证书")
        catalogues = self._catalogues(
            scheme_id, self._list(data, "catalogues", "catalogues"), groups, kinds_table
        )
        kinds = self._kinds(kinds_table, {c.id: c for c in catalogues}, groups)
        rates = self._rates(self._list(data, "rates", "rates"), kinds)
        conditions = self._conditions(self._list(data, "conditions", "conditions"), kinds)
        self._check_rates_cover(kinds, rates)

        by_name: dict[tuple[str, str], Entry] = {}
        by_code: dict[tuple[str, str], Entry] = {}
        for catalogue in catalogues:
            for entry in catalogue.entries:
                by_name[(catalogue.id, normalize_name(entry.name))] = entry
                if entry.code:
                    by_code[(catalogue.id, code_digits(entry.code))] = entry
        return Policy(
            id=scheme_id,
            name=name,
            short_name=self._opt_str(data, "short_name", "short_name") or name,
            year=year,
            document=self.document,
            kinds=kinds,
            catalogues=tuple(catalogues),
            rates=tuple(rates),
            conditions=tuple(conditions),
            groups=groups,
            sha256=self.sha256,
            path=self.path,
            _by_name=by_name,
            _by_code=by_code,
            effective=self._date(data, "effective", "effective") if "effective" in data else None,
            based_on=self._based_on(data),
            level_labels=self._levels(data),
        )

    def _levels(self, data: dict[str, Any]) -> Mapping[int, str]:
        """`[levels]`: "3" = "三级（高级技能）" — the scheme's names for the national levels."""
        if "levels" not in data:
            return LEVEL_LABELS
        table = self._table(data["levels"], "levels")
        names = dict(LEVEL_LABELS)
        for key in table:
            if key not in {str(level) for level in LEVEL_LABELS}:
                raise self.fail("levels", f"等级“{key}”应为 1–5")
            names[int(key)] = self._str(table, key, "levels")
        return names

    def _based_on(self, data: dict[str, Any]) -> str | None:
        value = self._opt_str(data, "based_on", "based_on")
        if value is not None and not _SHA_RE.match(value):
            raise self.fail("based_on", "应为 64 位十六进制的 SHA-256")
        return value

    def _groups(self, items: list[Any]) -> dict[str, Group]:
        groups: dict[str, Group] = {}
        for index, item in enumerate(items, 1):
            where = f"groups 第{index}项"
            table = self._table(item, where)
            self._keys(table, where, {"id", "body", "levels", "source"}, {"row"})
            gid = self._str(table, "id", where)
            where = f"groups[{gid}]"
            if gid in groups:
                raise self.fail(where, "分组编号重复")
            levels = self._list(table, "levels", where)
            if not levels or any(
                isinstance(lv, bool) or not isinstance(lv, int) or lv not in LEVEL_LABELS
                for lv in levels
            ):
                raise self.fail(where, "levels 应为 1–5 的等级列表")
            groups[gid] = Group(
                gid,
                self._str(table, "body", where),
                tuple(sorted(set(levels))),
                self._source(table["source"], where),
            )
        return groups

    def _catalogues(
        self,
        scheme_id: str,
        items: list[Any],
        groups: dict[str, Group],
        kinds_table: dict[str, Any],
    ) -> list[Catalogue]:
        catalogues: list[Catalogue] = []
        seen_ids: set[str] = set()
        for index, item in enumerate(items, 1):
            where = f"catalogues 第{index}项"
            table = self._table(item, where)
            if isinstance(table.get("id"), str):
                where = f"catalogues[{table['id']}]"
            self._keys(table, where, {"id", "kind", "title", "part", "entries"}, set())
            cid = self._str(table, "id", where)
            if cid in seen_ids:
                raise self.fail(where, "目录编号重复")
            seen_ids.add(cid)
            kind = self._str(table, "kind", where)
            if kind not in KINDS:
                raise self.fail(where, f"证书类别“{kind}”无法识别，应为 {', '.join(KINDS)}")
            kind_table = kinds_table.get(kind)
            method = kind_table.get("method") if isinstance(kind_table, dict) else None
            part = self._str(table, "part", where)
            raw_entries = self._list(table, "entries", where)
            if not raw_entries:
                raise self.fail(where, "目录为空")
            entries: list[Entry] = []
            names: set[str] = set()
            codes: set[str] = set()
            for number, raw in enumerate(raw_entries, 1):
                entry = self._entry(scheme_id, cid, kind, method, part, raw, number, groups)
                key = normalize_name(entry.name)
                if key in names:
                    raise self.fail(f"{where} 第{number}条（{entry.name}）", "名称重复")
                names.add(key)
                if entry.code:
                    if entry.code in codes:
                        raise self.fail(
                            f"{where} 第{number}条（{entry.name}）", f"代码 {entry.code} 重复"
                        )
                    codes.add(entry.code)
                entries.append(entry)
            catalogues.append(
                Catalogue(cid, kind, self._str(table, "title", where), part, tuple(entries))
            )
        return catalogues

    def _entry(
        self,
        scheme_id: str,
        cid: str,
        kind: str,
        method: Any,
        part: str,
        raw: Any,
        number: int,
        groups: dict[str, Group],
    ) -> Entry:
        where = f"catalogues[{cid}] 第{number}条"
        table = self._table(raw, where)
        if isinstance(table.get("name"), str):
            where += f"（{table['name']}）"
        self._keys(
            table, where, {"row", "name"}, {"code", "tier", "group", "grades", "scope", "source"}
        )
        row = self._row(table, where)
        name = self._str(table, "name", where)
        code = self._opt_str(table, "code", where)
        if code is not None and not _CODE_RE.match(code):
            raise self.fail(where, f"职业代码“{code}”格式应为 4-02-04-06")
        tier = self._opt_str(table, "tier", where)
        if tier is not None and not _TIER_RE.match(tier):
            raise self.fail(where, f"补助档次“{tier}”应为一个大写字母（A、B…）")
        if method in ("tier_level", "tier") and tier is None:
            raise self.fail(where, "缺少补助档次 tier")
        group = None
        if "group" in table:
            gid = self._str(table, "group", where)
            if gid not in groups:
                raise self.fail(where, f"所属分组“{gid}”未在 groups 中定义")
            group = groups[gid]
        if method == "level" and group is None:
            raise self.fail(where, "缺少所属分组 group（鉴定机构与可资助等级）")
        grades = tuple(self._list(table, "grades", where))
        if any(g not in GRADE_LABELS for g in grades):
            raise self.fail(where, f"grades 只能是 {', '.join(GRADE_LABELS)}")
        if method == "grade" and not grades:
            raise self.fail(where, "缺少可资助的水平级别 grades")
        source = Source.at(self.document, part, row)
        if "source" in table:
            source = self._source(table["source"], where)
        return Entry(
            scheme_id=scheme_id,
            catalogue_id=cid,
            kind=kind,
            row=row,
            name=name,
            source=source,
            code=code,
            tier=tier,
            group=group,
            grades=grades,
            scope=self._opt_str(table, "scope", where),
        )

    def _kinds(
        self, table: dict[str, Any], catalogues: dict[str, Catalogue], groups: dict[str, Group]
    ) -> dict[str, KindRule]:
        kinds: dict[str, KindRule] = {}
        for kind, raw in table.items():
            where = f"kinds.{kind}"
            if kind not in KINDS:
                raise self.fail(where, f"证书类别无法识别，应为 {', '.join(KINDS)}")
            spec = self._table(raw, where)
            competition_keys = {
                "final_min_entrants",
                "semifinal_min_entrants",
                "semifinal_max_entrants",
                "certificate_groups",
            }
            method = self._str(spec, "method", where)
            if method not in METHODS:
                raise self.fail(where, f"计算方法“{method}”无法识别，应为 {', '.join(METHODS)}")
            optional = (competition_keys if method == "competition" else set()) | {"sources"}
            required = {"label", "method", "catalogue", "source"}
            if method == "competition":
                required |= competition_keys - {"certificate_groups"}
            self._keys(spec, where, required, optional)
            cid = self._str(spec, "catalogue", where)
            catalogue = catalogues.get(cid)
            if catalogue is None:
                raise self.fail(where, f"目录“{cid}”未定义")
            if catalogue.kind != kind:
                raise self.fail(where, f"目录“{cid}”属于另一类证书（{catalogue.kind}）")
            extra: dict[str, Any] = {}
            if method == "competition":
                for key in sorted(competition_keys - {"certificate_groups"}):
                    extra[key] = self._int(spec, key, where, low=0, high=1_000_000)
                if extra["semifinal_min_entrants"] > extra["semifinal_max_entrants"]:
                    raise self.fail(where, "复赛人数下限大于上限")
                cert_groups = tuple(self._list(spec, "certificate_groups", where))
                for gid in cert_groups:
                    if gid not in groups:
                        raise self.fail(where, f"certificate_groups 中的分组“{gid}”未定义")
                extra["certificate_groups"] = cert_groups
            named = METHOD_SOURCES.get(method, ())
            kinds[kind] = KindRule(
                kind=kind,
                label=self._str(spec, "label", where),
                method=method,
                catalogue=catalogue,
                source=self._source(spec["source"], where),
                sources=self._sources(spec, where, set(named)),
                **extra,
            )
        return kinds

    def _rates(self, items: list[Any], kinds: dict[str, KindRule]) -> list[Rate]:
        rates: list[Rate] = []
        seen: set[tuple[Any, ...]] = set()
        for index, item in enumerate(items, 1):
            where = f"rates 第{index}项"
            table = self._table(item, where)
            kind = self._str(table, "kind", where)
            rule = kinds.get(kind)
            if rule is None:
                raise self.fail(where, f"证书类别“{kind}”未在 kinds 中定义")
            by_method: dict[str, set[str]] = {
                "tier_level": {"tier", "level"},
                "tier": {"tier"},
                "level": {"level"},
                "grade": {"grade"},
                "competition": {"stage", "rank_from", "rank_to"},
            }
            keys = by_method[rule.method]
            self._keys(table, where, {"kind", "amount", "source"} | keys, set())
            amount = self._int(table, "amount", where, low=1, high=1_000_000)
            tier = self._opt_str(table, "tier", where)
            if tier is not None and not _TIER_RE.match(tier):
                raise self.fail(where, f"补助档次“{tier}”应为一个大写字母")
            level = self._opt_int(table, "level", where, low=1, high=5)
            grade = self._opt_str(table, "grade", where)
            if grade is not None and grade not in GRADE_LABELS:
                raise self.fail(where, f"水平级别“{grade}”应为 {', '.join(GRADE_LABELS)}")
            stage = self._opt_str(table, "stage", where)
            if stage is not None and stage not in STAGE_LABELS:
                raise self.fail(where, f"赛段“{stage}”应为 final 或 semifinal")
            rank_from = self._opt_int(table, "rank_from", where, low=1, high=100_000)
            rank_to = self._opt_int(table, "rank_to", where, low=1, high=100_000)
            if rank_from is not None and rank_to is not None and rank_from > rank_to:
                raise self.fail(where, "rank_from 大于 rank_to")
            key = (kind, tier, level, grade, stage)
            if rule.method != "competition" and key in seen:
                raise self.fail(where, "与前面的补助标准重复")
            if rule.method == "competition":
                for other in rates:
                    if (
                        other.kind == kind
                        and other.stage == stage
                        and other.rank_from is not None
                        and other.rank_to is not None
                        and rank_from is not None
                        and rank_to is not None
                        and other.rank_from <= rank_to
                        and rank_from <= other.rank_to
                    ):
                        raise self.fail(where, "名次范围与前面的补助标准重叠")
            seen.add(key)
            rates.append(
                Rate(
                    kind=kind,
                    amount=amount,
                    source=self._source(table["source"], where),
                    tier=tier,
                    level=level,
                    grade=grade,
                    stage=stage,
                    rank_from=rank_from,
                    rank_to=rank_to,
                )
            )
        return rates

    def _check_rates_cover(self, kinds: dict[str, KindRule], rates: list[Rate]) -> None:
        """Every tier, group level and grade a catalogue uses must have an amount."""
        for rule in kinds.values():
            mine = [r for r in rates if r.kind == rule.kind]
            if not mine:
                raise self.fail(f"kinds.{rule.kind}", "没有任何补助标准（rates）")
            for entry in rule.catalogue.entries:
                where = f"catalogues[{entry.catalogue_id}] {entry.name}"
                if rule.method in ("tier_level", "tier") and not any(
                    r.tier == entry.tier for r in mine
                ):
                    raise self.fail(where, f"补助档次 {entry.tier} 没有对应的补助标准")
                if rule.method == "level":
                    for level in entry.levels:
                        if not any(r.level == level for r in mine):
                            raise self.fail(where, f"可资助等级 {level} 没有对应的补助标准")
                if rule.method == "grade":
                    for grade in entry.grades:
                        if not any(r.grade == grade for r in mine):
                            raise self.fail(where, f"水平级别 {grade} 没有对应的补助标准")

    def _conditions(self, items: list[Any], kinds: dict[str, KindRule]) -> list[Condition]:
        conditions: list[Condition] = []
        for index, item in enumerate(items, 1):
            where = f"conditions 第{index}项"
            table = self._table(item, where)
            rule = self._str(table, "rule", where)
            where = f"conditions[{rule}]"
            if rule not in CONDITION_RULES:
                raise self.fail(where, f"条件无法识别，应为 {', '.join(CONDITION_RULES)}")
            params = {
                "issued_within": {"from", "to"},
                "registered_by": {"last_day"},
            }.get(rule, set())
            self._keys(table, where, {"rule", "source"} | params, {"applies_to"})
            applies_to = tuple(self._list(table, "applies_to", where))
            for kind in applies_to:
                if kind not in kinds:
                    raise self.fail(where, f"applies_to 中的证书类别“{kind}”未在 kinds 中定义")
            date_from = date_to = None
            if rule == "issued_within":
                date_from = self._date(table, "from", where)
                date_to = self._date(table, "to", where)
                if date_from > date_to:
                    raise self.fail(where, "起始日期晚于截止日期")
            if rule == "registered_by":
                date_to = self._date(table, "last_day", where)
            conditions.append(
                Condition(
                    rule=rule,
                    source=self._source(table["source"], where),
                    applies_to=applies_to,
                    date_from=date_from,
                    date_to=date_to,
                )
            )
        return conditions
