"""Compact column types: what a million applications cost on disk (issue #3: ≤ 400 MB).

SQLite stores what it is given: a time written as text costs 26 bytes, a status word 8, a
scheme's name 15, in the row and again in every index that holds the column. These types keep
the program's Python values (naive datetimes, dates, status and kind words) and store them
small:

- `Moment`: a naive Beijing wall-clock time to the second. SQLite: whole seconds since
  1970-01-01 00:00 *of that wall clock* (4 bytes; `datetime(at, 'unixepoch')` shows the
  Beijing time it stands for). PostgreSQL: `timestamp(0)`.
- `Day`: a date. SQLite: days since 1970-01-01 (2–3 bytes; `date(applied_on * 86400,
  'unixepoch')` shows it). PostgreSQL: `date`.
- `Code`: one word of a closed list the program defines (statuses, certificate kinds),
  stored as its position in that list, 1, 2, 3… (1 byte). The lists only ever grow at the end:
  a stored number keeps its meaning in every later version.

Open lists — schemes, stations, issuers, occupations, clerks' names — are interned instead
(`models.Term`).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Date, DateTime, Integer, SmallInteger
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

EPOCH = datetime(1970, 1, 1)
EPOCH_DAY = EPOCH.date()
_ORDINAL_EPOCH = EPOCH_DAY.toordinal()

# The closed lists, in their stored order (never reorder or remove; append only).
CODES: dict[str, tuple[str, ...]] = {
    "status": ("accepted", "printed", "submitted", "paid", "returned"),
    "kind": ("skill_level", "special_ability", "qualification", "social_worker", "competition"),
}


def moment_to_int(value: datetime) -> int:
    """Seconds since 1970-01-01 00:00 of the same (naive, local) wall clock; any fraction of
    a second is dropped (the program keeps times to the second)."""
    if value.tzinfo is not None:
        raise ValueError(f"时间应为北京时间（不带时区）：{value!r}")
    delta = value - EPOCH
    return delta.days * 86_400 + delta.seconds


def int_to_moment(value: int) -> datetime:
    return EPOCH + timedelta(seconds=value)


def day_to_int(value: date) -> int:
    if isinstance(value, datetime):
        raise ValueError(f"应为日期，不是时间：{value!r}")
    return value.toordinal() - _ORDINAL_EPOCH


def int_to_day(value: int) -> date:
    return date.fromordinal(value + _ORDINAL_EPOCH)


class Moment(TypeDecorator[datetime]):
    """A naive local time to the second (see the module's notes)."""

    impl = DateTime
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(Integer())
        return dialect.type_descriptor(DateTime())

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if dialect.name == "sqlite":
            return moment_to_int(value)
        return value.replace(microsecond=0)

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        if value is None or dialect.name != "sqlite":
            return value
        return int_to_moment(int(value))


class Day(TypeDecorator[date]):
    """A date (see the module's notes)."""

    impl = Date
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(Integer())
        return dialect.type_descriptor(Date())

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None or dialect.name != "sqlite":
            return value
        return day_to_int(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        if value is None or dialect.name != "sqlite":
            return value
        return int_to_day(int(value))


class Code(TypeDecorator[str]):
    """A word of the closed list `CODES[list_name]`, stored as its position (1, 2, …)."""

    impl = SmallInteger
    cache_ok = True

    def __init__(self, list_name: str) -> None:
        super().__init__()
        self.list_name = list_name
        self.words = CODES[list_name]
        self.numbers = {word: number for number, word in enumerate(self.words, 1)}

    def number(self, word: str) -> int:
        try:
            return self.numbers[word]
        except KeyError:
            raise ValueError(
                f"“{word}”不是可存储的{self.list_name}（可选：{'、'.join(self.words)}）"
            ) from None

    def word(self, number: int) -> str:
        if not 1 <= number <= len(self.words):
            raise ValueError(
                f"数据库里的{self.list_name}编号 {number} 本程序不认识："
                "数据库可能由更新的版本写过。"
            )
        return self.words[number - 1]

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        return None if value is None else self.number(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        return None if value is None else self.word(int(value))

    def copy(self, **kw: Any) -> Code:
        return Code(self.list_name)

    def __repr__(self) -> str:
        return f"Code({self.list_name!r})"
