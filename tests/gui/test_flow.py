"""The issue's whole flow across sections: 受理 by keyboard, then find it in 台账."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget

from tests.gui.conftest import make_id
from tests.gui.test_intake import Dialogs, drone_pilot, focused, said, text_of  # noqa: F401
from tests.gui.test_ledger import type_text

CTRL = Qt.KeyboardModifier.ControlModifier


def _find(window: Any, qtbot: Any, text: str) -> list[list[str]]:
    """Ctrl+2, type into the ledger's search box, Enter; the rows shown."""
    qtbot.keyClick(focused(), Qt.Key.Key_2, CTRL)
    page = window.ledger
    assert window.section() == "ledger"
    qtbot.waitUntil(lambda: focused().objectName() == "ledger_search")
    box = focused()
    box.selectAll()
    qtbot.keyClick(box, Qt.Key.Key_Delete)
    type_text(qtbot, box, text)
    qtbot.keyClick(box, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not page.model.busy and page.model.total is not None)
    model = page.model
    return [
        [str(model.index(r, c).data() or "") for c in range(model.columnCount())]
        for r in range(model.rowCount())
    ]


def test_type_wrj_save_and_find_it_in_the_ledger(qtbot: Any, window: Any, said: Any) -> None:  # noqa: F811
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None)
    assert focused().objectName() == "catalogue_search"
    qtbot.keyClicks(focused(), "wrj")
    qtbot.keyClick(focused(), Qt.Key.Key_Return)
    id_number = make_id(42)
    drone_pilot(qtbot, window.intake, id_number, name="李秀英", search=False)
    assert text_of(window.intake, "decision_headline") == "可补助 1800 元"
    with qtbot.waitSignal(window.ctx.applications_changed) as changed:
        qtbot.keyClick(focused(), Qt.Key.Key_S, CTRL)
    receipt = changed.args[0]
    assert receipt in text_of(window.intake, "receipt_label")

    by_name = _find(window, qtbot, "李秀英")
    assert len(by_name) == 1
    row = by_name[0]
    assert receipt in row and "李秀英" in row and "1800" in " ".join(row)
    # The ID number is masked in the list: its birth date and serial are hidden.
    assert id_number not in row
    shown_id = next(cell for cell in row if cell.startswith(id_number[:6]))
    assert "*" in shown_id and shown_id[-1] == id_number[-1]

    by_receipt = _find(window, qtbot, receipt)
    assert [r[0] for r in by_receipt] == [receipt] or receipt in by_receipt[0]
    assert len(by_receipt) == 1
    # A whole receipt number (typed, or scanned from the receipt's QR code) opens it too.
    detail = window.ledger.detail
    qtbot.waitUntil(lambda: detail is not None and detail.isVisible())
    assert detail.windowTitle() == f"申请详情 {receipt}"
    qtbot.keyClick(detail, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not detail.isVisible())
    window.activateWindow()  # as a desktop's window manager does (offscreen has none)
    qtbot.waitUntil(lambda: focused() is not None and focused().objectName() == "ledger_search")

    # Back to 受理 with Ctrl+1: the search box has the focus again for the next member.
    qtbot.keyClick(focused(), Qt.Key.Key_1, CTRL)
    qtbot.keyClick(focused(), Qt.Key.Key_N, CTRL)
    qtbot.waitUntil(lambda: focused().objectName() == "catalogue_search")
    assert isinstance(focused(), QWidget)
