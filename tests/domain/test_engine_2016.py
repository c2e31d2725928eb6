"""Scheme bj-2016-union-boost: conditions, window, deadline, groups, competitions, social workers."""

from __future__ import annotations

import pytest

from tests.conftest import DELETE, GOOD_CARD, base_2016, failed_rules, with_changes

JIANDING = ["保育员", "化妆工", "二手车鉴定评估师", "中药调剂员", "展览讲解员", "育婴师",
            "汽车维修漆工", "心理咨询师"]  # fmt: skip


# ----------------------------------------------------------------- qualification certificates


@pytest.mark.parametrize(("level", "amount"), [(1, 2000), (2, 1000)])
@pytest.mark.parametrize("occupation", ["油务员", "话务员", "快递业务员", "邮政业务(营销)员"])
def test_level_one_and_two_groups(decide, occupation, level, amount):
    decision = decide(base_2016(occupation=occupation, level=level))
    assert (decision.eligible, decision.amount) == (True, amount)


@pytest.mark.parametrize("level", [3, 4, 5])
def test_level_one_and_two_groups_refuse_lower_levels(decide, level):
    decision = decide(base_2016(occupation="电力调度员", level=level))
    assert not decision.eligible and decision.amount == 0
    assert failed_rules(decision) == {"certificate.level"}
    message = next(f.message for f in decision.findings if not f.passed)
    assert "北京电力行业职业技能鉴定中心" in message


@pytest.mark.parametrize("occupation", JIANDING)
def test_appraisal_centre_group_pays_level_three_only(decide, occupation):
    assert decide(base_2016(occupation=occupation, level=3)).amount == 800
    for level in (1, 2, 4, 5):
        decision = decide(base_2016(occupation=occupation, level=level))
        assert not decision.eligible, (occupation, level)


def test_all_53_annex_occupations_are_payable_at_their_levels(decide, policies):
    entries = policies.get("bj-2016-union-boost").kinds["qualification"].catalogue.entries
    assert len(entries) == 53
    rates = {1: 2000, 2: 1000, 3: 800}
    for entry in entries:
        for level in range(1, 6):
            decision = decide(base_2016(occupation=entry.name, level=level))
            expected = rates[level] if level in entry.levels else 0
            assert decision.amount == expected, (entry.name, level)


def test_full_width_parentheses_find_the_postal_occupation(decide):
    assert decide(base_2016(occupation="邮政业务（营销）员", level=2)).amount == 1000


def test_occupation_outside_annex_one(decide):
    decision = decide(base_2016(occupation="电工", level=1))
    assert not decision.eligible
    assert "catalogue.entry" in failed_rules(decision)


# --------------------------------------------------------------------- window and deadline


@pytest.mark.parametrize(
    ("issued_on", "ok"),
    [("2015-12-31", False), ("2016-01-01", True), ("2016-12-31", True), ("2017-01-01", False)],
)
def test_issue_window_edges(decide, issued_on, ok):
    data = with_changes(base_2016(), **{"certificate.issued_on": issued_on})
    decision = decide(data)
    assert decision.eligible is ok
    assert decision.amount == (2000 if ok else 0)
    window = next(f for f in decision.findings if f.rule == "certificate.issued_on")
    assert window.passed is ok
    assert "二、助推条件（二）" in window.source


@pytest.mark.parametrize(("applied_on", "ok"), [("2017-12-31", True), ("2018-01-01", False)])
def test_registration_deadline(decide, applied_on, ok):
    decision = decide(with_changes(base_2016(), applied_on=applied_on))
    assert decision.eligible is ok
    deadline = next(f for f in decision.findings if f.rule == "application.deadline")
    assert deadline.passed is ok
    assert "四、相关事项（四）" in deadline.source


def test_missing_dates_are_named(decide):
    decision = decide(
        with_changes(base_2016(), applied_on=DELETE, **{"certificate.issued_on": DELETE})
    )
    assert not decision.eligible
    messages = " ".join(f.message for f in decision.findings if not f.passed)
    assert "登记申报日期" in messages and "首次发证日期" in messages
    # Named as facts to enter, not as refusals; the clerk reads no input path.
    assert decision.missing[:2] == ("certificate.issued_on", "applied_on")
    assert not decision.refused
    assert "applied_on" not in messages and "certificate." not in messages


def test_certificate_after_registration_is_flagged(decide):
    data = with_changes(base_2016(), applied_on="2016-03-01")
    data["certificate"]["issued_on"] = "2016-06-01"
    decision = decide(data)
    assert "certificate.date_order" in failed_rules(decision)


