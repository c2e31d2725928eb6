"""PDF pages as images for the preview and the printer, through PDFium (pypdfium2).

The preview shows the very PDF that is saved or printed. Printing draws each page rendered at
the printer's own resolution onto the whole sheet at 1:1 — 1 mm on the PDF is 1 mm on paper,
never shrunk to fit — so the seal boxes keep their size.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from PySide6.QtCore import QMarginsF, QRectF, QSizeF
from PySide6.QtGui import QImage, QPageLayout, QPageSize, QPainter
from PySide6.QtPrintSupport import QPrinter

POINTS_PER_INCH = 72.0
# PDFium may not be called from two threads at once (the warm-up below runs off the GUI
# thread): every use is inside open_pdf, which holds this lock.
_PDFIUM = threading.RLock()


@contextmanager
def open_pdf(source: Path | bytes) -> Iterator[object]:
    import pypdfium2 as pdfium

    with _PDFIUM:
        document = pdfium.PdfDocument(source if isinstance(source, bytes) else str(source))
        try:
            yield document
        finally:
            document.close()


def warm_up(pdf: bytes, dpi: float = 110.0) -> None:
    """Load PDFium and draw a page once, so the first preview does not wait for it (any
    thread: a QImage may be made off the GUI thread)."""
    with open_pdf(pdf) as document:
        render_page(document, 0, dpi)


def document_page_sizes(document: object) -> list[tuple[float, float]]:
    """Each page's size in points."""
    sizes = []
    for index in range(len(document)):  # type: ignore[arg-type]
        page = document[index]  # type: ignore[index]
        try:
            width, height = page.get_size()
            sizes.append((float(width), float(height)))
        finally:
            page.close()
    return sizes


def render_page(document: object, index: int, dpi: float) -> QImage:
    """One page of an open document as an image at `dpi`."""
    page = document[index]  # type: ignore[index]
    try:
        return _image(page, dpi)
    finally:
        page.close()


def page_count(source: Path | bytes) -> int:
    with open_pdf(source) as document:
        return len(document)  # type: ignore[arg-type]


def page_size_points(source: Path | bytes, index: int) -> tuple[float, float]:
    with open_pdf(source) as document:
        page = document[index]  # type: ignore[index]
        try:
            width, height = page.get_size()
            return float(width), float(height)
        finally:
            page.close()


def _image(page: object, dpi: float) -> QImage:
    bitmap = page.render(scale=dpi / POINTS_PER_INCH, rev_byteorder=True)  # type: ignore[attr-defined]
    try:
        channels = bitmap.n_channels
        fmt = QImage.Format.Format_RGB888 if channels == 3 else QImage.Format.Format_RGBA8888
        image = QImage(bitmap.buffer, bitmap.width, bitmap.height, bitmap.stride, fmt)
        return image.copy()  # own the pixels before PDFium frees its buffer
    finally:
        bitmap.close()


def render_pages(
    source: Path | bytes, dpi: float, *, progress: Callable[[int, int], bool] | None = None
) -> list[QImage]:
    """Every page as an image at `dpi` (progress(done, total) may stop it by returning False)."""
    images: list[QImage] = []
    with open_pdf(source) as document:
        total = len(document)  # type: ignore[arg-type]
        for index in range(total):
            page = document[index]  # type: ignore[index]
            try:
                images.append(_image(page, dpi))
            finally:
                page.close()
            if progress is not None and not progress(index + 1, total):
                break
    return images


def prepare_printer(printer: QPrinter, width_pt: float, height_pt: float) -> None:
    """The sheet is the PDF's page size, no margins, whole page: nothing is scaled."""
    printer.setFullPage(True)
    size = QPageSize(
        QSizeF(width_pt, height_pt), QPageSize.Unit.Point, "", QPageSize.SizeMatchPolicy.FuzzyMatch
    )
    printer.setPageLayout(
        QPageLayout(size, QPageLayout.Orientation.Portrait, QMarginsF(0, 0, 0, 0))
    )


def print_pdf(
    source: Path | bytes,
    printer: QPrinter,
    *,
    progress: Callable[[int, int], bool] | None = None,
) -> int:
    """Print every page at true size; returns the pages sent."""
    width_pt, height_pt = page_size_points(source, 0)
    prepare_printer(printer, width_pt, height_pt)
    dpi = float(printer.resolution())
    painter = QPainter()
    if not painter.begin(printer):
        raise OSError(0, "打印机无法开始打印，请检查打印机是否已连接、是否有纸")
    sent = 0
    try:
        with open_pdf(source) as document:
            total = len(document)  # type: ignore[arg-type]
            for index in range(total):
                if index:
                    printer.newPage()
                page = document[index]  # type: ignore[index]
                try:
                    width, height = page.get_size()
                    image = _image(page, dpi)
                finally:
                    page.close()
                # 1 point = dpi/72 device pixels: the page's physical size, from the sheet's corner.
                target = QRectF(0, 0, width * dpi / POINTS_PER_INCH, height * dpi / POINTS_PER_INCH)
                painter.drawImage(target, image)
                sent += 1
                if progress is not None and not progress(index + 1, total):
                    break
    finally:
        painter.end()
    return sent
