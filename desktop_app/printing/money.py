"""Amounts in Chinese capitals (大写金额), as written on receipts and vouchers."""

from __future__ import annotations

DIGITS = "零壹贰叁肆伍陆柒捌玖"
_PLACES = ("", "拾", "佰", "仟")
_SECTIONS = ("", "万", "亿")
MAX_AMOUNT = 999_999_999


def _four(group: int) -> str:
    """0 < group < 10000 in capitals, a 零 for each run of zeros between digits."""
    out: list[str] = []
    pending_zero = False
    for place in (3, 2, 1, 0):
        digit = group // 10**place % 10
        if digit == 0:
            pending_zero = bool(out)
            continue
        if pending_zero:
            out.append("零")
            pending_zero = False
        out.append(DIGITS[digit] + _PLACES[place])
    return "".join(out)


def amount_in_capitals(yuan: int) -> str:
    """Whole yuan 0 … 999,999,999 in capitals: 1800 → 壹仟捌佰元整, 1001 → 壹仟零壹元整.

    Usual rules: 壹拾 (not 拾) at the start; one 零 for each gap of zeros between digits, also
    across 万 and 亿 (100,010,000 → 壹亿零壹万元整); none for trailing zeros; 零元整 for nothing.
    """
    if isinstance(yuan, bool) or not isinstance(yuan, int):
        raise TypeError("金额应为整数（元）")
    if yuan < 0 or yuan > MAX_AMOUNT:
        raise ValueError(f"金额 {yuan} 超出 0–{MAX_AMOUNT} 元")
    if yuan == 0:
        return "零元整"
    groups = [yuan // 10**8, yuan // 10**4 % 10**4, yuan % 10**4]
    out: list[str] = []
    gap = False  # zeros between what is written and the next digit
    for section, group in zip((2, 1, 0), groups, strict=True):
        if group == 0:
            gap = gap or bool(out)
            continue
        if out and (gap or group < 1000):
            out.append("零")
        out.append(_four(group) + _SECTIONS[section])
        gap = group % 10 == 0  # its trailing zeros part this group from the next
    text = "".join(out)
    return text + "元整"
