"""目录: every scheme's catalogue and rates, each with its source, searchable like the intake.

The search box finds rows by name, code, pinyin or initials (the same search as 受理); the
scheme box narrows to one scheme. The selected row's detail shows the scheme, its document,
the row's citation and each amount with its own source; beside it, the scheme's conditions
and rates. The catalogue is built off the GUI thread at start (`ctx.catalogue_ready`); the
page fills itself when that arrives or when it is first shown, whichever comes first.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QModelIndex, QObject, Qt, QTimer
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from desktop_app.ui.access import gate
from desktop_app.ui.context import AppContext
from desktop_app.ui.pages.base import Page

if TYPE_CHECKING:
    from desktop_app.domain.policy import Policy
    from desktop_app.services.catalogue import CatalogueRow
    from desktop_app.ui.models.catalogue_model import CatalogueModel

ALL_SCHEMES = ""  # the scheme box's data for 全部


class CataloguePage(Page):
    title = "目录"

    def __init__(self, ctx: AppContext) -> None:
        super().__init__(ctx)
        self.setObjectName("cataloguePage")
        self.model: CatalogueModel | None = None
        self._all_rows: list[CatalogueRow] = []
        self._policies: dict[str, Policy] = {}
        self._filled = False

        heading = QLabel("补助目录")
        heading.setObjectName("pageHeading")
        font = heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        heading.setFont(font)

        self.search = QLineEdit()
        self.search.setObjectName("catalogueSearch")
        self.search.setPlaceholderText("输入名称、代码或拼音（如 wrj、4-02-04-06）")
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName("查找目录")
        search_label = QLabel("查找(&S)：")
        search_label.setBuddy(self.search)

        self.scheme = QComboBox()
        self.scheme.setObjectName("catalogueScheme")
        self.scheme.setAccessibleName("补助方案")
        self.scheme.addItem("全部方案", ALL_SCHEMES)
        self.scheme.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        scheme_label = QLabel("方案(&A)：")
        scheme_label.setBuddy(self.scheme)

        self.count = QLabel("正在载入目录…")
        self.count.setObjectName("catalogueCount")
        self.count.setMinimumWidth(
            self.count.fontMetrics().horizontalAdvance("找到 0000 项（共 0000 项）")
        )

        top = QHBoxLayout()
        top.addWidget(search_label)
        top.addWidget(self.search, 3)
        top.addSpacing(12)
        top.addWidget(scheme_label)
        top.addWidget(self.scheme, 1)
        top.addSpacing(12)
        top.addWidget(self.count)
        self.import_button = QPushButton("导入新版目录(&I)…")
        self.import_button.setObjectName("catalogue_import_button")
        self.import_button.setToolTip(
            "从主管部门发布的 Excel 目录导入新版本：先列出增加、删除、档次变化，确认后才写入"
        )
        self.import_button.clicked.connect(self.open_import)
        top.addWidget(self.import_button)

        self.table = QTableView()
        self.table.setObjectName("catalogueTable")
        self.table.setAccessibleName("目录条目")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setHighlightSections(False)

        self.detail = QTextBrowser()
        self.detail.setObjectName("catalogueDetail")
        self.detail.setAccessibleName("所选条目的详细情况")
        self.detail.setOpenLinks(False)
        self.detail.setPlaceholderText("选中一行，这里显示它的出处和每一档补助标准的依据。")
        self.rates = QTextBrowser()
        self.rates.setObjectName("catalogueRates")
        self.rates.setAccessibleName("方案的条件和补助标准")
        self.rates.setOpenLinks(False)

        lower = QSplitter(Qt.Orientation.Horizontal)
        lower.addWidget(self._titled("所选条目", self.detail))
        lower.addWidget(self._titled("方案的条件和补助标准", self.rates))
        lower.setStretchFactor(0, 1)
        lower.setStretchFactor(1, 1)
        lower.setChildrenCollapsible(False)

        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(lower)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 1)
        split.setChildrenCollapsible(False)
        self.splitter = split

        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.addWidget(heading)
        layout.addLayout(top)
        layout.addWidget(split, 1)

        QWidget.setTabOrder(self.search, self.scheme)
        QWidget.setTabOrder(self.scheme, self.table)
        QWidget.setTabOrder(self.table, self.detail)
        QWidget.setTabOrder(self.detail, self.rates)

        self.search.textChanged.connect(self._refilter)
        self.search.installEventFilter(self)
        self.table.installEventFilter(self)
        self.scheme.currentIndexChanged.connect(self._refilter)
        find = QShortcut(QKeySequence.StandardKey.Find, self)
        find.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        find.activated.connect(self.focus_search)
        ctx.catalogue_ready.connect(self._catalogue_ready)

    @staticmethod
    def _titled(title: str, widget: QWidget) -> QWidget:
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 6, 0, 0)
        label = QLabel(title)
        label.setBuddy(widget)
        font = label.font()
        font.setBold(True)
        label.setFont(font)
        layout.addWidget(label)
        layout.addWidget(widget, 1)
        return box

    # --- Page ------------------------------------------------------------------------------------

    def section_shown(self) -> None:
        gate(self.import_button, self.ctx, "catalogue.import")
        if not self._filled and self.window().isVisible():
            self.fill()
        self.focus_search()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._filled:
            # Shown at start (the last section used): fill once the window is up.
            QTimer.singleShot(0, self._fill_if_needed)

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    # --- filling -------------------------------------------------------------------------------

    def open_import(self) -> None:
        from desktop_app.ui.exchange.catalogue_import import CatalogueImportDialog

        dialog = CatalogueImportDialog(self.ctx, self)
        dialog.open()
        self.import_dialog = dialog

    def _catalogue_ready(self) -> None:
        self._fill_if_needed()

    def _fill_if_needed(self) -> None:
        if not self._filled:
            self.fill()

    def fill(self) -> None:
        """Load every scheme's rows (the catalogue search is built on first use)."""
        from desktop_app.services.catalogue import catalogue_rows
        from desktop_app.services.policies import policy_set
        from desktop_app.ui.errors import show_error
        from desktop_app.ui.models.catalogue_model import CatalogueModel

        try:
            self.ctx.catalogue()  # the search, built now unless ready already
            policies = sorted(policy_set(), key=lambda p: (-(p.year or 0), p.id))
            rows = catalogue_rows(policy_set())
        except Exception as exc:
            self.count.setText("目录无法载入")
            show_error(self, exc, "目录无法载入")
            return
        order = {policy.id: n for n, policy in enumerate(policies)}
        self._all_rows = sorted(rows, key=lambda r: order.get(r.policy.id, len(order)))
        self._policies = {policy.id: policy for policy in policies}
        self.scheme.blockSignals(True)
        while self.scheme.count() > 1:
            self.scheme.removeItem(1)
        for policy in policies:
            self.scheme.addItem(policy.short_name, policy.id)
            self.scheme.setItemData(
                self.scheme.count() - 1, policy.name, Qt.ItemDataRole.ToolTipRole
            )
        self.scheme.blockSignals(False)
        if self.model is None:
            self.model = CatalogueModel(parent=self)
            self.table.setModel(self.model)
            self.table.selectionModel().currentRowChanged.connect(self._current_changed)
            self.model.modelReset.connect(self._after_reset)
        self._filled = True
        self._refilter()
        header = self.table.horizontalHeader()
        # Widths from every row once, so they do not jump while the clerk types.
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        self.table.resizeColumnsToContents()
        # Long names and level lists are cut (the tooltip and the detail show them whole).
        for column, widest in ((1, 240), (5, 170)):
            if header.sectionSize(column) > widest:
                header.resizeSection(column, widest)

    def selected_scheme(self) -> str:
        return str(self.scheme.currentData() or ALL_SCHEMES)

    def _refilter(self, *_args: object) -> None:
        if not self._filled or self.model is None:
            return
        query = self.search.text().strip()
        scheme = self.selected_scheme()
        rows = self.ctx.catalogue().search(query, limit=None) if query else self._all_rows
        if scheme:
            rows = [row for row in rows if row.policy.id == scheme]
        self.model.set_rows(rows)
        total = sum(1 for r in self._all_rows if not scheme or r.policy.id == scheme)
        if query:
            self.count.setText(f"找到 {len(rows)} 项（共 {total} 项）")
        else:
            self.count.setText(f"共 {total} 项")
        self._show_scheme(scheme or None)

    def _after_reset(self) -> None:
        if self.model is not None and self.model.rowCount() > 0:
            self.table.setCurrentIndex(self.model.index(0, 0))
        else:
            self._show_row(None)

    # --- keyboard --------------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            key = event.key()
            if watched is self.search and key in (
                Qt.Key.Key_Down,
                Qt.Key.Key_Return,
                Qt.Key.Key_Enter,
                Qt.Key.Key_PageDown,
            ):
                self._enter_table()
                return True
            if watched is self.table:
                at_top = self.table.currentIndex().row() <= 0
                if key == Qt.Key.Key_Escape or (key == Qt.Key.Key_Up and at_top):
                    self.focus_search()
                    return True
        return super().eventFilter(watched, event)

    def _enter_table(self) -> None:
        if self.model is None or self.model.rowCount() == 0:
            return
        if not self.table.currentIndex().isValid():
            self.table.setCurrentIndex(self.model.index(0, 0))
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)

    # --- detail ----------------------------------------------------------------------------------

    def current_row(self) -> CatalogueRow | None:
        if self.model is None:
            return None
        return self.model.row_at(self.table.currentIndex().row())

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        row = self.model.row_at(current.row()) if self.model is not None else None
        self._show_row(row)
        if row is not None and not self.selected_scheme():
            self._show_scheme(row.policy.id)

    def _show_row(self, row: CatalogueRow | None) -> None:
        self.detail.setHtml(row_html(row) if row is not None else "")

    def _show_scheme(self, scheme_id: str | None) -> None:
        if scheme_id is None:
            row = self.current_row()
            scheme_id = row.policy.id if row is not None else None
        policies = (
            [self._policies[scheme_id]]
            if scheme_id in self._policies
            else list(self._policies.values())
        )
        self.rates.setHtml("<hr/>".join(scheme_html(policy) for policy in policies))


