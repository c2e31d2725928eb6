"""Scheme bj-2026-skills: every rate, tier and level; catalogue look-up; missing facts."""

from __future__ import annotations

import hashlib

import pytest

from desktop_app.domain.policy import PolicySet
from tests.conftest import DELETE, base_2026, failed_rules, with_changes

TIER_B = {5: 1000, 4: 1500, 3: 2000, 2: 2000, 1: 2000}
TIER_A = {5: 1200, 4: 1800, 3: 2400, 2: 2400, 1: 2400}


@pytest.mark.parametrize(("level", "amount"), sorted(TIER_A.items()))
def test_tier_a_rates(decide, level, amount):
    decision = decide(base_2026(occupation="无人机驾驶员", level=level))
    assert decision.eligible
    assert decision.amount == amount
    amount_finding = next(f for f in decision.findings if f.rule == "amount")
    assert f"{amount} 元" in amount_finding.message
    assert "补助标准" in amount_finding.source


@pytest.mark.parametrize(("level", "amount"), sorted(TIER_B.items()))
def test_tier_b_rates(decide, level, amount):
    decision = decide(base_2026(occupation="电工", level=level))
    assert (decision.eligible, decision.amount) == (True, amount)


def test_tier_a_is_tier_b_raised_by_twenty_percent(policies: PolicySet):
    policy = policies.get("bj-2026-skills")
    rates = {(r.tier, r.level): r.amount for r in policy.rates_for("skill_level")}
    for level in range(1, 6):
        assert rates[("A", level)] * 100 == rates[("B", level)] * 120


def test_every_catalogue_occupation_gets_its_tier_amount(decide, policies: PolicySet):
    policy = policies.get("bj-2026-skills")
    entries = policy.kinds["skill_level"].catalogue.entries
    assert len(entries) == 91
    for entry in entries:
        for level in range(1, 6):
            decision = decide(base_2026(occupation=entry.name, level=level))
            expected = (TIER_A if entry.tier == "A" else TIER_B)[level]
            assert decision.amount == expected, (entry.name, level)


@pytest.mark.parametrize(
    ("item", "amount"),
    [
        ("母婴照护", 1200),
        ("婴幼儿照护", 1200),
        ("老年人照护", 1200),
        ("病人照护", 1200),
        ("家庭餐制作", 800),
        ("家庭清洁", 800),
        ("家电清洗", 800),
    ],
)
def test_special_ability_items(decide, item, amount):
    decision = decide(base_2026("special_ability", occupation=item, level=5))
    assert (decision.eligible, decision.amount) == (True, amount)


@pytest.mark.parametrize("code", ["4-02-04-06", "4020406", " 4-02-04-06 ", "４-０２-０４-０６"])
def test_occupation_found_by_code(decide, code):
    decision = decide(base_2026(occupation=code, level=4))
    assert decision.amount == 1800
    assert "无人机驾驶员" in next(
        f.message for f in decision.findings if f.rule == "catalogue.entry"
    )


def test_entry_finding_cites_document_and_row(decide):
    decision = decide(base_2026(occupation="无人机驾驶员", level=3))
    entry = next(f for f in decision.findings if f.rule == "catalogue.entry")
    assert entry.passed
    assert "序号10" in entry.source
    assert "2026" in entry.source
    assert "A" in entry.message


def test_occupation_not_in_catalogue_is_a_decision(decide):
    decision = decide(base_2026(occupation="宇航员", level=3))
    assert not decision.eligible
    assert decision.amount == 0
    assert failed_rules(decision) == {"catalogue.entry"}
    assert "宇航员" in next(f.message for f in decision.findings if not f.passed)


def test_special_ability_item_is_not_a_skill_level_occupation(decide):
    decision = decide(base_2026("skill_level", occupation="母婴照护", level=3))
    assert not decision.eligible


def test_missing_level_names_the_fact(decide):
    decision = decide(base_2026(occupation="电工", level=None))
    assert not decision.eligible and decision.amount == 0
    missing = [f for f in decision.findings if not f.passed]
    assert [f.rule for f in missing] == ["certificate.level"]
    assert missing[0].missing == "certificate.level" and "证书等级" in missing[0].message


