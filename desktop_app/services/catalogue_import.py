"""Use cases: import a published catalogue workbook as a new version of a scheme, and create
a new scheme from a catalogue plus the rates of an existing one.

Two steps, so a window can show the changes and ask before anything is written:

1. `plan_import` / `plan_new_scheme` read and check the workbook (every problem listed with
   sheet, row and column: `ExchangeError`) and compare it with the version in effect on the
   effective date: rows added, removed, tier (or code) changed. Nothing is written.
2. `apply_plan` writes the new version as `<data folder>/policies/<scheme>/<effective>-<sha8>
   .toml` (with the pinyin of its names beside it, `.pinyin.json`) and records an audit event.

Versions are never changed or deleted: a stored decision names the SHA-256 of the file it was
computed with, and `PolicySet.by_sha256` finds it again. A new application uses the version in
effect on its 受理日期 (the newest whose effective date is on or before it).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from desktop_app.domain.policy import Policy, PolicyError, PolicySet, parse_policy
from desktop_app.domain.text import normalize_name
from desktop_app.errors import ClerkError
from desktop_app.exchange.catalogue_book import (
    LAYOUT_BY_KIND,
    CatalogueBook,
    CatalogueSheet,
    read_catalogue_book,
)
from desktop_app.exchange.errors import ExchangeError
from desktop_app.paths import pinyin_index_file
from desktop_app.private_files import file_mode
from desktop_app.services import policies as policy_service
from desktop_app.services.permissions import require
from desktop_app.storage.database import Store

_TIER_METHODS = ("tier_level", "tier")
_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")


class CatalogueImportError(ClerkError):
    """An import that cannot go ahead (unknown scheme, nothing to change, changed meanwhile)."""


@dataclass(frozen=True)
class RowChange:
    """One difference between the current catalogue and the workbook."""

    change: str  # "added", "removed", "changed"
    catalogue: str  # the catalogue's label
    name: str
    code: str | None = None
    old_tier: str | None = None
    new_tier: str | None = None
    old_code: str | None = None
    sheet: str = ""
    sheet_row: int | None = None

    def describe(self) -> str:
        code = f"（{self.code}）" if self.code else ""
        where = f"  [工作表“{self.sheet}”第{self.sheet_row}行]" if self.sheet_row else ""
        if self.change == "added":
            return f"新增  {self.catalogue}：{self.name}{code} {self.new_tier}档{where}"
        if self.change == "removed":
            return f"删除  {self.catalogue}：{self.name}{code} 原{self.old_tier}档"
        parts = []
        if self.old_tier != self.new_tier:
            parts.append(f"补助档次 {self.old_tier}档 → {self.new_tier}档")
        if self.old_code != self.code:
            parts.append(f"代码 {self.old_code or '无'} → {self.code or '无'}")
        return f"变更  {self.catalogue}：{self.name}{code} {'，'.join(parts)}{where}"


@dataclass(frozen=True)
class CatalogueDiff:
    kind: str
    label: str
    added: tuple[RowChange, ...]
    removed: tuple[RowChange, ...]
    changed: tuple[RowChange, ...]
    old_count: int
    new_count: int

    @property
    def has_changes(self) -> bool:
        return bool(self.added or self.removed or self.changed)

    def summary(self) -> str:
        return (
            f"{self.label}：原 {self.old_count} 条，新 {self.new_count} 条；"
            f"新增 {len(self.added)}，删除 {len(self.removed)}，"
            f"档次或代码变更 {len(self.changed)}"
        )


@dataclass(frozen=True)
class ImportPlan:
    """What an import would write; shown to the clerk before `apply_plan`."""

    scheme_id: str
    scheme_name: str
    new_scheme: bool
    effective: date
    workbook: Path
    base: Policy  # the version compared with (for a new scheme: the scheme it copies)
    diffs: tuple[CatalogueDiff, ...]
    content: bytes  # the new policy file
    sha256: str
    file_name: str
    new_names: tuple[str, ...]
    warnings: tuple[str, ...] = ()
    already: Policy | None = None  # the same version was imported before

    @property
    def has_changes(self) -> bool:
        return self.new_scheme or any(d.has_changes for d in self.diffs)

    @property
    def changes(self) -> list[RowChange]:
        return [c for d in self.diffs for c in (*d.added, *d.removed, *d.changed)]

    def summary_lines(self) -> list[str]:
        if self.new_scheme:
            head = (
                f"新建补助方案“{self.scheme_name}”（{self.scheme_id}），自 "
                f"{self.effective.isoformat()} 起生效；补助标准和条件取自“{self.base.name}”"
                f"（{self.base.id}）"
            )
        else:
            head = (
                f"补助方案“{self.scheme_name}”（{self.scheme_id}）的目录新版本，自 "
                f"{self.effective.isoformat()} 起生效；与该日现行版本"
                f"（{self.base.sha256[:12]}…）相比："
            )
        return [head, *(f"  {d.summary()}" for d in self.diffs), *self.warnings]

    def change_lines(self) -> list[str]:
        return [change.describe() for change in self.changes]


@dataclass(frozen=True)
class ImportResult:
    path: Path
    sha256: str
    scheme_id: str
    effective: date


# --- planning -----------------------------------------------------------------------------------


def _tiers(policy: Policy) -> dict[str, set[str]]:
    """Per kind paid by tier: the tiers its rates pay."""
    return {
        kind: {r.tier for r in policy.rates_for(kind) if r.tier}
        for kind, rule in policy.kinds.items()
        if rule.method in _TIER_METHODS and kind in LAYOUT_BY_KIND
    }


def _read(path: Path, policy: Policy) -> CatalogueBook:
    tiers = _tiers(policy)
    if not tiers:
        raise CatalogueImportError(
            f"补助方案“{policy.name}”（{policy.id}）的目录不按补助档次分档，"
            "不能用“序号、名称、代码、补助档次”格式的目录导入。"
        )
    return read_catalogue_book(path, tiers)


def _diff(policy: Policy, sheet: CatalogueSheet) -> CatalogueDiff:
    rule = policy.kinds[sheet.layout.kind]
    label = sheet.layout.label
    old = {normalize_name(e.name): e for e in rule.catalogue.entries}
    new = {normalize_name(line.name): line for line in sheet.lines}
    added, removed, changed = [], [], []
    for key, line in new.items():
        entry = old.get(key)
        if entry is None:
            added.append(
                RowChange(
                    "added",
                    label,
                    line.name,
                    line.code,
                    new_tier=line.tier,
                    sheet=sheet.title,
                    sheet_row=line.sheet_row,
                )
            )
        elif entry.tier != line.tier or (entry.code or None) != line.code:
            changed.append(
                RowChange(
                    "changed",
                    label,
                    line.name,
                    line.code,
                    old_tier=entry.tier,
                    new_tier=line.tier,
                    old_code=entry.code,
                    sheet=sheet.title,
                    sheet_row=line.sheet_row,
                )
            )
    for key, entry in old.items():
        if key not in new:
            removed.append(RowChange("removed", label, entry.name, entry.code, old_tier=entry.tier))
    return CatalogueDiff(
        sheet.layout.kind,
        label,
        tuple(added),
        tuple(removed),
        tuple(changed),
        len(old),
        len(new),
    )


def _raw(policy: Policy) -> dict[str, Any]:
    try:
        return tomllib.loads(policy.path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise CatalogueImportError(f"无法读取补助方案文件 {policy.path}：{exc}") from None


def _entries(policy: Policy, raw_catalogue: dict[str, Any], sheet: CatalogueSheet) -> list[Any]:
    """The catalogue's new rows: a row kept keeps its other fields (scope …)."""
    old = {normalize_name(str(e.get("name", ""))): e for e in raw_catalogue.get("entries", [])}
    entries: list[dict[str, Any]] = []
    for line in sheet.lines:
        entry = dict(old.get(normalize_name(line.name), {}))
        entry.update(row=line.seq, name=line.name)
        entry.pop("code", None)
        if line.code:
            entry["code"] = line.code
        entry["tier"] = line.tier
        entries.append(
            {k: entry[k] for k in ("row", "name", "code", "tier") if k in entry}
            | {k: v for k, v in entry.items() if k not in ("row", "name", "code", "tier")}
        )
    return entries


