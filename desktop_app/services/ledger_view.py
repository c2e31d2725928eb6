"""What the ledger window (台账) reads, beyond `services.applications`: pages of the ledger
walked from a known row or from the far end, the count, the schemes and labels it shows.

The ledger model in the GUI shows a million applications without reading them all: it
reads pages of rows where the clerk looks. A page deep in the ledger is cheapest to find
from a row already read nearby (keyset paging: the rows after a known id) or, near the end,
from the oldest row backwards; `ledger_slice` offers both. Every page is in ledger order
(newest first) and masked, as `applications.ledger` gives it. No Qt here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from desktop_app.domain import status as statuses
from desktop_app.domain.policy import KINDS, STAGE_LABELS
from desktop_app.domain.text import cn_date
from desktop_app.services import applications
from desktop_app.services.applications import LedgerRow
from desktop_app.services.logs import scrub
from desktop_app.services.policies import policy_set
from desktop_app.storage import repository
from desktop_app.storage.database import Store
from desktop_app.storage.repository import (
    LedgerFilter as LedgerFilter,
)  # the ledger query, for the window and the CLI


def ledger_slice(
    store: Store,
    filter_: LedgerFilter,
    *,
    limit: int,
    offset: int = 0,
    after_id: int | None = None,
    backwards: bool = False,
) -> list[LedgerRow]:
    """`limit` rows of the ledger, in ledger order (newest first), numbers masked.

    Forwards: the rows after the row with id `after_id` (or from the newest), skipping
    `offset`. Backwards: walked from the other end — the rows before `after_id` (or from the
    oldest), skipping `offset` — and returned in ledger order; the last row of the result is
    then the one `offset` rows above `after_id` (or above the oldest row).
    """
    with store.session() as session:
        found = repository.ledger_page(
            session,
            filter_,
            limit=limit,
            offset=offset,
            newest_first=not backwards,
            after_id=after_id,
        )
        policies = policy_set()
        rows = [applications.ledger_row(app, policies=policies) for app in found]
    if backwards:
        rows.reverse()
    return rows


def ledger_count(store: Store, filter_: LedgerFilter, *, limit: int | None = None) -> int:
    """How many applications the filter matches; with `limit`, at most that many (quick)."""
    return int(applications.ledger_count(store, filter_, limit=limit))


# --- labels ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SchemeChoice:
    id: str
    short_name: str
    name: str


def scheme_choices() -> list[SchemeChoice]:
    """Every scheme that loaded, newest year first."""
    policies = policy_set().policies.values()
    ordered = sorted(policies, key=lambda p: (-(p.year or 0), p.id))
    return [SchemeChoice(p.id, p.short_name, p.name) for p in ordered]


def scheme_names() -> dict[str, str]:
    """Scheme id → its short name, for the ledger's 方案 column."""
    return {choice.id: choice.short_name for choice in scheme_choices()}


def status_choices() -> list[tuple[str, str]]:
    """(code, label) of every status, in the order an application goes through them."""
    return list(statuses.LABELS.items())


def next_statuses(status: str) -> list[tuple[str, str]]:
    """(code, label) of the statuses an application in `status` may be changed to."""
    return [(code, statuses.label(code)) for code in statuses.allowed(status)]


def kind_label(kind: str) -> str:
    return KINDS.get(kind, kind)


def claim_text(row: LedgerRow) -> str:
    """The 证书类别/项目 column: the occupation or item, with the kind of certificate."""
    kind = kind_label(row.kind)
    return f"{row.occupation}（{kind}）" if row.occupation else kind


def applied_on_text(row: LedgerRow) -> str:
    """The 受理日期 column: the registration date, marked when it was entered late."""
    text = row.applied_on.isoformat()
    return f"{text}（补录）" if row.late_entry else text


