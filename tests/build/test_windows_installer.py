"""build_spec/windows/union-counter.nsi: what it may delete, that upgrades and the uninstaller
know every top-level name of the bundle, and (with makensis) that it compiles into a Windows
program carrying its version information (check_nsis.sh, as CI runs it)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "build_spec" / "windows"))
import check_installer  # noqa: E402

NSI = ROOT / "build_spec" / "windows" / "union-counter.nsi"


def _script_with(tmp_path: Path, *, after: str, lines: str) -> Path:
    text = NSI.read_text(encoding="utf-8-sig")
    assert after in text
    copy = tmp_path / "union-counter.nsi"
    copy.write_text(text.replace(after, after + "\n" + lines, 1), encoding="utf-8-sig")
    return copy


def test_the_script_deletes_only_the_program() -> None:
    found = check_installer.deletions(NSI)
    assert check_installer.unsafe_deletions(NSI) == []
    # the uninstaller's and the upgrade's deletions are all seen
    targets = {target for _, _, _, target in found}
    assert "$INSTDIR\\_internal" in targets
    assert "$DESKTOP\\${APP_NAME}.lnk" in targets
    assert any(word == "DeleteRegKey" for _, word, _, _ in found)
    # the program's folder itself only when empty (no /r)
    assert [flags for _, word, flags, target in found if target == "$INSTDIR"] == [[]]


@pytest.mark.parametrize(
    "line",
    [
        'RMDir /r "$LOCALAPPDATA\\union-counter"',
        'RMDir /r "$APPDATA\\..\\Local\\union-counter"',
        'Delete "C:\\ProgramData\\union-counter\\counter.ini"',
        'Delete "$INSTDIR\\..\\union-counter.sqlite3"',
        'RMDir /r "$INSTDIR"',
        'RMDir /r /REBOOTOK "$INSTDIR\\"',
        'Delete "$TEMP\\x"',
        'DeleteRegKey HKCU "Software\\union-counter"',
    ],
)
def test_a_deletion_outside_the_program_is_caught(tmp_path: Path, line: str) -> None:
    script = _script_with(tmp_path, after='Section "Uninstall"', lines="  " + line)
    problems = check_installer.unsafe_deletions(script)
    assert len(problems) == 1, problems


def test_a_commented_deletion_is_not_one(tmp_path: Path) -> None:
    script = _script_with(
        tmp_path, after='Section "Uninstall"', lines='  ; RMDir /r "$LOCALAPPDATA\\union-counter"'
    )
    assert check_installer.unsafe_deletions(script) == []


def test_every_top_level_name_of_the_bundle_is_removed_on_upgrade(tmp_path: Path) -> None:
    assert check_installer.removed_top_names(NSI) >= {
        "_internal",
        "union-counter.exe",
        "union-counter-cli.exe",
    }
    payload = tmp_path / "union-counter"
    (payload / "_internal").mkdir(parents=True)
    for name in ("union-counter.exe", "union-counter-cli.exe", "THIRD-PARTY-NOTICES"):
        (payload / name).write_bytes(b"MZ")
    assert check_installer.unlisted_payload_names(payload, NSI) == []
    (payload / "README-Windows.txt").write_text("new at the top")
    assert check_installer.unlisted_payload_names(payload, NSI) == ["README-Windows.txt"]


def test_the_script_is_utf8_with_a_byte_order_mark() -> None:
    # makensis on Windows reads a script without one in the ANSI code page
    assert NSI.read_bytes().startswith(b"\xef\xbb\xbf")


needs_makensis = pytest.mark.skipif(
    shutil.which("makensis") is None or shutil.which("7zz") is None,
    reason="makensis or 7zz missing (make windows-system-deps)",
)


@needs_makensis
def test_check_nsis_compiles_the_installer(tmp_path: Path) -> None:
    out = tmp_path / "out"
    done = subprocess.run(
        ["bash", str(ROOT / "build_spec" / "windows" / "check_nsis.sh"), "", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHON": sys.executable},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    sys.path.insert(0, str(ROOT / "build_spec" / "windows"))
    import winbuild

    version = winbuild.project_version()
    installer = out / f"union-counter-{version}-setup.exe"
    info = check_installer.installer_version_info(installer)
    assert info["ProductName"] == "职工技能补助柜台"
    assert info["ProductVersion"] == version
    assert info["fixed_product"] == ".".join(map(str, winbuild.numeric_version(version)))
    assert info["icon_images"] == str(check_installer.ico_images())
    assert "installer holds every payload file" in done.stdout


@needs_makensis
def test_makensis_refuses_a_build_without_a_version(tmp_path: Path) -> None:
    payload = tmp_path / "payload"
    (payload / "_internal").mkdir(parents=True)
    (payload / "union-counter.exe").write_bytes(b"MZ")
    done = subprocess.run(
        ["makensis", "-WX", "-V2", f"-DPAYLOAD={payload}", f"-DOUTFILE={tmp_path / 'x.exe'}", NSI],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert "VERSION is not defined" in done.stdout + done.stderr
    assert not (tmp_path / "x.exe").exists()


@needs_makensis
def test_makensis_refuses_a_minimum_below_1809(tmp_path: Path) -> None:
    payload = tmp_path / "payload"
    (payload / "_internal").mkdir(parents=True)
    (payload / "union-counter.exe").write_bytes(b"MZ")
    done = subprocess.run(
        [
            "makensis",
            "-WX",
            "-V2",
            "-DVERSION=0.1.0",
            "-DMIN_BUILD=17134",
            f"-DPAYLOAD={payload}",
            f"-DOUTFILE={tmp_path / 'x.exe'}",
            NSI,
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert "Qt 6 needs Windows 10 1809" in done.stdout + done.stderr