def _replace_catalogues(data: dict[str, Any], policy: Policy, book: CatalogueBook) -> None:
    for raw_catalogue in data.get("catalogues", []):
        kind = raw_catalogue.get("kind")
        rule = policy.kinds.get(kind) if isinstance(kind, str) else None
        if rule is None or rule.catalogue.id != raw_catalogue.get("id"):
            continue
        sheet = book.sheet_for(rule.kind)
        if sheet is not None:
            raw_catalogue["entries"] = _entries(policy, raw_catalogue, sheet)


def _finish(
    data: dict[str, Any],
    *,
    scheme_id: str,
    scheme_name: str,
    new_scheme: bool,
    effective: date,
    path: Path,
    base: Policy,
    book: CatalogueBook,
    policies: PolicySet,
    header: str,
    warnings: Sequence[str] = (),
) -> ImportPlan:
    data["effective"] = effective
    data["based_on"] = base.sha256
    content = (header + to_toml(data)).encode("utf-8")
    sha = hashlib.sha256(content).hexdigest()
    file_name = f"{effective.isoformat()}-{sha[:8]}.toml"
    target = policy_service.versions_dir() / scheme_id / file_name
    try:
        built = parse_policy(content, target)
    except PolicyError as exc:
        raise CatalogueImportError(f"导入后的方案无法使用，没有写入：{exc}") from None
    diffs = tuple(_diff(base, sheet) for sheet in book.sheets if sheet.layout.kind in base.kinds)
    shipped = _shipped_names()
    new_names = tuple(sorted({e.name for e in built.entries()} - shipped))
    return ImportPlan(
        scheme_id=scheme_id,
        scheme_name=scheme_name,
        new_scheme=new_scheme,
        effective=effective,
        workbook=path,
        base=base,
        diffs=diffs,
        content=content,
        sha256=sha,
        file_name=file_name,
        new_names=new_names,
        warnings=tuple(warnings),
        already=policies.by_sha256(sha),
    )


