"""Opening a workbook someone hands in, and writing one so that no half file is ever left.

Every file that is not a usable .xlsx gets an `ExchangeError` with a Chinese message that
says what to do: missing, unreadable, not Excel, the old .xls format, password-protected
(Office encrypts such files into an OLE container), damaged.
"""

from __future__ import annotations

import os
import re
import tempfile
import zipfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet._read_only import ReadOnlyWorksheet

from desktop_app.exchange.errors import ExchangeError, Problem

_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_MARKS = ("EncryptionInfo".encode("utf-16-le"), "EncryptedPackage".encode("utf-16-le"))


def _refuse_non_xlsx(path: Path) -> None:
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


@contextmanager
def open_workbook(path: Path) -> Iterator[Any]:
    """A read-only (streaming) workbook: memory stays small however many rows it has.

    Formulas are kept as formulas (text beginning with "="), so they can be refused."""
    path = Path(path)
    _refuse_non_xlsx(path)
    try:
        book = load_workbook(path, read_only=True, data_only=False, keep_links=False)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, EOFError) as exc:
        raise ExchangeError(
            f"文件 {path.name} 已损坏或不是 Excel 工作簿，无法读取（{type(exc).__name__}）。"
            "请在 Excel 中打开并重新保存为 .xlsx 后再试。"
        ) from None
    except OSError as exc:
        raise ExchangeError(f"无法读取文件 {path.name}：{exc.strerror or exc}。") from None
    try:
        yield book
    finally:
        book.close()


_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+[0-9]+(?::[A-Z]+[0-9]+)?)"')


def merged_ranges(sheet: ReadOnlyWorksheet) -> list[str]:
    """The merged ranges of a read-only sheet (openpyxl does not read them in that mode).

    They sit after the rows in the sheet's XML; the file is scanned in pieces."""
    found: dict[int, str] = {}  # position in the XML → range (pieces overlap)
    start = 0  # position of `data` in the XML
    data = b""
    with sheet._get_source() as source:  # the sheet's XML inside the archive
        while True:
            piece = source.read(1 << 20)
            if not piece:
                break
            data = data[-200:] + piece
            start_of_data = start - min(len(data) - len(piece), 200)
            for match in _MERGE.finditer(data):
                found[start_of_data + match.start()] = match.group(1).decode()
            start += len(piece)
    return [found[position] for position in sorted(found)]


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


def save_problems(path: Path, problems: Sequence[Problem], *, title: str = "问题") -> None:
    """The problems of an import as a workbook: one a row (sheet, row, column, message)."""

    def write(target: Path) -> None:
        book = Workbook(write_only=True)
        sheet = book.create_sheet(title)
        for letter, width in zip("ABCD", (14, 8, 18, 80), strict=True):
            sheet.column_dimensions[letter].width = width
        sheet.freeze_panes = "A2"
        sheet.append(PROBLEM_HEADER)
        for problem in problems:
            sheet.append([problem.sheet, problem.row, problem.column, problem.message])
        sheet.auto_filter.ref = f"A1:D{len(problems) + 1}"
        book.save(target)

    save_atomically(path, write)


def discard(book: Workbook) -> None:
    """Close an unsaved write-only workbook's sheets and remove their temporary files
    (openpyxl keeps each sheet's rows in one until the workbook is saved)."""
    for sheet in book.worksheets:
        writer = getattr(sheet, "_writer", None)
        if writer is None:
            continue
        with suppress(Exception):
            sheet.close()
        with suppress(OSError):
            writer.cleanup()
