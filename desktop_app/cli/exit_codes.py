"""Expected errors as the command line reports them: the Chinese message on stderr and the
exit code of `desktop_app/errors.py` (README lists them)."""

from __future__ import annotations

import sys

from desktop_app.errors import (
    ClerkError,
    exit_code,
)


def known_error(exc: Exception) -> int | None:
    """Print an expected error's Chinese message; return its exit code (None: a bug).

    Expected means a `ClerkError` (its own message and exit code, desktop_app/errors.py) or
    the office PC's `OSError` (a folder that is read-only, a full disk)."""
    if isinstance(exc, ClerkError):
        if exc.field:  # the input path at fault, as README shows
            print(f"输入有误：{exc.field}：{exc.message}", file=sys.stderr)
        else:
            print(exc.message, file=sys.stderr)
        return exc.exit_code
    if isinstance(exc, OSError) and exc.strerror:
        print(
            f"无法写入 {exc.filename or '文件'}：{exc.strerror}。"
            "请检查文件夹是否可写、磁盘是否已满。",
            file=sys.stderr,
        )
        return exit_code(exc)
    return None
