"""The one presenter: an application, its certificate, its decision, its audit trail and a
ledger filter as the clerk reads them, in Chinese.

Every place that shows these — the ledger's table and detail (window), `ledger show`
(command line), the printed forms and receipt, the Excel export and its 汇总 — takes its
words from here, so a label is changed in one place. The texts are plain: the window wraps
them in HTML, the command line in lines, the forms in their boxes. Numbers arrive already
masked or not, as the service that read them decided. No Qt, no SQL.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from desktop_app.domain import status as statuses
from desktop_app.domain.policy import GRADE_LABELS, KINDS, STAGE_LABELS, PolicySet
from desktop_app.domain.text import cn_date
from desktop_app.services.logs import scrub
from desktop_app.services.policies import policy_set

if TYPE_CHECKING:
    from desktop_app.domain.ledger_filter import LedgerFilter
    from desktop_app.services.ledger_view import Detail, LedgerRow

NONE = "—"  # an empty field, where a form or a list shows every field


# --- schemes, kinds, levels -----------------------------------------------------------------


def scheme_name(scheme: str, *, short: bool = False) -> str:
    """The scheme's name (or short name) as its file gives it; the id if it is not loaded."""
    policy = policy_set().policies.get(scheme)
    if policy is None:
        return scheme
    return policy.short_name if short else policy.name


def kind_label(kind: str, scheme: str = "") -> str:
    """The kind of certificate in the scheme's own words (its [kinds] label), else the
    general word (证书类别)."""
    policy = policy_set().policies.get(scheme) if scheme else None
    rule = policy.kinds.get(kind) if policy is not None else None
    return rule.label if rule is not None else KINDS.get(kind, kind)


def grade_label(grade: str) -> str:
    """The social-worker grade in words (助理社会工作师（初级）…)."""
    return GRADE_LABELS.get(grade, grade)


def stage_label(stage: str | None) -> str:
    """The competition stage in words (决赛, 复赛); '' for none."""
    return STAGE_LABELS.get(stage or "", stage or "")


def rank_text(stage: str | None, rank: int) -> str:
    """决赛第3名."""
    return f"{stage_label(stage)}第{rank}名"


def level_text(
    *,
    scheme: str,
    kind: str,
    level: int | None = None,
    grade: str | None = None,
    stage: str | None = None,
    rank: int | None = None,
    policies: PolicySet | None = None,
) -> str:
    """The level in the scheme's own words, the grade, or the rank of a competition: the
    ledger's 等级 column and the forms' level box."""
    if level is not None:
        return (policies or policy_set()).level_label(scheme, level)
    if grade:
        return grade_label(grade)
    if kind == "competition" and rank is not None:
        return rank_text(stage, rank)
    return ""


def level_of(record: Any, policies: PolicySet | None = None) -> str:
    """`level_text` of anything with the certificate's attributes (an application as stored,
    a row of the export's columns)."""
    return level_text(
        scheme=record.scheme,
        kind=record.kind,
        level=record.level,
        grade=record.grade,
        stage=record.stage,
        rank=record.rank,
        policies=policies,
    )


def date_text(value: str | date | None) -> str:
    """2017年11月30日 of a date or an ISO date text; '' for none; a text that is not a date as
    it is."""
    if not value:
        return ""
    if isinstance(value, date):
        return cn_date(value)
    try:
        return cn_date(date.fromisoformat(value))
    except ValueError:
        return value


# --- a ledger row ---------------------------------------------------------------------------


def claim_text(row: LedgerRow) -> str:
    """The 证书类别/项目 column: the occupation or item, with the kind of certificate."""
    kind = kind_label(row.kind)
    return f"{row.occupation}（{kind}）" if row.occupation else kind


def applied_on_text(row: LedgerRow) -> str:
    """The 受理日期 column: the registration date, marked when it was entered late."""
    text = row.applied_on.isoformat()
    return f"{text}（补录）" if row.late_entry else text


