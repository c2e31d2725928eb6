"""build_spec/notices.py: THIRD-PARTY-NOTICES written from what a bundle holds, and the check that
fails on anything in the bundle without a notice. Small bundles laid out as PyInstaller lays out
the real one, in tmp_path; the real venv's metadata and licence files (no PyInstaller build)."""

from __future__ import annotations

import importlib.metadata as metadata
import os
import re
import shutil
import sys
import sysconfig
from pathlib import Path, PurePosixPath

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "build_spec"))
import notices  # noqa: E402

LIBPYTHON = sysconfig.get_config_var("LDLIBRARY") or ""
PY_DIR = f"python{sys.version_info[0]}.{sys.version_info[1]}"
EXT = sysconfig.get_config_var("EXT_SUFFIX") or ".so"

pytestmark = pytest.mark.skipif(
    sys.platform == "win32"
    or not (Path(sysconfig.get_config_var("LIBDIR") or "") / LIBPYTHON).exists(),
    reason="the fake bundles are laid out as on Linux, with a shared libpython",
)


def _touch(path: Path, content: bytes = b"") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)


def _runtime_closure() -> list[metadata.Distribution]:
    """union-counter's run-time distributions: its Requires-Dist, recursively, with the extras
    asked for (psycopg[binary]) and none of its own (test, dev)."""
    seen: dict[str, metadata.Distribution] = {}
    todo: list[tuple[str, set[str]]] = [("union-counter", set())]
    while todo:
        raw, extras = todo.pop()
        name = re.sub(r"[-_.]+", "-", raw).lower()
        if name in seen:
            continue
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:  # for another platform (tzdata on Windows)
            continue
        seen[name] = dist
        for requirement in dist.requires or []:
            wanted_extra = re.search(r"extra == ['\"]([^'\"]+)['\"]", requirement)
            if wanted_extra and wanted_extra.group(1) not in extras:
                continue
            match = re.match(r"\s*([A-Za-z0-9_.-]+)\s*(?:\[([^\]]*)\])?", requirement)
            assert match, requirement
            asked = {e.strip() for e in (match.group(2) or "").split(",") if e.strip()}
            todo.append((match.group(1), asked))
    del seen["union-counter"]
    return list(seen.values())


def _small_bundle(tmp_path: Path) -> Path:
    """A bundle with one file of each kind: a Qt library, an extension module of PySide6, a
    pure package (SQLAlchemy), Python's runtime and one of its extension modules, a font."""
    bundle = tmp_path / "union-counter"
    inner = bundle / notices.CONTENTS
    _touch(inner / "PySide6" / "Qt" / "lib" / "libQt6Core.so.6", b"\x7fELF...Qt 6.11.3...")
    _touch(inner / "PySide6" / "QtCore.abi3.so")
    _touch(inner / "sqlalchemy" / "__init__.pyc")
    _touch(inner / LIBPYTHON)
    _touch(inner / PY_DIR / "lib-dynload" / f"_json{EXT}")
    fonts = ROOT / "resources" / "fonts" / "wqy-microhei"
    target = inner / "resources" / "fonts" / "wqy-microhei"
    target.mkdir(parents=True)
    for name in ("COPYRIGHT", "LICENSE-Apache-2.0"):
        shutil.copy(fonts / name, target / name)
    _touch(target / "wqy-microhei-subset.ttf")
    return bundle


def _sections(text: str) -> dict[str, str]:
    """Section title -> its text."""
    parts = re.split(r"^(\[\d+\] .+)$", text, flags=re.MULTILINE)
    return {parts[i].split("] ", 1)[1]: parts[i + 1] for i in range(1, len(parts), 2)}


