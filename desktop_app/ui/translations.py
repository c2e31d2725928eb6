"""Qt's own words in Chinese: the standard dialogs' buttons and labels (保存, 取消, 查找范围 …).

Qt's file, print and page-setup dialogs and QMessageBox's standard buttons carry English text
unless Qt's translation catalogue is installed. PySide6-Essentials ships it
(`PySide6/Qt/translations/qtbase_zh_CN.qm`) and QLibraryInfo knows where; the bundle keeps only
that file. (`qt_zh_CN.qm` is a 99-byte meta catalogue naming qtbase_zh_CN and
qtmultimedia_zh_CN; the latter is not in PySide6-Essentials, so it does not even load: the
program loads qtbase_zh_CN directly.)

That catalogue predates a few Qt 6 labels that gained an Alt letter (`&Look in:`, `Files of
&type:` in the file dialog, `Page &Set:` in the print dialog …), which it therefore leaves in
English; `resources/translations/qtbase_extra_zh_CN.qm` adds those. The default locale becomes
zh_CN as well (what Qt formats with QLocale(): dates, numbers). The file dialog's date column
follows the system's regional setting instead (QLocale.system(): Chinese on a Chinese Windows,
whose own file dialog the program uses there anyway).

A missing catalogue does not stop the program: the dialogs then show Qt's English, and
`missing()` says so for the log (written once the log file is open).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

CATALOGUE = "qtbase_zh_CN"
EXTRA = "qtbase_extra_zh_CN"
LOCALE = QLocale(QLocale.Language.Chinese, QLocale.Country.China)

_STATE: dict[str, object] = {"done": False, "installed": None, "missing": None}


def translations_dir() -> Path:
    """Where Qt keeps its catalogues (in the wheel: PySide6/Qt/translations)."""
    return Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath))


def extra_dir() -> Path:
    from desktop_app.paths import resources_dir

    return resources_dir() / "translations"


def install_qt_translations(app: QCoreApplication) -> Path | None:
    """Load and install Qt's Chinese catalogues once; Qt's own file, or None when missing."""
    QLocale.setDefault(LOCALE)
    if _STATE["done"]:
        installed = _STATE["installed"]
        return installed if isinstance(installed, Path) else None
    problems = []
    found: Path | None = None
    for name, folder in ((CATALOGUE, translations_dir()), (EXTRA, extra_dir())):
        translator = QTranslator(app)  # a child of the application: lives as long as it does
        if translator.load(name, str(folder)):
            app.installTranslator(translator)
            if name == CATALOGUE:
                found = Path(translator.filePath())
        else:
            translator.setParent(None)
            problems.append(f"{name}.qm not found in {folder}")
    _STATE["done"] = True
    _STATE["installed"] = found
    _STATE["missing"] = "; ".join(problems) or None
    return found


def missing() -> str | None:
    """Which of Qt's catalogues could not be loaded (for the log), or None."""
    value = _STATE["missing"]
    return value if isinstance(value, str) else None


def probe() -> str:
    """For the start-up probe: the Cancel button's text Qt now gives (取消 when translated)."""
    return QCoreApplication.translate("QPlatformTheme", "Cancel")
