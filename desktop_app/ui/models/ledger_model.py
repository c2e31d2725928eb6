"""The ledger (台账) as a lazy table: a million applications without reading them all.

Like Anki's browser table the model reads rows where the view looks and never the whole
ledger. Rows live in pages of `page_size`, in ledger order (newest first, the service's
order; filtering is done by the database). A small LRU keeps the pages last looked at;
the first and last id of every page ever read are kept as *anchors* (a few numbers each).

How a page is found: from the top with an offset, from the nearest anchor above it (the rows
after that page's last id) or below it (walked backwards from that page's first id), or
from the bottom backwards once the count is known (the planner: `services/ledger_pages.py`).
The cost of each way is the number of
rows the database has to pass over; the cheapest is used. When that is small (next to a
page already read, the first page, the last pages) the page is read at once, in `data()`,
as the view paints; otherwise (a jump into the middle of a million rows) it is read off the
GUI thread and its rows show "正在读取…" until it arrives. Only the pages the clerk last
looked at wait for reading: pages scrolled past are forgotten.

The count runs off the GUI thread too (counting a broad filter reads every match). Until it
is known the view grows page by page (canFetchMore/fetchMore); a first page shorter than a
page is the count at once. `rows_fetched` tells how many rows were read from the service.

Rows are keyed by id: `update_row` puts a changed application in place, `refresh()` (after
a save or a status change) re-reads what is shown and the count, keeping the scroll position
and the selection.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor

from desktop_app.domain.status import RETURNED
from desktop_app.domain.text_policy import shown
from desktop_app.services.ledger_pages import PageAnchors, PagePlan
from desktop_app.ui.models.base import ColumnsTableModel

if TYPE_CHECKING:
    from desktop_app.domain.ledger_filter import LedgerFilter
    from desktop_app.services.ledger_view import LedgerRow
    from desktop_app.services.store import Store

log = logging.getLogger(__name__)

Index = QModelIndex | QPersistentModelIndex

PAGE_SIZE = 100
CACHE_PAGES = 40  # pages kept (4,000 rows): a few screens around each place looked at
SYNC_ROWS = 3_000  # a page this close (in rows passed over) to a known row is read at once
WANTED_PAGES = 4  # pages waiting to be read off the GUI thread (the newest requests)

LOADING_TEXT = "正在读取…"
FAILED_TEXT = "读取失败"

ROW_ROLE = Qt.ItemDataRole.UserRole + 1  # the LedgerRow (None while not read)
RECEIPT_ROLE = Qt.ItemDataRole.UserRole + 2


def _schemes() -> dict[str, str]:
    from desktop_app.services.ledger_view import scheme_names

    return scheme_names()


def _claim(row: LedgerRow) -> str:
    from desktop_app.services.presenter import claim_text  # loaded with the first page

    return claim_text(row)


def _applied_on(row: LedgerRow) -> str:
    from desktop_app.services.presenter import applied_on_text

    return applied_on_text(row)


def _amount(row: LedgerRow) -> str:
    return f"{row.amount} 元" if row.eligible else "不予补助"


# (header, text of a row)
COLUMNS: tuple[tuple[str, Callable[[LedgerRow, dict[str, str]], str]], ...] = (
    ("受理编号", lambda r, s: r.receipt),
    ("受理日期", lambda r, s: _applied_on(r)),
    ("姓名", lambda r, s: r.name),
    ("身份证号", lambda r, s: r.id_number),
    ("京卡卡号", lambda r, s: r.card_number),
    ("方案", lambda r, s: s.get(r.scheme, r.scheme)),
    ("证书类别/项目", lambda r, s: _claim(r)),
    ("等级", lambda r, s: r.level),
    ("补助金额", lambda r, s: _amount(r)),
    ("状态", lambda r, s: r.status_label),
    ("服务站", lambda r, s: r.station_code),
    ("经办人", lambda r, s: r.clerk),
)
AMOUNT_COLUMN = 8
STATUS_COLUMN = 9

_RED = QBrush(QColor("#b3261e"))
_GREY = QBrush(QColor("#6b6b6b"))
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_DISPLAY, _TOOLTIP, _FOREGROUND, _ALIGN, _ROW, _RECEIPT = range(6)
_ROLES: dict[int, int] = {
    int(Qt.ItemDataRole.DisplayRole): _DISPLAY,
    int(Qt.ItemDataRole.ToolTipRole): _TOOLTIP,
    int(Qt.ItemDataRole.ForegroundRole): _FOREGROUND,
    int(Qt.ItemDataRole.TextAlignmentRole): _ALIGN,
    int(ROW_ROLE): _ROW,
    int(RECEIPT_ROLE): _RECEIPT,
}


Fetcher = Callable[..., list["LedgerRow"]]
Counter = Callable[["Store", "LedgerFilter"], int]


def _service_slice(store: Store, filter_: LedgerFilter, **kwargs: Any) -> list[LedgerRow]:
    from desktop_app.services.ledger_view import ledger_slice

    return ledger_slice(store, filter_, **kwargs)


def _service_count(store: Store, filter_: LedgerFilter) -> int:
    from desktop_app.services.ledger_view import ledger_count

    return ledger_count(store, filter_)


class LedgerModel(ColumnsTableModel):
    COLUMNS = COLUMNS
    count_changed = Signal(object)  # int, or None while counting
    busy_changed = Signal(bool)
    failed = Signal(object)  # the exception of a failed read (the page shows its message)

    def __init__(
        self,
        parent: Any = None,
        *,
        page_size: int = PAGE_SIZE,
        cache_pages: int = CACHE_PAGES,
        sync_rows: int = SYNC_ROWS,
        fetch: Fetcher | None = None,
        count: Counter | None = None,
    ) -> None:
        super().__init__(parent)
        self.page_size = page_size
        self.cache_pages = cache_pages
        self.sync_rows = sync_rows
        self._fetch = fetch or _service_slice
        self._count = count or _service_count
        self._store: Store | None = None
        self._filter: LedgerFilter | None = None
        self._schemes: dict[str, str] | None = None
        # what is shown
        self._generation = 0
        self._total: int | None = None  # the count, when known
        self._trust_total = False  # False after a refresh until the new count arrives
        self._shown = 0  # rows shown while the count is unknown
        self._more = False  # fetchMore can add a page (count unknown)
        # what has been read
        self._pages: OrderedDict[int, list[LedgerRow]] = OrderedDict()
        self._anchors = PageAnchors()  # where each page read starts and ends
        self._failed: set[int] = set()
        self._wanted: OrderedDict[int, None] = OrderedDict()
        self._reading: int | None = None  # the page being read off the GUI thread
        self._counting = False
        # for tests and the benchmark
        self.rows_fetched = 0
        self.fetches = 0

    # --- what is shown -----------------------------------------------------------------------

    @property
    def store(self) -> Store | None:
        return self._store

    @property
    def filter(self) -> LedgerFilter | None:
        return self._filter

    @property
    def total(self) -> int | None:
        """The number of matching applications, when counted."""
        return self._total if self._trust_total else None

    @property
    def busy(self) -> bool:
        """Reading a page or counting off the GUI thread."""
        return self._counting or self._reading is not None

    def set_query(self, store: Store | None, filter_: LedgerFilter | None) -> None:
        """Show the applications `filter_` matches (newest first): reads the first page now,
        counts off the GUI thread."""
        self.beginResetModel()
        self._store = store
        self._filter = filter_
        self._forget()
        self._total = None
        self._trust_total = False
        self._shown = 0
        self._more = False
        if store is not None and filter_ is not None:
            first = self._read_now(0, self._plan(0, growing=True))
            if first is not None:
                self._shown = len(first)
                if len(first) < self.page_size:
                    self._total = len(first)
                    self._trust_total = True
                else:
                    self._more = True
        self.endResetModel()
        if store is not None and filter_ is not None and not self._trust_total:
            self._start_count()
        self.count_changed.emit(self.total)
        self.busy_changed.emit(self.busy)

    def refresh(self) -> None:
        """Read again what is shown (after a save or a status change), keeping the rows'
        places, the scroll position and the selection; the count is taken again."""
        if self._store is None or self._filter is None:
            return
        if self._total is None:  # still growing page by page: start over
            self.set_query(self._store, self._filter)
            return
        self._forget()
        self._trust_total = False
        self._start_count()
        self._changed_all()
        self.count_changed.emit(None)
        self.busy_changed.emit(self.busy)

    def clear(self) -> None:
        self.set_query(None, None)

    def _forget(self) -> None:
        self._generation += 1
        self._pages.clear()
        self._anchors.clear()
        self._failed.clear()
        self._wanted.clear()
        self._reading = None

    def _changed_all(self) -> None:
        rows = self.rowCount()
        if rows:
            self.dataChanged.emit(self.index(0, 0), self.index(rows - 1, len(COLUMNS) - 1))

    # --- counting ----------------------------------------------------------------------------

    def _start_count(self) -> None:
        from desktop_app.ui.tasks import run_task

        store, filter_, generation = self._store, self._filter, self._generation
        assert store is not None and filter_ is not None
        counter = self._count
        self._counting = True

        def work(_progress: object) -> int:
            return counter(store, filter_)

        def done(total: int) -> None:
            if generation == self._generation:
                self._counted(total)

        def failed(exc: BaseException) -> None:
            if generation == self._generation:
                self._counting = False
                self.busy_changed.emit(self.busy)
                self.failed.emit(exc)

        run_task(None, work, on_done=done, on_error=failed)

    def _counted(self, total: int) -> None:
        self._counting = False
        shown = self.rowCount()
        was = self._total
        if total > shown:
            self.beginInsertRows(QModelIndex(), shown, total - 1)
            self._set_total(total)
            self.endInsertRows()
        elif total < shown:
            self.beginRemoveRows(QModelIndex(), total, shown - 1)
            self._set_total(total)
            self.endRemoveRows()
        else:
            self._set_total(total)
        if was is not None and was != total:
            # Rows came or went since the pages were read: their places moved.
            self._forget()
            self._changed_all()
        self.count_changed.emit(total)
        self.busy_changed.emit(self.busy)

    def _set_total(self, total: int) -> None:
        self._total = total
        self._trust_total = True
        self._more = False
        for page in [p for p in self._pages if p * self.page_size >= total]:
            del self._pages[page]

    # --- Qt's model interface -----------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        if parent.isValid():
            return 0
        return self._total if self._total is not None else self._shown

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def canFetchMore(self, parent: Index) -> bool:
        return not parent.isValid() and self._total is None and self._more

    def fetchMore(self, parent: Index) -> None:
        if not self.canFetchMore(parent):
            return
        page = self._shown // self.page_size
        rows = self._read_now(page, self._plan(page, growing=True))
        if rows is None:
            self._more = False
            return
        if len(rows) < self.page_size:
            self._more = False
        if rows:
            self.beginInsertRows(QModelIndex(), self._shown, self._shown + len(rows) - 1)
            self._shown += len(rows)
            self.endInsertRows()
        if not self._more and self._total is None:
            # The end is reached before the count came: that is the count.
            self._total = self._shown
            self._trust_total = True
            self.count_changed.emit(self._total)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        # Called for every role of every visible cell at each repaint: the unused roles
        # return first, with one dictionary look-up.
        kind = _ROLES.get(role)
        if kind is None or not index.isValid():
            return None
        column = index.column()
        if kind == _ALIGN:
            return _RIGHT if column == AMOUNT_COLUMN else None
        row = self.row_at(index.row())
        if row is None:
            if kind == _DISPLAY and column == 0:
                page = index.row() // self.page_size
                return FAILED_TEXT if page in self._failed else LOADING_TEXT
            return _GREY if kind == _FOREGROUND else None
        if kind == _DISPLAY:
            return self._text(row, column)
        if kind == _FOREGROUND:
            if column == STATUS_COLUMN and row.status == RETURNED:
                return _RED
            if column == AMOUNT_COLUMN and not row.eligible:
                return _GREY
            return None
        if kind == _ROW:
            return row
        if kind == _RECEIPT:
            return row.receipt
        # the tool tip: the whole text (columns are narrow), the scheme's full name
        if column == 1 and row.late_entry:
            from desktop_app.services.presenter import late_entry_text

            return late_entry_text(row)
        if column == 5:
            from desktop_app.services.ledger_view import scheme_choices

            names = {c.id: c.name for c in scheme_choices()}
            return names.get(row.scheme, row.scheme)
        return self._text(row, column) or None

    def _text(self, row: LedgerRow, column: int) -> str:
        if self._schemes is None:
            self._schemes = _schemes()
        # A text stored before the text policy may hold a bidi override or a control
        # character: shown as ⟨U+XXXX⟩, it cannot reorder or hide the cell's content.
        return shown(COLUMNS[column][1](row, self._schemes))

    # --- rows by place and by id ---------------------------------------------------------------

    def row_at(self, row: int, *, wait: bool = False) -> LedgerRow | None:
        """The application shown in `row`; None while its page is being read. With `wait`,
        a page not yet read is read now, on this thread (opening a row by keyboard)."""
        page, offset = divmod(row, self.page_size)
        rows = self._pages.get(page)
        if rows is not None and not wait:
            self._pages.move_to_end(page)
            return rows[offset] if offset < len(rows) else None
        if not 0 <= row < self.rowCount():
            return None
        rows = self._page(page, wait=wait)
        if rows is None or offset >= len(rows):
            return None
        return rows[offset]

    def loaded(self, row: int) -> bool:
        """Whether the row has been read (without reading it)."""
        page, offset = divmod(row, self.page_size)
        rows = self._pages.get(page)
        return rows is not None and offset < len(rows)

    def cached_row_of(self, application_id: int) -> int | None:
        """The place of the application with this id among the rows read (None if not read)."""
        for page, rows in self._pages.items():
            for offset, row in enumerate(rows):
                if row.id == application_id:
                    return page * self.page_size + offset
        return None

    def update_row(self, new: LedgerRow) -> bool:
        """Show a changed application in place (found by its id among the rows read)."""
        place = self.cached_row_of(new.id)
        if place is None:
            return False
        page, offset = divmod(place, self.page_size)
        self._pages[page][offset] = new
        self.dataChanged.emit(self.index(place, 0), self.index(place, len(COLUMNS) - 1))
        return True

    # --- reading pages --------------------------------------------------------------------------

    def _page(self, page: int, *, wait: bool = False) -> list[LedgerRow] | None:
        rows = self._pages.get(page)
        if rows is not None:
            self._pages.move_to_end(page)
            return rows
        if page in self._failed and not wait:
            return None
        plan = self._plan(page)
        if plan is None:
            return None
        if wait or plan.cost <= self.sync_rows:
            return self._read_now(page, plan)
        self._want(page)
        return None

    def _plan(self, page: int, *, growing: bool = False) -> PagePlan | None:
        """The cheapest way to read `page` (the services' planner); None for a page past the
        rows shown, unless `growing`: the page after them (fetchMore, the first page)."""
        if page * self.page_size >= self.rowCount() and not growing:
            return None
        total = self._total if self._trust_total else None
        return self._anchors.plan(page, size=self.page_size, total=total)

    def _read_now(self, page: int, plan: PagePlan | None = None) -> list[LedgerRow] | None:
        plan = plan or self._plan(page)
        if plan is None or self._store is None or self._filter is None:
            return None
        try:
            rows = self._call(self._store, self._filter, plan)
        except Exception as exc:  # shown by the page as a message, not raised into painting
            log.warning("ledger page %s could not be read: %s", page, type(exc).__name__)
            self._failed.add(page)
            from PySide6.QtCore import QTimer

            error = exc  # `exc` is unbound when the except block ends
            QTimer.singleShot(0, lambda: self.failed.emit(error))
            return None
        self._keep(page, rows)
        return rows

    def _call(self, store: Store, filter_: LedgerFilter, plan: PagePlan) -> list[LedgerRow]:
        rows = self._fetch(
            store,
            filter_,
            limit=plan.limit,
            offset=plan.offset,
            after_id=plan.after_id,
            backwards=plan.backwards,
        )
        self.fetches += 1
        self.rows_fetched += len(rows)
        return rows

    def _keep(self, page: int, rows: list[LedgerRow]) -> None:
        self._failed.discard(page)
        self._wanted.pop(page, None)
        self._pages[page] = rows
        self._pages.move_to_end(page)
        while len(self._pages) > self.cache_pages:
            self._pages.popitem(last=False)
        if rows:
            self._anchors.add(page, rows[0].id, rows[-1].id)

    def _want(self, page: int) -> None:
        self._wanted[page] = None
        self._wanted.move_to_end(page)
        while len(self._wanted) > WANTED_PAGES:
            self._wanted.popitem(last=False)
        if self._reading is None:
            from PySide6.QtCore import QTimer

            # Not from inside data(): the view is painting.
            QTimer.singleShot(0, self._read_next)

    def _read_next(self) -> None:
        if self._reading is not None:
            return
        while self._wanted:
            page, _ = self._wanted.popitem(last=True)  # the newest request first
            if page in self._pages:
                continue
            plan = self._plan(page)
            if plan is None:
                continue
            if plan.cost <= self.sync_rows:  # a neighbour arrived meanwhile
                if self._read_now(page, plan) is not None:
                    self._page_changed(page)
                continue
            self._read_later(page, plan)
            return
        self.busy_changed.emit(self.busy)

    def _read_later(self, page: int, plan: PagePlan) -> None:
        from desktop_app.ui.tasks import run_task

        store, filter_, generation = self._store, self._filter, self._generation
        assert store is not None and filter_ is not None
        self._reading = page

        def work(_progress: object) -> list[LedgerRow]:
            return self._fetch(
                store,
                filter_,
                limit=plan.limit,
                offset=plan.offset,
                after_id=plan.after_id,
                backwards=plan.backwards,
            )

        def done(rows: list[LedgerRow]) -> None:
            if generation != self._generation:
                return
            self._reading = None
            self.fetches += 1
            self.rows_fetched += len(rows)
            self._keep(page, rows)
            self._page_changed(page)
            self._read_next()

        def failed(exc: BaseException) -> None:
            if generation != self._generation:
                return
            self._reading = None
            self._failed.add(page)
            self._page_changed(page)
            self.failed.emit(exc)
            self._read_next()

        self.busy_changed.emit(True)
        run_task(None, work, on_done=done, on_error=failed)

    def _page_changed(self, page: int) -> None:
        first = page * self.page_size
        last = min(first + self.page_size, self.rowCount()) - 1
        if last >= first:
            self.dataChanged.emit(self.index(first, 0), self.index(last, len(COLUMNS) - 1))