# -------------------------------------------------------------------- member conditions


@pytest.mark.parametrize("card", [None, "", "   "])
def test_no_card_no_subsidy(decide, card):
    decision = decide(with_changes(base_2016(), **{"member.card_number": card}))
    assert not decision.eligible and decision.amount == 0
    assert failed_rules(decision) == {"member.card"}


def test_card_missing_from_member(decide):
    decision = decide(with_changes(base_2016(), **{"member.card_number": DELETE}))
    assert failed_rules(decision) == {"member.card"}


def test_malformed_card_number_is_not_a_card(decide):
    decision = decide(with_changes(base_2016(), **{"member.card_number": "12345"}))
    assert failed_rules(decision) == {"member.card"}


def test_card_finding_does_not_show_the_whole_number(decide):
    decision = decide(base_2016())
    card = next(f for f in decision.findings if f.rule == "member.card")
    assert card.passed and "4569" in card.message
    assert "6217000010001234569" not in card.message


def test_union_not_affiliated(decide):
    decision = decide(with_changes(base_2016(), **{"member.union_affiliated": False}))
    assert failed_rules(decision) == {"member.union_affiliated"}


def test_union_affiliation_unknown_names_the_fact(decide):
    decision = decide(with_changes(base_2016(), **{"member.union_affiliated": DELETE}))
    finding = next(f for f in decision.findings if not f.passed)
    assert finding.rule == "member.union_affiliated"
    assert finding.missing == "member.union_affiliated" and "隶属于市总工会" in finding.message


def test_every_failing_reason_is_listed(decide):
    data = with_changes(
        base_2016(occupation="保育员", level=1),
        applied_on="2018-02-01",
        **{"member.card_number": None, "member.union_affiliated": False,
           "certificate.issued_on": "2015-05-05"},
    )  # fmt: skip
    assert failed_rules(decide(data)) == {
        "certificate.level",
        "member.card",
        "member.union_affiliated",
        "certificate.issued_on",
        "application.deadline",
    }


# ------------------------------------------------------------------------ social workers


@pytest.mark.parametrize(("grade", "amount"), [("intermediate", 1000), ("senior", 2000)])
def test_social_worker_grades(decide, grade, amount):
    decision = decide(base_2016("social_worker", grade=grade))
    assert (decision.eligible, decision.amount) == (True, amount)


def test_assistant_social_worker_gets_nothing(decide):
    decision = decide(base_2016("social_worker", grade="assistant"))
    assert not decision.eligible and decision.amount == 0
    assert failed_rules(decision) == {"certificate.grade"}


def test_social_worker_must_be_full_time_union_social_worker(decide):
    data = with_changes(
        base_2016("social_worker", grade="senior"),
        **{"member.full_time_union_social_worker": False},
    )
    assert failed_rules(decide(data)) == {"member.full_time_union_social_worker"}
    data["member"].pop("full_time_union_social_worker")
    assert failed_rules(decide(data)) == {"member.full_time_union_social_worker"}


def test_full_time_flag_is_not_needed_for_qualifications(decide):
    data = with_changes(base_2016(), **{"member.full_time_union_social_worker": False})
    assert decide(data).eligible


def test_social_worker_missing_grade(decide):
    decision = decide(base_2016("social_worker"))
    assert failed_rules(decision) == {"certificate.grade"}


def test_social_worker_window_applies(decide):
    data = base_2016("social_worker", grade="senior", issued_on="2017-01-01")
    data["applied_on"] = "2017-02-01"
    assert failed_rules(decide(data)) == {"certificate.issued_on"}


# ---------------------------------------------------------------------------- competitions


def competition(**changes):
    cert = {"occupation": "汽车装调工", "stage": "final", "rank": 1, "entrants": 334}
    cert.update(changes)
    return base_2016("competition", **cert)


@pytest.mark.parametrize(("rank", "amount"), [(1, 2000), (2, 1000), (10, 1000), (11, 0)])
def test_final_ranks(decide, rank, amount):
    decision = decide(competition(rank=rank))
    assert decision.amount == amount
    assert decision.eligible is (amount > 0)


@pytest.mark.parametrize(("entrants", "ok"), [(333, False), (334, True), (5000, True)])
def test_final_needs_334_entrants(decide, entrants, ok):
    decision = decide(competition(entrants=entrants))
    assert decision.eligible is ok
    if not ok:
        assert failed_rules(decision) == {"competition.entrants"}