# --- HTML of the detail panes (presentation only) -------------------------------------------------

_CELL = 'style="padding:2px 8px 2px 0; vertical-align:top;"'
_SOURCE = 'style="color:#555;"'


def _rows(pairs: list[tuple[str, str]]) -> str:
    return "".join(
        f"<tr><td {_CELL}><b>{escape(k)}</b></td><td {_CELL}>{escape(v)}</td></tr>"
        for k, v in pairs
        if v
    )


def row_html(row: CatalogueRow) -> str:
    entry = row.entry
    title = escape(entry.name) + (f"　<code>{escape(entry.code)}</code>" if entry.code else "")
    facts: list[tuple[str, str]] = [
        ("补助方案", row.policy.name),
        ("依据文件", row.policy.document.title),
        ("证书类别", row.kind_label),
        ("补助档次", f"{entry.tier}档" if entry.tier else ""),
        ("可补助等级", row.levels_text),
        ("鉴定核发机构", entry.group.body if entry.group else ""),
        ("范围", entry.scope or ""),
        ("出处", entry.source.cite()),
    ]
    if entry.group is not None:
        facts.append(("等级依据", entry.group.source.cite()))
    amounts = "".join(
        f"<tr><td {_CELL}>{escape(line.condition)}</td>"
        f"<td {_CELL} align='right'><b>{line.amount}元</b></td>"
        f"<td {_CELL}><span {_SOURCE}>{escape(line.source)}</span></td></tr>"
        for line in row.amounts
    )
    if not amounts:
        amounts = f"<tr><td {_CELL}>（本方案未列补助标准）</td></tr>"
    return (
        f"<h3>{title}</h3>"
        f"<table>{_rows(facts)}</table>"
        "<p><b>补助标准</b></p>"
        f"<table><tr><th {_CELL} align='left'>等级／条件</th>"
        f"<th {_CELL} align='right'>金额</th><th {_CELL} align='left'>出处</th></tr>"
        f"{amounts}</table>"
    )


def scheme_html(policy: Policy) -> str:
    from desktop_app.services.settings_view import scheme_summary

    summary = scheme_summary(policy)

    def lines(items: Any) -> str:
        return "".join(
            f"<li>{escape(item.label + '：' if item.label != '条件' else '')}"
            f"{escape(item.text)}<br/><span {_SOURCE}>出处：{escape(item.source)}</span></li>"
            for item in items
        )

    return (
        f"<h3>{escape(summary.name)}</h3>"
        f"<p>依据：{escape(summary.document_title)}</p>"
        f"<p><b>受理条件</b></p><ul>{lines(summary.conditions)}</ul>"
        f"<p><b>证书类别和目录</b></p><ul>{lines(summary.kinds)}</ul>"
        f"<p><b>补助标准</b></p><ul>{lines(summary.rates)}</ul>"
        f"<p {_SOURCE}><b>技术信息</b>（供技术支持核对）<br/>"
        f"方案编号：{escape(policy.id)}<br/>政策文件指纹：{escape(summary.sha256[:16])}…</p>"
    )
