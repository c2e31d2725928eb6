"""build_spec/windows/winbuild.py: the .exe's version file, read back by PyInstaller's own parser,
and the oldest Windows build the bundled Qt starts on, read from a real PE's import table."""

from __future__ import annotations

import shutil
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "build_spec" / "windows"))
import winbuild  # noqa: E402

pefile = pytest.importorskip("pefile")


@pytest.fixture
def versioninfo(monkeypatch: pytest.MonkeyPatch):
    """PyInstaller's version-file module. It imports `win32api` from PyInstaller.compat, which
    exists on Windows only and which only its function writing into an .exe uses; the parser
    and the structures do not, so on Linux the name is set to None (as PyInstaller itself does
    when it runs its setup on Windows)."""
    import PyInstaller.compat

    if not hasattr(PyInstaller.compat, "win32api"):
        monkeypatch.setattr(PyInstaller.compat, "win32api", None, raising=False)
        monkeypatch.delitem(sys.modules, "PyInstaller.utils.win32.versioninfo", raising=False)
    from PyInstaller.utils.win32 import versioninfo as module

    return module


def _strings(info) -> dict[str, str]:
    (string_file_info,) = [kid for kid in info.kids if type(kid).__name__ == "StringFileInfo"]
    (table,) = string_file_info.kids
    return {entry.name: entry.val for entry in table.kids}


@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        ("0.1.0", (0, 1, 0, 0)),
        ("1.2", (1, 2, 0, 0)),
        ("2", (2, 0, 0, 0)),
        ("1.2.3rc1", (1, 2, 3, 0)),
        ("1.2.3.post4", (1, 2, 3, 0)),
        ("1.2.3.4", (1, 2, 3, 4)),
        ("10.20.30+local", (10, 20, 30, 0)),
    ],
)
def test_numeric_version(text: str, numbers: tuple[int, int, int, int]) -> None:
    assert winbuild.numeric_version(text) == numbers


@pytest.mark.parametrize("text", ["", "abc", "1.2.3.4.5", "1.70000.0"])
def test_numeric_version_refuses(text: str) -> None:
    with pytest.raises(ValueError):
        winbuild.numeric_version(text)


def test_version_from_pyproject() -> None:
    with (ROOT / "pyproject.toml").open("rb") as f:
        project = tomllib.load(f)["project"]
    assert winbuild.project_version() == project["version"]
    assert winbuild.publisher() == project["authors"][0]["name"]


def test_pyinstaller_reads_the_version_file(tmp_path: Path, versioninfo) -> None:
    path = winbuild.write_version_file(
        tmp_path / "version.txt",
        "1.2.3rc1",
        exe_name="union-counter-cli.exe",
        description="职工技能补助柜台（命令行）",
    )
    info = versioninfo.load_version_info_from_text_file(str(path))
    assert isinstance(info, versioninfo.VSVersionInfo)
    assert info.ffi.fileVersionMS == (1 << 16) | 2
    assert info.ffi.fileVersionLS == 3 << 16
    assert (info.ffi.productVersionMS, info.ffi.productVersionLS) == (
        info.ffi.fileVersionMS,
        info.ffi.fileVersionLS,
    )
    strings = _strings(info)
    assert strings["FileDescription"] == "职工技能补助柜台（命令行）"
    assert strings["ProductName"] == "职工技能补助柜台"
    assert strings["OriginalFilename"] == "union-counter-cli.exe"
    assert strings["InternalName"] == "union-counter-cli"
    assert strings["FileVersion"] == strings["ProductVersion"] == "1.2.3rc1"
    assert strings["CompanyName"] == winbuild.publisher()
    assert winbuild.publisher() in strings["LegalCopyright"]
    assert set(strings) == {
        "CompanyName",
        "FileDescription",
        "FileVersion",
        "InternalName",
        "LegalCopyright",
        "OriginalFilename",
        "ProductName",
        "ProductVersion",
    }
    # Simplified Chinese in UTF-16, the same in the string table's key and the translation list
    (table,) = next(kid for kid in info.kids if type(kid).__name__ == "StringFileInfo").kids
    assert table.name == "080404b0"
    (var_info,) = [kid for kid in info.kids if type(kid).__name__ == "VarFileInfo"]
    assert var_info.kids[0].kids == [0x0804, 1200]
    # (info.toRaw(), the bytes stamped into the .exe, packs C longs: 4 bytes on Windows only)


