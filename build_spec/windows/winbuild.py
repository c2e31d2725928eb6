"""Facts the Windows build takes from the project: the version information of the .exe files,
and the oldest Windows build the bundled Qt runs on.

Used by build_spec/union_counter.spec (the version files, written into PyInstaller's workpath),
and by check_nsis.sh / a Windows build, on the command line:

    python build_spec/windows/winbuild.py version             # 0.1.0 (pyproject.toml)
    python build_spec/windows/winbuild.py file-version        # 0.1.0.0 (four numbers, for NSIS)
    python build_spec/windows/winbuild.py publisher           # the Publisher / CompanyName
    python build_spec/windows/winbuild.py min-build DIST      # 17763, or 18362 (see below)
    python build_spec/windows/winbuild.py version-file OUT [EXE_NAME]

Standard library only, plus pefile for `min-build` (PyInstaller needs it on Windows anyway; the
dev extra installs it everywhere).
"""

from __future__ import annotations

import re
import sys
import tomllib
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCT_NAME = "职工技能补助柜台"
# Windows 10 1809 (October 2018 Update): the oldest Windows that Qt 6 supports.
WINDOWS_10_1809 = 17763
# Windows 10 1903 (May 2019 Update): the first with the combined system ICU, icu.dll.
WINDOWS_10_1903 = 18362
# Simplified Chinese (PRC), 0x0804, in UTF-16 (code page 1200): the string table's key.
LANGUAGE_ID = 0x0804
CODEPAGE = 1200


def project_metadata(pyproject: Path = ROOT / "pyproject.toml") -> dict[str, object]:
    with pyproject.open("rb") as f:
        project: dict[str, object] = tomllib.load(f)["project"]
    return project


def project_version(pyproject: Path = ROOT / "pyproject.toml") -> str:
    return str(project_metadata(pyproject)["version"])


def publisher(pyproject: Path = ROOT / "pyproject.toml") -> str:
    """The first author in pyproject.toml: the exe's CompanyName and the installer's Publisher."""
    authors = project_metadata(pyproject).get("authors") or []
    assert isinstance(authors, list)
    if authors and isinstance(authors[0], dict) and authors[0].get("name"):
        return str(authors[0]["name"])
    return PRODUCT_NAME


def numeric_version(version: str) -> tuple[int, int, int, int]:
    """The four 16-bit numbers Windows keeps (FileVersion, VIProductVersion) for a PEP 440
    release version: 0.1.0 -> (0, 1, 0, 0), 1.2 -> (1, 2, 0, 0), 1.2.3rc1 -> (1, 2, 3, 0).
    Pre-release, post-release and local parts are not kept in the numbers (the text versions
    keep them); more than four numbers, or a number over 65535, is refused."""
    found = re.match(r"^v?(\d+(?:\.\d+)*)", version.strip())
    if not found:
        raise ValueError(f"not a version number: {version!r}")
    numbers = [int(part) for part in found.group(1).split(".")]
    if len(numbers) > 4:
        raise ValueError(f"more than four numbers in {version!r}")
    if any(n > 0xFFFF for n in numbers):
        raise ValueError(f"a number in {version!r} is over 65535 (Windows keeps 16 bits)")
    padded = (*numbers, 0, 0, 0, 0)[:4]
    return (padded[0], padded[1], padded[2], padded[3])


