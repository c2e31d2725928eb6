"""交换文件 → 本站签名密钥 / 登记服务站公钥 (the signing keys, `services.exchange`).

`OwnKeyDialog` (at a station) shows the station's fingerprint large enough to read out on the
phone, exports the public key file for the district, and makes a new key on purpose when the
old file is lost or damaged (asked first: the district must register it again). `register_key`
(at the district) reads a station's key file, shows its station code and fingerprint and asks
the clerk, who compares it with the station by phone, before registering it.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.ui.access import gate
from desktop_app.ui.context import AppContext
from desktop_app.ui.exchange import common
from desktop_app.ui.questions import ask

KEY_FILTER = "公钥文件 (*.txt)"
_PHONE_HINT = (
    "请打电话给服务站，请对方在“台账 → 交换文件 → 本站签名密钥”中逐组读出指纹，"
    "与上面的指纹核对。完全一致时才登记；不一致时不要登记，并告知服务站。"
)


def choose_key_file(parent: QWidget | None, folder: Path) -> Path | None:
    """The system open dialog for a station's public key file; None when cancelled."""
    name, _filter = QFileDialog.getOpenFileName(parent, "登记服务站公钥", str(folder), KEY_FILTER)
    return Path(name) if name else None


def choose_key_target(parent: QWidget | None, suggested: Path) -> Path | None:
    """The system save dialog for the station's public key file; None when cancelled."""
    name, _filter = QFileDialog.getSaveFileName(parent, "导出本站公钥", str(suggested), KEY_FILTER)
    return Path(name) if name else None


def fingerprint_label(text: str, name: str) -> QLabel:
    """A fingerprint in a large fixed-width font, selectable."""
    label = QLabel(text)
    label.setObjectName(name)
    font = QFont("monospace")
    font.setStyleHint(QFont.StyleHint.Monospace)
    font.setPointSize(18)
    font.setBold(True)
    label.setFont(font)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class OwnKeyDialog(QDialog):
    """本站签名密钥: the fingerprint, 导出公钥文件…, 生成新密钥…."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("own_key")
        self.setWindowTitle("本站签名密钥")
        self.station = QLabel()
        self.station.setObjectName("own_key_station")
        self.fingerprint = fingerprint_label("", "own_key_fingerprint")
        self.status = QLabel()
        self.status.setObjectName("own_key_status")
        self.status.setWordWrap(True)
        note = QLabel(
            "本站导出的交换文件都用这把密钥签名。区总工会登记本站公钥时，请在电话中把上面的"
            "指纹逐组读给对方核对。密钥文件只在本机数据文件夹中，请勿复制给别人。"
        )
        note.setWordWrap(True)
        self.export_button = QPushButton("导出公钥文件(&E)…")
        self.export_button.setObjectName("own_key_export")
        self.export_button.clicked.connect(self.export_key)
        self.new_button = QPushButton("生成新密钥(&N)…")
        self.new_button.setObjectName("own_key_new")
        self.new_button.clicked.connect(self.new_key)
        gate(self.new_button, ctx, "exchange.keys")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        buttons.addButton(self.export_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.new_button, QDialogButtonBox.ButtonRole.ActionRole)
        layout = QVBoxLayout(self)
        layout.addWidget(self.station)
        layout.addWidget(self.fingerprint)
        layout.addWidget(note)
        layout.addWidget(self.status)
        layout.addWidget(buttons)
        self.resize(560, 260)
        self.refresh()

    def refresh(self) -> None:
        """Show the station's fingerprint (the key is made on first use), or why it cannot."""
        from desktop_app.services.exchange import signing_key

        try:
            info = signing_key.own_key(self.ctx.require_store(), actor=self.ctx.clerk)
        except Exception as exc:
            self.station.setText("")
            self.fingerprint.setText("（无法读取）")
            self.status.setText(common.error_text(exc))
            self.export_button.setEnabled(False)
            return
        self.station.setText(f"服务站 {info.station_code} {info.station_name} 的签名密钥指纹：")
        self.fingerprint.setText(info.fingerprint)
        self.export_button.setEnabled(True)

    def export_key(self) -> None:
        from desktop_app.services.exchange import signing_key

        store = self.ctx.require_store()
        here = self.ctx.station()
        code = here.code if here is not None else "本站"
        suggested = common.last_folder(self.ctx) / f"{code}-公钥.txt"
        path = choose_key_target(self, suggested)
        if path is None:
            return
        try:
            info = signing_key.export_public_key(store, path, actor=self.ctx.clerk)
        except Exception as exc:
            common.report(self, exc, "导出本站公钥")
            return
        common.remember_folder(self.ctx, path)
        self.status.setText(
            f"已导出公钥文件：{path}。请交给区总工会登记，并电话核对指纹 {info.fingerprint}。"
        )

    def new_key(self) -> None:
        from desktop_app.services.exchange import signing_key

        if not ask(
            self,
            "生成新密钥",
            "生成新的签名密钥吗？",
            yes="生成(&G)",
            no="取消(&C)",
            informative=(
                "只在原来的密钥文件丢失或损坏时才需要。生成后，区总工会必须重新登记本站的公钥，"
                "才能导入本站以后导出的文件；此操作记入审计记录。"
            ),
        ):
            return
        try:
            info = signing_key.new_key(self.ctx.require_store(), actor=self.ctx.clerk)
        except Exception as exc:
            common.report(self, exc, "生成新密钥")
            return
        self.refresh()
        self.status.setText(
            f"已生成新的签名密钥（指纹 {info.fingerprint}）。请导出公钥文件，交区总工会重新登记。"
        )


def register_key(ctx: AppContext, parent: QWidget | None) -> str | None:
    """登记服务站公钥…: choose the file, show its station and fingerprint, ask, register.
    Returns what was done in words (None when nothing was)."""
    from desktop_app.services.exchange import key_registry

    path = choose_key_file(parent, common.last_folder(ctx))
    if path is None:
        return None
    try:
        store = ctx.require_store()
        key = key_registry.read_key_file(path)
        old = key_registry.registered(store, key.station_code)
    except Exception as exc:
        common.report(parent, exc, "登记服务站公钥")
        return None
    replacing = old is not None and old.public_key != key.public_key
    warning = (
        f"\n\n注意：本机已登记该站的另一把公钥（指纹 {old.fingerprint}），登记后将被替换。"
        if replacing and old is not None
        else ""
    )
    if not ask(
        parent,
        "登记服务站公钥",
        f"服务站 {key.station_code}（{key.station_name}）的公钥指纹：\n\n{key.fingerprint}",
        yes="指纹一致，登记(&R)",
        no="取消(&C)",
        informative=_PHONE_HINT + warning,
    ):
        return None
    try:
        done = key_registry.register_key(store, key, actor=ctx.clerk)
    except Exception as exc:
        common.report(parent, exc, "登记服务站公钥")
        return None
    if done.unchanged:
        return f"服务站 {key.station_code} 的这把公钥已登记过。"
    if done.replaced is not None:
        return (
            f"已更换服务站 {key.station_code} 的公钥（原指纹 {done.replaced.fingerprint}），"
            "已记入审计记录。"
        )
    return f"已登记服务站 {key.station_code} 的公钥（指纹 {key.fingerprint}），已记入审计记录。"
