"""Checks of the Windows installer that run on Linux (check_nsis.sh, tests/build/):

    python build_spec/windows/check_installer.py script NSI              # what it deletes
    python build_spec/windows/check_installer.py payload PAYLOAD NSI     # top-level names known
    python build_spec/windows/check_installer.py installer EXE VERSION [0.1.0.0]  # version info

Each prints what it found and exits 1 with the reason when the check fails. Needs pefile for
`installer` (the dev extra).
"""

from __future__ import annotations

import re
import struct
import sys
from pathlib import Path

# Where the script may delete: the program's own folder, its shortcuts, its uninstall key.
ALLOWED_TARGETS = ("$INSTDIR", "${START_MENU}", "$DESKTOP\\${APP_NAME}.lnk")
# The clerks' data and the machine-wide settings (and anything that could reach them).
DATA_WORDS = ("LOCALAPPDATA", "APPDATA", "PROGRAMDATA", "PROFILE", "union-counter.sqlite3")
DELETING = ("Delete", "RMDir", "DeleteRegKey", "DeleteRegValue")
ICON = Path(__file__).resolve().parents[2] / "resources" / "icons" / "union-counter.ico"


def ico_images(ico: Path = ICON) -> int:
    """How many images an .ico file holds (its header's count)."""
    header = ico.read_bytes()[:6]
    reserved, kind, count = struct.unpack("<HHH", header)
    if reserved != 0 or kind != 1:
        raise ValueError(f"{ico}: not an icon file")
    return int(count)


def _code_lines(nsi: Path) -> list[tuple[int, str]]:
    """The script's lines without comments (NSIS comments start with ; or #)."""
    lines = []
    for number, line in enumerate(nsi.read_text(encoding="utf-8-sig").splitlines(), 1):
        stripped = line.strip()
        if not stripped or stripped.startswith((";", "#")):
            continue
        lines.append((number, stripped))
    return lines


def _flags_and_target(args: str) -> tuple[list[str], str]:
    """The flags (/r, /REBOOTOK) and the first argument of a Delete/RMDir line."""
    flags = re.findall(r"(?:^|\s)(/\w+)(?=\s)", " " + args.strip() + " ")
    rest = re.sub(r"^(?:/\w+\s+)*", "", args.strip())
    found = re.match(r'"([^"]*)"|(\S+)', rest)
    if not found:
        return flags, ""
    return flags, found.group(1) if found.group(1) is not None else found.group(2)


def deletions(nsi: Path) -> list[tuple[int, str, list[str], str]]:
    """Every deleting instruction in the script: (line, instruction, flags, target); for the
    registry ones the target is the whole argument text."""
    found = []
    for number, line in _code_lines(nsi):
        word, _, rest = line.partition(" ")
        if word.startswith("DeleteReg"):
            found.append((number, word, [], rest.strip()))
        elif word in DELETING:
            flags, target = _flags_and_target(rest)
            found.append((number, word, flags, target))
    return found


def unsafe_deletions(nsi: Path) -> list[str]:
    """Deletions outside the program's folder, shortcuts and uninstall key, or naming data."""
    problems = []
    for number, word, flags, target in deletions(nsi):
        if any(data.lower() in target.lower() for data in DATA_WORDS):
            problems.append(f"line {number}: {word} {target} names the clerks' data")
        elif word.startswith("DeleteReg"):
            if target.split() != ["HKLM", '"${UNINST_KEY}"']:
                problems.append(f"line {number}: {word} {target}: not the uninstall key")
        elif not target.startswith(ALLOWED_TARGETS) or ".." in target:
            problems.append(f"line {number}: {word} {target}: outside the program's places")
        elif word == "RMDir" and "/r" in flags and target.rstrip("\\") == "$INSTDIR":
            problems.append(f"line {number}: RMDir /r $INSTDIR would take a chosen folder whole")
    return problems


def removed_top_names(nsi: Path) -> set[str]:
    """The top-level names the script removes from $INSTDIR (its REMOVE_PROGRAM_FILES)."""
    names = set()
    inside = False
    for _, line in _code_lines(nsi):
        if line.startswith("!macro REMOVE_PROGRAM_FILES"):
            inside = True
        elif inside and line.startswith("!macroend"):
            break
        elif inside:
            _, target = _flags_and_target(line.partition(" ")[2])
            name = target.removeprefix("$INSTDIR\\")
            name = name.replace("${EXE}", "union-counter.exe")
            name = name.replace("${CLI_EXE}", "union-counter-cli.exe")
            names.add(name)
    return names


def unlisted_payload_names(payload: Path, nsi: Path) -> list[str]:
    """Top-level names of the bundle an upgrade or uninstall would leave behind."""
    known = {name.lower() for name in removed_top_names(nsi)}
    return sorted(p.name for p in payload.iterdir() if p.name.lower() not in known)


def installer_version_info(exe: Path) -> dict[str, str]:
    """The version resource of a Windows executable: its string table, plus the fixed
    FileVersion/ProductVersion numbers as `fixed_file` / `fixed_product`, and `machine`."""
    import pefile

    pe = pefile.PE(str(exe))
    try:
        info: dict[str, str] = {"machine": pefile.MACHINE_TYPE.get(pe.FILE_HEADER.Machine, "?")}
        resources = getattr(pe, "DIRECTORY_ENTRY_RESOURCE", None)
        for kind in resources.entries if resources else []:
            if kind.id == pefile.RESOURCE_TYPE["RT_ICON"]:
                info["icon_images"] = str(len(kind.directory.entries))
        for file_info in getattr(pe, "FileInfo", []):
            for entry in file_info:
                for table in getattr(entry, "StringTable", []):
                    for key, value in table.entries.items():
                        info[key.decode("utf-8")] = value.decode("utf-8")
        for fixed in getattr(pe, "VS_FIXEDFILEINFO", []):
            ms, ls = fixed.FileVersionMS, fixed.FileVersionLS
            info["fixed_file"] = f"{ms >> 16}.{ms & 0xFFFF}.{ls >> 16}.{ls & 0xFFFF}"
            ms, ls = fixed.ProductVersionMS, fixed.ProductVersionLS
            info["fixed_product"] = f"{ms >> 16}.{ms & 0xFFFF}.{ls >> 16}.{ls & 0xFFFF}"
    finally:
        pe.close()
    return info


def main(argv: list[str]) -> int:
    match argv:
        case ["script", nsi]:
            for number, word, flags, target in deletions(Path(nsi)):
                print(f"   line {number}: {word} {' '.join([*flags, target])}")
            problems = unsafe_deletions(Path(nsi))
        case ["payload", payload, nsi]:
            unlisted = unlisted_payload_names(Path(payload), Path(nsi))
            problems = [
                f"{name}: at the top of the bundle but not in REMOVE_PROGRAM_FILES "
                "(an upgrade or uninstall would leave it behind)"
                for name in unlisted
            ]
        case ["installer", exe, version, *file_version]:
            info = installer_version_info(Path(exe))
            for key, value in sorted(info.items()):
                print(f"   {key}: {value}")
            expected = {
                "ProductName": "职工技能补助柜台",
                "ProductVersion": version,
                # the program's icon, not NSIS's own: as many images as union-counter.ico
                "icon_images": str(ico_images()),
            }
            if file_version:
                expected["fixed_product"] = file_version[0]
            problems = [
                f"{key} is {info.get(key)!r}, not {value!r}"
                for key, value in expected.items()
                if info.get(key) != value
            ]
        case _:
            print(__doc__, file=sys.stderr)
            return 2
    for problem in problems:
        print(f"check_installer.py: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
