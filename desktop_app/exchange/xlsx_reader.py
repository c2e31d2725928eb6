"""A small streaming reader of .xlsx workbooks: values only, one row at a time.

Every workbook the program is handed (an exchange file, a catalogue) is read here. openpyxl's
read-only mode builds a text object per string cell and scans each sheet once for its size
when the workbook opens; for an exchange file of 100,000 rows that is most of the import's
time. This reader parses the sheet's XML with expat straight from the archive and gives each
row as plain values, the way openpyxl's read-only mode with `values_only=True,
data_only=False` gives them (tests/exchange/test_xlsx_differential.py holds it to openpyxl
for workbooks written by openpyxl, xlsxwriter and LibreOffice):

- shared strings, inline strings (rich text joined, phonetic runs left out), formula string
  results as text; numbers as int when written without a point or exponent, else float;
  booleans; ISO 8601 dates (t="d"); errors as their text ("#N/A");
- numbers in a cell whose style has a date format as `datetime` (time-only and duration
  formats as openpyxl converts them), counted from the workbook's date system (1900/1904);
- a formula as a `Formula`: its text beginning with "=" (so it can be refused), whatever its
  kind: a shared formula's other cells translated from its first cell as openpyxl does.
  (openpyxl gives an array or data-table formula as an object, not text; here it is a
  `Formula` like any other, so a caller that refuses formulas refuses it too.) A text that
  merely begins with "=" (a name, a work unit) is a plain `str`: only a real `<f>` is a formula;
- every row the sheet stores (openpyxl's read-only mode stops at the size the sheet's
  `<dimension>` declares, which a program may have written wrong);
- the sheets' names in the workbook's order (`sheetnames`), and each sheet's merged ranges
  (`Sheet.merged`, known once its rows have been read: they follow them in the XML).

Size limits. A workbook comes from outside, and an .xlsx is a zip archive: a file of a few
kilobytes can decompress to gigabytes (a "zip bomb"). Every part read (sheets, shared strings,
workbook, relationships, styles) is streamed, counted as it is decompressed and refused past
its cap with a Chinese message, before memory or time run out: `MAX_SHEET_BYTES` for a sheet
(memory stays flat; a 30,000-row ledger sheet is 25–35 MB), `MAX_STRINGS_BYTES` for the
shared strings (kept in memory as a list of texts), `MAX_METADATA_BYTES` for the small parts
(of which only sheet names, relationships and date styles are kept). A part more than
`MAX_RATIO` times larger than its compressed size is refused too, once past `RATIO_FLOOR`:
real sheets compress 5–20 times (each cell carries its own reference), a bomb about 1,000
times. The sizes the archive declares are checked before anything is decompressed, which
stops a bomb at once (Python's zipfile never gives more bytes than a part declares: a header
that lies ends in a checksum error, a damaged file); the bytes are counted as they come all
the same, against the cap and against the whole compressed size, should a header lie. No part
may declare a DTD: Excel never writes one, and entities would expand past any count of the
bytes. Tests lower these module attributes.

Files that are not workbooks get a Chinese answer from `files.refuse_non_xlsx`.
"""

from __future__ import annotations

import posixpath
import zipfile
import zlib
from collections.abc import Callable, Generator
from contextlib import closing
from pathlib import Path
from types import TracebackType
from typing import Any, NoReturn
from xml.parsers.expat import ExpatError, ParserCreate, XMLParserType

from openpyxl.formula.tokenizer import TokenizerError
from openpyxl.formula.translate import Translator, TranslatorError
from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format, is_timedelta_format
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel
from openpyxl.utils.datetime import from_ISO8601 as from_iso8601

from desktop_app.exchange.errors import ExchangeError
from desktop_app.exchange.files import refuse_non_xlsx

MAX_SHEET_BYTES = 1 << 30  # 1 GiB of XML: more than half a million full ledger rows
MAX_STRINGS_BYTES = 256 << 20  # 256 MiB: several million distinct texts
MAX_METADATA_BYTES = 16 << 20  # workbook, relationships, styles: rarely 1 MB in real files
MAX_RATIO = 200  # decompressed / compressed size of one part
# Excel's own limits: what no real workbook exceeds. Past them a file is refused as it is read,
# before the rows it would spread over fill memory (a cell at column AAAAAA would make a row
# of 12 million empty cells; one cell of a gigabyte of text is one gigabyte of memory).
MAX_COLUMNS = 16_384  # column XFD
MAX_ROWS = 1_048_576
MAX_CELL_CHARS = 32_767
MAX_SHARED_STRINGS = 2_000_000  # distinct texts: 100,000 rows re-saved by Excel hold < 1 M
RATIO_FLOOR = 16 << 20  # the ratio is judged past this many decompressed bytes
_CHUNK = 1 << 16