def test_missing_occupation_names_the_fact(decide):
    decision = decide(with_changes(base_2026(), **{"certificate.occupation": DELETE}))
    assert not decision.eligible
    assert "certificate.occupation" in decision.missing
    assert not any("certificate." in f.message for f in decision.findings)


@pytest.mark.parametrize("kind", ["qualification", "competition", "social_worker"])
def test_kinds_the_scheme_does_not_offer(decide, kind):
    decision = decide(base_2026(kind, occupation="电工", level=1, grade="senior"))
    assert not decision.eligible
    assert "scheme.kind" in failed_rules(decision)


def test_no_date_window_and_no_card_needed(decide):
    """The 2026 document sets no window, deadline, card or union rule: none is invented."""
    data = base_2026(occupation="电工", level=5, issued_on="1999-01-01")
    data["applied_on"] = "2031-01-01"
    decision = decide(data)
    assert (decision.eligible, decision.amount) == (True, 1000)
    assert {f.rule for f in decision.findings} == {
        "scheme.kind",
        "catalogue.entry",
        "member.key_group",  # not confirmed: a caution, not a condition the document sets
        "amount",
    }


def test_application_date_may_be_missing(decide):
    decision = decide(with_changes(base_2026(), applied_on=DELETE))
    assert decision.eligible


def test_key_group_confirmation(decide):
    yes = decide(with_changes(base_2026(), **{"member.key_group": True}))
    no = decide(with_changes(base_2026(), **{"member.key_group": False}))
    assert yes.eligible and yes.amount == 2400
    assert any(f.rule == "member.key_group" and f.passed for f in yes.findings)
    assert not no.eligible and no.amount == 0
    assert failed_rules(no) == {"member.key_group"}
    assert not any(f.caution for f in yes.findings + no.findings)


def test_an_unconfirmed_key_group_is_paid_and_recorded_as_not_confirmed(decide):
    """POLICY.md: without the clerk's confirmation (command line, import) the amount is still
    computed, and a finding the clerk and the ledger see says it was not confirmed."""
    decision = decide(base_2026())
    assert (decision.eligible, decision.amount) == (True, 2400)
    (finding,) = [f for f in decision.findings if f.rule == "member.key_group"]
    assert finding.passed and finding.caution and finding.missing is None
    assert "尚未经受理人员确认" in finding.message
    assert "北京市重点群体就业技能提升补助标准目录" in finding.source
    stored = decision.to_dict()["findings"]
    assert [f.get("caution") for f in stored if f["rule"] == "member.key_group"] == [True]
    assert all("caution" not in f for f in stored if f["rule"] != "member.key_group")


def test_decision_carries_sha256_of_the_policy_file(decide, policies: PolicySet):
    decision = decide(base_2026())
    policy = policies.get("bj-2026-skills")
    assert decision.policy_sha256 == hashlib.sha256(policy.path.read_bytes()).hexdigest()
    assert decision.scheme == "bj-2026-skills"


def test_eligible_iff_all_findings_pass(decide):
    for data in (base_2026(), base_2026(occupation="宇航员"), base_2026(level=None)):
        decision = decide(data)
        assert decision.eligible == all(f.passed for f in decision.findings)
        assert (decision.amount > 0) == decision.eligible


def test_tier_a_quotes_the_cell_and_keeps_the_arithmetic_outside_the_marks(decide):
    decision = decide(base_2026(level=4))
    (amount,) = [f for f in decision.findings if f.rule == "amount"]
    assert amount.message == "A档 中级工（四级）：补助 1800 元"
    assert amount.source.endswith(
        "职业技能等级证书目录 “补助标准”栏：“B档：……中级工（四级）1500元/人……"
        "A档在B档补助基础上上浮20%”（1500元×1.2＝1800元）"
    )
    b_tier = decide(base_2026(occupation="电工", level=2))
    (amount,) = [f for f in b_tier.findings if f.rule == "amount"]
    assert "“B档：……高级工（三级）及以上2000元/人”（技师（二级）属高级工（三级）以上）" in (
        amount.source
    )
