"""Which way to read a page of the ledger: the one read planner of the window's ledger model
(pages of rows read where the clerk looks, `ledger_view.ledger_slice` reading each).

Plain arithmetic on what has been read; no database, no Qt, and light to import (the window
loads it before any database code).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass


@dataclass(frozen=True)
class PagePlan:
    """How to read one page of the ledger: `ledger_slice`'s arguments, and what it costs."""

    cost: int  # rows the database passes over
    limit: int
    offset: int
    after_id: int | None
    backwards: bool


class PageAnchors:
    """The one read planner of the ledger's pages: the pages already read (the ids of their
    first and last rows) and, for a page wanted, the cheapest way to read it — from the top,
    from the nearest page read above or below (keyset paging), or from the far end when the
    count is known."""

    def __init__(self) -> None:
        self._ids: dict[int, tuple[int, int]] = {}  # page → (first id, last id)
        self._pages: list[int] = []  # sorted pages of _ids

    def clear(self) -> None:
        self._ids.clear()
        self._pages.clear()

    def add(self, page: int, first_id: int, last_id: int) -> None:
        if page not in self._ids:
            bisect.insort(self._pages, page)
        self._ids[page] = (first_id, last_id)

    def plan(self, page: int, *, size: int, total: int | None) -> PagePlan:
        """The cheapest way to read `page` (pages of `size` rows); `total`: the count, when
        it is known and current."""
        start = page * size
        limit = size if total is None else min(size, total - start)
        best = PagePlan(start, limit, start, None, False)
        at = bisect.bisect_left(self._pages, page)
        if at > 0:  # the nearest page read above
            above = self._pages[at - 1]
            gap = (page - above - 1) * size
            if gap < best.cost:
                best = PagePlan(gap, limit, gap, self._ids[above][1], False)
        if at < len(self._pages) and self._pages[at] > page:  # the nearest page read below
            below = self._pages[at]
            gap = (below - page - 1) * size
            if gap < best.cost:
                # Backwards from the first row of `below`: the rows of `page` are the `limit`
                # rows after skipping the pages in between.
                best = PagePlan(gap, limit, gap, self._ids[below][0], True)
        if total is not None:
            end = min(start + size, total)
            gap = total - end
            if gap < best.cost:
                best = PagePlan(gap, end - start, gap, None, True)
        return best
