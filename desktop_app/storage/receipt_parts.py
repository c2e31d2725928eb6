"""Where a typed fragment can sit inside a receipt number, for the ledger's search on a
district's PostgreSQL server.

A receipt reads `<code>-<day>-<number>` (XC01-20261121-0007, storage/repository.py). On
PostgreSQL, migration 0012 keeps two generated copies of its parts, each with its own index:
`receipt_day`, the day as the integer 20261121, and `receipt_rest`, the code and the number
with the day taken out (`XC01-0007`). Both are NULL for a receipt of any other form (the program
writes none, but a database can hold any text): such rows are searched as before, by the
receipt itself.

A fragment is inside a receipt of that form exactly when it sits in one of a few places: inside
the code or the number, inside the day, or across a dash. Each place is a test of the two parts
(`places`): "2025" is inside the rest (a code or a number holding 2025) or inside the day; the
ledger asks for each place through its own index, so that a year's receipts are found among
that year's days instead of by walking past every newer receipt (storage/ledger_query.py). The
search's result is still decided by the plain test on the receipt: the places only say how its
rows are found.
"""

from __future__ import annotations

from dataclasses import dataclass

DAY_COLUMN = "receipt_day"
REST_COLUMN = "receipt_rest"
DAY_DIGITS = 8


@dataclass(frozen=True)
class Place:
    """One place of a fragment: what the rest must hold (None: anything) and how the day's
    eight digits must read (None: any day): ("in" | "start" | "end" | "is", digits)."""

    rest: str | None
    day: tuple[str, str] | None


def _digits(text: str, *, exactly: bool = False) -> bool:
    if exactly:
        return len(text) == DAY_DIGITS and text.isascii() and text.isdigit()
    return len(text) <= DAY_DIGITS and (text == "" or (text.isascii() and text.isdigit()))


def _rest(text: str) -> str | None:
    # Every rest holds its one dash: a place that asks only for it asks for nothing.
    return None if text == "-" else text


def places(fragment: str) -> list[Place]:
    """Every place `fragment` can sit in a receipt `<code>-<day>-<number>` whose code and
    number hold no dash and whose day is eight digits. The rest is `<code>-<number>`, so a
    text without a dash is in the rest exactly when it is in the code or in the number,
    `a-` exactly when the code ends with `a`, `-b` when the number starts with `b`."""
    parts = fragment.split("-")
    found: list[Place] = []
    if len(parts) == 1:
        found.append(Place(fragment, None))
        if fragment and _digits(fragment):
            found.append(Place(None, ("in", fragment)))
    elif len(parts) == 2:
        before, after = parts
        if _digits(after):  # the code's end, a dash, the day's start
            found.append(Place(_rest(before + "-"), ("start", after) if after else None))
        if _digits(before):  # the day's end, a dash, the number's start
            found.append(Place(_rest("-" + after), ("end", before) if before else None))
    elif len(parts) == 3:
        code_end, day, number_start = parts
        if _digits(day, exactly=True):
            found.append(Place(_rest(f"{code_end}-{number_start}"), ("is", day)))
    return list(dict.fromkeys(found))


def day_bounds(test: tuple[str, str] | None) -> tuple[int, int]:
    """The smallest and largest day number that can pass `test`."""
    if test is None:
        return 0, 10**DAY_DIGITS - 1
    how, digits = test
    if how == "is":
        return int(digits), int(digits)
    if how == "start":
        return int(digits.ljust(DAY_DIGITS, "0")), int(digits.ljust(DAY_DIGITS, "9"))
    return 0, 10**DAY_DIGITS - 1


def day_passes(day: int, test: tuple[str, str] | None) -> bool:
    """Whether the stored day number `day` (20261121) reads as `test` asks."""
    if test is None:
        return True
    how, digits = test
    text = f"{day:0{DAY_DIGITS}d}"
    if how == "in":
        return digits in text
    if how == "start":
        return text.startswith(digits)
    if how == "end":
        return text.endswith(digits)
    return text == digits


def _calendar(day: str) -> bool:
    """Eight digits whose month is 01–12 and whose day of the month 01–31 (migration 0012's
    pattern: a receipt with any other day has no parts)."""
    return _digits(day, exactly=True) and 1 <= int(day[4:6]) <= 12 and 1 <= int(day[6:]) <= 31


def split(receipt: str) -> tuple[int, str] | None:
    """The (day, rest) PostgreSQL's generated columns hold for `receipt` (migration 0012's
    expressions in Python, for tests): None for a receipt of another form."""
    parts = receipt.split("-")
    if len(parts) != 3:
        return None
    code, day, number = parts
    if not code or not _calendar(day) or not (number.isascii() and number.isdigit()):
        return None
    return int(day), f"{code}-{number}"


def calendar_days(low: int, high: int) -> list[int]:
    """Every day number from `low` to `high` a receipt's day column can hold: each month
    01–12 of each year, each day 01–31 of it (a 31 February included: the pattern does not
    know the calendar, and a day too many costs one probe of an index)."""
    days = []
    for year in range(low // 10_000, high // 10_000 + 1):
        for month in range(1, 13):
            for day in range(1, 32):
                number = year * 10_000 + month * 100 + day
                if low <= number <= high:
                    days.append(number)
    return days
