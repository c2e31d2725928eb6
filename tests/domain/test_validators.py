"""Tests for the counter's input checks (desktop_app.domain.validators)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from desktop_app.domain.validators import (
    Check,
    DateCheck,
    IdCheck,
    check_card_number,
    check_landline,
    check_mobile,
    check_phone,
    check_resident_id,
    luhn_ok,
    mask_card_number,
    mask_phone,
    mask_resident_id,
    parse_date,
    resident_id_check_char,
)

TODAY = date(2025, 6, 1)

PROVINCE_CODES = (
    [str(code) for code in range(11, 16)]
    + [str(code) for code in range(21, 24)]
    + [str(code) for code in range(31, 38)]
    + [str(code) for code in range(41, 47)]
    + [str(code) for code in range(50, 55)]
    + [str(code) for code in range(61, 66)]
    + ["71", "81", "82"]
)

ID_CHARS = "0123456789X"


def ymd(value: date) -> str:
    return f"{value.year:04d}{value.month:02d}{value.day:02d}"


def make_id(area: str, born: str, sequence: str) -> str:
    first17 = area + born + sequence
    return first17 + resident_id_check_char(first17)


def luhn_complete(payload: str) -> str:
    """Append the Luhn check digit (written here independently of the module under test)."""
    total = 0
    for position, char in enumerate(reversed(payload)):
        digit = int(char)
        if position % 2 == 0:  # doubled once the check digit is appended
            digit = digit * 2 - 9 if digit * 2 > 9 else digit * 2
        total += digit
    return payload + str((10 - total % 10) % 10)


@st.composite
def valid_resident_ids(draw: st.DrawFn) -> str:
    province = draw(st.sampled_from(PROVINCE_CODES))
    county = draw(st.text("0123456789", min_size=4, max_size=4))
    born = draw(st.dates(min_value=date(1900, 1, 1), max_value=TODAY))
    sequence = draw(st.text("0123456789", min_size=3, max_size=3))
    return make_id(province + county, ymd(born), sequence)


# ---------------------------------------------------------------------------
# Check character (ISO 7064 MOD 11-2)


def test_check_char_of_published_example_computed_by_hand() -> None:
    # 1*7 + 1*9 + 0*10 + 1*5 + 0*8 + 5*4 + 1*2 + 9*1 + 4*6 + 9*3 + 1*7 + 2*9 + 3*10 + 1*5
    # + 0*8 + 0*4 + 2*2 = 167; 167 % 11 = 2; "10X98765432"[2] = "X"
    assert resident_id_check_char("11010519491231002") == "X"
    # 4*7 + 4*9 + 0*10 + 5*5 + 2*8 + 4*4 + 1*2 + 8*1 + 8*6 + 0*3 + 0*7 + 1*9 + 0*10 + 1*5
    # + 0*8 + 0*4 + 1*2 = 195; 195 % 11 = 8; "10X98765432"[8] = "4"
    assert resident_id_check_char("44052418800101001") == "4"


@pytest.mark.parametrize("bad", ["1101051949123100", "110105194912310021", "1101051949123100X", ""])
def test_check_char_needs_exactly_17_digits(bad: str) -> None:
    with pytest.raises(ValueError):
        resident_id_check_char(bad)


@given(st.text("0123456789", min_size=17, max_size=17))
def test_check_char_satisfies_mod_11_2_definition(first17: str) -> None:
    # ISO 7064 MOD 11-2: with weights 2**(17-i) mod 11 over all 18 positions (X counts 10),
    # the weighted sum is 1 modulo 11.
    check = resident_id_check_char(first17)
    values = [int(c) for c in first17] + [10 if check == "X" else int(check)]
    total = sum(v * pow(2, 17 - i, 11) for i, v in enumerate(values))
    assert total % 11 == 1


# ---------------------------------------------------------------------------
# Resident ID: valid numbers


def test_published_example_is_valid() -> None:
    result = check_resident_id("11010519491231002X", today=TODAY)
    assert result == IdCheck(
        "11010519491231002X", birth_date=date(1949, 12, 31), sex="女", converted_from_15=False
    )
    assert result.ok


@pytest.mark.parametrize(
    ("area", "born", "sequence", "sex"),
    [
        ("110101", "19900307", "451", "男"),
        ("310104", "20000229", "012", "女"),
        ("440305", "19851020", "124", "女"),
        ("650102", "19000101", "998", "女"),
        ("820000", "20250601", "001", "男"),  # born today
    ],
)
def test_ids_built_from_fixed_prefixes_are_valid(
    area: str, born: str, sequence: str, sex: str
) -> None:
    number = make_id(area, born, sequence)
    result = check_resident_id(number, today=TODAY)
    assert result.ok, result.errors
    assert result.value == number
    assert result.warnings == ()
    assert result.birth_date == date(int(born[:4]), int(born[4:6]), int(born[6:]))
    assert result.sex == sex


def test_lower_case_x_is_accepted_and_upper_cased() -> None:
    result = check_resident_id("11010519491231002x", today=TODAY)
    assert result.ok
    assert result.value == "11010519491231002X"


def test_spaces_and_full_width_characters_are_accepted() -> None:
    assert check_resident_id(" 110105 19491231 002X ", today=TODAY).value == "11010519491231002X"
    full_width = "１１０１０５１９４９１２３１００２ｘ"
    assert check_resident_id(full_width, today=TODAY).value == "11010519491231002X"


@given(valid_resident_ids())
def test_generated_valid_ids_pass(number: str) -> None:
    result = check_resident_id(number, today=TODAY)
    assert result.ok, result.errors
    assert result.value == number
    assert result.warnings == ()
    assert result.birth_date is not None
    assert ymd(result.birth_date) == number[6:14]
    assert result.sex == ("男" if int(number[16]) % 2 else "女")


@given(valid_resident_ids())
def test_every_single_substitution_is_caught(number: str) -> None:
    for position in range(18):
        for char in ID_CHARS:
            if char == number[position]:
                continue
            changed = number[:position] + char + number[position + 1 :]
            result = check_resident_id(changed, today=TODAY)
            assert not result.ok, changed
            assert result.value is None
            if char != "X" or position == 17:
                # A digit change anywhere (or any change of the last character) is caught
                # by the check character itself, whatever else may be wrong.
                assert resident_id_check_char(changed[:17]) != changed[17]
                assert any(e.startswith("校验位不符") for e in result.errors), result.errors


# ---------------------------------------------------------------------------
# Resident ID: mistakes


def test_wrong_check_char_says_what_it_should_be() -> None:
    result = check_resident_id("110105194912310021", today=TODAY)
    assert not result.ok
    assert result.value is None
    assert result.errors == ("校验位不符：按前17位应为X，请核对号码是否抄错。",)


def test_15_digit_number_is_converted_with_a_warning() -> None:
    result = check_resident_id("110105491231002", today=TODAY)
    assert result.ok
    assert result.value == "11010519491231002X"
    assert result.converted_from_15
    assert result.birth_date == date(1949, 12, 31)
    assert result.sex == "女"
    assert len(result.warnings) == 1
    assert "15位" in result.warnings[0]
    assert "证件" in result.warnings[0]


def test_15_digit_number_with_impossible_birth_date_is_an_error() -> None:
    result = check_resident_id("110105490230002", today=TODAY)
    assert not result.ok
    assert "出生日期不存在" in result.errors[0]


def test_15_digit_number_with_x_is_an_error() -> None:
    result = check_resident_id("11010549123100X", today=TODAY)
    assert not result.ok
    assert "15位" in result.errors[0]


@pytest.mark.parametrize("area", ["000000", "100000", "160101", "900101", "990101"])
def test_unknown_area_code_is_only_a_warning(area: str) -> None:
    number = make_id(area, "19800101", "123")
    result = check_resident_id(number, today=TODAY)
    assert result.ok
    assert result.value == number
    assert len(result.warnings) == 1
    assert f"“{area[:2]}”" in result.warnings[0]


@pytest.mark.parametrize("area", ["710101", "810000", "820000", "110101", "659001"])
def test_known_area_codes_give_no_warning(area: str) -> None:
    assert check_resident_id(make_id(area, "19800101", "123"), today=TODAY).warnings == ()


def test_future_birth_date_is_an_error() -> None:
    tomorrow = TODAY + timedelta(days=1)
    result = check_resident_id(make_id("110101", ymd(tomorrow), "123"), today=TODAY)
    assert not result.ok
    assert "晚于今天" in result.errors[0]
    assert "2025年6月2日" in result.errors[0]


def test_birth_date_is_checked_against_the_real_today_by_default() -> None:
    next_year = date.today() + timedelta(days=366)
    assert not check_resident_id(make_id("110101", ymd(next_year), "123")).ok
    assert check_resident_id(make_id("110101", ymd(date.today()), "123")).ok


def test_february_30_is_an_error() -> None:
    result = check_resident_id(make_id("110101", "19900230", "123"), today=TODAY)
    assert not result.ok
    assert result.errors == (
        "出生日期不存在：号码中的出生日期为1990年2月30日，没有这一天，请核对号码是否抄错。",
    )


def test_birth_before_1900_is_an_error() -> None:
    # Published example with a correct check character but an 1880 birth date.
    result = check_resident_id("440524188001010014", today=TODAY)
    assert not result.ok
    assert len(result.errors) == 1
    assert "1900年" in result.errors[0]


@pytest.mark.parametrize(
    ("text", "length"),
    [("1101051949123100", 16), ("11010519491231002", 17), ("11010519491231002X1", 19)],
)
def test_wrong_length_is_an_error_naming_the_length(text: str, length: int) -> None:
    result = check_resident_id(text, today=TODAY)
    assert not result.ok
    assert "18位" in result.errors[0]
    assert f"现在是{length}位" in result.errors[0]


@pytest.mark.parametrize(
    "text", ["11010519491231002A", "1101051949I231002X", "110105-19491231-002X"]
)
def test_letters_and_symbols_are_an_error(text: str) -> None:
    result = check_resident_id(text, today=TODAY)
    assert not result.ok
    assert "不该出现的字符" in result.errors[0]


def test_x_in_the_middle_is_an_error() -> None:
    result = check_resident_id("1101051949123100X2", today=TODAY)
    assert not result.ok
    assert "最后一位" in result.errors[0]


@pytest.mark.parametrize("text", ["", "   ", "\u3000"])
def test_empty_id_asks_for_input(text: str) -> None:
    result = check_resident_id(text, today=TODAY)
    assert result.errors == ("请输入身份证号码。",)


# ---------------------------------------------------------------------------
# Card number


def test_luhn_on_the_classic_example() -> None:
    assert luhn_ok("79927398713")
    assert not luhn_ok("79927398710")
    assert luhn_ok("4111111111111111")


@pytest.mark.parametrize("text", ["", "4111 1111 1111 1111", "41111111111111a1", "４１１１"])
def test_luhn_rejects_non_digits(text: str) -> None:
    assert not luhn_ok(text)


@given(st.text("0123456789", min_size=15, max_size=18), st.data())
def test_luhn_catches_every_single_digit_change(payload: str, data: st.DataObject) -> None:
    number = luhn_complete(payload)
    assert luhn_ok(number)
    position = data.draw(st.integers(0, len(number) - 1))
    new_digit = data.draw(st.sampled_from([d for d in "0123456789" if d != number[position]]))
    assert not luhn_ok(number[:position] + new_digit + number[position + 1 :])


@pytest.mark.parametrize("length", [16, 17, 18, 19])
def test_card_numbers_of_16_to_19_digits_are_accepted(length: int) -> None:
    number = luhn_complete("6" + "2" * (length - 2))
    result = check_card_number(number)
    assert result == Check(number)


@pytest.mark.parametrize("length", [15, 20, 8])
def test_card_numbers_of_other_lengths_are_errors(length: int) -> None:
    result = check_card_number(luhn_complete("6" + "2" * (length - 2)))
    assert not result.ok
    assert result.value is None
    assert "16至19位" in result.errors[0]
    assert f"现在是{length}位" in result.errors[0]


def test_card_number_failing_luhn_is_only_a_warning() -> None:
    result = check_card_number("4111111111111112")
    assert result.ok
    assert result.value == "4111111111111112"
    assert len(result.warnings) == 1
    assert "卡面" in result.warnings[0]


@pytest.mark.parametrize(
    "text",
    [
        "4111 1111 1111 1111",
        "4111-1111-1111-1111",
        " 4111111111111111 ",
        "４１１１ １１１１ １１１１ １１１１",
    ],
)
def test_card_number_spaces_dashes_and_full_width_are_cleaned(text: str) -> None:
    assert check_card_number(text) == Check("4111111111111111")


def test_card_number_with_letters_is_an_error() -> None:
    result = check_card_number("4111111111111I11")
    assert not result.ok
    assert "只能是数字" in result.errors[0]


def test_empty_card_number_asks_for_input() -> None:
    assert check_card_number(" ").errors == ("请输入京卡·互助服务卡卡号。",)


# ---------------------------------------------------------------------------
# Mobile numbers


@pytest.mark.parametrize(
    "text",
    [
        "13812345678",
        "138 1234 5678",
        "138-1234-5678",
        "+8613812345678",
        "+86 138 1234 5678",
        "8613812345678",
        "0086 13812345678",
        "１３８１２３４５６７８",
    ],
)
def test_valid_mobiles_become_bare_11_digits(text: str) -> None:
    assert check_mobile(text) == Check("13812345678")


@pytest.mark.parametrize("prefix", ["13", "14", "15", "16", "17", "18", "19"])
def test_every_mobile_prefix_13_to_19_is_accepted(prefix: str) -> None:
    assert check_mobile(prefix + "912345678").ok


@pytest.mark.parametrize(("text", "length"), [("1381234567", 10), ("138123456789", 12)])
def test_mobile_with_wrong_length_names_the_length(text: str, length: int) -> None:
    result = check_mobile(text)
    assert not result.ok
    assert "11位" in result.errors[0]
    assert f"现在是{length}位" in result.errors[0]


@pytest.mark.parametrize("text", ["12812345678", "10012345678", "23812345678"])
def test_mobile_with_wrong_start_is_an_error(text: str) -> None:
    result = check_mobile(text)
    assert not result.ok
    assert "13至19开头" in result.errors[0]


def test_mobile_with_letters_is_an_error() -> None:
    result = check_mobile("138l2345678")
    assert not result.ok
    assert "只能是数字" in result.errors[0]


def test_empty_mobile_asks_for_input() -> None:
    assert check_mobile("").errors == ("请输入手机号码。",)


# ---------------------------------------------------------------------------
# Landlines


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("(010)6512 3456", "010-65123456"),
        ("（０１０）６５１２３４５６", "010-65123456"),
        ("010-65123456", "010-65123456"),
        ("010 6512 3456", "010-65123456"),
        ("01065123456", "010-65123456"),
        ("021-6512345", "021-6512345"),
        ("0755-86123456", "0755-86123456"),
        ("(0755) 8612-3456", "0755-86123456"),
        ("65123456", "65123456"),
        ("6512345", "6512345"),
        ("86123456", "86123456"),
        ("010-65123456-123", "010-65123456-123"),
        ("010-65123456转123", "010-65123456-123"),
        ("010-65123456 转 8", "010-65123456-8"),
        ("010-65123456 ext 123", "010-65123456-123"),
        ("65123456 EXT.123456", "65123456-123456"),
    ],
)
def test_valid_landlines_are_normalized(text: str, value: str) -> None:
    assert check_landline(text) == Check(value)


@pytest.mark.parametrize(
    "text",
    [
        "651234",  # 6-digit local number
        "651234567",  # 9-digit local number
        "010-651234",
        "05123456",  # local number starting with 0
        "15123456",  # local number starting with 1
        "010-15123456",
        "010-65123456-1234567",  # 7-digit extension
        "010-65123456转",
        "010-",
        "电话65123456",
    ],
)
def test_invalid_landlines_are_errors(text: str) -> None:
    result = check_landline(text)
    assert not result.ok
    assert result.value is None
    assert "区号-号码" in result.errors[0]


def test_empty_landline_asks_for_input() -> None:
    assert check_landline("  ").errors == ("请输入固定电话号码。",)


# ---------------------------------------------------------------------------
# Phone (mobile or landline)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("13812345678", "13812345678"),
        ("+86 138 1234 5678", "13812345678"),
        ("010-65123456", "010-65123456"),
        ("86123456", "86123456"),
        ("(0755)8612 3456转12", "0755-86123456-12"),
    ],
)
def test_phone_accepts_mobile_or_landline(text: str, value: str) -> None:
    assert check_phone(text) == Check(value)


@pytest.mark.parametrize("text", ["1381234567", "12812345678", "651234", "abc", "010-1234"])
def test_invalid_phone_mentions_both_forms(text: str) -> None:
    result = check_phone(text)
    assert not result.ok
    message = "".join(result.errors)
    assert "手机" in message
    assert "固定电话" in message


def test_phone_that_looks_like_a_mobile_says_what_is_wrong_with_it() -> None:
    result = check_phone("1381234567")
    assert "现在是10位" in result.errors[0]


def test_empty_phone_asks_for_input() -> None:
    assert check_phone("").errors[0].startswith("请输入")


# ---------------------------------------------------------------------------
# Dates


@pytest.mark.parametrize(
    "text",
    [
        "2016-01-01",
        "2016-1-1",
        "2016/1/1",
        "2016/01/01",
        "2016.1.1",
        "20160101",
        "2016年1月1日",
        "2016年01月01日",
        "２０１６年１月１日",
        " 2016-01-01 ",
    ],
)
def test_every_accepted_date_form(text: str) -> None:
    assert parse_date(text) == DateCheck(date(2016, 1, 1))


def test_leap_day_is_accepted() -> None:
    assert parse_date("2016-02-29").value == date(2016, 2, 29)


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("2017-02-29", "日期不存在：2017年2月29日"),
        ("2016-02-30", "日期不存在：2016年2月30日"),
        ("2016/4/31", "日期不存在：2016年4月31日"),
        ("20161301", "日期不存在：2016年13月1日"),
        ("2016年1月0日", "日期不存在：2016年1月0日"),
    ],
)
def test_impossible_dates_are_named(text: str, named: str) -> None:
    result = parse_date(text)
    assert not result.ok
    assert result.value is None
    assert result.errors[0].startswith(named)


@pytest.mark.parametrize(
    "text",
    ["abc", "2016-01", "16-01-01", "2016-01/01", "01/01/2016", "2016-01-01 12:00", "2016011"],
)
def test_unparseable_dates_show_the_accepted_form(text: str) -> None:
    result = parse_date(text)
    assert not result.ok
    assert "YYYY-MM-DD" in result.errors[0]


def test_empty_date_asks_for_input() -> None:
    assert parse_date("").errors[0].startswith("请输入日期")


def test_date_bounds_are_inclusive() -> None:
    earliest, latest = date(2016, 1, 1), date(2016, 12, 31)
    assert parse_date("2016-01-01", earliest=earliest, latest=latest).ok
    assert parse_date("2016-12-31", earliest=earliest, latest=latest).ok


def test_date_before_earliest_names_the_bound() -> None:
    result = parse_date("2015-12-31", earliest=date(2016, 1, 1))
    assert not result.ok
    assert "2016年1月1日" in result.errors[0]
    assert "早于" in result.errors[0]


def test_date_after_latest_names_the_bound() -> None:
    result = parse_date("2017-01-01", latest=date(2016, 12, 31))
    assert not result.ok
    assert "2016年12月31日" in result.errors[0]
    assert "晚于" in result.errors[0]


@given(st.dates(min_value=date(1000, 1, 1)))
def test_any_date_round_trips_in_every_form(value: date) -> None:
    for text in (
        value.isoformat(),
        f"{value.year}/{value.month}/{value.day}",
        f"{value.year}.{value.month}.{value.day}",
        ymd(value),
        f"{value.year}年{value.month}月{value.day}日",
    ):
        assert parse_date(text).value == value, text


# ---------------------------------------------------------------------------
# Masks


def test_mask_resident_id() -> None:
    assert mask_resident_id("11010119900307451X") == "110101********451X"
    assert mask_resident_id("110105491231002") == "110105*****1002"
    assert mask_resident_id("1234567890") == "**********"


def test_mask_card_number() -> None:
    assert mask_card_number("6222021234567890123") == "***************0123"
    assert mask_card_number("4111111111111111") == "************1111"
    assert mask_card_number("123") == "***"


def test_mask_phone() -> None:
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("010-65123456") == "********3456"
    assert mask_phone("65123456") == "****3456"


@given(valid_resident_ids())
def test_masked_id_keeps_length_and_hides_the_birth_date(number: str) -> None:
    masked = mask_resident_id(number)
    assert len(masked) == len(number)
    assert masked[:6] == number[:6]
    assert masked[-4:] == number[-4:]
    assert set(masked[6:14]) == {"*"}


def test_a_clerks_name_is_refused_not_cut_wherever_it_is_given(monkeypatch) -> None:
    """One rule (validators.check_clerk_name) for 首次设置, 设置, UNION_COUNTER_CLERK and
    --clerk: spaces folded, not empty, at most 64 characters — a longer name is refused,
    never cut to a name that might be someone else's."""
    from desktop_app.domain.validators import CLERK_NAME_LIMIT, check_clerk_name

    assert check_clerk_name("  王  柜员 ").value == "王 柜员"
    assert check_clerk_name("   ").errors == ("经办人姓名不能为空",)
    long_name = "王" * (CLERK_NAME_LIMIT + 1)
    assert check_clerk_name("王" * CLERK_NAME_LIMIT).ok
    assert check_clerk_name(long_name).errors == ("经办人姓名太长（65 个字，最多 64 个）",)
    pytest.importorskip("PySide6")
    from desktop_app.ui.context import check_clerk_name as window_check
    from desktop_app.ui.context import default_clerk

    monkeypatch.setenv("UNION_COUNTER_CLERK", long_name)
    assert default_clerk() == ""  # before: the first 64 characters, silently
    with pytest.raises(ValueError, match="太长"):
        window_check(long_name)
    monkeypatch.setenv("UNION_COUNTER_CLERK", " 李  四 ")
    assert default_clerk() == "李 四"
