"""The registration date (登记日期) of an application, and late entries (补录).

The 2016 deadline (四(四)) is about when the member registered (登记申报). A registration made
on paper in time may be typed in later: the clerk then enters the registration date, which is
never in the future nor before the scheme starts, and says why it is entered late (补录原因).
The deadline rule uses the registration date; the day it was typed in is the application's
entry time, and who typed it is its clerk (../shared/POLICY.md, "Registration date").

Plain Python, no I/O. One home for these rules: the counter form checks with them as the clerk
types, the save use case refuses with them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from desktop_app.domain.policy import Policy
from desktop_app.domain.text import cn_date

REASON_LIMIT = 200


def scheme_opens(versions: Sequence[Policy]) -> date | None:
    """The first day a scheme takes registrations: its first version's effective date (a
    scheme made from a catalogue), else the 1st of January of the year it names; None when
    the file names neither (the documents give no such date; nothing is invented)."""
    if not versions:
        return None
    first = versions[0]
    if first.effective is not None:
        return first.effective
    return date(first.year, 1, 1) if first.year else None


def is_late(registered_on: date, entered_on: date) -> bool:
    """Registered on an earlier day than it is typed in: a late entry (补录)."""
    return registered_on < entered_on


@dataclass(frozen=True)
class Problem:
    field: str  # applied_on or late_entry_reason
    message: str


def date_problem(registered_on: date, *, entered_on: date, opens: date | None) -> Problem | None:
    """What is wrong with the registration date itself: in the future, or before the scheme
    takes registrations."""
    if registered_on > entered_on:
        return Problem(
            "applied_on", f"登记日期不能晚于今天（{cn_date(entered_on)}），请核对后再填。"
        )
    if opens is not None and registered_on < opens:
        return Problem(
            "applied_on",
            f"登记日期不能早于本方案开始受理的日期（{cn_date(opens)}），请核对后再填。",
        )
    return None


def reason_problem(registered_on: date, *, entered_on: date, reason: str | None) -> Problem | None:
    """A late entry needs its reason (补录原因), of a sensible length."""
    if not is_late(registered_on, entered_on):
        return None
    text = " ".join((reason or "").split())
    if not text:
        return Problem(
            "late_entry_reason",
            "登记日期早于今天，属于补录：请写明补录原因（如“纸质登记表已于当日受理，今日补录”）。",
        )
    if len(text) > REASON_LIMIT:
        return Problem(
            "late_entry_reason", f"补录原因太长（{len(text)} 个字，最多 {REASON_LIMIT} 个）。"
        )
    return None


def registration_problem(
    registered_on: date,
    *,
    entered_on: date,
    reason: str | None,
    opens: date | None,
) -> Problem | None:
    """What is wrong with a registration date typed on `entered_on` and its reason, or None."""
    return date_problem(registered_on, entered_on=entered_on, opens=opens) or reason_problem(
        registered_on, entered_on=entered_on, reason=reason
    )
