"""The subsidy engine: one explainable decision per application.

`decide(policy, application)` checks every rule the scheme's file names and returns
a `Decision`: eligible or not, the amount in whole yuan, and one finding per check
(in Chinese, passed or not, with the source it comes from). Every check is made even
after one fails, so the clerk sees all the reasons at once. A fact a rule needs that
is missing fails that rule and names the fact; nothing is guessed.

Pure: no Qt, no database, no I/O. Never raises for any `Application` value.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from desktop_app.domain.facts import Application, CertificateFacts
from desktop_app.domain.policy import (
    GRADE_LABELS,
    KINDS,
    STAGE_LABELS,
    Condition,
    Entry,
    KindRule,
    Policy,
    Rate,
)
from desktop_app.domain.text import cn_date, normalize_name, quoted
from desktop_app.domain.validators import check_card_number


@dataclass(frozen=True)
class Finding:
    rule: str
    passed: bool
    message: str
    source: str
    # The input path of the fact whose absence failed this rule (``certificate.level``), or
    # None: a finding that fails for want of a fact is not yet a refusal (the counter shows
    # 待补充). Not part of the stored decision, which keeps what the clerk read.
    missing: str | None = None
    # Passed, but something the clerk must still see and settle (重点群体 not confirmed).
    caution: bool = False

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "rule": self.rule,
            "passed": self.passed,
            "message": self.message,
            "source": self.source,
        }
        if self.caution:
            data["caution"] = True
        return data


@dataclass(frozen=True)
class Decision:
    scheme: str
    eligible: bool
    amount: int
    findings: tuple[Finding, ...]
    policy_sha256: str
    entry: Entry | None = None
    rate: Rate | None = None

    @property
    def missing(self) -> tuple[str, ...]:
        """The input paths of the facts still missing, in the order of the findings."""
        return tuple(dict.fromkeys(f.missing for f in self.findings if f.missing))

    @property
    def refused(self) -> bool:
        """True when a rule fails for a reason other than a missing fact: a real refusal."""
        return any(not f.passed and not f.missing for f in self.findings)

    def to_dict(self) -> dict[str, Any]:
        return {
            "eligible": self.eligible,
            "amount": self.amount,
            "scheme": self.scheme,
            "findings": [f.to_dict() for f in self.findings],
            "policy_sha256": self.policy_sha256,
        }


class _Check:
    """Collects findings while the rules are walked."""

    def __init__(self) -> None:
        self.findings: list[Finding] = []
        self.rate_text = ""

    def add(
        self,
        rule: str,
        passed: bool,
        message: str,
        source: str,
        missing: str | None = None,
        *,
        caution: bool = False,
    ) -> bool:
        self.findings.append(Finding(rule, passed, message, source, missing, caution))
        return passed

    def missing(self, rule: str, what: str, field: str, source: str) -> bool:
        """`rule` fails for want of `what` (the input path `field`)."""
        return self.add(rule, False, f"缺少{what}，无法判断，请补录后再算", source, field)


def decide(policy: Policy, application: Application) -> Decision:
    """Decide one application under one scheme."""
    check = _Check()
    cert = application.certificate
    kind_rule = policy.kinds.get(cert.kind)
    entry: Entry | None = None
    rate: Rate | None = None

    scheme_cite = f"{policy.document.short}（{policy.name}）"
    if kind_rule is None:
        offered = "、".join(rule.label for rule in policy.kinds.values())
        check.add(
            "scheme.kind",
            False,
            f"本方案不受理{quoted(KINDS.get(cert.kind, cert.kind))}，只受理：{offered}",
            scheme_cite,
        )
    else:
        check.add(
            "scheme.kind", True, f"本方案受理{quoted(kind_rule.label)}", kind_rule.source.cite()
        )
        method = _METHODS.get(kind_rule.method)
        if method is not None:
            entry, rate = method(policy, kind_rule, cert, check)

    for condition in policy.conditions:
        if condition.applies(cert.kind):
            _CONDITIONS[condition.rule](condition, application, check)
    _check_date_order(application, check, scheme_cite)

    eligible = all(f.passed for f in check.findings) and rate is not None
    if rate is not None:
        message = f"{check.rate_text}：补助 {rate.amount} 元"
        if not eligible:
            message = (
                f"{check.rate_text}的补助标准为 {rate.amount} 元；因上列条件未满足，本次补助 0 元"
            )
        check.add("amount", True, message, rate.source.cite())
    return Decision(
        scheme=policy.id,
        eligible=eligible,
        amount=rate.amount if eligible and rate is not None else 0,
        findings=tuple(check.findings),
        policy_sha256=policy.sha256,
        entry=entry,
        rate=rate,
    )


# ------------------------------------------------------------------ catalogue lookup


def _find_entry(
    policy: Policy, rule: KindRule, cert: CertificateFacts, check: _Check
) -> Entry | None:
    catalogue = rule.catalogue
    cite = f"{policy.document.short} {catalogue.part}"
    if cert.occupation is None:
        noun = "专项职业能力项目" if rule.method == "tier" else "职业（工种）名称或代码"
        check.missing("catalogue.entry", noun, "certificate.occupation", cite)
        return None
    entry = policy.find_entry(catalogue.id, cert.occupation)
    if entry is None:
        check.add(
            "catalogue.entry",
            False,
            f"{quoted(cert.occupation)}不在{catalogue.title}中，本方案不予补助",
            cite,
        )
        return None
    label = f"{entry.name}（{entry.code}）" if entry.code else entry.name
    source = entry.source
    detail = f"，补助档次为{entry.tier}档" if entry.tier else ""
    if entry.group is not None:
        levels = "、".join(policy.level_label(lv) for lv in entry.levels)
        detail = f"，由{entry.group.body}鉴定核发，资助{levels}证书"
        source = source + entry.group.source
    check.add("catalogue.entry", True, f"{label}列入{catalogue.title}{detail}", source.cite())
    return entry


def _rate_finding(check: _Check, rate: Rate, what: str) -> Rate:
    """Remember the applicable rate; its finding is written last, once all checks are in."""
    check.rate_text = what
    return rate


def _pick_rate(
    policy: Policy,
    rule: KindRule,
    check: _Check,
    entry: Entry,
    what: str,
    matches: Callable[[Rate], bool],
    *,
    failing_rule: str = "amount",
) -> tuple[Entry, Rate | None]:
    """The scheme's rate for this case, or a failed finding saying there is none."""
    for rate in policy.rates_for(rule.kind):
        if matches(rate):
            return entry, _rate_finding(check, rate, what)
    check.add(failing_rule, False, f"{what}没有补助标准", rule.source.cite())
    return entry, None


