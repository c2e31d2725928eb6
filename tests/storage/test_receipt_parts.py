"""The places of a fragment inside a receipt number (storage/receipt_parts.py) against the
plain test: a fragment is in a receipt exactly when one of its places holds."""

from __future__ import annotations

import random

import pytest

from desktop_app.storage.receipt_parts import (
    Place,
    calendar_days,
    day_bounds,
    day_passes,
    places,
    split,
)


def _holds(place: Place, day: int, rest: str) -> bool:
    return (place.rest is None or place.rest in rest) and day_passes(day, place.day)


def _found(fragment: str, receipt: str) -> bool:
    parts = split(receipt)
    assert parts is not None
    day, rest = parts
    return any(_holds(place, day, rest) for place in places(fragment))


def _receipts(rng: random.Random, count: int) -> list[str]:
    codes = ["XC01", "CY01", "C2025", "20", "A1121", "X", "HD0120", "0007"]
    made = []
    for _ in range(count):
        code = rng.choice(codes)
        day = rng.choice(
            [f"{rng.randrange(2016, 2030)}{rng.randrange(1, 13):02d}{rng.randrange(1, 29):02d}",
             f"{rng.randrange(10**4):04d}{rng.randrange(1, 13):02d}{rng.randrange(1, 32):02d}",
             "20251120", "20250230", "00010101", "12311231"]
        )  # fmt: skip
        number = rng.choice(
            [f"{rng.randrange(1, 400):04d}", str(rng.randrange(10**6)), "2025", "0", "12025"]
        )
        made.append(f"{code}-{day}-{number}")
    return made


def test_every_fragment_of_every_receipt_is_found_and_nothing_else():
    rng = random.Random(20261205)
    receipts = _receipts(rng, 300)
    fragments = {"2025", "CY01-2025", "0007", "-", "--", "1-", "-2", "1121-00", "X-2"}
    for receipt in receipts[:60]:
        for start in range(len(receipt)):
            for end in range(start + 1, len(receipt) + 1):
                fragments.add(receipt[start:end])
    fragments |= {"".join(rng.choices("0129-XC", k=rng.randrange(1, 9))) for _ in range(3000)}
    checked = 0
    for fragment in fragments:
        for receipt in receipts:
            assert _found(fragment, receipt) == (fragment in receipt), (fragment, receipt)
            checked += 1
    assert checked > 500_000


@pytest.mark.parametrize(
    ("fragment", "expected"),
    [
        ("2025", [Place("2025", None), Place(None, ("in", "2025"))]),
        ("CY01-2025", [Place("CY01-", ("start", "2025"))]),
        ("21-00", [Place("21-", ("start", "00")), Place("-00", ("end", "21"))]),
        ("CY01-20251121-00", [Place("CY01-00", ("is", "20251121"))]),
        ("CY01-2025-00", []),  # a day is eight digits
        ("A-B-C-D", []),
        ("XC", [Place("XC", None)]),
        ("-", [Place(None, None)]),
    ],
)
def test_places_of_typical_fragments(fragment, expected):
    assert places(fragment) == expected


def test_day_bounds_hold_every_day_a_test_passes():
    rng = random.Random(7)
    tests = [("start", "2025"), ("start", "202511"), ("is", "20251121"), ("in", "11"),
             ("end", "21"), None]  # fmt: skip
    for test in tests:
        low, high = day_bounds(test)
        for _ in range(20_000):
            day = rng.randrange(10**8)
            if day_passes(day, test):
                assert low <= day <= high
    assert day_bounds(("start", "2025")) == (20250000, 20259999)


@pytest.mark.parametrize(
    "receipt",
    ["XC01-2026112-0001", "XC01-20261121", "-20261121-0001", "XC01-20261121-", "XC01-2026112１-1",
     "XC-01-20261121-0001", "XC01-20261121-00A1", "XC01-20251399-0001", "XC01-20250001-0001",
     "XC01-20250100-1", "XC01-20251232-1", "XC01-20250132-0001"],
)  # fmt: skip
def test_other_forms_have_no_parts(receipt):
    assert split(receipt) is None


def test_calendar_days_are_every_day_a_receipt_can_hold():
    """The ledger lists a fragment's days from calendar_days: it must hold every day number
    split accepts between its bounds, and only those."""
    rng = random.Random(12)
    for low, high in [
        (20250101, 20251231),
        (20241115, 20261121),
        (1, 99991231),
        (20250230, 20250301),
    ]:
        listed = set(calendar_days(low, high))
        numbers = [rng.randrange(max(low - 500, 0), high + 500) for _ in range(20_000)]
        numbers += [low, high, 20250230, 20250231, 20250132, 20251301]
        for number in numbers:
            held = split(f"XC01-{number:08d}-0001") is not None and low <= number <= high
            assert (number in listed) == held, (low, high, number)
    assert len(calendar_days(20250101, 20251231)) == 12 * 31
    assert calendar_days(20251121, 20251121) == [20251121]
    assert calendar_days(1, 0) == []