_OFFICE_DOCUMENT = "/officeDocument"
_WORKSHEET = "/worksheet"
_STYLES = "/styles"
_SHARED_STRINGS = "/sharedStrings"
_REL_ID = "http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


_DIGITS = "0123456789"
# Element names as expat gives them with namespace processing ("{uri}local" without "{").
_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_C, _V, _F, _T, _IS, _RPH = (_NS + local for local in ("c", "v", "f", "t", "is", "rPh"))
_ROW, _SHEET_DATA, _MERGE_CELL = (_NS + local for local in ("row", "sheetData", "mergeCell"))


class Formula(str):
    """A cell's formula, with its leading "=": what a `<f>` element holds. A text cell whose
    text begins with "=" is not one (an exported name "=王" reads back as the text)."""

    __slots__ = ()


def formula_message(formula: str) -> str:
    """What a reader that wants values says of a formula cell, in Chinese."""
    return f"单元格是公式“{formula[:40]}”，不是数值。请复制后“选择性粘贴 → 数值”再保存"


def _column_number(ref: str) -> int:
    """1-based column of a cell reference ("AB12" → 28)."""
    number = 0
    for char in ref:
        code = ord(char)
        if 65 <= code <= 90:
            number = number * 26 + code - 64
        elif 97 <= code <= 122:
            number = number * 26 + code - 96
        else:
            break
    return number


def _number(text: str) -> int | float:
    if "." in text or "E" in text or "e" in text:
        return float(text)
    return int(text)


def _row_number(text: str) -> int:
    """A row's `r`: a whole number, which some programs write as "3.0" (as openpyxl reads)."""
    try:
        return int(text)
    except ValueError:
        number = float(text)
        if not number.is_integer():
            raise
        return int(number)


def _too_long(what: str) -> str:
    return f"{what}超过 Excel 每格 {MAX_CELL_CHARS:,} 个字符的上限：这不是正常的工作簿，没有读取。"


def _no_doctype(*_args: object) -> NoReturn:
    raise ValueError("a DTD in a workbook part")


def _megabytes(size: int) -> str:
    return f"{size / (1 << 20):,.0f} MB" if size >= 1 << 20 else f"{size / 1024:,.0f} KB"


def _expat() -> XMLParserType:
    """An expat parser as the sheet and string handlers use it (no DTD allowed)."""
    parser = ParserCreate(namespace_separator="}")
    parser.buffer_text = True
    parser.StartDoctypeDeclHandler = _no_doctype
    return parser


class _Part:
    """A part of the archive, read as it is decompressed and counted: past its cap, or past
    `MAX_RATIO` times its compressed size, reading stops with an ExchangeError. `read(size)`
    as a binary file's; `close()` when done."""

    def __init__(self, book: XlsxBook, info: zipfile.ZipInfo, cap: int) -> None:
        self.book = book
        self.info = info
        self.cap = cap
        self.count = 0
        book.check_declared(info, cap)
        try:
            self.stream = book.archive.open(info)
        except (zipfile.BadZipFile, ValueError, NotImplementedError, RuntimeError) as exc:
            # NotImplementedError: a compression Excel does not use; RuntimeError: encrypted.
            raise book.damaged(exc) from None
        except OSError as exc:
            raise book.unreadable(exc) from None

    def read(self, size: int = -1) -> bytes:
        if size < 0:  # all of it, still counted piece by piece
            pieces = []
            while piece := self.read(_CHUNK):
                pieces.append(piece)
            return b"".join(pieces)
        try:
            data = self.stream.read(size)
        except (zipfile.BadZipFile, zlib.error, EOFError, ValueError) as exc:
            # BadZipFile: a CRC that does not match, e.g. the data is longer than declared
            raise self.book.damaged(exc) from None
        except OSError as exc:
            raise self.book.unreadable(exc) from None
        self.count += len(data)
        self.book.check_size(self.info, self.count, self.cap)
        return data

    def close(self) -> None:
        self.stream.close()


