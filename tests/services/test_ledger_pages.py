"""The ledger's read planner: each page is read the cheapest way."""

from __future__ import annotations

from desktop_app.services.ledger_pages import PageAnchors, PagePlan

SIZE = 100


def test_without_anything_read_a_page_is_read_from_the_top() -> None:
    assert PageAnchors().plan(3, size=SIZE, total=None) == PagePlan(300, 100, 300, None, False)


def test_the_page_after_one_read_starts_after_its_last_row() -> None:
    anchors = PageAnchors()
    anchors.add(4, first_id=9_000, last_id=8_901)
    assert anchors.plan(5, size=SIZE, total=None) == PagePlan(0, 100, 0, 8_901, False)
    # two pages further: one page passed over
    assert anchors.plan(6, size=SIZE, total=None) == PagePlan(100, 100, 100, 8_901, False)


def test_the_page_before_one_read_is_walked_backwards_from_its_first_row() -> None:
    anchors = PageAnchors()
    anchors.add(50, first_id=5_000, last_id=4_901)
    assert anchors.plan(49, size=SIZE, total=None) == PagePlan(0, 100, 0, 5_000, True)


def test_the_nearest_page_read_wins_and_a_page_read_again_moves_its_anchor() -> None:
    anchors = PageAnchors()
    anchors.add(10, 1_000, 901)
    anchors.add(20, 2_000, 1_901)
    assert anchors.plan(18, size=SIZE, total=None).after_id == 2_000  # below: 1 page between
    assert anchors.plan(12, size=SIZE, total=None).after_id == 901  # above: 1 page between
    anchors.add(20, 2_100, 2_001)
    assert anchors.plan(19, size=SIZE, total=None).after_id == 2_100
    anchors.clear()
    assert anchors.plan(19, size=SIZE, total=None).after_id is None


def test_near_the_end_a_known_count_reads_from_the_oldest_row() -> None:
    anchors = PageAnchors()
    # 1,050 rows: the last page has 50; it is read backwards from the oldest row
    assert anchors.plan(10, size=SIZE, total=1_050) == PagePlan(0, 50, 0, None, True)
    assert anchors.plan(9, size=SIZE, total=1_050) == PagePlan(50, 100, 50, None, True)
    # without the count the same page is read from the top
    assert anchors.plan(9, size=SIZE, total=None).cost == 900