def test_a_small_bundle_gets_notices_that_pass_the_check(tmp_path: Path) -> None:
    bundle = _small_bundle(tmp_path)
    written = notices.write(bundle)
    assert written == bundle / "THIRD-PARTY-NOTICES"
    text = written.read_text(encoding="utf-8")
    sections = _sections(text)
    assert {"Python", "PySide6_Essentials", "SQLAlchemy"} <= set(sections)
    assert f"  {notices.CONTENTS}/PySide6/Qt/lib/libQt6Core.so.6" in sections["PySide6_Essentials"]
    assert "Licence: LGPL-3.0-only" in sections["PySide6_Essentials"]
    # PySide6 ships no licence file: the LGPL-3 and the GPL-3 it adds to, in full
    assert "GNU LESSER GENERAL PUBLIC LICENSE" in sections["PySide6_Essentials"]
    assert "GNU GENERAL PUBLIC LICENSE" in sections["PySide6_Essentials"]
    assert "  sqlalchemy\n" in sections["SQLAlchemy"] and "Licence: MIT" in sections["SQLAlchemy"]
    assert f"  {notices.CONTENTS}/{LIBPYTHON}" in sections["Python"]
    assert "PYTHON SOFTWARE FOUNDATION LICENSE VERSION 2" in sections["Python"]
    font = next(s for title, s in sections.items() if title.startswith("WenQuanYi"))
    assert "Apache License" in font and "wqy-microhei-subset.ttf" in font
    # the LGPL notice at the top: which Qt files, where, how to replace them, where the source is
    top = text.split("[1] ")[0]
    assert "Qt 6.11.3" in top and f"{notices.CONTENTS}/PySide6/Qt/lib/libQt6Core.so.6" in top
    assert "replace them with your own" in top and "download.qt.io" in top
    assert notices.check(bundle) == []


def test_the_check_fails_on_an_unknown_shared_library(tmp_path: Path) -> None:
    bundle = _small_bundle(tmp_path)
    notices.write(bundle)
    _touch(bundle / notices.CONTENTS / "libmystery.so.3")
    problems = notices.check(bundle)
    assert problems == [
        f"{notices.CONTENTS}/libmystery.so.3: no notice in THIRD-PARTY-NOTICES (a new dependency?)"
    ]
    # and the generator does not write notices for it: its licence is unknown
    with pytest.raises(notices.NoticeError, match=r"libmystery\.so\.3: .*licence is unknown"):
        notices.write(bundle)
    assert notices.main(["check", str(bundle)]) == 1


def test_the_check_fails_on_an_unknown_python_package(tmp_path: Path) -> None:
    bundle = _small_bundle(tmp_path)
    notices.write(bundle)
    _touch(bundle / notices.CONTENTS / "mysterypkg" / "__init__.pyc")
    problems = notices.check(bundle)
    assert len(problems) == 1 and "'mysterypkg'" in problems[0], problems
    with pytest.raises(notices.NoticeError, match=r"mysterypkg.*no installed distribution"):
        notices.write(bundle)


def test_the_check_fails_on_a_notice_without_licence_or_text(tmp_path: Path) -> None:
    bundle = _small_bundle(tmp_path)
    path = notices.write(bundle)
    original = path.read_text(encoding="utf-8")
    path.write_text(original.replace("Licence: MIT\n", "Licence: UNKNOWN\n", 1), encoding="utf-8")
    assert any("SQLAlchemy: licence unknown" in p for p in notices.check(bundle))
    # a section whose licence texts were cut off
    sections = original.split(notices.RULE + "\n[")
    cut = [s if "] SQLAlchemy\n" not in s else s.split(notices.THIN)[0] for s in sections]
    path.write_text((notices.RULE + "\n[").join(cut), encoding="utf-8")
    assert any("SQLAlchemy: no licence text" in p for p in notices.check(bundle))
    # a bundle without the file
    path.unlink()
    assert "THIRD-PARTY-NOTICES is missing" in notices.check(bundle)[0]


def test_a_font_needs_its_licence_file(tmp_path: Path) -> None:
    bundle = _small_bundle(tmp_path)
    (bundle / notices.CONTENTS / "resources" / "fonts" / "wqy-microhei" / "COPYRIGHT").unlink()
    with pytest.raises(notices.NoticeError, match="COPYRIGHT is missing"):
        notices.write(bundle)