def _entry_and_level(
    policy: Policy, rule: KindRule, cert: CertificateFacts, check: _Check
) -> tuple[Entry | None, int | None]:
    """The catalogue row and the certificate level, each reported when missing."""
    entry = _find_entry(policy, rule, cert, check)
    if cert.level is None:
        check.missing("certificate.level", "证书等级", "certificate.level", rule.source.cite())
    return entry, cert.level


def _method_tier_level(
    policy: Policy, rule: KindRule, cert: CertificateFacts, check: _Check
) -> tuple[Entry | None, Rate | None]:
    entry, level = _entry_and_level(policy, rule, cert, check)
    if entry is None or level is None:
        return entry, None
    return _pick_rate(
        policy,
        rule,
        check,
        entry,
        f"{entry.tier}档 {policy.level_label(level)}",
        lambda rate: rate.tier == entry.tier and rate.level == level,
        failing_rule="certificate.level",
    )


def _method_tier(
    policy: Policy, rule: KindRule, cert: CertificateFacts, check: _Check
) -> tuple[Entry | None, Rate | None]:
    entry = _find_entry(policy, rule, cert, check)
    if entry is None:
        return None, None
    return _pick_rate(
        policy, rule, check, entry, f"{entry.tier}档", lambda rate: rate.tier == entry.tier
    )


def _method_level(
    policy: Policy, rule: KindRule, cert: CertificateFacts, check: _Check
) -> tuple[Entry | None, Rate | None]:
    entry, level = _entry_and_level(policy, rule, cert, check)
    if entry is None or level is None:
        return entry, None
    cite = entry.group.source.cite() if entry.group else entry.source.cite()
    if level not in entry.levels:
        allowed = "、".join(policy.level_label(lv) for lv in entry.levels)
        body = entry.group.body if entry.group else ""
        check.add(
            "certificate.level",
            False,
            f"{entry.name}（{body}）只资助{allowed}证书，所报为{policy.level_label(level)}",
            cite,
        )
        return entry, None
    check.add("certificate.level", True, f"{policy.level_label(level)}在该职业的资助等级之内", cite)
    return _pick_rate(
        policy,
        rule,
        check,
        entry,
        f"国家职业资格{policy.level_label(level)}",
        lambda rate: rate.level == level,
    )


