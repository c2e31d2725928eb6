"""A small streaming reader of .xlsx sheets: values only, one row at a time.

openpyxl's read-only mode builds a text object per string cell and scans each sheet once
for its size when the workbook opens; for an exchange file of 100,000 rows that is most of
the import's time. This reader parses the sheet's XML with `xml.etree.ElementTree.iterparse`
straight from the archive and gives each row as plain values, the way openpyxl's read-only
mode with `values_only=True, data_only=False` gives them:

- shared strings, inline strings (rich text joined, phonetic runs left out), formula string
  results as text; numbers as int when written without a point or exponent, else float;
  booleans; ISO 8601 dates (t="d"); errors as their text ("#N/A");
- numbers in a cell whose style has a date format as `datetime` (time-only and duration
  formats as openpyxl converts them), counted from the workbook's date system (1900/1904);
- a formula as its text beginning with "=" (so it can be refused), whatever its kind;
- merged ranges (`Sheet.merged`, known once the rows have been read: they follow them).

Files that are not workbooks get the same Chinese answers as `files.open_workbook`.
"""

from __future__ import annotations

import posixpath
import zipfile
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import IO, Any
from xml.etree.ElementTree import ParseError, iterparse
from xml.parsers.expat import ExpatError, ParserCreate

from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format, is_timedelta_format
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel
from openpyxl.utils.datetime import from_ISO8601 as from_iso8601

from desktop_app.exchange.errors import ExchangeError
from desktop_app.exchange.files import _refuse_non_xlsx

_OFFICE_DOCUMENT = "/officeDocument"
_WORKSHEET = "/worksheet"
_STYLES = "/styles"
_SHARED_STRINGS = "/sharedStrings"
_REL_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


_DIGITS = "0123456789"
# Element names as expat gives them with namespace processing ("{uri}local" without "{").
_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_C, _V, _F, _T, _IS, _RPH = (_NS + local for local in ("c", "v", "f", "t", "is", "rPh"))
_ROW, _SHEET_DATA, _MERGE_CELL = (_NS + local for local in ("row", "sheetData", "mergeCell"))


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


def _text(element: Any, ns: str) -> str:
    """The text of a string item (<si> or <is>): its <t>, or its runs' <t>, joined."""
    parts: list[str] = []
    t_tag, r_tag = f"{ns}t", f"{ns}r"
    for child in element:
        if child.tag == t_tag:
            if child.text:
                parts.append(child.text)
        elif child.tag == r_tag:
            for piece in child:
                if piece.tag == t_tag and piece.text:
                    parts.append(piece.text)
    return "".join(parts)


def _number(text: str) -> int | float:
    if "." in text or "E" in text or "e" in text:
        return float(text)
    return int(text)


class Sheet:
    """One worksheet's rows, read once, in order."""

    def __init__(self, book: XlsxBook, name: str, part: str) -> None:
        self.book = book
        self.name = name
        self.part = part
        self.merged: list[str] = []  # filled as the XML is read (mergeCells follow the rows)

    def rows(self) -> Iterator[tuple[int, list[Any]]]:
        """(1-based row number, values by column from A) for every row the sheet stores."""
        book = self.book
        handler = _SheetHandler(
            book.shared_strings(), book.date_styles, book.duration_styles, book.epoch, self.merged
        )
        parser = ParserCreate(namespace_separator="}")
        parser.buffer_text = True
        parser.StartElementHandler = handler.start
        parser.EndElementHandler = handler.end
        parser.CharacterDataHandler = handler.data
        done = handler.done
        with book.open_part(self.part) as source:
            try:
                while True:
                    piece = source.read(1 << 16)
                    parser.Parse(piece, not piece)
                    if done:
                        yield from done
                        done.clear()
                    if not piece:
                        break
            except (ExpatError, ValueError, IndexError) as exc:
                raise book.damaged(exc) from None


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
        self.in_data = False  # inside <sheetData>
        self.row: list[Any] | None = None
        self.row_number = 0
        self.in_cell = False
        self.column = 0
        self.kind = "n"
        self.style: str | None = None
        self.value: list[str] | None = None  # <v> text
        self.formula: list[str] | None = None  # <f> text
        self.inline: list[str] | None = None  # <is> texts
        self.capture: list[str] | None = None  # where character data goes now
        self.in_inline = False
        self.phonetic = False  # inside <rPh> (left out, as openpyxl does)

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
            elif name == _RPH:
                self.phonetic = True
        elif name == _C:
            if self.row is None:
                return
            self.in_cell = True
            ref = attrs.get("r")
            if ref:
                letters = ref.rstrip(_DIGITS)
                column = self.columns.get(letters)
                if column is None:
                    column = self.columns[letters] = _column_number(letters)
                self.column = column
            else:
                self.column += 1
            self.kind = attrs.get("t", "n")
            self.style = attrs.get("s")
            self.value = self.formula = self.inline = None
        elif name == _ROW:
            if not self.in_data:
                return
            given = attrs.get("r")
            self.row_number = int(given) if given else self.row_number + 1
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
            self.capture.append(text)

    def _cell(self) -> None:
        value: Any = None
        kind = self.kind
        if self.formula is not None:
            value = "=" + "".join(self.formula)
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


