"""A small streaming .xlsx writer: rows go straight into the archive as XML text.

openpyxl's write-only mode builds an XML element per cell (and, without lxml, serialises
each one on its own); at 100,000 rows × 37 columns that is most of an export's time. This
writer formats each row as text and compresses it into the archive as it comes, so memory
stays flat, and it writes what the exports need and no more: several sheets one after
another, column widths, a frozen header row, an auto-filter, a fixed set of cell styles
(`Style`), and text either inline or, for columns whose values repeat (`shared`), once in the
shared-string table (much smaller files that read faster; Excel, WPS and LibreOffice read
both). Dates and times are written as Excel serial numbers (1900 date system) with a date
format, numbers as numbers, booleans as booleans.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterable, Sequence
from contextlib import suppress
from datetime import date, datetime
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from openpyxl.utils import get_column_letter

from desktop_app.exchange.errors import ExchangeError


class Style:
    """Cell style numbers (the `cellXfs` written in styles.xml, in this order)."""

    PLAIN = 0
    HEADER = 1  # bold, light blue fill, centred (the ledger's headers)
    DATE = 2  # yyyy-mm-dd
    DATETIME = 3  # yyyy-mm-dd hh:mm:ss
    AMOUNT = 4  # #,##0
    BOLD = 5
    BOLD_AMOUNT = 6


_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/>'
    '<numFmt numFmtId="165" formatCode="yyyy-mm-dd hh:mm:ss"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="3"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill>'
    '<fill><patternFill patternType="solid"><fgColor rgb="FFDDEBF7"/><bgColor indexed="64"/>'
    "</patternFill></fill></fills>"
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="7">'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="2" borderId="0" xfId="0" applyFont="1" applyFill="1"'
    ' applyAlignment="1"><alignment horizontal="center" vertical="center"/></xf>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="3" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="3" fontId="1" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"'
    ' applyFont="1"/>'
    "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_EPOCH_ORDINAL = date(1899, 12, 30).toordinal()


def _escape(text: str) -> str:
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    if "\r" in text:
        text = text.replace("\r", "&#13;")
    return text


def _attribute(text: str) -> str:
    """`text` inside a double-quoted XML attribute."""
    return _escape(text).replace('"', "&quot;")


def _text_element(text: str) -> str:
    if _ILLEGAL.search(text):
        raise ExchangeError(
            f"文字“{_ILLEGAL.sub('?', text)[:40]}”含有 Excel 不能保存的控制字符，无法导出。"
            "请在程序中改正这一项后再导出。"
        )
    escaped = _escape(text)
    if text != text.strip() or "\n" in text:
        return f'<t xml:space="preserve">{escaped}</t>'
    return f"<t>{escaped}</t>"


def excel_serial(value: date) -> int | float:
    """A date (whole days) or a datetime as an Excel serial number (1900 date system)."""
    if isinstance(value, datetime):
        days = value.toordinal() - _EPOCH_ORDINAL
        seconds = value.hour * 3600 + value.minute * 60 + value.second
        seconds_f = seconds + value.microsecond / 1_000_000
        return days + seconds_f / 86400 if seconds_f else days
    return value.toordinal() - _EPOCH_ORDINAL


class SheetWriter:
    """One sheet being written: `append` rows, then `close` (done by the book)."""

    def __init__(
        self,
        book: XlsxWriter,
        stream: IO[bytes],
        widths: Sequence[float],
        freeze_header: bool,
        shared: Iterable[int],
    ) -> None:
        self.book = book
        self.stream = stream
        self.rows = 0
        self.auto_filter: str | None = None
        self._shared = frozenset(shared)
        self._letters: list[str] = []
        self._buffer: list[str] = []
        parts = [_HEAD, f'<worksheet xmlns="{_MAIN}" xmlns:r="{_REL}">']
        if freeze_header:
            parts.append(
                '<sheetViews><sheetView workbookViewId="0">'
                '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
                '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/>'
                "</sheetView></sheetViews>"
            )
        else:
            parts.append('<sheetViews><sheetView workbookViewId="0"/></sheetViews>')
        parts.append('<sheetFormatPr defaultRowHeight="15"/>')
        if widths:
            parts.append("<cols>")
            for n, width in enumerate(widths, start=1):
                parts.append(f'<col min="{n}" max="{n}" width="{width}" customWidth="1"/>')
            parts.append("</cols>")
        parts.append("<sheetData>")
        self.stream.write("".join(parts).encode())

    def _letter(self, n: int) -> str:
        letters = self._letters
        while len(letters) <= n:
            letters.append(get_column_letter(len(letters) + 1))
        return letters[n]

    def append(self, values: Sequence[Any], styles: Sequence[int] | None = None) -> None:
        """One row: None leaves a cell empty; `styles[n]` is column n's `Style` (or 0)."""
        self.rows += 1
        number = self.rows
        out = [f'<row r="{number}">']
        add = out.append
        shared = self._shared
        strings = self.book.strings
        for n, value in enumerate(values):
            if value is None:
                continue
            ref = f"{self._letter(n)}{number}"
            style = styles[n] if styles is not None else 0
            s = f' s="{style}"' if style else ""
            if isinstance(value, str):
                if n in shared and number > 1:
                    index = strings.get(value)
                    if index is None:
                        _text_element(value)  # refuse what cannot be written, as inline
                        index = strings[value] = len(strings)
                    add(f'<c r="{ref}"{s} t="s"><v>{index}</v></c>')
                else:
                    add(f'<c r="{ref}"{s} t="inlineStr"><is>{_text_element(value)}</is></c>')
            elif isinstance(value, bool):
                add(f'<c r="{ref}"{s} t="b"><v>{int(value)}</v></c>')
            elif isinstance(value, int):
                add(f'<c r="{ref}"{s}><v>{value}</v></c>')
            elif isinstance(value, float):
                add(f'<c r="{ref}"{s}><v>{value!r}</v></c>')
            elif isinstance(value, date):
                add(f'<c r="{ref}"{s}><v>{excel_serial(value)}</v></c>')
            else:
                raise TypeError(f"cannot write {type(value).__name__} to a cell")
        add("</row>")
        buffer = self._buffer
        buffer.append("".join(out))
        if len(buffer) >= 200:
            self.flush()

    def flush(self) -> None:
        if self._buffer:
            self.stream.write("".join(self._buffer).encode())
            self._buffer.clear()

    def close(self) -> None:
        self.flush()
        tail = ["</sheetData>"]
        if self.auto_filter:
            tail.append(f'<autoFilter ref="{self.auto_filter}"/>')
        tail.append(
            '<pageMargins left="0.75" right="0.75" top="1" bottom="1" header="0.5" footer="0.5"/>'
        )
        tail.append("</worksheet>")
        self.stream.write("".join(tail).encode())
        self.stream.close()