def test_the_notices_for_the_real_venv_name_every_runtime_dependency(tmp_path: Path) -> None:
    """A bundle holding what PyInstaller takes from this venv: each run-time distribution's
    packages and binaries at their installed paths (empty files), and Python's runtime."""
    bundle = tmp_path / "union-counter"
    inner = bundle / notices.CONTENTS
    packages_of = metadata.packages_distributions()
    for dist in _runtime_closure():
        for file in dist.files or []:
            posix = PurePosixPath(str(file))
            if ".dist-info" in posix.as_posix() or posix.as_posix().startswith(".."):
                continue
            if notices.is_binary(posix):
                _touch(inner / posix)
        tops = [t for t, names in packages_of.items() if dist.metadata["Name"] in names]
        for top in tops:
            if not (inner / top).exists() and not top.startswith("_"):
                _touch(inner / top / "__init__.pyc")
    _touch(inner / LIBPYTHON)
    written = notices.write(bundle)
    sections = _sections(written.read_text(encoding="utf-8"))
    wanted = [
        "PySide6_Essentials",
        "shiboken6",
        "SQLAlchemy",
        "alembic",
        "Mako",
        "openpyxl",
        "et_xmlfile",
        "pypinyin",
        "platformdirs",
        "Pillow",
        "pypdfium2",
        "reportlab",
        "psycopg",
        "psycopg-binary",
        "PyNaCl",
        "Python",
    ]
    titles = {title.lower(): body for title, body in sections.items()}
    missing = [name for name in wanted if name.lower() not in titles]
    assert not missing, sorted(sections)
    for name in wanted:
        body = titles[name.lower()]
        licence = re.search(r"^Licence: (.+)$", body, re.MULTILINE)
        assert licence and licence.group(1).strip(), name
        assert "Licence text: " in body, f"{name} has no licence text"
    # PDFium's own third-party list, and the libraries wheels vendor, each with its text
    pdfium_note = " ".join(titles["pypdfium2"].split("Licence text: ")[0].split())
    assert "Third-party code in the library: " in pdfium_note
    assert all(name in pdfium_note for name in ("freetype", "libjpeg_turbo", "libpng", "zlib"))
    assert "BUILD_LICENSES/freetype.txt" in titles["pypdfium2"]
    for vendored in ("postgresql libpq", "openssl", "libjpeg-turbo"):
        assert vendored in titles, sorted(sections)
    assert "Licence: PostgreSQL" in titles["postgresql libpq"]
    assert notices.check(bundle) == []


@pytest.mark.slow
def test_a_built_bundle_carries_notices_that_cover_it() -> None:
    """The bundle check_bundle.sh built (UNION_COUNTER_BUNDLE, as CI sets it)."""
    prebuilt = os.environ.get("UNION_COUNTER_BUNDLE")
    if not prebuilt:
        pytest.skip("UNION_COUNTER_BUNDLE names no built bundle (check_bundle.sh builds one)")
    bundle = Path(prebuilt)
    assert notices.check(bundle) == []
    # the executable's module list, read without PyInstaller, is PyInstaller's own reading
    readers = pytest.importorskip("PyInstaller.archive.readers")
    for exe in notices.executables(bundle):
        archive = readers.CArchiveReader(str(exe))
        expected = set()
        for name, entry in archive.toc.items():
            if entry[-1] in "msM":
                expected.add(name)
            elif entry[-1] == "z":
                expected.update(archive.open_embedded_archive(name).toc)
        assert notices.read_archive_modules(exe) == expected
        assert {"desktop_app", "sqlalchemy", "PySide6"} <= {n.split(".")[0] for n in expected}
    text = (bundle / "THIRD-PARTY-NOTICES").read_text(encoding="utf-8")
    titles = {title.lower() for title in _sections(text)}
    assert {"python", "pyside6_essentials", "shiboken6", "pyinstaller", "pillow"} <= titles
