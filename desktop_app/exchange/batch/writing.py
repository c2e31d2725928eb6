"""Writing an exchange workbook: sheet 申请 row by row, then sheet 清单 with the count and the
checksum computed while writing, signed by the station's key (the project's own streaming
writer; atomic save)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from openpyxl.utils import get_column_letter

from desktop_app.exchange.batch.layout import (
    APPLICATIONS_SHEET,
    COLUMNS,
    MANIFEST_ROWS,
    MANIFEST_SHEET,
    SIGNATURE_ROWS,
    Checksum,
    Manifest,
    Progress,
    json_text,
    normal,
    plain_value,
)
from desktop_app.exchange.batch.signing import Signer
from desktop_app.exchange.errors import Cancelled
from desktop_app.exchange.files import save_atomically
from desktop_app.exchange.xlsx_writer import Style, XlsxWriter

# Columns whose texts repeat from row to row: written once, in the shared-string table.
_SHARED_COLUMNS = frozenset(
    n
    for n, column in enumerate(COLUMNS)
    if column.key
    in (
        "station_code",
        "station_name",
        "clerk",
        "status",
        "scheme",
        "kind",
        "occupation",
        "grade",
        "issuer",
        "competition",
        "stage",
        "policy_sha256",
        "findings",
    )
)
_CELL_STYLES = {"date": Style.DATE, "datetime": Style.DATETIME}
# The manifest's row for applications of the period the station left out (hidden characters).
HELD_BACK_LABEL = "未导出份数（含不可见字符）"


def write_batch(
    path: Path,
    rows: Iterable[Sequence[Any]],
    *,
    manifest: Manifest,
    total: int,
    progress: Progress | None = None,
    every: int = 1000,
    held_back: Callable[[], int] | None = None,
    signer: Signer | None = None,
) -> Manifest:
    """Write rows (values in `KEYS` order; JSON columns as Python values) and the manifest.

    The manifest's count and checksum are computed here, then it is signed with `signer`
    (none: unsigned, which an import refuses); the written manifest is returned.
    `held_back()`, asked once the rows are written: how many applications of the period the
    caller left out; when any, the manifest has a row more saying so (`HELD_BACK_LABEL`, for
    the district's eyes: the reader needs no such row, and the signature does not cover it)."""
    result: list[Manifest] = []

    def write(target: Path) -> None:
        with XlsxWriter(target) as book:
            sheet = book.add_sheet(
                APPLICATIONS_SHEET,
                widths=[column.width for column in COLUMNS],
                freeze_header=True,
                shared=_SHARED_COLUMNS,
            )
            sheet.append([column.header for column in COLUMNS], [Style.BOLD] * len(COLUMNS))
            styles = [_CELL_STYLES.get(column.type, Style.PLAIN) for column in COLUMNS]
            json_columns = [n for n, column in enumerate(COLUMNS) if column.type == "json"]
            texts: dict[int, str] = {}  # id of a JSON document → its text (documents repeat)
            keep: list[Any] = []  # the documents whose ids are in `texts`
            checksum = Checksum()
            for raw in rows:
                values = normal(raw)
                checksum.add(values)
                cells: list[Any] = list(values)
                for n in json_columns:
                    value = cells[n]
                    if value is None:
                        continue
                    if isinstance(value, list | dict) and n in _SHARED_COLUMNS:
                        text = texts.get(id(value))
                        if text is None:
                            text = texts[id(value)] = json_text(value)
                            keep.append(value)
                        cells[n] = text
                    else:
                        cells[n] = json_text(value)
                sheet.append(cells, styles)
                tick = progress is not None and checksum.count % every == 0
                if tick and progress is not None and not progress(checksum.count, total):
                    raise Cancelled()
            sheet.auto_filter = f"A1:{get_column_letter(len(COLUMNS))}{checksum.count + 1}"
            written = replace(manifest, count=checksum.count, checksum=checksum.hexdigest())
            if signer is not None:
                written = signer.sign(written)
            manifest_sheet = book.add_sheet(MANIFEST_SHEET, widths=(20, 70))
            for label, key in (*MANIFEST_ROWS, *SIGNATURE_ROWS):
                value = getattr(written, key)
                manifest_sheet.append([label, plain_value(value) if value is not None else ""])
            left_out = held_back() if held_back is not None else 0
            if left_out:
                manifest_sheet.append([HELD_BACK_LABEL, left_out])
            if progress is not None and not progress(checksum.count, max(total, checksum.count)):
                raise Cancelled()
        result.append(written)

    save_atomically(path, write)
    return result[0]
