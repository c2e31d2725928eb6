"""Qt's own dialogs speak Chinese: file dialogs, message boxes' standard buttons, printing.

The translations are installed as the program installs them at start-up (the conftest's
session fixture calls the same function as `make_application`).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from PySide6.QtCore import QLocale, QTimer
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QDialogButtonBox,
    QFileDialog,
    QGroupBox,
    QLabel,
    QMessageBox,
    QPushButton,
    QWidget,
)

from desktop_app.ui import translations

ENGLISH = re.compile(r"[A-Za-z]{3,}")


def _plain(text: str) -> str:
    return text.replace("&", "")


def _words(widget: QWidget, *, captions: bool = False) -> list[str]:
    """Every label, button, group title and tool tip a person sees in `widget`. `captions`:
    of the labels only those naming a field (ending in a colon), not the values shown beside
    them (a printer's location or driver, from the system)."""
    found = [widget.windowTitle()]
    for child in widget.findChildren(QWidget):
        if not child.isVisibleTo(widget):
            continue
        found.append(child.toolTip())
        if isinstance(child, QLabel) and (not captions or child.text().endswith((":", "："))):
            found.append(child.text())
        if isinstance(child, QAbstractButton):
            found.append(child.text())
        if isinstance(child, QGroupBox):
            found.append(child.title())
    return [text for text in found if text]


def _english(words: list[str], allowed: tuple[str, ...] = ()) -> list[str]:
    return [w for w in words if ENGLISH.search(w) and not any(a in w for a in allowed)]


def test_the_catalogue_comes_from_the_installed_pyside6(qapp: Any) -> None:
    import PySide6

    catalogue = translations.translations_dir() / "qtbase_zh_CN.qm"
    assert catalogue.is_file()
    assert Path(PySide6.__file__).parent in catalogue.resolve().parents
    assert translations.missing() is None
    assert QLocale().name() == "zh_CN"


def test_a_save_dialog_reads_保存_and_取消(qtbot: Any, tmp_path: Path) -> None:
    (tmp_path / "台账.xlsx").write_bytes(b"")
    dialog = QFileDialog(None, "导出台账", str(tmp_path), "Excel 工作簿 (*.xlsx)")
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog)
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    buttons = [_plain(b.text()) for b in dialog.findChild(QDialogButtonBox).buttons()]
    assert sorted(buttons) == ["保存(S)", "取消"]
    assert not {"Save", "Cancel"} & set(buttons)
    labels = [_plain(label.text()) for label in dialog.findChildren(QLabel) if label.text()]
    assert "查找范围(L)：" in labels and "文件名称(N)：" in labels and "文件类型(T)：" in labels
    assert _english(_words(dialog), allowed=("Excel", "xlsx", str(tmp_path))) == []


def test_an_open_dialog_in_detail_view_has_chinese_columns_and_dates(
    qtbot: Any, tmp_path: Path
) -> None:
    (tmp_path / "manual-20261121.sqlite3").write_bytes(b"")
    (tmp_path / "backups").mkdir()
    dialog = QFileDialog(None, "选择备份文件", str(tmp_path))
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog)
    dialog.setViewMode(QFileDialog.ViewMode.Detail)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    buttons = {_plain(b.text()) for b in dialog.findChild(QDialogButtonBox).buttons()}
    assert buttons == {"打开(O)", "取消"}
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QTreeView

    view = dialog.findChild(QTreeView)
    model = view.model()
    columns = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    assert columns and _english([str(c) for c in columns]) == [], columns
    qtbot.waitUntil(lambda: model.rowCount(view.rootIndex()) == 2)
    rows = {
        model.index(r, 0, view.rootIndex()).data(): [
            model.index(r, c, view.rootIndex()).data() for c in range(4)
        ]
        for r in range(2)
    }
    assert rows["backups"][2] == "文件夹"
    # A file's kind is its MIME type's description (from the system), else "<suffix> 文件".
    assert rows["manual-20261121.sqlite3"][2] != "sqlite3 File"
    modified = rows["manual-20261121.sqlite3"][3]
    # The date column is formatted by the system's regional setting (QLocale.system(): a
    # Chinese Windows gives 2026/11/21 9:30); at least no English month or AM/PM.
    assert modified and not ENGLISH.search(modified) and "M" not in modified, modified
    assert _english(_words(dialog), allowed=(str(tmp_path),)) == []


def test_message_box_standard_buttons_are_chinese(qtbot: Any) -> None:
    box = QMessageBox(
        QMessageBox.Icon.Question,
        "确认",
        "要继续吗？",
        QMessageBox.StandardButton.Ok | QMessageBox.StandardButton.Cancel,
    )
    qtbot.addWidget(box)
    assert box.button(QMessageBox.StandardButton.Cancel).text() == "取消"
    assert box.button(QMessageBox.StandardButton.Ok).text() == "确定"
    box.setStandardButtons(
        QMessageBox.StandardButton.Yes
        | QMessageBox.StandardButton.No
        | QMessageBox.StandardButton.Close
    )
    texts = {_plain(b.text()) for b in box.buttons()}
    assert not _english(sorted(texts)), texts


def test_the_print_dialog_and_its_options_are_chinese(qtbot: Any) -> None:
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)  # kept: the dialog uses it
    dialog = QPrintDialog(printer)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    buttons = {_plain(b.text()) for b in dialog.findChildren(QPushButton)}
    assert {"打印(P)", "取消"} <= buttons
    options = next(b for b in dialog.findChildren(QPushButton) if b.text().startswith("选项"))
    options.click()  # shows the copies, page set and colour options
    # Printer names, locations and paper sizes come from the system; the rest is Qt's.
    assert _english(_words(dialog, captions=True), allowed=("PDF", "...")) == []

    seen: list[list[str]] = []

    def read_properties() -> None:
        shown = QApplication.activeModalWidget()
        if shown is None or shown is dialog:
            QTimer.singleShot(10, read_properties)
            return
        seen.append(_words(shown, captions=True))
        shown.close()

    properties = next(b for b in dialog.findChildren(QPushButton) if b.text().startswith("属性"))
    QTimer.singleShot(0, read_properties)
    properties.click()  # the page setup (paper, orientation, pages per sheet): modal
    qtbot.waitUntil(lambda: bool(seen))
    assert seen[0] and _english(seen[0]) == [], seen[0]


def test_the_supplement_catalogue_is_built_from_its_source(qapp: Any) -> None:
    """resources/translations/*.qm is compiled from the .ts beside it (pyside6-lrelease)."""
    import xml.etree.ElementTree as ET

    from PySide6.QtCore import QTranslator

    folder = translations.extra_dir()
    source = ET.parse(folder / f"{translations.EXTRA}.ts").getroot()
    compiled = QTranslator()
    assert compiled.load(translations.EXTRA, str(folder))
    pairs = [
        (context.findtext("name"), message.findtext("source"), message.findtext("translation"))
        for context in source.iter("context")
        for message in context.iter("message")
    ]
    assert pairs
    for context, text, translated in pairs:
        assert compiled.translate(context, text) == translated, (context, text)
