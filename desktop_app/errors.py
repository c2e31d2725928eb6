"""The one base of every error a clerk, a file or the office PC causes — not a bug.

`ClerkError` carries what every layer needs to report it the same way: `message` (Chinese,
says what to do), `field` (the input path at fault, or None) and `exit_code` (what the command
line exits with). The window shows `message` in a dialog (`ui/errors.py`), the command line
prints it and exits with `exit_code` (`cli/exit_codes.py`); neither looks at the concrete class.
Anything that is not a `ClerkError` (nor an `OSError` from the office PC) is a bug: logged with
its traceback, shown as an internal error.

The exit codes of the command line live here, once; README lists them.
"""

from __future__ import annotations

from typing import ClassVar

EXIT_OK = 0
EXIT_INTERNAL = 1  # a bug: the traceback is in the log
EXIT_INPUT = 2  # bad input or usage, or a request refused (not found, not allowed now)
EXIT_POLICY = 3  # a policy file that cannot be used
EXIT_DUPLICATE = 4  # the same claim was already saved
EXIT_AUDIT_BROKEN = 5  # the audit chain does not verify
EXIT_STORE = 6  # the database or a file cannot be used (disk full, locked, read-only, …)


class ClerkError(Exception):
    """An error with a Chinese message for the person at the counter; `str()` is the message."""

    exit_code: ClassVar[int] = EXIT_INPUT

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return self.message


def clerk_message(exc: BaseException) -> str | None:
    """The Chinese message of an error a clerk or the environment causes; None for a bug."""
    if isinstance(exc, ClerkError):
        return exc.message
    if isinstance(exc, OSError) and exc.strerror:
        where = f"：{exc.filename}" if exc.filename else ""
        return f"文件操作失败{where}（{exc.strerror}）。请检查磁盘空间和文件夹权限后重试。"
    return None


def exit_code(exc: BaseException) -> int:
    """What the command line exits with for `exc` (EXIT_INTERNAL for a bug)."""
    if isinstance(exc, ClerkError):
        return exc.exit_code
    if isinstance(exc, OSError) and exc.strerror:
        return EXIT_STORE
    return EXIT_INTERNAL