def applied_on_words(row: LedgerRow) -> str:
    """The registration date as the detail and the forms write it: 2026年1月5日（补录）."""
    return cn_date(row.applied_on) + ("（补录）" if row.late_entry else "")


def late_entry_details(row: LedgerRow) -> str:
    """Who entered a late registration when, and why ('' for an application registered on
    the day it was entered)."""
    if not row.late_entry or row.entered_on is None:
        return ""
    reason = row.late_entry_reason or "（未写明）"
    return (
        f"登记日期{cn_date(row.applied_on)}，{cn_date(row.entered_on)}由{row.clerk}录入；"
        f"补录原因：{reason}"
    )


def late_entry_text(row: LedgerRow) -> str:
    """`late_entry_details` headed 补录：, as the ledger's tooltip and the receipt show it."""
    details = late_entry_details(row)
    return f"补录：{details}" if details else ""


def amount_text(row: LedgerRow) -> str:
    """The ledger's 补助 column: the amount, or 不予补助."""
    return f"{row.amount} 元" if row.eligible else "不予补助"


def decision_text(eligible: bool, amount: int) -> str:
    """The result of a decision in one phrase."""
    return f"符合条件，补助 {amount} 元" if eligible else "不符合条件，不予补助"


def finding_verdict(
    passed: bool, *, caution: bool = False, pending: bool = False
) -> tuple[str, str]:
    """The mark and the word of one finding of a decision, wherever it is shown: passed,
    passed but to be settled (重点群体 not confirmed), waiting for a fact, or failed."""
    if passed:
        return ("！", "请注意") if caution else ("✓", "符合")
    return ("…", "待补充") if pending else ("✗", "不符合")


def key_group_text(asked: bool, value: bool | None) -> str:
    """Whether the member belongs to a 重点群体, where the scheme asks (POLICY.md: confirmed
    by the clerk; without a confirmation the claim is computed and marked 未确认)."""
    if not asked:
        return ""
    if value is None:
        return "未确认"
    return "已确认" if value else "确认不属于"


# --- one application, in sections ----------------------------------------------------------


@dataclass(frozen=True)
class Section:
    """A titled list of (label, value); empty values are left out."""

    title: str
    rows: tuple[tuple[str, str], ...]


def _section(title: str, pairs: list[tuple[str, Any]]) -> Section:
    return Section(title, tuple((label, str(v)) for label, v in pairs if v not in (None, "")))


def application_lines(detail: Detail) -> list[tuple[str, str]]:
    """(label, value) of the application itself: receipt, dates, scheme, status, station,
    clerk."""
    row = detail.row
    return [
        ("受理编号", row.receipt),
        ("登记日期", applied_on_words(row)),
        ("补录", late_entry_details(row)),
        ("方案", scheme_name(row.scheme, short=True)),
        ("状态", row.status_label),
        ("服务站", row.station_code),
        ("经办人", row.clerk),
    ]