def late_entry_text(row: LedgerRow) -> str:
    """Who entered a late registration when, and why ('' for an application registered on
    the day it was entered): what the ledger, the detail and the receipt show."""
    if not row.late_entry or row.entered_on is None:
        return ""
    reason = row.late_entry_reason or "（未写明）"
    return (
        f"补录：登记日期{cn_date(row.applied_on)}，{cn_date(row.entered_on)}由{row.clerk}录入；"
        f"补录原因：{reason}"
    )


def amount_text(row: LedgerRow) -> str:
    return f"{row.amount} 元" if row.eligible else "不予补助"


# --- the detail view's texts ----------------------------------------------------------------

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
}
ENTITY_LABELS = {"application": "申请", "member": "申请人", "settings": "设置"}
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
}


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
    if event.get("action") in ("status", "undo"):
        before = statuses.label(str(details.get("before")))
        after = statuses.label(str(details.get("after")))
        reason = details.get("reason")
        return f"{before} → {after}" + (f"，原因：{reason}" if reason else "")
    parts = []
    for key, value in details.items():
        if key in ("before", "after") and isinstance(value, Mapping):
            parts.append(("原为" if key == "before" else "改为") + "：" + _value_text(value))
        elif key == "scheme":
            parts.append(f"方案：{scheme_names().get(str(value), value)}")
        elif key == "kind":
            parts.append(f"证书类别：{kind_label(str(value))}")
        elif key == "policy_sha256":
            continue
        else:
            parts.append(f"{_FIELD_LABELS.get(key, key)}：{_value_text(value)}")
    return scrub("；".join(parts))


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


def certificate_lines(certificate: Mapping[str, Any], scheme: str = "") -> list[tuple[str, str]]:
    """(label, value) of the certificate's filled fields, in the paper form's order; the
    level in the scheme's own words."""
    from desktop_app.domain.policy import GRADE_LABELS

    c = certificate
    lines: list[tuple[str, str]] = [("证书类别", kind_label(str(c.get("kind") or "")))]
    if c.get("competition"):
        lines.append(("竞赛", str(c["competition"])))
    if c.get("occupation"):
        label = "项目" if c.get("kind") == "special_ability" else "职业（工种）"
        lines.append((label, str(c["occupation"])))
    if c.get("level") is not None:
        lines.append(("等级", policy_set().level_label(scheme, int(c["level"]))))
    if c.get("grade"):
        lines.append(("水平级别", GRADE_LABELS.get(c["grade"], str(c["grade"]))))
    if c.get("stage"):
        lines.append(("赛段", STAGE_LABELS.get(c["stage"], str(c["stage"]))))
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
            lines.append((label, str(c[key])))
    return lines


# --- the filter bar --------------------------------------------------------------------------

_DATE_TEXT = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*$")
_DATE_DIGITS = re.compile(r"^\s*(\d{4})(\d{2})(\d{2})\s*$")


def parse_date_text(text: str) -> date | None:
    """A date typed in the filter bar: 2026-11-21, 2026/1/5, 2026.1.5, 2026年1月5日 or
    20261121; empty is no limit. ValueError with a Chinese message otherwise."""
    if not text.strip():
        return None
    match = _DATE_TEXT.match(text) or _DATE_DIGITS.match(text)
    if match is None:
        raise ValueError(f"“{text.strip()}”不是日期，请写成 2026-11-21 或 20261121")
    year, month, day = (int(part) for part in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueError(f"没有 {year}年{month}月{day}日 这一天") from None


def make_filter(
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    scheme: str | None = None,
    status: str | None = None,
    query: str | None = None,
) -> LedgerFilter:
    """The ledger filter of the filter bar's values (empty values filter nothing)."""
    if date_from is not None and date_to is not None and date_from > date_to:
        raise ValueError("起始日期晚于截止日期")
    return LedgerFilter(
        date_from=date_from,
        date_to=date_to,
        scheme=scheme or None,
        status=status or None,
        query=(query or "").strip() or None,
    )