class XlsxBook:
    """An .xlsx file opened for reading sheets one row at a time; use as a context manager."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        _refuse_non_xlsx(self.path)
        try:
            self.archive = zipfile.ZipFile(self.path)
        except (zipfile.BadZipFile, EOFError, ValueError) as exc:
            raise self.damaged(exc) from None
        except OSError as exc:
            raise ExchangeError(f"无法读取文件 {self.path.name}：{exc.strerror or exc}。") from None
        try:
            self._read_structure()
        except ExchangeError:
            self.archive.close()
            raise
        except (KeyError, ValueError, ParseError, zipfile.BadZipFile, EOFError) as exc:
            self.archive.close()
            raise self.damaged(exc) from None
        self._strings: list[str] | None = None

    def damaged(self, exc: BaseException) -> ExchangeError:
        return ExchangeError(
            f"文件 {self.path.name} 已损坏或不是 Excel 工作簿，无法读取（{type(exc).__name__}）。"
            "请在 Excel 中打开并重新保存为 .xlsx 后再试。"
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

    def open_part(self, part: str) -> IO[bytes]:
        try:
            return self.archive.open(part)
        except (KeyError, zipfile.BadZipFile, ValueError) as exc:
            raise self.damaged(exc) from None

    def _xml(self, part: str) -> Any:
        from xml.etree.ElementTree import fromstring

        return fromstring(self.archive.read(part))

    def _relationships(self, part: str) -> dict[str, tuple[str, str]]:
        """Id → (type, target part) of a part's relationships (none when it has no file)."""
        folder, name = posixpath.split(part)
        rels = posixpath.join(folder, "_rels", f"{name}.rels")
        if rels not in self.archive.NameToInfo:
            return {}
        result: dict[str, tuple[str, str]] = {}
        for element in self._xml(rels):
            target = element.get("Target", "")
            if element.get("TargetMode") == "External":
                continue
            if target.startswith("/"):
                resolved = target.lstrip("/")
            else:
                resolved = posixpath.normpath(posixpath.join(folder, target))
            result[element.get("Id", "")] = (element.get("Type", ""), resolved)
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
        root = self._xml(workbook)
        self.epoch = CALENDAR_WINDOWS_1900
        self.sheets: dict[str, Sheet] = {}
        for element in root.iter():
            local = _local(element.tag)
            if local == "workbookPr" and element.get("date1904") in ("1", "true"):
                self.epoch = CALENDAR_MAC_1904
            elif local == "sheet":
                kind, target = relationships.get(element.get(_REL_ID, ""), ("", ""))
                name = element.get("name", "")
                if kind.endswith(_WORKSHEET) and target in self.archive.NameToInfo:
                    self.sheets[name] = Sheet(self, name, target)
        self.sheetnames = list(self.sheets)
        self._strings_part = next(
            (t for kind, t in relationships.values() if kind.endswith(_SHARED_STRINGS)), None
        )
        styles = next((t for kind, t in relationships.values() if kind.endswith(_STYLES)), None)
        dates: set[int] = set()
        durations: set[int] = set()
        if styles is not None and styles in self.archive.NameToInfo:
            root = self._xml(styles)
            formats = dict(BUILTIN_FORMATS)
            for element in root.iter():
                if _local(element.tag) == "numFmt":
                    formats[int(element.get("numFmtId", "0"))] = element.get("formatCode", "")
            cell_xfs = next((e for e in root if _local(e.tag) == "cellXfs"), None)
            for n, xf in enumerate(cell_xfs if cell_xfs is not None else ()):
                code = formats.get(int(xf.get("numFmtId", "0")), "")
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
                with self.open_part(part) as source:
                    ns = ""
                    root: Any = None
                    try:
                        for event, element in iterparse(source, events=("start", "end")):
                            tag = element.tag
                            if event == "start":
                                if root is None:
                                    root = element
                                    ns = tag[: tag.index("}") + 1] if tag.startswith("{") else ""
                                continue
                            if _local(tag) == "si":
                                strings.append(_text(element, ns).replace("x005F_", ""))
                                element.clear()
                                if root is not None and len(root) and root[0] is element:
                                    del root[0]
                    except ParseError as exc:
                        raise self.damaged(exc) from None
            self._strings = strings
        return self._strings

    def __getitem__(self, name: str) -> Sheet:
        return self.sheets[name]