def _method_grade(
    policy: Policy, rule: KindRule, cert: CertificateFacts, check: _Check
) -> tuple[Entry | None, Rate | None]:
    catalogue = rule.catalogue
    if cert.occupation is None and len(catalogue.entries) == 1:
        # The certificate kind names the one row (社会工作者); nothing is guessed.
        entry: Entry | None = catalogue.entries[0]
        assert entry is not None
        scope = f"，助推范围为{entry.scope}" if entry.scope else ""
        check.add(
            "catalogue.entry",
            True,
            f"{rule.label}列入{catalogue.part}（{entry.name}{scope}）",
            entry.source.cite(),
        )
    else:
        entry = _find_entry(policy, rule, cert, check)
    if cert.grade is None:
        check.missing("certificate.grade", "证书水平级别", "certificate.grade", rule.source.cite())
        return entry, None
    if entry is None:
        return None, None
    grade_text = GRADE_LABELS.get(cert.grade, cert.grade)
    if cert.grade not in entry.grades:
        allowed = "、".join(GRADE_LABELS[g] for g in entry.grades)
        check.add(
            "certificate.grade",
            False,
            f"{grade_text}不在资助范围，只资助{allowed}",
            entry.source.cite(),
        )
        return entry, None
    grade = cert.grade
    return _pick_rate(
        policy, rule, check, entry, f"{grade_text}证书", lambda rate: rate.grade == grade
    )