@pytest.mark.parametrize(("rank", "amount"), [(1, 1000), (5, 1000), (6, 0)])
def test_semifinal_ranks(decide, rank, amount):
    decision = decide(competition(stage="semifinal", rank=rank, entrants=200, final_held=False))
    assert decision.amount == amount


@pytest.mark.parametrize(
    ("entrants", "ok"), [(99, False), (100, True), (333, True), (334, True), (335, False)]
)
def test_semifinal_entrant_band(decide, entrants, ok):
    decision = decide(competition(stage="semifinal", rank=3, entrants=entrants, final_held=False))
    assert decision.eligible is ok
    assert decision.amount == (1000 if ok else 0)


def test_semifinal_does_not_count_when_a_final_was_held(decide):
    decision = decide(competition(stage="semifinal", rank=1, entrants=200, final_held=True))
    assert failed_rules(decision) == {"competition.final_held"}


def test_semifinal_without_saying_whether_a_final_was_held(decide):
    decision = decide(competition(stage="semifinal", rank=1, entrants=200))
    finding = next(f for f in decision.findings if not f.passed)
    assert finding.rule == "competition.final_held"
    assert finding.missing == "certificate.final_held" and "决赛" in finding.message


def test_competition_in_a_certificate_occupation_is_refused(decide):
    decision = decide(competition(occupation="保育员"))
    assert failed_rules(decision) == {"competition.occupation"}


@pytest.mark.parametrize(
    "name", ["2016年北京市“职工技协杯”职业技能竞赛", "职工技协杯", "北京市第四届职业技能大赛"]
)
def test_named_competitions_are_recognised(decide, name):
    decision = decide(competition(competition=name))
    assert decision.eligible
    assert any(f.rule == "competition.name" and f.passed for f in decision.findings)


def test_other_competition_is_refused(decide):
    decision = decide(competition(competition="全国烘焙大赛"))
    assert failed_rules(decision) == {"competition.name"}


def test_competition_missing_facts(decide):
    decision = decide(base_2016("competition", occupation="汽车装调工"))
    assert failed_rules(decision) == {
        "competition.stage",
        "competition.rank",
        "competition.entrants",
    }


def test_competition_result_outside_2016(decide):
    decision = decide(competition(issued_on="2015-11-30"))
    finding = next(f for f in decision.findings if not f.passed)
    assert finding.rule == "certificate.issued_on"
    assert "竞赛成绩" in finding.message


@pytest.mark.parametrize("kind", ["skill_level", "special_ability"])
def test_2016_scheme_does_not_take_2026_kinds(decide, kind):
    decision = decide(base_2016(kind, occupation="电工", level=1))
    assert "scheme.kind" in failed_rules(decision)


def test_card_failing_luhn_still_counts_as_a_card(decide):
    """Some genuine cards fail the Luhn check: a warning at the form, not a refusal here."""
    decision = decide(with_changes(base_2016(), **{"member.card_number": "6217000010001234563"}))
    assert decision.eligible


def test_sample_card_passes_luhn():
    from desktop_app.domain.validators import luhn_ok

    assert luhn_ok(GOOD_CARD)


# ------------------------------------------------- each finding cites the rule it applies

RANK_SENTENCE = "获得不取证职业(工种)决赛前十名或进入复赛前五名（仅限最高竞赛等级只到复赛）的选手"
FINAL_SIZE = "不取证职业（工种）决赛要求初赛参赛选手规模在334人以上"
SEMI_SIZE = "不取证职业（工种）复赛要求初赛参赛选手规模在100人以上334人以下"


def finding(decision, rule):
    return next(f for f in decision.findings if f.rule == rule)


def test_the_rank_finding_cites_the_rank_sentence_and_the_rate_sentence(decide):
    final = finding(decide(competition(rank=2)), "competition.rank")
    assert f"一、（一）4：“{RANK_SENTENCE}”" in final.source
    assert "三、助推标准" in final.source
    assert "决赛第2—10名及复赛前5名参照国家职业资格二级（技师）标准资助" in final.source
    first = finding(decide(competition(rank=1)), "competition.rank")
    assert "获得不取证职业(工种)决赛第1名，参照国家职业资格一级（高级技师）标准资助" in first.source
    outside = finding(decide(competition(rank=11)), "competition.rank")
    assert not outside.passed and RANK_SENTENCE in outside.source