def member_lines(member: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The member's fields in the paper form's words (职务, as Annex 2 says)."""
    return [
        ("姓名", member.get("name") or ""),
        ("身份证号", member.get("id_number") or ""),
        ("京卡·互助服务卡", member.get("card_number") or "无"),
        ("联系电话", member.get("phone") or ""),
        ("工作单位", member.get("work_unit") or ""),
        ("职务", member.get("position") or ""),
    ]


def certificate_lines(certificate: Mapping[str, Any], scheme: str = "") -> list[tuple[str, str]]:
    """(label, value) of the certificate's filled fields, in the paper form's order; the
    kind and the level in the scheme's own words."""
    c = certificate
    lines: list[tuple[str, str]] = [("证书类别", kind_label(str(c.get("kind") or ""), scheme))]
    if c.get("competition"):
        lines.append(("竞赛", str(c["competition"])))
    if c.get("occupation"):
        label = "项目" if c.get("kind") == "special_ability" else "职业（工种）"
        lines.append((label, str(c["occupation"])))
    if c.get("level") is not None:
        lines.append(("等级", policy_set().level_label(scheme, int(c["level"]))))
    if c.get("grade"):
        lines.append(("水平级别", grade_label(str(c["grade"]))))
    if c.get("stage"):
        lines.append(("赛段", stage_label(str(c["stage"]))))
    if c.get("rank") is not None:
        lines.append(("名次", f"第{c['rank']}名"))
    if c.get("entrants") is not None:
        lines.append(("初赛人数", str(c["entrants"])))
    if c.get("final_held") is not None:
        lines.append(("是否举办决赛", "是" if c["final_held"] else "否"))
    for key, label in (
        ("number", "证书编号"),
        ("issued_on", "首次发证日期"),
        ("approved_on", "批准日期"),
        ("issuer", "发证（签发）单位"),
        ("management_number", "管理号"),
    ):
        if c.get(key):
            value = c[key]
            lines.append((label, date_text(value) if key.endswith("_on") else str(value)))
    return lines


def detail_sections(detail: Detail) -> list[Section]:
    """申请, 申请人 and 证书 of one application (and 报送 once it was in a batch), as the
    detail view and `ledger show` show them."""
    scheme = str(detail.decision.get("scheme") or detail.row.scheme)
    sections = [
        _section("申请", list(application_lines(detail))),
        _section("申请人", list(member_lines(detail.member))),
        _section("证书", list(certificate_lines(detail.certificate, scheme))),
    ]
    if detail.batches:
        sections.append(_section("报送", list(batch_lines(detail.batches))))
    return sections


def batch_lines(batches: Sequence[Mapping[str, Any]]) -> list[tuple[str, str]]:
    """(label, value) of each batch that held the application: its number and state, and the
    协会's answer — what a member who comes back to ask is told."""
    lines: list[tuple[str, str]] = []
    for batch in batches:
        state = "在报" if batch["standing"] else f"已撤回（{batch['withdrawn_at'][:16]}）"
        lines.append(("报送批次", f"{batch['number']}（{state}）"))
        result = batch.get("result")
        if not result:
            if batch["standing"]:
                lines.append(("审核结果", "协会尚未返回结果"))
            continue
        if result == "不通过":
            text = f"不通过：{batch.get('result_reason') or ''}"
        else:
            text = f"{result}，{batch.get('paid_on')} 发放 {batch.get('paid_amount')} 元"
            if batch.get("result_reason"):
                text += f"（{batch['result_reason']}）"
        lines.append(("审核结果", text))
    return lines


def history_text(step: Mapping[str, Any]) -> str:
    """One step of the status record: the status, and the reason when there is one."""
    reason = step.get("reason") or ""
    return str(step.get("to_label", "")) + (f"（原因：{reason}）" if reason else "")


def technical_text(scheme: str, policy_sha256: str | None) -> str:
    """What support staff compare: the scheme id and the fingerprint of the policy file."""
    return f"方案编号 {scheme}" + (
        f"；计算所用政策文件指纹（SHA-256）{policy_sha256}" if policy_sha256 else ""
    )


# --- the audit trail ------------------------------------------------------------------------

ACTION_LABELS = {
    "create": "新建",
    "change": "修改",
    "status": "更改状态",
    "undo": "撤销状态更改",
    "print": "打印",
    "export": "导出",
    "import": "导入",
    "backup": "备份",
    "restore": "恢复",
    "correct": "更正",
    "register": "登记",
    "replace": "更换",
    "accept": "核定",
    "batch": "建立",
    "batch.withdraw": "撤回",
    "batch.print": "打印",
    "results": "导入审核结果：",
}
ENTITY_LABELS = {
    "application": "申请",
    "member": "申请人",
    "settings": "设置",
    "station_key": "签名密钥",
    "held_import": "导入待核",
    "submission_batch": "报送批次",
}
_FIELD_LABELS = {
    "name": "姓名",
    "id_number": "身份证号",
    "card_number": "京卡卡号",
    "phone": "联系电话",
    "work_unit": "工作单位",
    "position": "职务",
    "scheme": "方案",
    "kind": "证书类别",
    "claim": "补助项目",
    "eligible": "符合条件",
    "amount": "补助金额",
    "member": "申请人",
    "reason": "原因",
    "policy_sha256": "政策文件指纹",
    "applied_on": "登记日期",
    "late_entry_reason": "补录原因",
    "station_code": "服务站代码",
    "station_name": "服务站名称",
    "district": "所属区",
    "audit_head": "服务站审计链头",
    "receipt": "受理编号",
    "certificate_number": "证书编号",
    "issuer": "签发单位",
    "management_number": "管理号",
    "skipped": "未导出（含不可见字符）份数",
    "skipped_receipts": "未导出的申请",
}


def action_text(event: Mapping[str, Any]) -> str:
    """新建申请, 更改状态申请, 导出…: what an audit event did, to what."""
    action = str(event.get("action"))
    entity = str(event.get("entity"))
    return ACTION_LABELS.get(action, action) + ENTITY_LABELS.get(entity, entity)


def _value_text(value: Any) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if value is None:
        return "（空）"
    if isinstance(value, Mapping):
        return "，".join(f"{_FIELD_LABELS.get(k, k)}：{_value_text(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return "、".join(_value_text(v) for v in value if v is not None)
    return str(value)


def event_text(event: Mapping[str, Any]) -> str:
    """One audit event's details as a clerk reads them (numbers masked)."""
    details = event.get("details") or {}
    if isinstance(details, str):  # as stored: canonical JSON
        try:
            details = json.loads(details)
        except ValueError:
            return scrub(details)
    if not isinstance(details, Mapping):
        return scrub(json.dumps(details, ensure_ascii=False))
    seal = details.get("row_seal")
    outside = seal.get("outside") if isinstance(seal, Mapping) else None
    warning = f"；发现此前在程序之外被改动过：{_value_text(outside)}" if outside else ""
    if event.get("action") in ("status", "undo"):
        before = statuses.label(str(details.get("before")))
        after = statuses.label(str(details.get("after")))
        reason = details.get("reason")
        return scrub(f"{before} → {after}" + (f"，原因：{reason}" if reason else "") + warning)
    parts = []
    for key, value in details.items():
        if key in ("before", "after") and isinstance(value, Mapping):
            parts.append(("原为" if key == "before" else "改为") + "：" + _value_text(value))
        elif key == "scheme":
            parts.append(f"方案：{scheme_name(str(value), short=True)}")
        elif key == "kind":
            parts.append(f"证书类别：{kind_label(str(value))}")
        elif key in ("policy_sha256", "row_seal"):  # row_seal: only its warning, below
            continue
        else:
            parts.append(f"{_FIELD_LABELS.get(key, key)}：{_value_text(value)}")
    return scrub("；".join(parts) + warning)


# --- a ledger filter ------------------------------------------------------------------------

NO_FILTER = "全部申请（没有筛选）"


def filter_text(filter_: LedgerFilter) -> str:
    """What a ledger filter selects, in words: the export dialog, the file's 汇总 and the
    audit record of an export say the same."""
    parts = []
    if filter_.date_from or filter_.date_to:
        start = filter_.date_from.isoformat() if filter_.date_from else "不限"
        end = filter_.date_to.isoformat() if filter_.date_to else "不限"
        parts.append(f"受理日期 {start} 至 {end}")
    if filter_.scheme:
        parts.append(f"方案：{scheme_name(filter_.scheme, short=True)}")
    if filter_.status:
        parts.append(f"状态：{statuses.label(filter_.status)}")
    if filter_.text:
        parts.append(f"查找“{filter_.text}”")
    return "；".join(parts) if parts else NO_FILTER