def test_quotes_in_names_stay_text(tmp_path: Path, versioninfo) -> None:
    text = winbuild.version_info_text(
        "0.1.0", company="O'Neil \"工会\" \\ team", description="a'b", year=2030
    )
    path = tmp_path / "v.txt"
    path.write_text(text, encoding="utf-8")
    strings = _strings(versioninfo.load_version_info_from_text_file(str(path)))
    assert strings["CompanyName"] == "O'Neil \"工会\" \\ team"
    assert strings["FileDescription"] == "a'b"
    assert strings["LegalCopyright"] == "© 2030 O'Neil \"工会\" \\ team"


# --- the oldest Windows build -------------------------------------------------------------------


def _windows_program() -> Path:
    """A real 64-bit Windows program present in every virtual environment: pip's launcher
    (imports KERNEL32.dll and SHLWAPI.dll)."""
    import pip

    exe = Path(pip.__file__).parent / "_vendor" / "distlib" / "t64.exe"
    if not exe.is_file():
        pytest.skip("pip ships no Windows launcher here")
    return exe


def _with_import_renamed(source: Path, target: Path, old: str, new: str) -> Path:
    """A copy of `source` whose import table names DLL `new` in place of `old`."""
    data = bytearray(source.read_bytes())
    pe = pefile.PE(data=bytes(data))
    (entry,) = [e for e in pe.DIRECTORY_ENTRY_IMPORT if e.dll.decode().lower() == old.lower()]
    offset = pe.get_offset_from_rva(entry.struct.Name)
    assert len(new) <= len(old)
    data[offset : offset + len(old) + 1] = new.encode() + b"\0" * (len(old) + 1 - len(new))
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(bytes(data))
    return target


def _payload(tmp_path: Path, qtcore_imports: str | None) -> Path:
    payload = tmp_path / "union-counter"
    qt = payload / "_internal" / "PySide6" / "Qt6Core.dll"
    if qtcore_imports is None:
        qt.parent.mkdir(parents=True)
        shutil.copy(_windows_program(), qt)
    else:
        _with_import_renamed(_windows_program(), qt, "SHLWAPI.dll", qtcore_imports)
    return payload


def test_qt_importing_icuuc_runs_on_1809(tmp_path: Path) -> None:
    payload = _payload(tmp_path, "icuuc.dll")
    assert winbuild.icu_imports(payload / "_internal" / "PySide6" / "Qt6Core.dll") == ["icuuc.dll"]
    assert winbuild.min_windows_build(payload) == 17763


def test_qt_importing_icu_dll_needs_1903(tmp_path: Path) -> None:
    payload = _payload(tmp_path, "icu.dll")
    assert winbuild.icu_imports(payload / "_internal" / "PySide6" / "Qt6Core.dll") == ["icu.dll"]
    assert winbuild.min_windows_build(payload) == 18362


def test_qt_without_icu_and_no_qt(tmp_path: Path) -> None:
    payload = _payload(tmp_path, None)
    assert winbuild.icu_imports(payload / "_internal" / "PySide6" / "Qt6Core.dll") == []
    assert winbuild.min_windows_build(payload) == 17763
    empty = tmp_path / "stand-in"
    empty.mkdir()
    assert winbuild.min_windows_build(empty) == 17763


def test_windows_own_icu_must_not_be_bundled(tmp_path: Path) -> None:
    payload = _payload(tmp_path, "icuuc.dll")
    shutil.copy(_windows_program(), payload / "_internal" / "icuuc.dll")
    with pytest.raises(ValueError, match="must not be bundled"):
        winbuild.min_windows_build(payload)
