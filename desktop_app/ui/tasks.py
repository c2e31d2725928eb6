"""Long work off the GUI thread, with success/failure callbacks and an optional progress dialog.

`run_task(parent, work, on_done=…, on_error=…, label=…)` runs `work(progress)` on Qt's global
thread pool. `progress(done, total)` may be called from the work to move the bar; it returns
False once the clerk pressed 取消, and the work should then stop (raise `CancelledError`). The
callbacks run on the GUI thread. Views never wait for the work: they get the result later.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget

log = logging.getLogger(__name__)

Progress = Callable[[int, int], bool]


class CancelledError(Exception):
    """The clerk pressed 取消; the work stopped and left nothing half-done."""


class _Signals(QObject):
    done = Signal(object)
    failed = Signal(object)
    progress = Signal(int, int)


class _Runnable(QRunnable):
    def __init__(self, work: Callable[[Progress], Any], signals: _Signals) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self._work = work
        self._signals = signals
        self.cancelled = False

    def _progress(self, done: int, total: int) -> bool:
        self._signals.progress.emit(done, total)
        return not self.cancelled

    def run(self) -> None:
        try:
            result = self._work(self._progress)
        except BaseException as exc:  # delivered to the GUI thread, shown as a dialog there
            exc.__traceback_text__ = traceback.format_exc()  # type: ignore[attr-defined]
            self._signals.failed.emit(exc)
        else:
            self._signals.done.emit(result)


class Task(QObject):
    """One piece of work in flight. Keeps its signals alive until the work ends."""

    finished = Signal()

    def __init__(self, parent: QObject | None) -> None:
        super().__init__(parent)
        self.signals = _Signals(self)
        self.runnable: _Runnable | None = None
        self.dialog: QProgressDialog | None = None
        self.running = True

    def cancel(self) -> None:
        if self.runnable is not None:
            self.runnable.cancelled = True


_LIVE: set[Task] = set()


def run_task(
    parent: QWidget | None,
    work: Callable[[Progress], Any],
    *,
    on_done: Callable[[Any], None] | None = None,
    on_error: Callable[[BaseException], None] | None = None,
    label: str | None = None,
    cancellable: bool = False,
) -> Task:
    """Start `work(progress)` off the GUI thread. With `label`, a progress dialog shows
    (after a short delay, so quick work does not flash one)."""
    task = Task(parent)
    _LIVE.add(task)
    if label is not None:
        dialog = QProgressDialog(label, "取消" if cancellable else "", 0, 0, parent)
        dialog.setWindowTitle("请稍候")
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(300)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        if not cancellable:
            dialog.setCancelButton(None)
        dialog.canceled.connect(task.cancel)
        task.dialog = dialog

        def move(done: int, total: int) -> None:
            dialog.setMaximum(max(total, 0))
            dialog.setValue(min(done, total) if total > 0 else 0)

        task.signals.progress.connect(move)

    def finish() -> None:
        task.running = False
        if task.dialog is not None:
            task.dialog.close()
            task.dialog.deleteLater()
            task.dialog = None
        _LIVE.discard(task)
        task.finished.emit()

    def done(result: Any) -> None:
        finish()
        if on_done is not None:
            on_done(result)

    def failed(exc: BaseException) -> None:
        finish()
        if on_error is not None:
            on_error(exc)
        else:
            from desktop_app.ui.errors import show_error

            show_error(parent, exc)

    task.signals.done.connect(done)
    task.signals.failed.connect(failed)
    task.runnable = _Runnable(work, task.signals)
    QThreadPool.globalInstance().start(task.runnable)
    return task


def wait_all(timeout_ms: int = 30_000) -> bool:
    """Wait for all running work (used at exit and in tests)."""
    return QThreadPool.globalInstance().waitForDone(timeout_ms)
