"""One base for every error a clerk can cause (desktop_app/errors.py): message, field, exit code.

The window and the command line report an error by what it is (a `ClerkError`), never by its
class name, its module or whether it happens to have a `message`."""

from __future__ import annotations

import errno

import pytest

from desktop_app import errors
from desktop_app.domain.facts import InputError
from desktop_app.domain.policy import PolicyError
from desktop_app.exchange.errors import ExchangeError
from desktop_app.services.backups import BackupRefusedError
from desktop_app.services.catalogue_import import CatalogueImportError
from desktop_app.services.policies import SchemeUnavailableError
from desktop_app.services.printing import PrintCancelledError, PrintRefusedError
from desktop_app.services.station_settings import StationNotSetError
from desktop_app.storage import errors as store_errors


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (InputError("certificate.level", "应为整数"), errors.EXIT_INPUT),
        (PolicyError("x.toml", "rates", "缺少"), errors.EXIT_POLICY),
        (SchemeUnavailableError("找不到补助方案“x”"), errors.EXIT_POLICY),
        (ExchangeError("不是交换文件"), errors.EXIT_INPUT),
        (CatalogueImportError("没有可导入的变化"), errors.EXIT_INPUT),
        (PrintRefusedError("还没有设置服务站"), errors.EXIT_INPUT),
        (PrintCancelledError(), errors.EXIT_INPUT),
        (StationNotSetError("还没有设置服务站"), errors.EXIT_INPUT),
        (BackupRefusedError("备份文件已存在"), errors.EXIT_INPUT),
        (store_errors.NotFoundError("没有受理编号"), errors.EXIT_INPUT),
        (store_errors.StatusChangeError("不能改为"), errors.EXIT_INPUT),
        (store_errors.DuplicateClaimError("已经申请过", {}), errors.EXIT_DUPLICATE),
        (store_errors.DatabaseLockedError("数据库正被占用"), errors.EXIT_STORE),
        (store_errors.DiskFullError("磁盘已满"), errors.EXIT_STORE),
        (store_errors.corrupt_database("/x.sqlite3"), errors.EXIT_STORE),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, Exception) else str(value),
)
def test_every_error_a_clerk_meets_has_its_message_and_exit_code(error, code) -> None:
    assert isinstance(error, errors.ClerkError)
    assert errors.exit_code(error) == code
    assert errors.clerk_message(error) == error.message and error.message


def test_input_error_keeps_its_field_and_its_text() -> None:
    error = InputError("certificate.level", "应为整数")
    assert error.field == "certificate.level" and error.message == "应为整数"
    assert str(error) == "certificate.level: 应为整数"
    assert isinstance(error, ValueError)


def test_a_bug_stays_a_bug_whatever_it_carries() -> None:
    """An exception of the program's own modules with a `message` is not thereby a clerk's
    message: only a ClerkError is (before, ui/errors.py guessed by the module name)."""
    lookalike = type("Lookalike", (Exception,), {"__module__": "desktop_app.services.x"})()
    lookalike.message = "看起来像提示"
    assert errors.clerk_message(lookalike) is None
    assert errors.exit_code(lookalike) == errors.EXIT_INTERNAL
    assert errors.clerk_message(KeyError("x")) is None


def test_the_office_pcs_own_failures_are_told_as_such() -> None:
    full = OSError(errno.ENOSPC, "No space left on device", "/media/u/台账.xlsx")
    assert "文件操作失败：/media/u/台账.xlsx（No space left on device）" in (
        errors.clerk_message(full) or ""
    )
    assert errors.exit_code(full) == errors.EXIT_STORE


def test_the_window_and_the_command_line_ask_the_base_not_the_modules() -> None:
    from pathlib import Path

    root = Path(errors.__file__).parent
    cli = (root / "cli" / "main.py").read_text(encoding="utf-8")
    window = (root / "ui" / "errors.py").read_text(encoding="utf-8")
    assert "sys.modules" not in cli
    assert "__module__" not in window and "storage.errors" not in window


def test_the_window_shows_a_clerk_error_as_its_message() -> None:
    pytest.importorskip("PySide6")
    from desktop_app.ui.errors import known_message

    assert known_message(store_errors.DatabaseLockedError("数据库正被占用")) == "数据库正被占用"
    assert known_message(ZeroDivisionError()) is None
