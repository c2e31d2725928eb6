"""Use case: read one exchange workbook into the database, all or nothing (see the package's
notes)."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from desktop_app.domain.claims import claim_key
from desktop_app.domain.engine import Decision, decide
from desktop_app.domain.facts import Application as Facts
from desktop_app.domain.facts import CertificateFacts, MemberFacts, stage_contradiction
from desktop_app.domain.policy import (
    GRADE_LABELS,
    KINDS,
    LEVEL_LABELS,
    STAGE_LABELS,
    Policy,
    PolicySet,
)
from desktop_app.domain.status import LABELS as STATUS_LABELS
from desktop_app.domain.validators import check_resident_id
from desktop_app.exchange import batch as fmt
from desktop_app.exchange.errors import Cancelled, ExchangeError, Problem
from desktop_app.services import audit_trail
from desktop_app.services.exchange.batch_export import application_row, load_decisions
from desktop_app.services.exchange.verification import check_signature
from desktop_app.services.permissions import require
from desktop_app.services.policies import policy_set
from desktop_app.services.station_settings import station
from desktop_app.storage import exchange_reads as reads
from desktop_app.storage import held_imports as held_store
from desktop_app.storage import server_roles
from desktop_app.storage.bulk import NewApplication, NewMember, insert_applications
from desktop_app.storage.database import Store
from desktop_app.storage.errors import PermissionDeniedError
from desktop_app.storage.models import Decision as StoredDecision

INSERT_CHUNK = 5000
PROGRESS_EVERY = 1000
Progress = Callable[[int, int], bool]
SHEET = fmt.APPLICATIONS_SHEET
_CODE = re.compile(r"^[0-9][0-9-]{4,}$")


@dataclass
class ImportReport:
    """What importing one file did (or why it did nothing)."""

    path: Path
    manifest: fmt.Manifest | None = None
    refused: str | None = None  # the reason, in Chinese, when nothing was imported
    problems: list[Problem] = field(default_factory=list)  # why it was refused
    inserted: list[str] = field(default_factory=list)  # receipts added
    already: list[str] = field(default_factory=list)  # same receipt, same content: skipped
    duplicates: list[Problem] = field(default_factory=list)  # claim already held: skipped
    flags: list[Problem] = field(default_factory=list)  # unknown policy version
    held: list[Problem] = field(default_factory=list)  # decision differs: held (导入待核)
    already_held: list[str] = field(default_factory=list)  # held by an earlier import
    cancelled: bool = False

    @property
    def ok(self) -> bool:
        return self.refused is None and not self.cancelled


@dataclass(frozen=True)
class Held:
    """A row whose recomputed decision differs from the station's: `item` is the application
    as the station stored it, `decision` the one recomputed here (导入待核)."""

    item: NewApplication
    decision: Decision


def _facts(row: Sequence[Any]) -> Facts:
    g = fmt.INDEX
    return Facts(
        scheme=row[g["scheme"]],
        applied_on=row[g["applied_on"]],
        member=MemberFacts(
            card_number=row[g["card_number"]],
            union_affiliated=row[g["union_affiliated"]],
            full_time_union_social_worker=row[g["full_time_union_social_worker"]],
            key_group=row[g["key_group"]],
        ),
        certificate=CertificateFacts(
            kind=row[g["kind"]],
            occupation=row[g["occupation"]],
            level=row[g["level"]],
            grade=row[g["grade"]],
            issued_on=row[g["issued_on"]],
            competition=row[g["competition"]],
            stage=row[g["stage"]],
            rank=row[g["rank"]],
            entrants=row[g["entrants"]],
            final_held=row[g["final_held"]],
        ),
    )


def _parse_history(value: Any) -> list[dict[str, Any]] | str:
    """The history column as status-change rows, or a message saying what is wrong."""
    if value is None:
        return []
    if not isinstance(value, list):
        return "状态记录应为列表"
    steps = []
    for step in value:
        if not isinstance(step, dict) or not isinstance(step.get("to"), str):
            return "状态记录的格式不对"
        if step["to"] not in STATUS_LABELS or step.get("from") not in (None, *STATUS_LABELS):
            return f"状态记录中有不认识的状态“{step.get('to')}”"
        try:
            at = datetime.fromisoformat(str(step.get("at")))
        except ValueError:
            return f"状态记录中的时间“{step.get('at')}”不对"
        actor = step.get("actor")
        if not isinstance(actor, str) or not actor:
            return "状态记录缺少经办人"
        steps.append(
            {
                "from_status": step.get("from"),
                "to_status": step["to"],
                "reason": step.get("reason"),
                "actor": actor,
                "at": at,
            }
        )
    return steps


class _Decider:
    """Decisions under the policy version a row names, computed once per distinct facts."""

    def __init__(self, policies: PolicySet) -> None:
        self.policies = policies
        self.current = dict(policies.policies)
        self.cache: dict[tuple[str, Facts], Decision] = {}

    def policy(self, scheme: str, sha: str) -> tuple[Policy | None, bool]:
        """The policy to decide with, and whether it is the version the row names."""
        # Every version, imported catalogues' older ones included, is found by its fingerprint.
        named = self.policies.by_sha256(sha)
        if named is not None and named.id == scheme:
            return named, True
        return self.current.get(scheme), False

    def decide(self, policy: Policy, facts: Facts) -> Decision:
        key = (policy.sha256, facts)
        found = self.cache.get(key)
        if found is None:
            if len(self.cache) >= 5000:  # the facts rarely repeat (card numbers, dates)
                self.cache.clear()
            found = self.cache[key] = decide(policy, facts)
        return found


# Facts that make "the same application": a receipt already present with other values here is
# a conflict. Status, history and contact details may have moved on since (at the district).
_IDENTITY = tuple(
    fmt.INDEX[key]
    for key in fmt.KEYS
    if key not in ("status", "history", "updated_at", "phone", "work_unit", "position", "findings")
)


def _identity(row: Sequence[Any]) -> tuple[Any, ...]:
    return tuple(row[n] for n in _IDENTITY)


class _Preparer:
    """Each row checked, decided again and made ready for the bulk insert (`prepare`)."""

    def __init__(self, decider: _Decider, report: ImportReport) -> None:
        self.decider = decider
        self.report = report
        self.problems: list[Problem] = []
        self.count = 0  # problems found, listed or not
        self.checked_ids: dict[str, str | None] = {}
        self.findings: dict[str, list[Any]] = {}
        self.by_object: dict[int, tuple[list[Any], list[Any]]] = {}
        self.schemes = set(decider.current) | set(decider.policies.versions)

    def problem(self, row: int, column: str, message: str) -> None:
        self.count += 1
        if len(self.problems) < fmt.MAX_PROBLEMS:
            self.problems.append(Problem(SHEET, row, column, message))

    def prepare(self, row: Sequence[Any], number: int) -> NewApplication | Held | None:
        """The row ready to insert; `Held` when the decision recomputed here differs from
        the station's (not to be stored as the station's); None when it has problems
        (recorded)."""
        g = fmt.INDEX
        problem = self.problem
        bad = self.count
        id_number = row[g["id_number"]]
        id_error = self.checked_ids.get(id_number, "")
        if id_error == "":
            check = check_resident_id(id_number)
            id_error = self.checked_ids[id_number] = (
                None
                if check.ok and check.value == id_number
                else ("".join(check.errors) or f"应写成 {check.value}")
            )
        if id_error:
            problem(number, "身份证号", f"身份证号 {id_number} 不对：{id_error}")
        scheme, kind = row[g["scheme"]], row[g["kind"]]
        if scheme not in self.schemes:
            problem(number, "补助方案", f"不认识的补助方案“{scheme}”")
            return None
        if kind not in KINDS:
            problem(number, "证书类别", f"不认识的证书类别“{kind}”")
            return None
        if row[g["status"]] not in STATUS_LABELS:
            problem(number, "状态", f"不认识的状态“{row[g['status']]}”")
        level, grade, stage = row[g["level"]], row[g["grade"]], row[g["stage"]]
        if level is not None and level not in LEVEL_LABELS:
            problem(number, "等级", f"等级 {level} 不在 1–5 之间")
        if grade is not None and grade not in GRADE_LABELS:
            problem(number, "水平级别", f"不认识的水平级别“{grade}”")
        if stage is not None and stage not in STAGE_LABELS:
            problem(number, "赛段", f"不认识的赛段“{stage}”")
        contradiction = stage_contradiction(stage, row[g["final_held"]])
        if contradiction is not None:
            problem(number, "设有决赛", contradiction.message)
        findings = row[g["findings"]]
        if not isinstance(findings, list):
            problem(number, "决定依据（JSON）", "决定依据应为列表")
        history = _parse_history(row[g["history"]])
        if isinstance(history, str):
            problem(number, "状态记录（JSON）", history)
        if self.count > bad:
            return None
        assert isinstance(history, list)
        decider = self.decider
        policy, named = decider.policy(scheme, row[g["policy_sha256"]])
        if policy is None:
            problem(number, "补助方案", f"补助方案“{scheme}”的政策文件没有加载，无法核算")
            return None
        facts = _facts(row)
        decision = decider.decide(policy, facts)
        occupation = facts.certificate.occupation
        if (
            kind in ("skill_level", "qualification", "special_ability")
            and occupation
            and _CODE.match(occupation)
            and decision.entry is None
        ):
            problem(
                number,
                "职业（工种）/项目",
                f"职业（工种）代码 {occupation} 不在方案“{scheme}”的目录中",
            )
            return None
        receipt = row[g["receipt"]]
        flags = self.report.flags
        if not named:
            flags.append(
                Problem(
                    SHEET,
                    number,
                    "政策文件SHA-256",
                    f"{receipt}：计算时所用的政策文件版本（{row[g['policy_sha256']][:12]}…）"
                    f"本机没有，已按现行版本（{policy.sha256[:12]}…）核算",
                )
            )
        key = claim_key(facts, decision)
        # The reader hands the same list to the rows that repeat a document: its canonical
        # text is computed once per list (kept here, so its id is not reused), one per text.
        known = self.by_object.get(id(findings))
        if known is None or known[0] is not findings:
            text = fmt.canonical([findings]).decode()
            known = self.by_object[id(findings)] = (
                findings,
                self.findings.setdefault(text, findings),
            )
        shared = known[1]
        member = NewMember(
            id_number=id_number,
            name=row[g["name"]],
            card_number=row[g["card_number"]],
            phone=row[g["phone"]],
            work_unit=row[g["work_unit"]],
            position=row[g["position"]],
        )
        values = {key_: row[n] for key_, n in _VALUE_COLUMNS}
        values["findings"] = shared
        values["claim_item"] = key.item
        values["claim_level"] = key.level
        item = NewApplication(member, values, tuple(history))
        if decision.eligible != row[g["eligible"]] or decision.amount != row[g["amount"]]:
            return Held(item, decision)
        return item


_NOT_VALUES = ("name", "id_number", "card_number", "phone", "work_unit", "position", "history")
_VALUE_COLUMNS = tuple((key, fmt.INDEX[key]) for key in fmt.KEYS if key not in _NOT_VALUES)


def _present(session: Any, receipts: Sequence[str]) -> dict[str, tuple[Any, ...]]:
    """Receipts of `receipts` already in the database → their exchange rows."""
    found: dict[str, tuple[Any, ...]] = {}
    decisions: dict[int, StoredDecision] = {}
    apps = list(reads.applications_by_receipt(session, receipts))
    load_decisions(session, {a.decision_id for a in apps}, decisions)
    for app in apps:
        found[app.receipt] = application_row(app, decisions[app.decision_id])
    return found


class _Refused(Exception):  # noqa: N818 - an outcome: roll the file's transaction back
    pass


@dataclass
class _Pending:
    """Rows prepared but not yet inserted: (sheet row number, row, prepared item)."""

    numbers: list[int] = field(default_factory=list)
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    items: list[NewApplication | Held] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.items)


def import_batch(
    store: Store,
    path: Path,
    *,
    actor: str,
    progress: Progress | None = None,
    policies: PolicySet | None = None,
    now: datetime | None = None,
) -> ImportReport:
    """Import one exchange workbook, all or nothing (see the module's notes).

    First the manifest's signature is checked against the key registered for its station
    (`verification.check_signature`): an unsigned, wrongly signed or unregistered file is
    refused before any row is read. A row whose recomputed decision differs from the
    station's is held (导入待核, `held_rows`) in the same transaction, not inserted.
    The file is read once, row by row: rows are checked, decided again and inserted in
    chunks of INSERT_CHUNK inside the one write transaction, so memory does not grow with
    the file; any problem found (in a row, against the manifest at the end, a conflict)
    stops the inserting, the rest of the file is still checked for the full list, and the
    transaction is rolled back: nothing of a refused or cancelled file stays."""
    require(store, "exchange.import")
    _refuse_a_stations_login(store)
    path = Path(path)
    report = ImportReport(path)
    moment = (now or datetime.now()).replace(microsecond=0)
    here = station(store)
    here_code = here.code if here is not None else ""
    conflicts: list[Problem] = []
    try:
        with fmt.open_batch(path) as reader, store.session(write=True) as session:
            report.manifest = manifest = reader.manifest
            check_signature(session, manifest, path.name)  # ExchangeError: refused
            preparer = _Preparer(_Decider(policies or policy_set()), report)
            pending = _Pending()
            done = 0

            def clean() -> bool:
                return reader.ok_so_far and not preparer.count and not conflicts

            def flush() -> None:
                """Insert the pending rows (when nothing is wrong so far), then let them go."""
                if pending and clean():
                    _insert_chunk(
                        session, pending, report, conflicts, here_code, moment, actor=actor
                    )
                pending.numbers.clear()
                pending.rows.clear()
                pending.items.clear()

            for number, row in reader.rows():
                done += 1
                if reader.problems.count:
                    continue  # refused already: the reader still checks every row
                item = preparer.prepare(row, number)
                if item is not None:
                    pending.numbers.append(number)
                    pending.rows.append(row)
                    pending.items.append(item)
                    if len(pending) >= INSERT_CHUNK:
                        flush()
                tick = progress is not None and done % PROGRESS_EVERY == 0
                if tick and progress is not None and not progress(done, max(manifest.count, done)):
                    raise Cancelled()
            flush()
            reader.finish()  # ExchangeError: the file is refused (rolled back)
            if preparer.count:
                report.refused = (
                    f"文件 {path.name} 中有 {len(preparer.problems)} 行不合格，没有导入任何内容。"
                    "请服务站改正后重新导出。"
                )
                report.problems = preparer.problems
                report.flags, report.held = [], []
                raise _Refused()
            if conflicts:
                report.refused = (
                    f"文件 {path.name} 中有 {len(conflicts)} 份申请与本数据库中同一受理编号的"
                    "申请内容不同（冲突），没有导入任何内容。请与服务站核对。"
                )
                report.problems = conflicts
                raise _Refused()
            if progress is not None and not progress(done, max(manifest.count, done)):
                raise Cancelled()
            audit_trail.record_in(
                session,
                at=moment,
                actor=actor,
                station_code=here_code,
                action="import",
                entity="exchange",
                entity_ref=f"{manifest.station_code}:{manifest.checksum[:16]}",
                details={
                    "file": path.name,
                    "station": manifest.station_code,
                    "count": manifest.count,
                    "checksum": manifest.checksum,
                    # The station's chain head when it exported: kept here, under this
                    # database's own chain (`exchange anchors`, `audit verify --against`).
                    "audit_head": manifest.audit_head,
                    "inserted": len(report.inserted),
                    "first": report.inserted[0] if report.inserted else None,
                    "last": report.inserted[-1] if report.inserted else None,
                    "already": len(report.already),
                    "duplicates": len(report.duplicates),
                    "flags": len(report.flags),
                    "held": len(report.held),
                    "already_held": len(report.already_held),
                    "signed_by": manifest.key_fingerprint,
                },
            )
    except ExchangeError as exc:
        _nothing(report)
        report.refused = exc.message
        report.problems = exc.problems
    except _Refused:
        report.inserted, report.already, report.duplicates = [], [], []
        report.held, report.already_held = [], []
    except Cancelled:
        _nothing(report)
        report.cancelled = True
    return report


def _refuse_a_stations_login(store: Store) -> None:
    """A station's database role on the district's server cannot import: a file holds its
    station's rows, which that role may write only when they are its own, and the import
    also reads every station's claims to find duplicates, which row-level security hides from
    it (a duplicate held at another station would go unnoticed). Refused before the file is
    opened, nothing written."""
    with store.session() as session:
        login = server_roles.login_station(session.connection())
    if login is not None:
        raise PermissionDeniedError(
            f"本柜台用服务站 {login} 的数据库账户连接区里的服务器，不能导入交换文件："
            "服务站的账户只能读写本站的申请，查不到其他服务站已受理的同一补助，"
            "导入无法核对重复。请在区总工会的电脑上用区总工会工作账户（uc_district_rw）"
            "或所有者账户导入。什么都没有导入。"
        )


def _nothing(report: ImportReport) -> None:
    report.inserted, report.already, report.duplicates, report.flags = [], [], [], []
    report.held, report.already_held = [], []


def _insert_chunk(
    session: Any,
    pending: _Pending,
    report: ImportReport,
    conflicts: list[Problem],
    here_code: str,
    moment: datetime,
    *,
    actor: str,
) -> None:
    """Receipts held by an earlier import are skipped; receipts already here: the same
    content is skipped, other content a conflict (then nothing more is inserted); rows whose
    recomputed decision differs are held (导入待核); the rest inserted, duplicate claims
    reported."""
    g = fmt.INDEX
    receipt_at = g["receipt"]
    receipts = [row[receipt_at] for row in pending.rows]
    held_before = held_store.held_receipts(session, receipts)
    present = _present(session, [r for r in receipts if r not in held_before])
    fresh: list[int] = []
    for n, row in enumerate(pending.rows):
        receipt = row[receipt_at]
        there = present.get(receipt)
        if receipt in held_before:
            report.already_held.append(receipt)
        elif there is None:
            fresh.append(n)
        elif _identity(there) == _identity(row):
            report.already.append(receipt)
        else:
            differ = [fmt.COLUMNS[i].header for i in _IDENTITY if there[i] != row[i]]
            conflicts.append(
                Problem(
                    SHEET,
                    pending.numbers[n],
                    "受理编号",
                    f"受理编号 {receipt} 已在本数据库中，但内容不同（{'、'.join(differ[:5])}）",
                )
            )
    if conflicts or not fresh:
        return
    to_insert = [n for n in fresh if not isinstance(pending.items[n], Held)]
    held = [
        _held(pending.rows[n], pending.numbers[n], prepared, report, actor, moment)
        for n in fresh
        if isinstance(prepared := pending.items[n], Held)
    ]
    held_store.hold(session, held)
    items = [pending.items[n] for n in to_insert]
    result = insert_applications(
        session,
        [item for item in items if isinstance(item, NewApplication)],
        station_code=here_code,
        now=moment,
    )
    for receipt in result.receipts:
        if receipt is not None:
            report.inserted.append(receipt)
    for k, holder in result.duplicates.items():
        n = to_insert[k]
        row = pending.rows[n]
        report.duplicates.append(
            Problem(
                SHEET,
                pending.numbers[n],
                "受理编号",
                f"{row[receipt_at]}（{row[g['name']]}）：同一补助已由 {holder} "
                "受理，未导入（重复申请）",
            )
        )


def outcome_text(eligible: bool, amount: int) -> str:
    """A decision's outcome as the held rows show it: "符合，1000 元"."""
    return f"{'符合' if eligible else '不符合'}，{amount} 元"


def _held(
    row: tuple[Any, ...],
    number: int,
    held: Held,
    report: ImportReport,
    actor: str,
    moment: datetime,
) -> dict[str, Any]:
    """The row as 导入待核 keeps it, with both outcomes (it is not stored as an application);
    reported."""
    g = fmt.INDEX
    manifest = report.manifest
    assert manifest is not None
    decision = held.decision
    values = dict(
        receipt=row[g["receipt"]],
        station_code=row[g["station_code"]],
        name=row[g["name"]],
        file_name=report.path.name,
        file_checksum=manifest.checksum,
        station_eligible=bool(row[g["eligible"]]),
        station_amount=row[g["amount"]],
        recomputed_eligible=decision.eligible,
        recomputed_amount=decision.amount,
        recomputed_policy_sha256=decision.policy_sha256,
        recomputed_findings=[f.to_dict() for f in decision.findings],
        row=[fmt.plain_value(value) for value in row],
        held_at=moment,
        held_by=actor,
    )
    then = outcome_text(bool(row[g["eligible"]]), row[g["amount"]])
    again = outcome_text(decision.eligible, decision.amount)
    report.held.append(
        Problem(
            SHEET,
            number,
            "补助金额（元）",
            f"{row[g['receipt']]}（{row[g['name']]}）：服务站保存的决定（{then}）与重新核算的"
            f"结果（{again}）不同，已列入“导入待核”，没有按服务站的金额导入；请核对后在"
            "“导入待核”中核定（union-counter exchange held）",
        )
    )
    return values


def all_problems(report: ImportReport) -> list[Problem]:
    """Everything to show or save for one file: refusals, duplicates, held rows, flags."""
    return [*report.problems, *report.duplicates, *report.held, *report.flags]
