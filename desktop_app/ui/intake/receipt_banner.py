"""The receipt after saving: the 受理编号 large, a note below it, and the ways on (打印, 下一位)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout


class ReceiptBanner(QFrame):
    """Hidden until a save; the page fills `label` and `note` and connects the two buttons."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("receipt_banner")
        self.setStyleSheet("#receipt_banner { background: #e6f4ea; border: 1px solid #1b7a34; }")
        self.label = QLabel()
        self.label.setObjectName("receipt_label")
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = self.label.font()
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        self.label.setFont(font)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.next_button = QPushButton("下一位（Ctrl+N）")
        self.next_button.setObjectName("next_button")
        self.print_button = QPushButton("打印（Ctrl+P）")
        self.print_button.setObjectName("intake_print")
        layout = QHBoxLayout(self)
        text = QVBoxLayout()
        text.addWidget(self.label)
        text.addWidget(self.note)
        layout.addLayout(text, 1)
        layout.addWidget(self.print_button)
        layout.addWidget(self.next_button)
        self.hide()
