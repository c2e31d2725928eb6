"""What the exchange windows share: the system file dialogs (tests replace these module-level
functions), the folder last used, and errors in the clerk's words."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QWidget

from desktop_app.ui.context import AppContext

XLSX_FILTER = "Excel 工作簿 (*.xlsx)"
_FOLDER_KEY = "exchange/folder"


def choose_save_path(parent: QWidget | None, title: str, suggested: Path) -> Path | None:
    """The system save dialog (it asks before replacing a file); None when cancelled."""
    name, _filter = QFileDialog.getSaveFileName(parent, title, str(suggested), XLSX_FILTER)
    return Path(name) if name else None


def choose_open_paths(parent: QWidget | None, title: str, folder: Path) -> list[Path]:
    """The system open dialog for one or more workbooks; empty when cancelled."""
    names, _filter = QFileDialog.getOpenFileNames(parent, title, str(folder), XLSX_FILTER)
    return [Path(name) for name in names]


def last_folder(ctx: AppContext) -> Path:
    saved = str(ctx.settings.value(_FOLDER_KEY, "") or "")
    if saved and Path(saved).is_dir():
        return Path(saved)
    return Path.home()


def remember_folder(ctx: AppContext, path: Path) -> None:
    ctx.settings.setValue(_FOLDER_KEY, str(path.parent))


def xlsx_path(text: str) -> Path:
    """The file a clerk typed or chose, as an .xlsx path; ValueError (Chinese) otherwise."""
    text = text.strip()
    if not text:
        raise ValueError("请先选择要保存的文件。")
    path = Path(text).expanduser()
    if not path.suffix:
        path = path.with_name(path.name + ".xlsx")
    if path.suffix.lower() != ".xlsx":
        raise ValueError(f"文件名“{path.name}”应以 .xlsx 结尾（Excel 工作簿）。")
    if path.is_dir():
        raise ValueError(f"{path} 是文件夹，请写上文件名。")
    return path


def error_text(exc: BaseException) -> str:
    """A workbook's own Chinese message as it is; the rest through errors.message_for."""
    from desktop_app.exchange.errors import ExchangeError
    from desktop_app.ui.errors import message_for

    if isinstance(exc, ExchangeError):
        return exc.message
    if type(exc).__name__ == "CatalogueImportError":  # services/catalogue_import.py: Chinese
        return str(exc)
    return message_for(exc)


def report(parent: QWidget | None, exc: BaseException, title: str) -> None:
    """Show an error as a Chinese dialog (errors.present, which tests replace)."""
    from desktop_app.ui import errors

    errors.present(parent, title, error_text(exc))
