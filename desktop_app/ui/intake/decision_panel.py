"""The live decision: eligible or not and the amount, big, then every finding with its source."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QFrame, QLabel, QListView, QVBoxLayout, QWidget

from desktop_app.ui.intake.findings_model import FindingsModel

_STYLES = {
    "eligible": "color: #1b7a34;",
    "ineligible": "color: #b3261e;",
    "pending": "color: #555555;",
    "waiting": "color: #555555;",
}


class DecisionPanel(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("decision_panel")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.headline = QLabel()
        self.headline.setObjectName("decision_headline")
        font = self.headline.font()
        font.setPointSizeF(font.pointSizeF() * 2.0)
        font.setBold(True)
        self.headline.setFont(font)
        self.headline.setWordWrap(True)
        self.detail = QLabel()
        self.detail.setObjectName("decision_detail")
        self.detail.setWordWrap(True)
        self.model = FindingsModel(self)
        self.findings = QListView()
        self.findings.setObjectName("decision_findings")
        self.findings.setAccessibleName("补助依据")
        self.findings.setModel(self.model)
        self.findings.setWordWrap(True)
        self.findings.setUniformItemSizes(False)
        self.findings.setSpacing(3)
        self.findings.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.findings.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.findings.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        # Reachable by Tab at the end of the form, to scroll with the keyboard.
        self.findings.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        title = QLabel("补助结果")
        title.setStyleSheet("font-weight: bold;")
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(self.headline)
        layout.addWidget(self.detail)
        basis = QLabel("依据（✓ 符合　！ 请注意　… 待补充　✗ 不符合）")
        basis.setStyleSheet("font-weight: bold;")
        layout.addWidget(basis)
        layout.addWidget(self.findings, 1)
        self.show_waiting("请先在上方查找并选择职业（工种）")

    def show_waiting(self, text: str) -> None:
        self._set("waiting", "—", text)
        self.model.set_findings(())

    def show_problem(self, text: str) -> None:
        self._set("waiting", "无法计算", text)
        self.model.set_findings(())

    def show_decision(self, decision: Any, pending: list[str], note: str = "") -> None:
        """The decision as the clerk reads it while typing: red only for a real refusal;
        待补充 (neutral) with what is still to fill in while only facts are missing; the
        amount, with what saving still needs, once eligible. `pending` are field labels."""
        still = "、".join(pending)
        if decision.refused:
            failed = sum(1 for f in decision.findings if not f.passed and not f.missing)
            self._set("ineligible", "不符合条件", f"{failed} 项不符合（见下方 ✗）　{note}".strip())
        elif decision.eligible:
            detail = f"保存前还需填写：{still}" if pending else ""
            self._set(
                "eligible", f"可补助 {decision.amount} 元", "　".join(filter(None, [detail, note]))
            )
        else:
            self._set("pending", "待补充", "　".join(filter(None, [f"还需填写：{still}", note])))
        self.model.set_findings(decision.findings)

    def _set(self, state: str, headline: str, detail: str) -> None:
        self.state = state
        self.headline.setText(headline)
        self.headline.setStyleSheet(_STYLES[state])
        self.detail.setText(detail)
