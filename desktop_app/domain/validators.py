"""Checks for what a clerk types at the counter: resident ID, member card, phone, dates.

Pure Python: no Qt, no database, no I/O. Every ``check_*`` function takes the raw text from an
input box and returns a frozen result holding the normalized value (or ``None``), the errors that
block saving and the warnings the clerk should look at. All messages are in Simplified Chinese and
say what is wrong and what to do. Messages never repeat the personal number itself, so they are
safe to show anywhere.

Input is NFKC-normalized first, so full-width digits and letters typed with a Chinese input
method (``１１０１０５…``, ``（０１０）``) become ASCII, and surrounding whitespace is stripped.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from desktop_app.domain.text import cn_date

__all__ = [
    "Check",
    "DateCheck",
    "IdCheck",
    "check_card_number",
    "check_landline",
    "check_mobile",
    "check_phone",
    "check_resident_id",
    "luhn_ok",
    "mask_card_number",
    "mask_phone",
    "mask_resident_id",
    "parse_date",
    "resident_id_check_char",
]


@dataclass(frozen=True)
class Check:
    """Result of checking one text field."""

    value: str | None
    """The normalized value when there are no errors, else ``None``."""
    errors: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """True when nothing blocks saving (warnings are allowed)."""
        return not self.errors


@dataclass(frozen=True)
class IdCheck(Check):
    """Result of checking a resident ID number, with what the number tells about its holder."""

    birth_date: date | None = None
    sex: str | None = None
    """"男" or "女", from the parity of the 17th digit."""
    converted_from_15: bool = False


@dataclass(frozen=True)
class DateCheck:
    """Result of parsing a date typed by the clerk."""

    value: date | None
    errors: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """True when the text is a real date inside the allowed range."""
        return not self.errors


# ---------------------------------------------------------------------------
# Shared helpers

_DIGITS_RE = re.compile(r"[0-9]+")
_WHITESPACE_RE = re.compile(r"\s+")
_SPACES_AND_DASHES_RE = re.compile(r"[\s\-]+")


def _normalize(text: str) -> str:
    """NFKC-normalize (full-width to ASCII) and strip surrounding whitespace."""
    return unicodedata.normalize("NFKC", text).strip()


def _is_digits(text: str) -> bool:
    """True for a non-empty string of ASCII digits only (``str.isdigit`` accepts far more)."""
    return _DIGITS_RE.fullmatch(text) is not None


def _unique(chars: Iterable[str]) -> str:
    return "".join(dict.fromkeys(chars))


# ---------------------------------------------------------------------------
# Resident ID number (GB 11643-1999)

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK_CHARS = "10X98765432"
_ID_ALLOWED_CHARS = frozenset("0123456789X")
_ID_EARLIEST_BIRTH = date(1900, 1, 1)

# First two digits of the province-level divisions in GB/T 2260.
_PROVINCE_CODES = frozenset(
    {
        *(str(code) for code in range(11, 16)),  # 11-15 Beijing .. Inner Mongolia
        *(str(code) for code in range(21, 24)),  # 21-23 Liaoning .. Heilongjiang
        *(str(code) for code in range(31, 38)),  # 31-37 Shanghai .. Shandong
        *(str(code) for code in range(41, 47)),  # 41-46 Henan .. Hainan
        *(str(code) for code in range(50, 55)),  # 50-54 Chongqing .. Tibet
        *(str(code) for code in range(61, 66)),  # 61-65 Shaanxi .. Xinjiang
        "71",  # Taiwan
        "81",  # Hong Kong
        "82",  # Macao
    }
)


def resident_id_check_char(first17: str) -> str:
    """Return the check character (ISO 7064 MOD 11-2) for the first 17 digits of an ID number.

    Raises ``ValueError`` unless ``first17`` is exactly 17 ASCII digits.
    """
    if len(first17) != 17 or not _is_digits(first17):
        raise ValueError(f"expected 17 ASCII digits, got {len(first17)} characters")
    total = sum(int(digit) * weight for digit, weight in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK_CHARS[total % 11]


def _birth_date_from_id(yyyymmdd: str, today: date, errors: list[str]) -> date | None:
    """Read the birth date part of an 18-digit number; append an error if it is impossible."""
    year, month, day = int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:8])
    try:
        born = date(year, month, day)
    except ValueError:
        errors.append(
            f"出生日期不存在：号码中的出生日期为{year}年{month}月{day}日，"
            "没有这一天，请核对号码是否抄错。"
        )
        return None
    if born < _ID_EARLIEST_BIRTH:
        errors.append(
            f"出生日期不对：号码中的出生日期{cn_date(born)}早于1900年1月1日，请核对号码是否抄错。"
        )
        return None
    if born > today:
        errors.append(
            f"出生日期不对：号码中的出生日期{cn_date(born)}晚于今天（{cn_date(today)}），"
            "请核对号码是否抄错。"
        )
        return None
    return born


def check_resident_id(text: str, *, today: date | None = None) -> IdCheck:
    """Check a resident ID number (居民身份证号码).

    Accepts the 18-character number (lower-case ``x`` allowed, spaces inside ignored) and the
    legacy 15-digit number, which is converted to 18 characters with a warning. An unknown
    province code is only a warning. ``today`` bounds the birth date (default: the real today).
    """
    raw = _normalize(text)
    if not raw:
        return IdCheck(None, errors=("请输入身份证号码。",))
    compact = _WHITESPACE_RE.sub("", raw).upper()

    bad_chars = _unique(ch for ch in compact if ch not in _ID_ALLOWED_CHARS)
    if bad_chars:
        return IdCheck(
            None,
            errors=(
                f"身份证号码中有不该出现的字符“{bad_chars}”：号码只能是数字，"
                "18位号码的最后一位可以是X，请核对后重新输入。",
            ),
        )
    if len(compact) not in (15, 18):
        return IdCheck(
            None,
            errors=(
                f"身份证号码应为18位（旧版为15位），现在是{len(compact)}位，请核对是否漏输或多输。",
            ),
        )
    if len(compact) == 15 and "X" in compact:
        return IdCheck(
            None,
            errors=("15位旧身份证号码只能是数字，不能有X，请核对后重新输入。",),
        )
    if "X" in compact[:-1]:
        return IdCheck(
            None,
            errors=("身份证号码中的X只能是最后一位，前面只能是数字，请核对后重新输入。",),
        )

    converted = len(compact) == 15
    if converted:
        first17 = compact[:6] + "19" + compact[6:]
        number = first17 + resident_id_check_char(first17)
    else:
        number = compact

    errors: list[str] = []
    warnings: list[str] = []
    born = _birth_date_from_id(number[6:14], today or date.today(), errors)
    if not converted:
        expected = resident_id_check_char(number[:17])
        if number[17] != expected:
            errors.append(f"校验位不符：按前17位应为{expected}，请核对号码是否抄错。")
    if number[:2] not in _PROVINCE_CODES:
        warnings.append(
            f"号码前两位“{number[:2]}”不是已知的省级行政区划代码，请与证件逐位核对；"
            "如与证件一致，可以继续办理。"
        )
    if converted:
        warnings.append(
            "这是旧版15位身份证号码，已自动转换为18位号码，请与证件核对；"
            "如证件是新版18位，请按证件重新输入。"
        )

    if errors:
        return IdCheck(None, errors=tuple(errors), warnings=tuple(warnings))
    return IdCheck(
        number,
        warnings=tuple(warnings),
        birth_date=born,
        sex="男" if int(number[16]) % 2 == 1 else "女",
        converted_from_15=converted,
    )


# ---------------------------------------------------------------------------
# 京卡·互助服务卡 number


def luhn_ok(digits: str) -> bool:
    """True when ``digits`` (ASCII digits only, non-empty) passes the Luhn check."""
    if not _is_digits(digits):
        return False
    total = 0
    for position, char in enumerate(reversed(digits)):
        digit = int(char)
        if position % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def check_card_number(text: str) -> Check:
    """Check a 京卡·互助服务卡 number: 16 to 19 digits; a failed Luhn check is only a warning."""
    raw = _normalize(text)
    if not raw:
        return Check(None, errors=("请输入京卡·互助服务卡卡号。",))
    compact = _SPACES_AND_DASHES_RE.sub("", raw)
    if not _is_digits(compact):
        return Check(
            None,
            errors=(
                "京卡·互助服务卡卡号只能是数字（空格和短横线可以不输），请按卡面号码重新输入。",
            ),
        )
    if not 16 <= len(compact) <= 19:
        return Check(
            None,
            errors=(
                f"京卡·互助服务卡卡号应为16至19位数字，现在是{len(compact)}位，"
                "请按卡面核对是否漏输或多输。",
            ),
        )
    warnings: tuple[str, ...] = ()
    if not luhn_ok(compact):
        warnings = (
            "卡号没有通过校验，可能有一位抄错，请与卡面号码逐位核对；如与卡面一致，可以继续办理。",
        )
    return Check(compact, warnings=warnings)


# ---------------------------------------------------------------------------
# Phone numbers

_MOBILE_RE = re.compile(r"(?:\+86|0086|86)?(1[3-9][0-9]{9})")

# Area codes: 010 and 02x have three digits, all others (03xx-09xx) four.
_AREA_CODE = r"0[12][0-9]|0[3-9][0-9]{2}"
_LANDLINE_RE = re.compile(
    rf"""
    (?:
        \(\s*(?P<area_in_brackets>{_AREA_CODE})\s*\)[\s\-]*
      | (?P<area>{_AREA_CODE})[\s\-]*
    )?
    (?P<local>[2-9](?:[\s\-]?[0-9]){{6,7}})          # 7-8 digits, not starting with 0 or 1
    (?:\s*(?:-|转|分机|ext\.?)\s*(?P<extension>[0-9]{{1,6}}))?
    """,
    re.VERBOSE | re.IGNORECASE,
)

_PHONE_FORMS_HINT = (
    "可填手机或固定电话：手机号码为11位数字（如13812345678）；"
    "固定电话写成“区号-号码”（如010-65123456）或只写7至8位号码，分机可写“-123”或“转123”。"
)


def _strip_country_code(compact: str) -> str:
    for prefix in ("+86", "0086"):
        if compact.startswith(prefix):
            return compact[len(prefix) :]
    if compact.startswith("86") and len(compact) == 13:
        return compact[2:]
    return compact


def _mobile_problem(compact: str) -> str:
    body = _strip_country_code(compact)
    if not _is_digits(body):
        return "手机号码只能是数字（前面可带+86），请核对后重新输入。"
    if len(body) != 11:
        return f"手机号码应为11位数字，现在是{len(body)}位，请核对是否漏输或多输。"
    return "手机号码应以13至19开头（如13812345678），请核对后重新输入。"


def check_mobile(text: str) -> Check:
    """Check a mainland mobile number; the value is the bare 11 digits."""
    raw = _normalize(text)
    if not raw:
        return Check(None, errors=("请输入手机号码。",))
    compact = _SPACES_AND_DASHES_RE.sub("", raw)
    match = _MOBILE_RE.fullmatch(compact)
    if match is None:
        return Check(None, errors=(_mobile_problem(compact),))
    return Check(match.group(1))


def check_landline(text: str) -> Check:
    """Check a landline number; the value looks like ``010-65123456[-123]`` or ``65123456``."""
    raw = _normalize(text)
    if not raw:
        return Check(None, errors=("请输入固定电话号码。",))
    match = _LANDLINE_RE.fullmatch(raw)
    if match is None:
        return Check(
            None,
            errors=(
                "固定电话号码格式不对：应写成“区号-号码”（如010-65123456、0755-86123456），"
                "或只写7至8位号码（不以0或1开头）；分机可写“-123”或“转123”。请核对后重新输入。",
            ),
        )
    area = match.group("area_in_brackets") or match.group("area")
    local = re.sub(r"[^0-9]", "", match.group("local"))
    extension = match.group("extension")
    parts = [part for part in (area, local, extension) if part]
    return Check("-".join(parts))


def check_phone(text: str) -> Check:
    """Check a contact phone: a mobile number if it looks like one, otherwise a landline."""
    raw = _normalize(text)
    if not raw:
        return Check(None, errors=("请输入联系电话（手机或固定电话）。",))
    compact = _SPACES_AND_DASHES_RE.sub("", raw)
    body = _strip_country_code(compact)
    looks_mobile = compact.startswith("+") or body.startswith("1")
    if looks_mobile:
        mobile = check_mobile(raw)
        if mobile.ok:
            return mobile
        return Check(
            None,
            errors=(f"联系电话格式不对：{_mobile_problem(compact)}{_PHONE_FORMS_HINT}",),
        )
    landline = check_landline(raw)
    if landline.ok:
        return landline
    return Check(None, errors=(f"联系电话格式不对，请核对后重新输入。{_PHONE_FORMS_HINT}",))


# ---------------------------------------------------------------------------
# Dates

_DATE_FORMS = (
    # 2016-01-01, 2016/1/1, 2016.1.1 (one separator used throughout)
    re.compile(
        r"(?P<y>[0-9]{4})\s*(?P<sep>[-/.])\s*(?P<m>[0-9]{1,2})\s*(?P=sep)\s*(?P<d>[0-9]{1,2})"
    ),
    # 20160101
    re.compile(r"(?P<y>[0-9]{4})(?P<m>[0-9]{2})(?P<d>[0-9]{2})"),
    # 2016年1月1日 (also 2016年1月1号, or without the last character)
    re.compile(r"(?P<y>[0-9]{4})\s*年\s*(?P<m>[0-9]{1,2})\s*月\s*(?P<d>[0-9]{1,2})\s*[日号]?"),
)


def _why_no_such_date(year: int, month: int, day: int) -> str:
    if year < 1:
        return "年份不对"
    if not 1 <= month <= 12:
        return "月份应为1至12"
    return f"{year}年{month}月只有{calendar.monthrange(year, month)[1]}天"


def parse_date(text: str, *, earliest: date | None = None, latest: date | None = None) -> DateCheck:
    """Parse a date in one of the forms clerks type; ``earliest``/``latest`` are inclusive."""
    raw = _normalize(text)
    if not raw:
        return DateCheck(None, errors=("请输入日期（格式YYYY-MM-DD，如2016-01-01）。",))
    for form in _DATE_FORMS:
        match = form.fullmatch(raw)
        if match is not None:
            break
    else:
        return DateCheck(
            None,
            errors=(
                f"无法识别日期“{raw}”：请按YYYY-MM-DD格式输入，如2016-01-01"
                "（也可写2016/1/1、20160101或2016年1月1日）。",
            ),
        )
    year, month, day = int(match["y"]), int(match["m"]), int(match["d"])
    try:
        value = date(year, month, day)
    except ValueError:
        return DateCheck(
            None,
            errors=(
                f"日期不存在：{year}年{month}月{day}日（{_why_no_such_date(year, month, day)}），"
                "请核对后重新输入。",
            ),
        )
    if earliest is not None and value < earliest:
        return DateCheck(
            None,
            errors=(f"日期{cn_date(value)}早于最早可填的{cn_date(earliest)}，请核对后重新输入。",),
        )
    if latest is not None and value > latest:
        return DateCheck(
            None,
            errors=(f"日期{cn_date(value)}晚于最晚可填的{cn_date(latest)}，请核对后重新输入。",),
        )
    return DateCheck(value)


# ---------------------------------------------------------------------------
# Masks for lists and exports


CLERK_NAME_LIMIT = 64


def check_clerk_name(text: str) -> Check:
    """The clerk's name as every record names the actor: runs of spaces made one, not empty,
    at most CLERK_NAME_LIMIT characters (refused, never cut: a cut name names someone else)."""
    name = " ".join(text.split())
    if not name:
        return Check(None, ("经办人姓名不能为空",))
    if len(name) > CLERK_NAME_LIMIT:
        return Check(None, (f"经办人姓名太长（{len(name)} 个字，最多 {CLERK_NAME_LIMIT} 个）",))
    return Check(name)


def _keep_last(value: str, keep: int) -> str:
    if len(value) <= keep:
        return "*" * len(value)
    return "*" * (len(value) - keep) + value[-keep:]


def mask_resident_id(value: str) -> str:
    """Keep the first 6 and last 4 characters: ``110101********451X`` (length preserved).

    A value too short to keep both ends (10 characters or fewer) is masked completely.
    """
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_card_number(value: str) -> str:
    """Keep the last 4 characters, the rest becomes ``*`` (4 or fewer: all masked)."""
    return _keep_last(value, 4)


def mask_phone(value: str) -> str:
    """Mobile: ``138****5678``; any other number keeps only its last 4 characters."""
    if re.fullmatch(r"1[0-9]{10}", value):
        return value[:3] + "****" + value[-4:]
    return _keep_last(value, 4)
