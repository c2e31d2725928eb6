"""Amounts in Chinese capitals, with the usual rules for 零 and 整."""

from __future__ import annotations

import pytest

from desktop_app.printing.money import amount_in_capitals


@pytest.mark.parametrize(
    ("yuan", "text"),
    [
        (0, "零元整"),
        (1, "壹元整"),
        (10, "壹拾元整"),
        (15, "壹拾伍元整"),
        (100, "壹佰元整"),
        (105, "壹佰零伍元整"),
        (1000, "壹仟元整"),
        (1001, "壹仟零壹元整"),
        (1010, "壹仟零壹拾元整"),
        (1800, "壹仟捌佰元整"),
        (2400, "贰仟肆佰元整"),
        (10000, "壹万元整"),
        (10001, "壹万零壹元整"),
        (20300, "贰万零叁佰元整"),
        (100000, "壹拾万元整"),
        (100010, "壹拾万零壹拾元整"),
        (1000100, "壹佰万零壹佰元整"),
        (10001000, "壹仟万零壹仟元整"),
        (12301234, "壹仟贰佰叁拾万零壹仟贰佰叁拾肆元整"),
        (100000000, "壹亿元整"),
        (100000001, "壹亿零壹元整"),
        (100010000, "壹亿零壹万元整"),
        (101000000, "壹亿零壹佰万元整"),
        (110000001, "壹亿壹仟万零壹元整"),
        (999999999, "玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元整"),
    ],
)
def test_amount_in_capitals(yuan: int, text: str) -> None:
    assert amount_in_capitals(yuan) == text


def test_no_double_zero_and_always_whole() -> None:
    for yuan in range(0, 1_000_000, 997):
        text = amount_in_capitals(yuan)
        assert "零零" not in text
        assert text.endswith("元整")
        assert not text.startswith("零") or yuan == 0
        assert "零元" not in text or yuan == 0


@pytest.mark.parametrize("bad", [-1, 1_000_000_000])
def test_out_of_range_is_refused(bad: int) -> None:
    with pytest.raises(ValueError, match="超出"):
        amount_in_capitals(bad)


def test_not_an_integer_is_refused() -> None:
    with pytest.raises(TypeError):
        amount_in_capitals(18.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        amount_in_capitals(True)