def _parse(
    book: XlsxBook, part: str, cap: int, parser: XMLParserType
) -> Generator[None, None, None]:
    """Feed a part to an expat parser piece by piece; yields after each piece (so a caller
    can hand on what the handlers collected) and turns bad XML into a Chinese answer."""
    with closing(book.open_part(part, cap)) as source:
        try:
            while True:
                piece = source.read(_CHUNK)
                parser.Parse(piece, not piece)
                yield
                if not piece:
                    break
        except (ExpatError, ValueError, IndexError) as exc:
            raise book.damaged(exc) from None


class Sheet:
    """One worksheet's rows, read once, in order."""

    def __init__(self, book: XlsxBook, name: str, part: str) -> None:
        self.book = book
        self.name = name
        self.part = part
        self.merged: list[str] = []  # filled as the XML is read (mergeCells follow the rows)

    def rows(self) -> Generator[tuple[int, list[Any]], None, None]:
        """(1-based row number, values by column from A) for every row the sheet stores."""
        book = self.book
        self.merged.clear()  # read again with the rows
        handler = _SheetHandler(
            book.shared_strings(), book.date_styles, book.duration_styles, book.epoch, self.merged
        )
        parser = _expat()
        parser.StartElementHandler = handler.start
        parser.EndElementHandler = handler.end
        parser.CharacterDataHandler = handler.data
        done = handler.done
        for _piece in _parse(book, self.part, MAX_SHEET_BYTES, parser):
            if done:
                yield from done
                done.clear()