def _shipped_names() -> set[str]:
    try:
        data = json.loads(pinyin_index_file().read_text(encoding="utf-8"))
        return set(data.get("readings", {}))
    except (OSError, ValueError, AttributeError):
        return set()


def plan_import(
    path: Path,
    scheme_id: str,
    *,
    effective: date | None = None,
    policies: PolicySet | None = None,
) -> ImportPlan:
    """Read and check a catalogue workbook for `scheme_id`; compare it with the version in
    effect on `effective` (default today). Writes nothing.

    ExchangeError: the workbook (problems listed); CatalogueImportError: the scheme."""
    policies = policies or policy_service.policy_set()
    day = effective or date.today()
    try:
        base = policy_service.get_policy(scheme_id, policies, day)
    except policy_service.SchemeUnavailableError as exc:
        known = "、".join(sorted(policies.policies))
        raise CatalogueImportError(f"{exc}（可用方案：{known}）") from None
    path = Path(path)
    book = _read(path, base)
    data = _raw(base)
    _replace_catalogues(data, base, book)
    warnings = []
    later = [
        p for p in policies.history(scheme_id) if p.effective is not None and p.effective > day
    ]
    if later:
        first = min(p.effective for p in later if p.effective is not None)
        warnings.append(
            f"注意：已有自 {first.isoformat()} 起生效的版本，本次导入只在此前有效，"
            "该版本的目录不受影响。"
        )
    missing = [
        LAYOUT_BY_KIND[kind].label
        for kind in _tiers(base)
        if book.sheet_for(kind) is None and kind in base.kinds
    ]
    if missing:
        warnings.append(f"文件中没有{'、'.join(missing)}，该目录保持不变。")
    return _finish(
        data,
        scheme_id=base.id,
        scheme_name=base.name,
        new_scheme=False,
        effective=day,
        path=path,
        base=base,
        book=book,
        policies=policies,
        header=(
            f"# {base.name}：目录由 union-counter catalogue import 导入，"
            f"自 {day.isoformat()} 起生效。\n# 此文件是已保存决定的依据，请勿修改或删除。\n\n"
        ),
        warnings=warnings,
    )