def _method_competition(
    policy: Policy, rule: KindRule, cert: CertificateFacts, check: _Check
) -> tuple[Entry | None, Rate | None]:
    catalogue = rule.catalogue

    def cite(*names: str) -> str:
        source = rule.source_for(names[0])
        for name in names[1:]:
            source = source + rule.source_for(name)
        return source.cite()

    names = "或".join(quoted(e.name) for e in catalogue.entries)
    entry: Entry | None = None
    if cert.competition is not None:
        wanted = normalize_name(cert.competition)
        for candidate in catalogue.entries:
            key = normalize_name(candidate.name)
            if wanted == key or (len(wanted) >= 4 and (wanted in key or key in wanted)):
                entry = candidate
                break
        if entry is None:
            check.add(
                "competition.name",
                False,
                f"{quoted(cert.competition)}不是本方案资助的竞赛，只资助{names}",
                f"{policy.document.short} {catalogue.part}",
            )
        else:
            check.add("competition.name", True, f"竞赛为{entry.name}", entry.source.cite())
    else:
        check.add(
            "competition.name",
            True,
            f"未注明竞赛名称；竞赛名次资助只限{names}，由北京市职工技术协会组织实施和审核",
            cite("organiser"),
        )

    # The occupation competed in must be a 不取证 one: outside the appraisal centre's range.
    if cert.occupation is None:
        check.missing(
            "competition.occupation",
            "竞赛职业（工种）",
            "certificate.occupation",
            cite("uncertified"),
        )
    else:
        certified = None
        for other in policy.entries():
            if (
                other.group is not None
                and other.group.id in rule.certificate_groups
                and normalize_name(other.name) == normalize_name(cert.occupation)
            ):
                certified = other
                break
        if certified is not None and certified.group is not None:
            check.add(
                "competition.occupation",
                False,
                f"{quoted(certified.name)}在{certified.group.body}鉴定范围内，属取证职业（工种），"
                "竞赛名次不予资助",
                (rule.source_for("uncertified") + certified.source).cite(),
            )
        else:
            check.add(
                "competition.occupation",
                True,
                f"{quoted(cert.occupation)}按不取证职业（工种）计算"
                "（是否在北京市职业技能鉴定管理中心鉴定范围外，由北京市职工技术协会审核）",
                cite("uncertified"),
            )

    size = {"final": "final_entrants", "semifinal": "semifinal_entrants"}
    ok = True
    if cert.stage is None:
        ok = check.missing(
            "competition.stage", "赛段（决赛或复赛）", "certificate.stage", cite("rank")
        )
    if cert.rank is None:
        ok = check.missing("competition.rank", "名次", "certificate.rank", cite("rank")) and ok
    if cert.entrants is None:
        sizes = [size[cert.stage]] if cert.stage in size else list(size.values())
        ok = (
            check.missing(
                "competition.entrants", "初赛参赛人数", "certificate.entrants", cite(*sizes)
            )
            and ok
        )
    if cert.stage is None or cert.rank is None or cert.entrants is None:
        return entry, None

    final_min = rule.final_min_entrants or 0
    semi_min = rule.semifinal_min_entrants or 0
    semi_max = rule.semifinal_max_entrants or 0
    if cert.stage == "final":
        ok = check.add(
            "competition.entrants",
            cert.entrants >= final_min,
            f"决赛要求初赛参赛选手{final_min}人以上（含本数），本次初赛{cert.entrants}人"
            + ("" if cert.entrants >= final_min else "，不足"),
            cite("final_entrants"),
        )
    elif cert.stage == "semifinal":
        if cert.final_held is None:
            ok = check.missing(
                "competition.final_held",
                "“该竞赛是否设有决赛”的说明",
                "certificate.final_held",
                cite("highest_round"),
            )
        elif cert.final_held:
            ok = check.add(
                "competition.final_held",
                False,
                "该竞赛设有决赛：复赛名次只在最高竞赛等级只到复赛时资助",
                cite("highest_round"),
            )
        else:
            check.add(
                "competition.final_held",
                True,
                "该竞赛最高竞赛等级只到复赛，复赛名次可以资助",
                cite("highest_round"),
            )
        within = semi_min <= cert.entrants <= semi_max
        ok = (
            check.add(
                "competition.entrants",
                within,
                f"复赛要求初赛参赛选手{semi_min}人以上、{semi_max}人以下（均含本数），"
                f"本次初赛{cert.entrants}人" + ("" if within else "，不符"),
                cite("semifinal_entrants"),
            )
            and ok
        )
    else:
        check.add("competition.stage", False, f"赛段“{cert.stage}”无法识别", cite("rank"))
        return entry, None

    stage_text = STAGE_LABELS[cert.stage]
    stage_rates = [r for r in policy.rates_for(rule.kind) if r.stage == cert.stage]
    for rate in stage_rates:
        if (
            rate.rank_from is not None
            and rate.rank_to is not None
            and rate.rank_from <= cert.rank <= rate.rank_to
        ):
            check.add(
                "competition.rank",
                True,
                f"{stage_text}第{cert.rank}名在资助名次之内",
                (rule.source_for("rank") + rate.source).cite(),
            )
            if not ok:
                return entry, None
            return entry, _rate_finding(check, rate, f"{stage_text}第{cert.rank}名")
    ranges = _ranks_text(stage_rates)
    source = rule.source_for("rank")
    for rate in stage_rates:
        source = source + rate.source
    check.add(
        "competition.rank",
        False,
        f"{stage_text}第{cert.rank}名不在资助名次之内（{stage_text}资助{ranges or '无'}）",
        source.cite(),
    )
    return entry, None


def _ranks_text(rates: list[Rate]) -> str:
    """The ranks the rates fund, adjoining bands joined: 第1名 and 第2—10名 read 第1—10名."""
    bands: list[list[int]] = []
    for rate in sorted(rates, key=lambda r: r.rank_from or 0):
        if rate.rank_from is None or rate.rank_to is None:
            continue
        if bands and rate.rank_from <= bands[-1][1] + 1:
            bands[-1][1] = max(bands[-1][1], rate.rank_to)
        else:
            bands.append([rate.rank_from, rate.rank_to])
    return "、".join(f"第{a}名" if a == b else f"第{a}—{b}名" for a, b in bands)


_METHODS = {
    "tier_level": _method_tier_level,
    "tier": _method_tier,
    "level": _method_level,
    "grade": _method_grade,
    "competition": _method_competition,
}


# ------------------------------------------------------------------------ conditions


def _cond_member_card(condition: Condition, app: Application, check: _Check) -> None:
    cite = condition.source.cite()
    card = app.member.card_number
    if not card:
        check.add(
            "member.card",
            False,
            "未录入京卡·互助服务卡卡号：本方案只资助持卡的工会会员",
            cite,
            "member.card_number",
        )
        return
    result = check_card_number(card)
    if not result.ok or result.value is None:
        check.add(
            "member.card", False, f"京卡·互助服务卡卡号无效：{'；'.join(result.errors)}", cite
        )
        return
    check.add("member.card", True, f"持有京卡·互助服务卡（尾号{result.value[-4:]}）", cite)