class _SheetHandler:
    """expat callbacks turning a sheet's XML into rows of values (no element objects)."""

    def __init__(
        self,
        strings: list[str],
        dates: frozenset[int],
        durations: frozenset[int],
        epoch: Any,
        merged: list[str],
    ) -> None:
        self.strings = strings
        self.dates = dates
        self.durations = durations
        self.epoch = epoch
        self.merged = merged
        self.done: list[tuple[int, list[Any]]] = []
        self.columns: dict[str, int] = {}  # column letters → number
        self.shared_formulas: dict[str, Translator] = {}  # group (si) → its first cell's
        self.in_data = False  # inside <sheetData>
        self.row: list[Any] | None = None
        self.row_number = 0
        self.in_cell = False
        self.column = 0
        self.ref: str | None = None
        self.kind = "n"
        self.style: str | None = None
        self.value: list[str] | None = None  # <v> text
        self.formula: list[str] | None = None  # <f> text
        self.formula_group: str | None = None  # <f t="shared" si=…>
        self.inline: list[str] | None = None  # <is> texts
        self.capture: list[str] | None = None  # where character data goes now
        self.in_inline = False
        self.phonetic = False  # inside <rPh> (left out, as openpyxl does)
        self.chars = 0  # characters of the cell read so far

    def start(self, name: str, attrs: dict[str, str]) -> None:
        if self.in_cell:
            if name == _V:
                self.value = self.capture = []
            elif name == _T:
                if self.in_inline and not self.phonetic:
                    self.capture = self.inline
            elif name == _IS:
                self.in_inline = True
                self.inline = []
            elif name == _F:
                self.formula = self.capture = []
                self.formula_group = attrs.get("si") if attrs.get("t") == "shared" else None
            elif name == _RPH:
                self.phonetic = True
        elif name == _C:
            if self.row is None:
                return
            self.in_cell = True
            ref = self.ref = attrs.get("r")
            if ref:
                letters = ref.rstrip(_DIGITS)
                column = self.columns.get(letters)
                if column is None:
                    column = self.columns[letters] = _column_number(letters)
                self.column = column
            else:
                self.column += 1
            if self.column > MAX_COLUMNS:
                raise ExchangeError(
                    f"第 {self.row_number} 行有单元格在第 {self.column} 列（{ref or '?'}），超出 "
                    f"Excel 的最大列 XFD（{MAX_COLUMNS} 列）：这不是正常的工作簿，没有读取。"
                )
            self.chars = 0
            self.kind = attrs.get("t", "n")
            self.style = attrs.get("s")
            self.value = self.formula = self.inline = None
        elif name == _ROW:
            if not self.in_data:
                return
            given = attrs.get("r")
            self.row_number = _row_number(given) if given else self.row_number + 1
            if not 0 < self.row_number <= MAX_ROWS:
                raise ExchangeError(
                    f"工作表的行号 {self.row_number} 超出 Excel 的范围（1–{MAX_ROWS:,} 行）："
                    "这不是正常的工作簿，没有读取。"
                )
            self.row = []
            self.column = 0
        elif name == _SHEET_DATA:
            self.in_data = True
        elif name == _MERGE_CELL:
            ref = attrs.get("ref")
            if ref:
                self.merged.append(ref)

    def end(self, name: str) -> None:
        if self.in_cell:
            if name == _C:
                self.in_cell = False
                self.capture = None
                self._cell()
            elif name in (_V, _T, _F):
                self.capture = None
            elif name == _IS:
                self.in_inline = False
            elif name == _RPH:
                self.phonetic = False
        elif name == _ROW:
            if self.row is not None:
                self.done.append((self.row_number, self.row))
                self.row = None
        elif name == _SHEET_DATA:
            self.in_data = False

    def data(self, text: str) -> None:
        if self.capture is not None:
            self.chars += len(text)
            if self.chars > MAX_CELL_CHARS:
                raise ExchangeError(
                    _too_long(f"第 {self.row_number} 行第 {self.column} 列的单元格")
                )
            self.capture.append(text)

    def _shared_formula(self, text: str, group: str) -> str:
        """A cell of a shared formula: the first cell of the group gives the formula, the
        others get it moved to where they are (as openpyxl reads them)."""
        where = self.ref or f"{get_column_letter(self.column)}{self.row_number}"
        first = self.shared_formulas.get(group)
        try:
            if first is not None:
                return str(first.translate_formula(where))
            if text != "=":
                self.shared_formulas[group] = Translator(text, where)
        except (TokenizerError, TranslatorError):
            pass  # openpyxl fails on such a file; the text is still a formula
        return text

    def _cell(self) -> None:
        value: Any = None
        kind = self.kind
        if self.formula is not None:
            value = "=" + "".join(self.formula)
            if self.formula_group is not None:
                value = self._shared_formula(value, self.formula_group)
            value = Formula(value)
        elif kind == "inlineStr":
            if self.inline is not None:
                value = "".join(self.inline)
        elif self.value:
            text = "".join(self.value)
            if text:
                if kind == "n":
                    value = _number(text)
                    style = self.style
                    if style and int(style) in self.dates:
                        try:
                            value = from_excel(
                                value, self.epoch, timedelta=int(style) in self.durations
                            )
                        except (OverflowError, ValueError):
                            value = "#VALUE!"
                elif kind == "s":
                    value = self.strings[int(text)]
                elif kind == "b":
                    value = bool(int(text))
                elif kind == "d":
                    value = from_iso8601(text)
                else:  # str (a formula's text result), e (an error)
                    value = text
        if value is None:
            return
        values = self.row
        assert values is not None
        column = self.column
        missing = column - 1 - len(values)
        if missing > 0:
            values.extend([None] * missing)
        if missing >= 0:
            values.append(value)
        else:  # the same column twice: the later cell wins
            values[column - 1] = value


class _StringsHandler:
    """expat callbacks collecting the shared-string table: each <si>'s own <t> and its runs'
    (<r><t>) joined; phonetic runs (<rPh>) left out, as openpyxl reads them."""

    def __init__(self, strings: list[str]) -> None:
        self.strings = strings
        self.item: list[str] | None = None  # the texts of the <si> being read
        self.depth = 0  # elements open inside it
        self.in_run = False  # inside <si><r>
        self.capture: list[str] | None = None
        self.si = self.r = self.t = ""  # full names, in the namespace of the root element
        self.chars = 0  # characters of the <si> read so far

    def start(self, name: str, attrs: dict[str, str]) -> None:
        item = self.item
        if item is None:
            if not self.si:
                ns = name[: name.index("}") + 1] if "}" in name else ""
                self.si, self.r, self.t = ns + "si", ns + "r", ns + "t"
            elif name == self.si:
                self.item = []
                self.depth = 0
            return
        self.capture = None  # a <t> holds text only (an element in it ends its text)
        self.depth += 1
        if name == self.t and (self.depth == 1 or (self.depth == 2 and self.in_run)):
            self.capture = item
        elif name == self.r and self.depth == 1:
            self.in_run = True

    def end(self, name: str) -> None:
        item = self.item
        if item is None:
            return
        self.capture = None
        if self.depth == 0:  # </si>
            if len(self.strings) >= MAX_SHARED_STRINGS:
                raise ExchangeError(
                    f"工作簿的共享文字超过 {MAX_SHARED_STRINGS:,} 条，远多于任何正常的工作簿："
                    "没有读取。"
                )
            self.strings.append("".join(item).replace("x005F_", ""))
            self.item = None
            self.chars = 0
            return
        if self.depth == 1:
            self.in_run = False
        self.depth -= 1

    def data(self, text: str) -> None:
        if self.capture is not None:
            self.chars += len(text)
            if self.chars > MAX_CELL_CHARS:
                raise ExchangeError(_too_long(f"第 {len(self.strings) + 1} 条共享文字"))
            self.capture.append(text)