def test_the_highest_round_and_the_size_findings_cite_their_own_sentences(decide):
    semi = decide(competition(stage="semifinal", rank=3, entrants=200, final_held=False))
    assert "“仅限最高竞赛等级只到复赛”" in finding(semi, "competition.final_held").source
    assert f"“{SEMI_SIZE}”" in finding(semi, "competition.entrants").source
    assert FINAL_SIZE not in finding(semi, "competition.entrants").source
    final = decide(competition())
    assert f"“{FINAL_SIZE}”" in finding(final, "competition.entrants").source
    assert SEMI_SIZE not in finding(final, "competition.entrants").source
    # The kind finding cites the whole rule of 一（一）4 with the plan's nested marks as ‘’.
    kind = finding(final, "scheme.kind")
    assert "2016年北京市‘职工技协杯’职业技能竞赛，获得不取证职业" in kind.source
    assert "决赛要求初赛参赛选手规模" not in kind.source


def test_a_final_that_was_not_held_is_refused_naming_both_fields(decide):
    from desktop_app.domain.facts import InputError

    with pytest.raises(InputError) as raised:
        decide(competition(final_held=False))
    assert raised.value.field == "certificate.final_held"
    assert "“赛段”为决赛" in raised.value.message
    assert "“该竞赛是否设有决赛”为否" in raised.value.message
    assert "矛盾" in raised.value.message
    # A final held, or not said: decided as before.
    assert decide(competition(final_held=True)).amount == 2000
    assert decide(competition()).amount == 2000


def test_level_names_follow_the_plans_own_words(decide):
    """2016 calls level 3 三级（高级技能）, as its rate sentence quotes it."""
    decision = decide(base_2016(occupation="保育员", level=3))
    assert finding(decision, "amount").message == "国家职业资格三级（高级技能）：补助 800 元"
    assert "三级（高级工）" not in " ".join(f.message for f in decision.findings)
    wrong = decide(base_2016(occupation="保育员", level=2))
    assert (
        "只资助三级（高级技能）证书，所报为二级（技师）"
        in finding(wrong, "certificate.level").message
    )


def test_annex_1_rows_are_cited_as_policy_md_reads_them(decide):
    """5 = the two postal centres, 6 = 北京电力行业, 7 = 社会工作者; cells cited as cells."""
    postal = finding(decide(base_2016(occupation="快递业务员", level=2)), "catalogue.entry")
    assert "附件1 序号5 “类别”栏：“2016年北京市邮政通信职业技能鉴定中心" in postal.source
    assert "“类别”栏：“2016年北京市邮政行业职业技能鉴定中心" in postal.source
    assert "“助推范围”栏：“技师、高级技师”（序号5一行列有两个鉴定中心" in postal.source
    power = finding(decide(base_2016(occupation="油务员", level=1)), "catalogue.entry")
    assert "附件1 序号6 “类别”栏" in power.source
    social = decide(base_2016("social_worker", grade="senior"))
    entry = finding(social, "catalogue.entry")
    assert "附件1 序号7" in entry.source and "序号8" not in entry.source
    assert entry.message == (
        "社会工作者职业水平证书列入附件1（社会工作者，助推范围为社会工作师、高级社会工作师）"
    )
    for found in (postal, power, entry):
        assert "；助推范围：" not in found.source  # no cells joined into invented sentences


def test_social_worker_rates_quote_the_plans_sentence_whole(decide):
    amount = finding(decide(base_2016("social_worker", grade="intermediate")), "amount")
    assert (
        "“获得国家职业资格二级（技师）证书，每人资助1000元……获得中级、高级社会工作者职业水平证书的"
        "专职工会社会工作者，分别参照国家职业资格二级（技师）、国家职业资格一级（高级技师）标准资助”"
        "（中级对应二级（技师））"
    ) in amount.source


def test_competition_names_nest_their_quotation_marks(decide):
    refused = finding(decide(competition(competition="全国烘焙大赛")), "competition.name")
    assert "“2016年北京市‘职工技协杯’职业技能竞赛”" in refused.message
    assert "““" not in refused.message and "”“" not in refused.message.replace("”或“", "")


def test_a_rank_outside_says_which_ranks_are_funded_as_one_band(decide):
    final = finding(decide(competition(rank=11)), "competition.rank")
    assert final.message == "决赛第11名不在资助名次之内（决赛资助第1—10名）"
    semi = decide(competition(stage="semifinal", rank=6, entrants=200, final_held=False))
    assert finding(semi, "competition.rank").message == (
        "复赛第6名不在资助名次之内（复赛资助第1—5名）"
    )
