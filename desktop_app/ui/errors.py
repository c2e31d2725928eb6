"""Every error becomes a short Chinese dialog, never a traceback.

`message_for(exc)` turns what the services raise into what a clerk reads: the store's and the
checks' own Chinese messages as they are; anything else is a bug, written with its traceback
to the log in the data folder, and the dialog says where that log is. `install_excepthook`
catches what escapes a slot or an event handler the same way.
"""

from __future__ import annotations

import logging
import sys
import traceback
from pathlib import Path
from types import TracebackType

from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from desktop_app.errors import clerk_message
from desktop_app.services.logs import scrub

log = logging.getLogger("desktop_app.ui")

_STATE: dict[str, Path | None] = {"log": None}


def set_log_file(path: Path | None) -> None:
    _STATE["log"] = path


def log_file() -> Path | None:
    return _STATE["log"]


def known_message(exc: BaseException) -> str | None:
    """The Chinese message of an error a clerk or the environment causes; None for a bug.

    Every such error derives from `desktop_app.errors.ClerkError` (or is the office PC's own
    `OSError`); nothing is recognised by its class name or its module."""
    return clerk_message(exc)


def message_for(exc: BaseException) -> str:
    known = known_message(exc)
    if known is not None:
        return known
    details = getattr(exc, "__traceback_text__", None) or "".join(
        traceback.format_exception(type(exc), exc, exc.__traceback__)
    )
    log.error("internal error: %s", details)
    where = f"详细情况已记入日志：\n{_STATE['log']}\n" if _STATE["log"] else ""
    return (
        f"程序内部错误（{type(exc).__name__}）：{scrub(str(exc))}\n\n"
        f"{where}刚才输入的内容没有丢失。请把这条信息告诉维护人员。"
    )


def present(parent: QWidget | None, title: str, text: str) -> None:
    """Show an error dialog (tests replace this to read the text without a modal loop)."""
    QMessageBox.critical(parent, title, text)


def show_error(parent: QWidget | None, exc: BaseException, title: str = "出错了") -> None:
    present(parent, title, message_for(exc))


def _hook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
    if issubclass(kind, KeyboardInterrupt):
        QApplication.quit()
        return
    exc.__traceback_text__ = "".join(traceback.format_exception(kind, exc, tb))  # type: ignore[attr-defined]
    try:
        show_error(QApplication.activeWindow(), exc)
    except Exception:  # pragma: no cover - the dialog itself failed: keep the log line
        log.exception("could not show the error dialog")


def install_excepthook() -> None:
    sys.excepthook = _hook