def version_info_text(
    version: str,
    *,
    exe_name: str = "union-counter.exe",
    description: str = PRODUCT_NAME,
    company: str | None = None,
    year: int | None = None,
) -> str:
    """The text of a PyInstaller version file (a VSVersionInfo structure written as Python,
    which PyInstaller reads with PyInstaller.utils.win32.versioninfo and stamps into the .exe
    as its VERSIONINFO resource: what Explorer shows under 属性 → 详细信息)."""
    numbers = numeric_version(version)
    company = publisher() if company is None else company
    year = date.today().year if year is None else year
    strings = [
        ("CompanyName", company),
        ("FileDescription", description),
        ("FileVersion", version),
        ("InternalName", exe_name.removesuffix(".exe")),
        ("LegalCopyright", f"© {year} {company}"),
        ("OriginalFilename", exe_name),
        ("ProductName", PRODUCT_NAME),
        ("ProductVersion", version),
    ]
    table = "\n".join(f"          StringStruct({key!r}, {value!r})," for key, value in strings)
    key = f"{LANGUAGE_ID:04x}{CODEPAGE:04x}"
    return f"""# -*- coding: utf-8 -*-
# Version information of {exe_name}, written by build_spec/windows/winbuild.py.
VSVersionInfo(
  ffi=FixedFileInfo(
    filevers={numbers!r},
    prodvers={numbers!r},
    mask=0x3F,
    flags=0x0,
    OS=0x40004,
    fileType=0x1,
    subtype=0x0,
    date=(0, 0),
  ),
  kids=[
    StringFileInfo(
      [
        StringTable(
          {key!r},
          [
{table}
          ],
        )
      ]
    ),
    VarFileInfo([VarStruct('Translation', [{LANGUAGE_ID:#06x}, {CODEPAGE}])]),
  ],
)
"""


def write_version_file(
    path: Path,
    version: str,
    *,
    exe_name: str = "union-counter.exe",
    description: str = PRODUCT_NAME,
) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = version_info_text(version, exe_name=exe_name, description=description)
    path.write_text(text, encoding="utf-8")
    return path


def icu_imports(dll: Path) -> list[str]:
    """The ICU libraries a Windows DLL imports by name (its import and delay-import tables)."""
    import pefile

    pe = pefile.PE(str(dll), fast_load=True)
    try:
        pe.parse_data_directories(
            directories=[
                pefile.DIRECTORY_ENTRY["IMAGE_DIRECTORY_ENTRY_IMPORT"],
                pefile.DIRECTORY_ENTRY["IMAGE_DIRECTORY_ENTRY_DELAY_IMPORT"],
            ]
        )
        entries = [
            *getattr(pe, "DIRECTORY_ENTRY_IMPORT", []),
            *getattr(pe, "DIRECTORY_ENTRY_DELAY_IMPORT", []),
        ]
        names = [entry.dll.decode("ascii", "replace") for entry in entries]
    finally:
        pe.close()
    return sorted({name.lower() for name in names if name.lower().startswith("icu")})


def min_windows_build(payload: Path) -> int:
    """The oldest Windows 10 build the bundle in `payload` (dist/union-counter) starts on.

    Qt 6 needs 1809. QtCore on Windows uses the ICU that comes with Windows: PySide6 6.10 and
    6.11 import `icuuc.dll` (there since 1703), 6.7 none. A Qt that imports the combined `icu.dll`
    fails to start before 1903, so then the installer must refuse 1809. A bundle without
    Qt6Core.dll (the check's stand-in payload) is taken as 1809."""
    builds = [WINDOWS_10_1809]
    for dll in payload.rglob("Qt6Core.dll"):
        if "icu.dll" in icu_imports(dll):
            builds.append(WINDOWS_10_1903)
    for bundled in payload.rglob("icu*.dll"):
        # System32's icuuc.dll of a 1903+ build machine only forwards to icu.dll: bundled, it
        # would break 1809. PyInstaller leaves every DLL of the Windows folder out.
        raise ValueError(f"{bundled}: Windows' own ICU must not be bundled")
    return max(builds)


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    command, *args = argv
    version = project_version()
    if command == "version":
        print(version)
    elif command == "file-version":
        print(".".join(str(n) for n in numeric_version(version)))
    elif command == "publisher":
        print(publisher())
    elif command == "min-build" and len(args) == 1:
        try:
            print(min_windows_build(Path(args[0])))
        except ValueError as error:
            print(f"winbuild.py: {error}", file=sys.stderr)
            return 1
    elif command == "version-file" and len(args) in (1, 2):
        exe = args[1] if len(args) == 2 else "union-counter.exe"
        print(write_version_file(Path(args[0]), version, exe_name=exe))
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