def plan_new_scheme(
    path: Path,
    *,
    from_scheme: str,
    scheme_id: str,
    name: str,
    effective: date,
    document_title: str | None = None,
    policies: PolicySet | None = None,
) -> ImportPlan:
    """A new scheme: the catalogues in the workbook, with the certificate kinds, rates and
    conditions of `from_scheme` (its version in effect on `effective`). Kinds whose catalogue
    the workbook does not hold are left out. Writes nothing."""
    policies = policies or policy_service.policy_set()
    scheme_id = scheme_id.strip()
    name = " ".join(name.split())
    if not _ID_RE.match(scheme_id):
        raise CatalogueImportError(
            f"方案编号“{scheme_id}”只能由小写字母、数字和连字符组成（最多 40 个），"
            "如 bj-2027-skills。"
        )
    if not name:
        raise CatalogueImportError("请写明新方案的名称。")
    if policies.history(scheme_id) or any(scheme_id in e.file for e in policies.errors):
        raise CatalogueImportError(
            f"方案编号“{scheme_id}”已经存在。要更新它的目录，请用 catalogue import。"
        )
    try:
        base = policy_service.get_policy(from_scheme, policies, effective)
    except policy_service.SchemeUnavailableError as exc:
        known = "、".join(sorted(policies.policies))
        raise CatalogueImportError(f"{exc}（可用方案：{known}）") from None
    path = Path(path)
    book = _read(path, base)
    data = _raw(base)
    _replace_catalogues(data, base, book)
    keep = {sheet.layout.kind for sheet in book.sheets}
    data["kinds"] = {k: v for k, v in data["kinds"].items() if k in keep}
    kept_catalogues = {v["catalogue"] for v in data["kinds"].values()}
    data["catalogues"] = [c for c in data.get("catalogues", []) if c.get("id") in kept_catalogues]
    data["rates"] = [r for r in data.get("rates", []) if r.get("kind") in keep]
    conditions = []
    for condition in data.get("conditions", []):
        applies = condition.get("applies_to")
        if applies:
            applies = [k for k in applies if k in keep]
            if not applies:
                continue
            condition["applies_to"] = applies
        conditions.append(condition)
    data["conditions"] = conditions
    if not data["conditions"]:
        data.pop("conditions")
    title = " ".join((document_title or name).split())
    data.update(
        id=scheme_id,
        name=name,
        short_name=name,
        year=effective.year,
        document={"file": path.name, "title": title, "short": f"《{title}》"},
    )
    plan = _finish(
        data,
        scheme_id=scheme_id,
        scheme_name=name,
        new_scheme=True,
        effective=effective,
        path=path,
        base=base,
        book=book,
        policies=policies,
        header=(
            f"# {name}：由 union-counter catalogue new 从 {path.name} 建立，"
            f"补助标准和条件取自 {base.id}（{base.sha256[:12]}…），"
            f"自 {effective.isoformat()} 起生效。\n# 此文件是已保存决定的依据，请勿修改或删除。\n\n"
        ),
    )
    return plan


# --- writing ------------------------------------------------------------------------------------


def apply_plan(
    store: Store,
    plan: ImportPlan,
    *,
    actor: str,
    now: datetime | None = None,
    policies: PolicySet | None = None,
) -> ImportResult:
    """Write the planned version (and its pinyin) and record the import in the audit trail.

    Refused (CatalogueImportError) when nothing would change, when the same version exists,
    or when the scheme changed since the plan was made. Either everything is written or
    nothing."""
    require(store, "catalogue.import")
    from desktop_app.domain.pinyin import write_index  # pypinyin: only when importing
    from desktop_app.services.audit_trail import record_event

    if plan.already is not None:
        raise CatalogueImportError(
            f"这个版本已经导入过（{plan.already.path.name}），没有写入任何内容。"
        )
    if not plan.has_changes:
        raise CatalogueImportError("目录与现行版本相同，没有需要写入的变化。")
    policies = policies or policy_service.policy_set()
    if plan.new_scheme:
        if policies.history(plan.scheme_id):
            raise CatalogueImportError(f"方案编号“{plan.scheme_id}”已经存在，没有写入。")
    else:
        now_base = policies.in_effect(plan.scheme_id, plan.effective)
        if now_base is None or now_base.sha256 != plan.base.sha256:
            raise CatalogueImportError(
                "核对之后该方案的目录又有了新版本，没有写入。请重新导入并核对变化。"
            )
    folder = policy_service.versions_dir() / plan.scheme_id
    target = folder / plan.file_name
    sidecar = target.with_name(target.stem + ".pinyin.json")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CatalogueImportError(
            f"无法建立文件夹 {folder}：{exc.strerror or exc}。请检查数据文件夹是否可写。"
        ) from None
    written: list[Path] = []
    try:
        write_index(sidecar, plan.new_names)
        written.append(sidecar)
        _write_new(target, plan.content)
        written.append(target)
        record_event(
            store,
            actor=actor,
            action="import",
            entity="catalogue",
            entity_ref=f"policy:{plan.scheme_id}:{plan.sha256[:8]}",
            details={
                "scheme": plan.scheme_id,
                "new_scheme": plan.new_scheme,
                "workbook": plan.workbook.name,
                "effective": plan.effective.isoformat(),
                "sha256": plan.sha256,
                "based_on": plan.base.sha256,
                "file": f"{plan.scheme_id}/{plan.file_name}",
                "added": [c.name for c in plan.changes if c.change == "added"],
                "removed": [c.name for c in plan.changes if c.change == "removed"],
                "changed": [c.name for c in plan.changes if c.change == "changed"],
            },
            now=now,
        )
    except BaseException as exc:
        for path in written:
            path.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise CatalogueImportError(
                f"无法写入 {exc.filename or target}：{exc.strerror or exc}。没有导入任何内容。"
            ) from None
        raise
    policy_service.reload()
    return ImportResult(target, plan.sha256, plan.scheme_id, plan.effective)


