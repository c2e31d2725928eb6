"""Every error is a short Chinese dialog; a bug's details go to the log in the data folder."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from desktop_app.services.logs import setup_logging
from desktop_app.storage.errors import DiskFullError
from desktop_app.ui import errors


@pytest.fixture
def shown(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    seen: list[tuple[str, str]] = []
    monkeypatch.setattr(errors, "present", lambda _parent, title, text: seen.append((title, text)))
    return seen


def test_a_bug_in_a_slot_becomes_a_dialog_and_a_log_entry(
    qtbot: Any, home: Path, shown: list[tuple[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    from PySide6.QtWidgets import QPushButton

    log = setup_logging(home)
    errors.set_log_file(log)
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    errors.install_excepthook()
    button = QPushButton("保存")
    qtbot.addWidget(button)

    def broken() -> None:
        raise KeyError("身份证号 110102198503070011 卡号 6217000010001234569")

    button.clicked.connect(broken)
    # pytest-qt turns exceptions in slots into test failures; the hook is what a clerk gets.
    with qtbot.capture_exceptions() as raised:
        button.click()
    assert len(raised) == 1
    kind, exc, tb = raised[0]
    sys.excepthook(kind, exc, tb)
    assert len(shown) == 1
    title, text = shown[0]
    assert title == "出错了"
    assert "程序内部错误（KeyError）" in text
    assert str(log) in text
    assert "Traceback" not in text
    assert "110102198503070011" not in text  # personal numbers never shown or logged
    logged = log.read_text(encoding="utf-8")
    assert "Traceback" in logged and "broken" in logged
    assert "110102198503070011" not in logged
    assert "6217000010001234569" not in logged


def test_environment_faults_show_their_own_chinese_message(shown: list[tuple[str, str]]) -> None:
    errors.show_error(None, DiskFullError("磁盘已满，无法保存。请清理磁盘后重试。"))
    assert shown == [("出错了", "磁盘已满，无法保存。请清理磁盘后重试。")]
    assert errors.message_for(OSError(28, "No space left on device", "/x/y")).startswith(
        "文件操作失败：/x/y"
    )


def test_the_programs_own_refusals_show_their_message(shown: list[tuple[str, str]]) -> None:
    from desktop_app.exchange.errors import ExchangeError

    errors.show_error(None, ExchangeError("不是 Excel 文件：a.txt。请选择 .xlsx 文件。"))
    assert shown == [("出错了", "不是 Excel 文件：a.txt。请选择 .xlsx 文件。")]
    # Something else with a `message` attribute is still a bug, with the log's address.
    other = ValueError("x")
    other.message = "看起来像提示"  # type: ignore[attr-defined]
    assert errors.message_for(other).startswith("程序内部错误（ValueError）")