class XlsxBook:
    """An .xlsx file opened for reading sheets one row at a time; use as a context manager."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._parts: dict[str, str] = {}
        self._sheets: dict[str, Sheet] = {}
        self._strings: list[str] | None = None
        refuse_non_xlsx(self.path)
        try:
            self.archive = zipfile.ZipFile(self.path)
        except (zipfile.BadZipFile, EOFError, ValueError, NotImplementedError) as exc:
            # NotImplementedError: a zip version or compression Excel does not write
            raise self.damaged(exc) from None
        except OSError as exc:
            raise self.unreadable(exc) from None
        try:
            self._read_structure()
        except ExchangeError:
            self.archive.close()
            raise
        except (KeyError, ValueError, zipfile.BadZipFile, EOFError, NotImplementedError) as exc:
            self.archive.close()
            raise self.damaged(exc) from None

    def damaged(self, exc: BaseException) -> ExchangeError:
        return ExchangeError(
            f"文件 {self.path.name} 已损坏或不是 Excel 工作簿，无法读取（{type(exc).__name__}）。"
            "请在 Excel 中打开并重新保存为 .xlsx 后再试。"
        )

    def unreadable(self, exc: OSError) -> ExchangeError:
        return ExchangeError(f"无法读取文件 {self.path.name}：{exc.strerror or exc}。")

    def check_declared(self, info: zipfile.ZipInfo, cap: int) -> None:
        """Refuse a part at once when the archive says it is too large (the bytes are
        counted as they come all the same: `_Part`)."""
        self.check_size(info, info.file_size, cap)

    def check_size(self, info: zipfile.ZipInfo, size: int, cap: int) -> None:
        """Refuse a part of `size` bytes decompressed when that is past its cap, or past
        `MAX_RATIO` times its compressed size (beyond `RATIO_FLOOR`)."""
        if size <= cap and (size <= RATIO_FLOOR or size <= MAX_RATIO * info.compress_size):
            return
        limit = (
            f"{info.filename} 超过 {_megabytes(cap)}"
            if size > cap
            else f"{info.filename} 比压缩时大 {MAX_RATIO} 倍以上"
        )
        raise ExchangeError(
            f"文件 {self.path.name} 解压后异常大（{limit}），可能已损坏或是恶意文件，"
            "程序拒绝读取。请向提供文件的单位核实；确是正常的大文件时，请拆成几个较小的文件"
            "后再导入。"
        )

    def __enter__(self) -> XlsxBook:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.archive.close()

    def open_part(self, part: str, cap: int) -> _Part:
        """A part to read (at most `cap` bytes decompressed)."""
        try:
            info = self.archive.getinfo(part)
        except KeyError as exc:
            raise self.damaged(exc) from None
        return _Part(self, info, cap)

    def _walk(self, part: str, visit: Callable[[str, dict[str, str], int], None]) -> None:
        """Call `visit(local name, attributes, depth)` for each element of a small part, as
        it is read (no tree is built: what a part holds costs no memory unless kept)."""
        depth = 0

        def start(name: str, attrs: dict[str, str]) -> None:
            nonlocal depth
            depth += 1
            visit(name.rpartition("}")[2], attrs, depth)

        def end(_name: str) -> None:
            nonlocal depth
            depth -= 1

        parser = _expat()
        parser.StartElementHandler = start
        parser.EndElementHandler = end
        for _piece in _parse(self, part, MAX_METADATA_BYTES, parser):
            pass

    def _relationships(self, part: str) -> dict[str, tuple[str, str]]:
        """Id → (type, target part) of a part's relationships (none when it has no file)."""
        folder, name = posixpath.split(part)
        rels = posixpath.join(folder, "_rels", f"{name}.rels")
        result: dict[str, tuple[str, str]] = {}
        if rels not in self.archive.NameToInfo:
            return result

        def relationship(_local: str, attrs: dict[str, str], depth: int) -> None:
            if depth != 2 or attrs.get("TargetMode") == "External":
                return
            target = attrs.get("Target", "")
            if target.startswith("/"):
                resolved = target.lstrip("/")
            else:
                resolved = posixpath.normpath(posixpath.join(folder, target))
            result[attrs.get("Id", "")] = (attrs.get("Type", ""), resolved)

        self._walk(rels, relationship)
        return result

    def _read_structure(self) -> None:
        workbook = next(
            (
                target
                for kind, target in self._relationships("").values()
                if kind.endswith(_OFFICE_DOCUMENT)
            ),
            "xl/workbook.xml",
        )
        if workbook not in self.archive.NameToInfo:
            raise KeyError(workbook)
        relationships = self._relationships(workbook)
        self.epoch = CALENDAR_WINDOWS_1900
        parts = self._parts  # sheet name → part, in the workbook's order

        def book(local: str, attrs: dict[str, str], _depth: int) -> None:
            if local == "workbookPr" and attrs.get("date1904") in ("1", "true"):
                self.epoch = CALENDAR_MAC_1904
            elif local == "sheet":
                kind, target = relationships.get(attrs.get(_REL_ID, ""), ("", ""))
                if kind.endswith(_WORKSHEET) and target in self.archive.NameToInfo:
                    parts[attrs.get("name", "")] = target

        self._walk(workbook, book)
        self.sheetnames = list(parts)
        self._strings_part = next(
            (t for kind, t in relationships.values() if kind.endswith(_SHARED_STRINGS)), None
        )
        styles = next((t for kind, t in relationships.values() if kind.endswith(_STYLES)), None)
        formats: dict[int, str] = {}  # custom number formats (<numFmts>, not those of <dxfs>)
        cell_formats: list[int] = []  # the number format of each cell style (<cellXfs>)
        group = ""  # the child of <styleSheet> being read
        cell_xfs_seen = False

        def style(local: str, attrs: dict[str, str], depth: int) -> None:
            nonlocal group, cell_xfs_seen
            if depth == 2:
                # only the first <cellXfs> counts
                group = local if local != "cellXfs" or not cell_xfs_seen else ""
                cell_xfs_seen = cell_xfs_seen or local == "cellXfs"
            elif depth == 3 and group == "numFmts":
                formats[int(attrs.get("numFmtId", "0"))] = attrs.get("formatCode", "")
            elif depth == 3 and group == "cellXfs":
                cell_formats.append(int(attrs.get("numFmtId", "0")))

        if styles is not None and styles in self.archive.NameToInfo:
            self._walk(styles, style)
        dates: set[int] = set()
        durations: set[int] = set()
        for n, number_format in enumerate(cell_formats):
            code = formats.get(number_format, BUILTIN_FORMATS.get(number_format, ""))
            if code and is_date_format(code):
                dates.add(n)
                if is_timedelta_format(code):
                    durations.add(n)
        self.date_styles = frozenset(dates)
        self.duration_styles = frozenset(durations)

    def shared_strings(self) -> list[str]:
        if self._strings is None:
            strings: list[str] = []
            part = self._strings_part
            if part is not None and part in self.archive.NameToInfo:
                handler = _StringsHandler(strings)
                parser = _expat()
                parser.StartElementHandler = handler.start
                parser.EndElementHandler = handler.end
                parser.CharacterDataHandler = handler.data
                for _piece in _parse(self, part, MAX_STRINGS_BYTES, parser):
                    pass
            self._strings = strings
        return self._strings

    @property
    def sheet_names(self) -> list[str]:
        """The workbook's sheets, in its order."""
        return list(self._parts)

    def __getitem__(self, name: str) -> Sheet:
        sheet = self._sheets.get(name)
        if sheet is None:
            sheet = self._sheets[name] = Sheet(self, name, self._parts[name])
        return sheet