def _write_new(target: Path, content: bytes) -> None:
    """Write `content` to a file that must not exist yet, atomically."""
    if target.exists():
        raise CatalogueImportError(f"文件 {target} 已存在，没有写入。")
    handle, name = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=".part", dir=target.parent)
    temporary = Path(name)
    try:
        if os.name == "posix":
            os.fchmod(handle, file_mode())  # the PC's shared folder: its clerks read it too
        with os.fdopen(handle, "wb") as out:
            out.write(content)
            out.flush()
            os.fsync(out.fileno())
        os.link(temporary, target)  # fails if the target appeared meanwhile
    finally:
        temporary.unlink(missing_ok=True)


# --- TOML ---------------------------------------------------------------------------------------

_BARE = re.compile(r"^[A-Za-z0-9_-]+$")


def _key(key: str) -> str:
    return key if _BARE.match(key) else json.dumps(key, ensure_ascii=False)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, datetime):
        raise TypeError("datetime values are not used in policy files")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")


def _is_table_list(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def _assignment(key: str, value: Any) -> list[str]:
    if _is_table_list(value) and len(value) > 3:  # long lists of rows: one row a line
        return [f"{_key(key)} = [", *(f"  {_value(v)}," for v in value), "]"]
    return [f"{_key(key)} = {_value(value)}"]


def to_toml(data: dict[str, Any]) -> str:
    """Policy data as TOML: scalars, then tables, then arrays of tables (checked by reading
    it back)."""
    lines: list[str] = []
    tables: list[tuple[list[str], dict[str, Any]]] = []
    arrays: list[tuple[str, list[dict[str, Any]]]] = []
    for key, value in data.items():
        if isinstance(value, dict):
            tables.append(([key], value))
        elif _is_table_list(value) and key != "entries":
            arrays.append((key, value))
        else:
            lines.extend(_assignment(key, value))

    def table(path: list[str], value: dict[str, Any]) -> None:
        if value and all(isinstance(v, dict) for v in value.values()):
            for sub, inner in value.items():
                table([*path, sub], inner)
            return
        lines.extend(["", f"[{'.'.join(_key(p) for p in path)}]"])
        for k, v in value.items():
            lines.extend(_assignment(k, v))

    for path, value in tables:
        table(path, value)
    for key, items in arrays:
        for item in items:
            lines.extend(["", f"[[{_key(key)}]]"])
            for k, v in item.items():
                lines.extend(_assignment(k, v))
    text = "\n".join(lines).lstrip("\n") + "\n"
    if tomllib.loads(text) != data:  # pragma: no cover - a bug in this writer
        raise AssertionError("TOML round trip changed the data")
    return text


__all__: Sequence[str] = (
    "CatalogueDiff",
    "CatalogueImportError",
    "ExchangeError",
    "ImportPlan",
    "ImportResult",
    "RowChange",
    "apply_plan",
    "plan_import",
    "plan_new_scheme",
    "to_toml",
)