def _flag(
    rule: str,
    value: bool | None,
    yes: str,
    no: str,
    what: str,
    field: str,
    cite: str,
    check: _Check,
) -> None:
    if value is None:
        check.missing(rule, what, field, cite)
    else:
        check.add(rule, value, yes if value else no, cite)


def _cond_union_affiliated(condition: Condition, app: Application, check: _Check) -> None:
    _flag(
        "member.union_affiliated",
        app.member.union_affiliated,
        "所在单位工会关系隶属于市总工会",
        "所在单位工会关系不隶属于市总工会，不符合助推条件",
        "“所在单位工会是否隶属于市总工会”的确认",
        "member.union_affiliated",
        condition.source.cite(),
        check,
    )


def _cond_full_time(condition: Condition, app: Application, check: _Check) -> None:
    _flag(
        "member.full_time_union_social_worker",
        app.member.full_time_union_social_worker,
        "申请人是北京市专职工会社会工作者",
        "申请人不是北京市专职工会社会工作者，社会工作者证书不予资助",
        "“是否北京市专职工会社会工作者”的确认",
        "member.full_time_union_social_worker",
        condition.source.cite(),
        check,
    )


def _cond_key_group(condition: Condition, app: Application, check: _Check) -> None:
    # The document sets no person-group rule; the clerk's confirmation is recorded. Not
    # given (a command-line quote, an import): still payable, with a finding that says so.
    value = app.member.key_group
    if value is None:
        check.add(
            "member.key_group",
            True,
            "是否属于重点群体尚未经受理人员确认：补助按属于重点群体试算，发放前须确认",
            condition.source.cite(),
            caution=True,
        )
        return
    check.add(
        "member.key_group",
        value,
        "受理人员已确认申请人属于重点群体"
        if value
        else "受理人员确认申请人不属于重点群体，本补助面向重点群体",
        condition.source.cite(),
    )


def _cond_issued_within(condition: Condition, app: Application, check: _Check) -> None:
    cite = condition.source.cite()
    start, end = condition.date_from, condition.date_to
    if start is None or end is None:
        return
    competition = app.certificate.kind == "competition"
    what = "竞赛成绩取得日期" if competition else "证书首次发证日期"
    issued = app.certificate.issued_on
    if issued is None:
        check.missing("certificate.issued_on", what, "certificate.issued_on", cite)
        return
    inside = start <= issued <= end
    window = f"{cn_date(start)}至{cn_date(end)}（含）"
    check.add(
        "certificate.issued_on",
        inside,
        f"{what}{cn_date(issued)}" + ("在" if inside else "不在") + f"{window}之内",
        cite,
    )


def _cond_registered_by(condition: Condition, app: Application, check: _Check) -> None:
    cite = condition.source.cite()
    last = condition.date_to
    if last is None:
        return
    if app.applied_on is None:
        check.missing("application.deadline", "登记申报日期", "applied_on", cite)
        return
    ok = app.applied_on <= last
    check.add(
        "application.deadline",
        ok,
        f"登记申报日期{cn_date(app.applied_on)}"
        + (
            f"未超过截止日期{cn_date(last)}" if ok else f"晚于截止日期{cn_date(last)}，过期不予资助"
        ),
        cite,
    )


_CONDITIONS = {
    "member_card": _cond_member_card,
    "union_affiliated": _cond_union_affiliated,
    "full_time_union_social_worker": _cond_full_time,
    "key_group_confirmed": _cond_key_group,
    "issued_within": _cond_issued_within,
    "registered_by": _cond_registered_by,
}


def _check_date_order(app: Application, check: _Check, cite: str) -> None:
    """A certificate (or result) dated after its own registration is a typing error."""
    issued, applied = app.certificate.issued_on, app.applied_on
    if issued is not None and applied is not None and issued > applied:
        check.add(
            "certificate.date_order",
            False,
            f"发证（成绩）日期{cn_date(issued)}晚于登记日期{cn_date(applied)}，请核对日期",
            cite,
        )
