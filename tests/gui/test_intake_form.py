"""The 受理 form's rules without Qt: the apply mapping, inline checks, what blocks saving, drafts."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from desktop_app.services import drafts
from desktop_app.services import intake_form as rules
from desktop_app.services.policies import policy_set
from desktop_app.services.quote import quote_mapping
from tests.gui.conftest import GOOD_CARD, make_id

TODAY = date(2026, 11, 21)


def drone_form(**changes: object) -> dict[str, object]:
    form: dict[str, object] = {
        "scheme": "bj-2026-skills",
        "certificate.kind": "skill_level",
        "entry.name": "无人机驾驶员",
        "entry.code": "4-02-04-06",
        "member.name": " 张  伟 ",
        "member.id_number": make_id(11).lower() + " ",
        "member.card_number": "6217 0000 1000 1234 569",
        "member.phone": "138-1234-5678",
        "member.work_unit": "北京某某公司",
        "member.position": "",
        "certificate.level": 4,
        "certificate.number": "S000011010",
        "certificate.issued_on": "20260520",
        "certificate.issuer": "北京市某评价机构",
        "certificate.grade": None,
        "certificate.approved_on": "",
        "member.key_group": True,
        "member.union_affiliated": None,
    }
    form.update(changes)
    return form


def test_the_apply_mapping_for_a_drone_pilot_pays_1800() -> None:
    mapping = rules.build_mapping(drone_form(), today=TODAY)
    assert mapping == {
        "scheme": "bj-2026-skills",
        "applied_on": "2026-11-21",
        "member": {
            "name": "张 伟",
            "id_number": make_id(11),
            "card_number": GOOD_CARD,
            "phone": "13812345678",
            "work_unit": "北京某某公司",
            "key_group": True,
        },
        "certificate": {
            "kind": "skill_level",
            "occupation": "无人机驾驶员",
            "level": 4,
            "number": "S000011010",
            "issued_on": "2026-05-20",
            "issuer": "北京市某评价机构",
        },
    }
    decision = quote_mapping(mapping)
    assert (decision.eligible, decision.amount) == (True, 1800)


def test_fields_the_kind_does_not_use_are_left_out() -> None:
    form = drone_form(**{"certificate.grade": "senior", "certificate.rank": "3"})
    certificate = rules.build_mapping(form, today=TODAY)["certificate"]
    assert "grade" not in certificate and "rank" not in certificate


def test_unparsed_values_are_missing_not_guessed() -> None:
    form = drone_form(**{"certificate.issued_on": "2026-05", "member.card_number": "123"})
    mapping = rules.build_mapping(form, today=TODAY)
    assert "issued_on" not in mapping["certificate"]
    assert "card_number" not in mapping["member"]


def competition_form(**changes: Any) -> dict[str, Any]:
    """The form of a 2016 competition result (a final in a 不取证 occupation)."""
    form: dict[str, Any] = {
        "scheme": "bj-2016-union-boost",
        "certificate.kind": "competition",
        "entry.name": "2016年北京市“职工技协杯”职业技能竞赛",
        "certificate.occupation": "茶艺师",
        "certificate.stage": "final",
    }
    form.update(changes)
    return form


def test_a_competition_result_names_the_competition_and_the_occupation() -> None:
    form = competition_form(**{
        "certificate.rank": "1",
        "certificate.entrants": "400",
        "certificate.final_held": True,
        "certificate.issued_on": "2016-10-01",
        "certificate.level": 3,
    })  # fmt: skip
    certificate = rules.build_mapping(form, today=date(2017, 3, 1))["certificate"]
    assert certificate == {
        "kind": "competition",
        "competition": "2016年北京市“职工技协杯”职业技能竞赛",
        "occupation": "茶艺师",
        "stage": "final",
        "rank": 1,
        "entrants": 400,
        "final_held": True,
        "issued_on": "2016-10-01",
    }


def test_a_final_said_to_have_had_no_final_stops_saving_under_the_field() -> None:
    """The form names both fields under 该竞赛设有决赛, in Chinese, and saving is refused."""
    form = competition_form(**{"certificate.final_held": False})
    note = rules.field_notes(form, today=date(2017, 3, 1))["certificate.final_held"]
    assert note.blocking and "“赛段”为决赛" in note.text and "是否设有决赛" in note.text
    assert "certificate." not in note.text
    problems = rules.save_problems(form, today=date(2017, 3, 1))
    assert problems["certificate.final_held"] == note.text
    for held in (True, None):
        form["certificate.final_held"] = held
        assert "certificate.final_held" not in rules.field_notes(form, today=date(2017, 3, 1))
    form.update({"certificate.stage": "semifinal", "certificate.final_held": False})
    assert "certificate.final_held" not in rules.field_notes(form, today=date(2017, 3, 1))


def test_a_social_worker_mapping_carries_the_certificate_details() -> None:
    form = {
        "scheme": "bj-2016-union-boost",
        "certificate.kind": "social_worker",
        "entry.name": "社会工作者",
        "member.name": "李娜",
        "member.id_number": make_id(12),
        "member.card_number": GOOD_CARD,
        "member.union_affiliated": True,
        "member.full_time_union_social_worker": True,
        "certificate.grade": "senior",
        "certificate.number": "B1100012016",
        "certificate.approved_on": "2016/6/18",
        "certificate.issuer": "北京市人力资源和社会保障局",
        "certificate.issued_on": "2016年9月20日",
        "certificate.management_number": "GL-0088",
    }
    mapping = rules.build_mapping(form, today=date(2017, 3, 1))
    assert mapping["certificate"] == {
        "kind": "social_worker",
        "occupation": "社会工作者",
        "grade": "senior",
        "number": "B1100012016",
        "approved_on": "2016-06-18",
        "issuer": "北京市人力资源和社会保障局",
        "issued_on": "2016-09-20",
        "management_number": "GL-0088",
    }
    decision = quote_mapping(mapping)
    assert (decision.eligible, decision.amount) == (True, 2000)


def test_which_fields_and_questions_each_kind_uses() -> None:
    policies = policy_set()
    p2026, p2016 = policies.get("bj-2026-skills"), policies.get("bj-2016-union-boost")
    assert rules.confirmations_for(p2026, "skill_level") == ("member.key_group",)
    assert rules.confirmations_for(p2016, "qualification") == ("member.union_affiliated",)
    assert rules.confirmations_for(p2016, "social_worker") == (
        "member.union_affiliated",
        "member.full_time_union_social_worker",
    )
    assert rules.card_required(p2016, "qualification") and not rules.card_required(
        p2026, "skill_level"
    )
    assert "certificate.management_number" in rules.fields_for("social_worker")
    assert "certificate.level" not in rules.fields_for("social_worker")
    assert rules.label("certificate.issuer", "social_worker") == "签发单位"
    assert [lv for lv, _ in rules.level_choices(p2026, "skill_level", "A", ())] == [1, 2, 3, 4, 5]
    power = p2016.find_entry("qualification", "电力调度员")
    assert [lv for lv, _ in rules.level_choices(p2016, "qualification", None, power.levels)] == [
        1,
        2,
    ]


def test_inline_notes_wait_while_typing_but_a_wrong_check_character_shows_at_once() -> None:
    good = make_id(11)
    wrong = good[:17] + ("0" if good[17] != "0" else "1")
    assert rules.check_field("member.id_number", good[:10], typing=True) is None
    assert "18位" in rules.check_field("member.id_number", good[:10]).text  # type: ignore[union-attr]
    note = rules.check_field("member.id_number", wrong, typing=True)
    assert note is not None and note.blocking and "校验位不符" in note.text
    assert rules.check_field("member.id_number", good) is None
    card = rules.check_field("member.card_number", "6217000010001234560")
    assert card is not None and not card.blocking  # a failed Luhn check only warns
    date_note = rules.check_field("certificate.issued_on", "2016-02-30", today=TODAY)
    assert date_note is not None and "日期不存在" in date_note.text


def test_what_stops_saving_comes_in_the_form_order() -> None:
    wrong = make_id(11)[:17] + "0"
    form = drone_form(**{"member.id_number": wrong, "member.name": "", "member.key_group": None})
    problems = rules.save_problems(form, asked=("member.key_group",), today=TODAY)
    assert list(problems) == ["member.name", "member.id_number", "member.key_group"]
    assert rules.save_problems(drone_form(), asked=("member.key_group",), today=TODAY) == {}
    assert "catalogue" in rules.save_problems({}, today=TODAY)


def test_blank_forms() -> None:
    assert rules.is_blank({"member.name": " ", "certificate.level": None})
    assert not rules.is_blank({"member.name": "张"})
    assert not rules.is_blank({"member.key_group": False})


def test_a_draft_is_written_whole_and_read_back(tmp_path: Path) -> None:
    form = drone_form()
    path = drafts.save_draft(tmp_path, form)
    assert path == tmp_path / "drafts" / "intake.json"
    assert drafts.load_draft(tmp_path) == form
    assert [p.name for p in path.parent.iterdir()] == ["intake.json"]  # no temp file left
    drafts.save_draft(tmp_path, {"member.name": "李娜"})
    assert drafts.load_draft(tmp_path) == {"member.name": "李娜"}
    drafts.discard_draft(tmp_path)
    drafts.discard_draft(tmp_path)  # twice is fine
    assert drafts.load_draft(tmp_path) is None


def test_a_damaged_draft_is_set_aside_not_offered(tmp_path: Path) -> None:
    path = drafts.draft_path(tmp_path)
    path.parent.mkdir(parents=True)
    path.write_text('{"format": 1, "form": {"member.na', encoding="utf-8")
    assert drafts.load_draft(tmp_path) is None
    assert not path.exists()
    assert path.with_name("intake.json.bad").exists()
    path.write_text(json.dumps({"format": 99, "form": {}}), encoding="utf-8")
    assert drafts.load_draft(tmp_path) is None