class XlsxWriter:
    """A workbook written to `path` sheet by sheet; use as a context manager.

    Leaving the block by an exception leaves a half-written file at `path`: write to a
    temporary file (`files.save_atomically`)."""

    def __init__(self, path: Path, *, compresslevel: int = 1) -> None:
        self.archive = zipfile.ZipFile(
            path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=compresslevel
        )
        self.strings: dict[str, int] = {}
        self.sheets: list[tuple[str, SheetWriter]] = []
        self._open: SheetWriter | None = None

    def __enter__(self) -> XlsxWriter:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if kind is None:
            self.close()
            return
        if self._open is not None:
            with suppress(Exception):
                self._open.stream.close()
            self._open = None
        with suppress(Exception):
            self.archive.close()

    def add_sheet(
        self,
        title: str,
        *,
        widths: Sequence[float] = (),
        freeze_header: bool = False,
        shared: Iterable[int] = (),
    ) -> SheetWriter:
        """A new sheet (the previous one is finished first); `shared`: columns whose texts
        go to the shared-string table."""
        self._finish_sheet()
        part = f"xl/worksheets/sheet{len(self.sheets) + 1}.xml"
        stream = self.archive.open(part, "w", force_zip64=True)
        sheet = SheetWriter(self, stream, widths, freeze_header, shared)
        self.sheets.append((title, sheet))
        self._open = sheet
        return sheet

    def _finish_sheet(self) -> None:
        if self._open is not None:
            self._open.close()
            self._open = None

    def close(self) -> None:
        self._finish_sheet()
        write = self.archive.writestr
        count = len(self.sheets)
        sheet_types = "".join(
            f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            for n in range(1, count + 1)
        )
        write(
            "[Content_Types].xml",
            _HEAD + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/styles.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
            f"{sheet_types}</Types>",
        )
        write(
            "_rels/.rels",
            _HEAD + f'<Relationships xmlns="{_PKG_REL}">'
            f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>",
        )
        sheets = []
        names = []
        rels = []
        for n, (title, sheet) in enumerate(self.sheets, start=1):
            sheets.append(f'<sheet name="{_attribute(title)}" sheetId="{n}" r:id="rId{n}"/>')
            rels.append(
                f'<Relationship Id="rId{n}" Type="{_REL}/worksheet" '
                f'Target="worksheets/sheet{n}.xml"/>'
            )
            if sheet.auto_filter:
                start, _colon, end = sheet.auto_filter.partition(":")
                absolute = "$" + re.sub(r"(\d+)", r"$\1", start)
                if end:
                    absolute += ":$" + re.sub(r"(\d+)", r"$\1", end)
                quoted = title.replace("'", "''")
                names.append(
                    f'<definedName name="_xlnm._FilterDatabase" localSheetId="{n - 1}" '
                    f"hidden=\"1\">'{_escape(quoted)}'!{absolute}</definedName>"
                )
        rels.append(f'<Relationship Id="rId{count + 1}" Type="{_REL}/styles" Target="styles.xml"/>')
        rels.append(
            f'<Relationship Id="rId{count + 2}" Type="{_REL}/sharedStrings" '
            'Target="sharedStrings.xml"/>'
        )
        defined = f"<definedNames>{''.join(names)}</definedNames>" if names else ""
        write(
            "xl/workbook.xml",
            _HEAD + f'<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><workbookPr/>'
            '<bookViews><workbookView activeTab="0"/></bookViews>'
            f'<sheets>{"".join(sheets)}</sheets>{defined}<calcPr calcId="124519"/></workbook>',
        )
        write(
            "xl/_rels/workbook.xml.rels",
            _HEAD + f'<Relationships xmlns="{_PKG_REL}">{"".join(rels)}</Relationships>',
        )
        write("xl/styles.xml", _STYLES)
        with self.archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as stream:
            total = len(self.strings)
            stream.write(
                f'{_HEAD}<sst xmlns="{_MAIN}" count="{total}" uniqueCount="{total}">'.encode()
            )
            batch: list[str] = []
            for text in self.strings:  # insertion order = index order
                batch.append(f"<si>{_text_element(text)}</si>")
                if len(batch) >= 500:
                    stream.write("".join(batch).encode())
                    batch.clear()
            batch.append("</sst>")
            stream.write("".join(batch).encode())
        self.archive.close()
