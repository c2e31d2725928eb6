"""Refusing a file that is not a workbook, and writing one so that no half file is ever left.

Every file that is not a usable .xlsx gets an `ExchangeError` with a Chinese message that
says what to do: missing, unreadable, not Excel, the old .xls format, password-protected
(Office encrypts such files into an OLE container); the reader (`xlsx_reader.XlsxBook`) adds
damaged and abnormally large. Workbooks are written by `xlsx_writer`, through a temporary
file (`save_atomically`).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from desktop_app.exchange.errors import ExchangeError, Problem
from desktop_app.exchange.xlsx_writer import XlsxWriter

_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_MARKS = ("EncryptionInfo".encode("utf-16-le"), "EncryptedPackage".encode("utf-16-le"))


def refuse_non_xlsx(path: Path) -> None:
    """An ExchangeError unless `path` is a file that may be an .xlsx workbook (a zip)."""
    name = path.name
    try:
        with path.open("rb") as handle:
            head = handle.read(8)
            ole_sample = handle.read(1 << 20) if head == _OLE else b""
    except FileNotFoundError:
        raise ExchangeError(f"找不到文件：{path}。请检查文件名和文件夹。") from None
    except IsADirectoryError:
        raise ExchangeError(f"{path} 是文件夹，不是 Excel 文件。") from None
    except OSError as exc:
        raise ExchangeError(f"无法读取文件 {name}：{exc.strerror or exc}。") from None
    if not head:
        raise ExchangeError(f"文件 {name} 是空的（0 字节），不是 Excel 工作簿。")
    if head == _OLE:
        if any(mark in ole_sample for mark in _ENCRYPTED_MARKS):
            raise ExchangeError(
                f"文件 {name} 设置了打开密码，程序无法读取。请在 Excel 中打开它，"
                "在“文件 → 信息 → 保护工作簿 → 用密码进行加密”中删除密码后另存，再导入。"
            )
        raise ExchangeError(
            f"文件 {name} 是旧的 Excel 97–2003 格式（.xls）。请在 Excel 中打开，"
            "“另存为” Excel 工作簿（*.xlsx）后再导入。"
        )
    if head[:4] != _ZIP:
        raise ExchangeError(
            f"文件 {name} 不是 Excel 工作簿（.xlsx）。请选择用 Excel 或 WPS 保存的 .xlsx 文件。"
        )


def _fsync(path: Path) -> None:
    with path.open("rb") as handle:
        os.fsync(handle.fileno())


def save_atomically(path: Path, write: Callable[[Path], None]) -> None:
    """Call `write(temporary)` and move the result to `path` only if it succeeded.

    The temporary file sits beside `path` (same disk, so the move is atomic); a failure or a
    cancellation (any exception) removes it and leaves `path` as it was."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path()
    if not folder.is_dir():
        raise ExchangeError(f"文件夹不存在：{folder}。请先建好文件夹，或换一个位置。")
    handle, name = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".xlsx.part", dir=folder)
    os.close(handle)
    temporary = Path(name)
    try:
        write(temporary)
        _fsync(temporary)
        temporary.replace(path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


PROBLEM_HEADER = ("工作表", "行", "列", "问题")
PROBLEM_WIDTHS = (14, 8, 18, 80)


def save_problems(path: Path, problems: Sequence[Problem], *, title: str = "问题") -> None:
    """The problems of an import as a workbook: one a row (sheet, row, column, message),
    under a frozen header with an auto-filter."""

    def write(target: Path) -> None:
        with XlsxWriter(target) as book:
            sheet = book.add_sheet(title, widths=PROBLEM_WIDTHS, freeze_header=True)
            sheet.append(PROBLEM_HEADER)
            for problem in problems:
                sheet.append(
                    [problem.sheet or None, problem.row, problem.column or None, problem.message]
                )
            sheet.auto_filter = f"A1:D{len(problems) + 1}"

    save_atomically(path, write)
