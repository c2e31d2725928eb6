"""THIRD-PARTY-NOTICES for the offline bundle: written from what the bundle holds, and checked.

    python build_spec/notices.py generate BUNDLE [--output FILE]
    python build_spec/notices.py check BUNDLE

Run with the virtual environment's Python the bundle was built from (.venv/bin/python): the
Python distributions' metadata (importlib.metadata) and their licence files are read from it.
The spec (union_counter.spec) writes BUNDLE/THIRD-PARTY-NOTICES after every build, passing the
source path of each collected file; `generate` on a built bundle finds the sources itself.

What is in the bundle and where each licence text comes from:

- Python distributions: the licence from License-Expression / License / the classifiers (or
  the table DIST_LICENCES where those are missing or vague), the texts from the dist-info
  folder (License-File entries, LICENSE*, COPYING*, NOTICE*, AUTHORS*); a distribution that
  ships none (PySide6-Essentials, shiboken6) gets the texts of its licence from
  /usr/share/common-licenses (or build_spec/licences/ where that folder does not exist);
- libraries a wheel vendors (`pillow.libs/`, `psycopg_binary.libs/`, Qt's ICU): the table
  VENDORED_LIBRARIES names the project, its licence and where its text is;
- Python itself: the interpreter's LICENSE.txt (sys.base_prefix);
- shared libraries copied from the build machine: the Debian package (`dpkg -S`), its
  /usr/share/doc/PACKAGE/copyright, and the licence of the library from DEBIAN_LICENCES;
- the program's fonts: their folders' licence files (FONTS);
- PyInstaller's bootloader (the executables) and its run-time modules.

Anything the script cannot attribute, or whose licence it does not know, is an error naming
the file: `generate` writes nothing and `check` fails. Standard library only.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata as metadata
import marshal
import os
import platform
import re
import shutil
import struct
import subprocess
import sys
import sysconfig
import textwrap
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path, PurePosixPath

NOTICES_NAME = "THIRD-PARTY-NOTICES"
CONTENTS = "_internal"  # PyInstaller's contents folder (sys._MEIPASS)
HERE = Path(__file__).resolve().parent
COMMON_LICENCES = Path("/usr/share/common-licenses")
LOCAL_LICENCES = HERE / "licences"  # copies of LGPL-3 and GPL-3 for machines without Debian's
RULE = "=" * 78
THIN = "-" * 78

# The program's own parts: not third-party, named here so the check knows them.
OWN_PACKAGES = {"desktop_app", "launcher", "resources", "db", "forms"}
# PyInstaller's bootstrap and run-time hook modules inside the executable.
PYINSTALLER_PREFIXES = ("pyimod", "pyiboot", "pyi_rth_", "_pyi_rth_")

# A distribution's licence where its metadata has none, a vague one, or a choice we make.
DIST_LICENCES = {
    # "LGPL-3.0-only OR GPL-2.0-only OR GPL-3.0-only": the bundle uses them under the LGPL.
    "pyside6-essentials": "LGPL-3.0-only",
    "shiboken6": "LGPL-3.0-only",
    # License: "BSD license (see license.txt for details)"; the text is BSD-3-Clause.
    "reportlab": "BSD-3-Clause",
    # License: "BSD-3-Clause, Apache-2.0, dependency licenses": pypdfium2 itself is under
    # either; PDFium is BSD-3-Clause; the libraries built into libpdfium follow (BUILD_LICENSES).
    "pypdfium2": "(Apache-2.0 OR BSD-3-Clause) AND BSD-3-Clause AND (PDFium's third-party "
    "licences, listed below)",
    # License: "GPLv2-or-later with a special exception …" (the SPDX line of its COPYING.txt)
    "pyinstaller": "GPL-2.0-or-later WITH Bootloader-exception",
}
DIST_LICENCE_NOTES = {
    "pyside6-essentials": "Offered under LGPL-3.0-only OR GPL-2.0-only OR GPL-3.0-only; "
    "distributed here under the LGPL-3.0 (which adds to the GPL-3.0: both texts below).",
    "shiboken6": "Offered under LGPL-3.0-only OR GPL-2.0-only OR GPL-3.0-only; "
    "distributed here under the LGPL-3.0 (which adds to the GPL-3.0: both texts below).",
    "pypdfium2": "pypdfium2 is Apache-2.0 OR BSD-3-Clause (its docs CC-BY-4.0); the PDFium "
    "library it ships (pypdfium2_raw/libpdfium) is BSD-3-Clause and contains the third-party "
    "code whose licences pypdfium2 lists in BUILD_LICENSES: all of them follow (those for "
    "Android and musl builds left out).",
    "pyinstaller": "The executables start with PyInstaller's bootloader and the bundle runs "
    "PyInstaller's bootstrap modules; the bootloader exception in the text below allows "
    "distributing them with any program.",
}
# Free-text License fields and classifiers seen in the wild, as SPDX identifiers.
FREE_TEXT_LICENCES = {
    "mit": "MIT",
    "mit license": "MIT",
    "apache 2.0": "Apache-2.0",
    "apache-2.0": "Apache-2.0",
    "apache license 2.0": "Apache-2.0",
    "bsd 2-clause license": "BSD-2-Clause",
    "bsd 3-clause license": "BSD-3-Clause",
    "psf": "PSF-2.0",
}
CLASSIFIER_LICENCES = {
    "MIT License": "MIT",
    "Apache Software License": "Apache-2.0",
    "Python Software Foundation License": "PSF-2.0",
    "Mozilla Public License 2.0 (MPL 2.0)": "MPL-2.0",
    "ISC License (ISCL)": "ISC",
    "GNU Lesser General Public License v3 (LGPLv3)": "LGPL-3.0-only",
    "GNU Library or Lesser General Public License (LGPL)": None,  # no version: not enough
    "BSD License": None,  # which BSD: not enough on its own
}
SPDX_LIKE = re.compile(r"\(?[A-Za-z0-9.+-]+\)?( (AND|OR|WITH) \(?[A-Za-z0-9.+-]+\)?)*")
# SPDX identifiers whose text /usr/share/common-licenses holds (used when a wheel has none).
COMMON_TEXTS = {
    "LGPL-3.0": ["LGPL-3", "GPL-3"],  # the LGPL-3 is a set of permissions added to the GPL-3
    "GPL-3.0": ["GPL-3"],
    "GPL-2.0": ["GPL-2"],
    "LGPL-2.1": ["LGPL-2.1"],
    "Apache-2.0": ["Apache-2.0"],
    "MPL-2.0": ["MPL-2.0"],
}
LICENCE_FILE = re.compile(r"(LICEN[CS]E|COPYING|NOTICE|AUTHORS)", re.IGNORECASE)

# Libraries a wheel vendors (auditwheel/delvewheel copies, Qt's ICU): file name stem ->
# (project, licence, where the text is). ("dist", HEADING): a section of the distribution's
# own licence file under that heading line (Pillow's LICENSE has one per library);
# ("deb", PACKAGE): Debian's copyright file of the same upstream project.
VENDORED_LIBRARIES: dict[str, tuple[str, str, tuple[str, str]]] = {
    # psycopg-binary: libpq and what it links (from the manylinux build image)
    "libpq": ("PostgreSQL libpq", "PostgreSQL", ("deb", "libpq5")),
    "libssl": ("OpenSSL", "Apache-2.0", ("deb", "libssl3")),
    "libcrypto": ("OpenSSL", "Apache-2.0", ("deb", "libssl3")),
    "libkrb5": ("MIT Kerberos", "MIT AND BSD-3-Clause (see text)", ("deb", "libkrb5-3")),
    "libk5crypto": ("MIT Kerberos", "MIT AND BSD-3-Clause (see text)", ("deb", "libkrb5-3")),
    "libgssapi_krb5": ("MIT Kerberos", "MIT AND BSD-3-Clause (see text)", ("deb", "libkrb5-3")),
    "libkrb5support": ("MIT Kerberos", "MIT AND BSD-3-Clause (see text)", ("deb", "libkrb5-3")),
    "libcom_err": ("com_err (e2fsprogs)", "MIT-US-export", ("deb", "libcom-err2")),
    "libkeyutils": ("keyutils", "LGPL-2.0-or-later", ("deb", "libkeyutils1")),
    "libsasl2": ("Cyrus SASL", "BSD-4-Clause (CMU)", ("deb", "libsasl2-2")),
    "libldap": ("OpenLDAP", "OLDAP-2.8", ("deb", "libldap-2.5-0")),
    "liblber": ("OpenLDAP", "OLDAP-2.8", ("deb", "libldap-2.5-0")),
    "libcrypt": ("libxcrypt", "LGPL-2.1-or-later", ("deb", "libcrypt1")),
    # Pillow: its LICENSE carries each vendored library's licence under a heading
    "libXau": ("libXau", "MIT-open-group", ("dist", "XAU")),
    "libxcb": ("libxcb", "X11", ("dist", "XCB")),
    "libzstd": ("Zstandard", "BSD-3-Clause OR GPL-2.0-only", ("dist", "ZSTD")),
    "liblzma": ("XZ Utils liblzma", "public-domain", ("dist", "LIBLZMA")),
    "libopenjp2": ("OpenJPEG", "BSD-2-Clause", ("dist", "OPENJPEG")),
    "libtiff": ("LibTIFF", "libtiff", ("dist", "LIBTIFF")),
    "libjpeg": ("libjpeg-turbo", "IJG AND BSD-3-Clause AND Zlib", ("dist", "LIBJPEG")),
    "libpng16": ("libpng", "libpng-2.0", ("dist", "LIBPNG")),
    "libfreetype": ("FreeType", "FTL OR GPL-2.0-or-later", ("dist", "FREETYPE2")),
    "libharfbuzz": ("HarfBuzz", "MIT-Modern-Variant", ("dist", "HARFBUZZ")),
    "liblcms2": ("Little CMS", "MIT", ("dist", "LCMS2")),
    "libwebp": ("libwebp", "BSD-3-Clause", ("dist", "LIBWEBP")),
    "libwebpdemux": ("libwebp", "BSD-3-Clause", ("dist", "LIBWEBP")),
    "libwebpmux": ("libwebp", "BSD-3-Clause", ("dist", "LIBWEBP")),
    "libsharpyuv": ("libwebp", "BSD-3-Clause", ("dist", "LIBWEBP")),
    "libavif": ("libavif", "BSD-2-Clause", ("dist", "LIBAVIF")),
    "libbrotlicommon": ("Brotli", "MIT", ("dist", "BROTLI")),
    "libbrotlidec": ("Brotli", "MIT", ("dist", "BROTLI")),
    # PySide6-Essentials' Qt links its own ICU 73 on Linux (libicudata is cut down by
    # build_spec/icu_data.py); the text is Debian's for ICU (same licence).
    "libicudata": ("ICU", "Unicode-DFS-2016 AND ICU (see text)", ("deb", "libicu72")),
    "libicuuc": ("ICU", "Unicode-DFS-2016 AND ICU (see text)", ("deb", "libicu72")),
    "libicui18n": ("ICU", "Unicode-DFS-2016 AND ICU (see text)", ("deb", "libicu72")),
}
VENDOR_NOTES = {
    "ICU": "libicudata in this bundle is rebuilt from the wheel's ICU data with only the "
    "collation, time-zone and Chinese code-page items QtCore uses (build_spec/icu_data.py).",
}

# Debian packages whose shared libraries the bundle copies from the build machine: the licence
# of the library as the package's copyright file (reproduced in full below it) states it.
DEBIAN_LICENCES = {
    "libx11-6": "X11 AND MIT (X.Org licences, see text)",
    "libx11-xcb1": "X11 AND MIT (X.Org licences, see text)",
    "libxau6": "MIT-open-group",
    "libxdmcp6": "MIT-open-group",
    "libxext6": "X11 AND MIT (X.Org licences, see text)",
    "libxrender1": "HPND-sell-variant",
    "libbrotli1": "MIT",
    "libbsd0": "BSD-3-Clause AND BSD-2-Clause AND ISC AND others (see text)",
    "libbz2-1.0": "bzip2-1.0.6",
    "libssl3": "Apache-2.0",
    "libdbus-1-3": "AFL-2.1 OR GPL-2.0-or-later",
    "libexpat1": "MIT",
    "libffi8": "MIT",
    "libfontconfig1": "HPND-sell-variant",
    "libfreetype6": "FTL OR GPL-2.0-or-later",
    "libgcc-s1": "GPL-3.0-or-later WITH GCC-exception-3.1",
    "libstdc++6": "GPL-3.0-or-later WITH GCC-exception-3.1",
    "libglib2.0-0": "LGPL-2.1-or-later",
    "libjpeg62-turbo": "IJG AND BSD-3-Clause AND Zlib",
    "liblzma5": "public-domain",
    "libmd0": "BSD-3-Clause AND BSD-2-Clause AND ISC AND public-domain (see text)",
    "libpcre2-8-0": "BSD-3-Clause WITH PCRE2-exception",
    "libpng16-16": "libpng-2.0",
    "libsqlite3-0": "blessing (public domain)",
    "libuuid1": "BSD-3-Clause",
    "libxcb1": "X11",
    "libxcb-cursor0": "X11",
    "libxcb-glx0": "X11",
    "libxcb-icccm4": "X11",
    "libxcb-image0": "X11",
    "libxcb-keysyms1": "X11",
    "libxcb-randr0": "X11",
    "libxcb-render-util0": "X11",
    "libxcb-render0": "X11",
    "libxcb-shape0": "X11",
    "libxcb-shm0": "X11",
    "libxcb-sync1": "X11",
    "libxcb-util1": "X11",
    "libxcb-xfixes0": "X11",
    "libxcb-xinerama0": "X11",
    "libxcb-xkb1": "X11",
    "libxkbcommon0": "MIT",
    "libxkbcommon-x11-0": "MIT",
    "zlib1g": "Zlib",
    "libzstd1": "BSD-3-Clause OR GPL-2.0-only",
    "libpq5": "PostgreSQL",
    "libegl1": "MIT",
    "libgl1": "MIT",
    "libglvnd0": "MIT",
    "libglx0": "MIT",
    "libopengl0": "MIT",
}

# The program's fonts (resources/fonts/<folder>/): name, version, licence, licence files.
FONTS = {
    "wqy-microhei": (
        "WenQuanYi Micro Hei 文泉驿微米黑 (subset)",
        "0.2.0-beta",
        "Apache-2.0 OR GPL-3.0-or-later WITH Font-exception-2.0",
        ["COPYRIGHT", "LICENSE-Apache-2.0"],
    ),
    "arphic-uming": (
        "AR PL UMing CN 文鼎明体 (subset)",
        "0.2.20080216.2",
        "Arphic-1999",
        ["ARPHICPL.TXT", "ARPHICPL.zh_CN.txt", "COPYRIGHT.debian"],
    ),
    "hanazono": (
        "花園明朝 HanaMin A/B (subsets)",
        "20170904",
        "LicenseRef-Hanazono-Font-License (alternatively OFL-1.1)",
        ["COPYRIGHT"],
    ),
}
FONT_SUFFIXES = (".ttf", ".ttc", ".otf")


class NoticeError(Exception):
    """The bundle holds something without a notice (the message names the files)."""


@dataclass
class Notice:
    """One section of THIRD-PARTY-NOTICES."""

    key: str
    name: str
    version: str
    licence: str
    origin: str
    texts: list[tuple[str, str]] = field(default_factory=list)  # (title, text)
    note: str = ""
    files: set[str] = field(default_factory=set)  # bundle-relative POSIX paths
    packages: set[str] = field(default_factory=set)  # top-level Python names


# --- what the bundle holds -------------------------------------------------------------------


def is_binary(path: PurePosixPath) -> bool:
    """A shared library or extension module (by name, on any platform)."""
    name = path.name.lower()
    return name.endswith((".so", ".dll", ".pyd", ".dylib")) or ".so." in name


def _is_elf_or_pe(path: Path) -> bool:
    with path.open("rb") as stream:
        head = stream.read(4)
    return head == b"\x7fELF" or head[:2] == b"MZ"


def executables(bundle: Path) -> list[Path]:
    """The bundle's executables at its top folder (PyInstaller's bootloader + archive)."""
    return sorted(
        path
        for path in bundle.iterdir()
        if path.is_file()
        and not path.is_symlink()
        and (path.suffix.lower() == ".exe" or os.access(path, os.X_OK))
        and _is_elf_or_pe(path)
    )


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True


def bundle_files(bundle: Path) -> list[str]:
    """Every regular file of the bundle (links into the bundle count as their target)."""
    found = []
    for path in sorted(bundle.rglob("*")):
        if path.is_symlink() and _inside(path, bundle):
            continue
        if path.is_file():
            found.append(path.relative_to(bundle).as_posix())
    return found


def read_archive_modules(executable: Path) -> set[str]:
    """Module names inside a PyInstaller executable: its CArchive's modules and scripts and the
    embedded PYZ's modules. The formats (PyInstaller 6): a cookie at the end, `!8sIIII64s`
    (magic, archive length, TOC offset, TOC length, Python version, libpython name); TOC
    entries `!IIIIBc` + name; the PYZ starts with b'PYZ\\0', 4 bytes of magic number and a
    `!i` TOC offset, its TOC marshalled."""
    data = executable.read_bytes()
    magic = b"MEI\014\013\012\013\016"
    cookie = data.rfind(magic)
    if cookie < 0:
        return set()
    cookie_format = "!8sIIII64s"
    _magic, length, toc_offset, toc_length, _pyver, _pylib = struct.unpack_from(
        cookie_format, data, cookie
    )
    start = cookie + struct.calcsize(cookie_format) - length
    names: set[str] = set()
    position = start + toc_offset
    end = position + toc_length
    entry_format = "!IIIIBc"
    entry_size = struct.calcsize(entry_format)
    while position < end:
        entry_length, offset, _size, _full, _flag, kind = struct.unpack_from(
            entry_format, data, position
        )
        raw = data[position + entry_size : position + entry_length]
        name = raw.rstrip(b"\0").decode("utf-8")
        position += entry_length
        code = kind.decode("ascii")
        if code in "msM":
            names.add(name)
        elif code == "z":
            pyz = start + offset
            if data[pyz : pyz + 4] != b"PYZ\0":
                raise NoticeError(f"{executable}: the embedded archive {name} is not a PYZ")
            (pyz_toc,) = struct.unpack_from("!i", data, pyz + 8)
            toc = marshal.loads(data[pyz + pyz_toc :])
            names.update(dict(toc))
    return names


def bundle_packages(bundle: Path) -> dict[str, str]:
    """Top-level Python names in the bundle -> where (for messages)."""
    found: dict[str, str] = {}
    for exe in executables(bundle):
        for module in read_archive_modules(exe):
            found.setdefault(module.split(".")[0], f"{exe.name} (its archive)")
    contents = bundle / CONTENTS
    base_library = contents / "base_library.zip"
    if base_library.is_file():
        with zipfile.ZipFile(base_library) as archive:
            for member in archive.namelist():
                top = member.split("/")[0]
                found.setdefault(top.split(".")[0], f"{CONTENTS}/base_library.zip")
    if contents.is_dir():
        for path in contents.iterdir():
            if path.name.endswith((".dist-info", ".egg-info", ".libs")) or path.is_symlink():
                continue
            if path.is_dir() and re.fullmatch(r"python\d\.\d+", path.name):
                continue  # the Python runtime's own folder (lib-dynload): its files are binaries
            if path.is_dir() and any(
                p.suffix in (".py", ".pyc") or _extension_module(p.name) for p in path.rglob("*")
            ):
                found.setdefault(path.name, f"{CONTENTS}/{path.name}/")
            elif path.is_file() and (
                path.suffix in (".py", ".pyc") or _extension_module(path.name)
            ):
                found.setdefault(path.name.split(".")[0], f"{CONTENTS}/{path.name}")
    return found


def _extension_module(name: str) -> bool:
    return bool(re.search(r"\.(cpython-\d+[^.]*|abi3|cp\d+-win_amd64)?\.(so|pyd)$", name)) and (
        ".cpython-" in name or ".abi3." in name or name.endswith(".pyd")
    )


# --- attributing files and packages ----------------------------------------------------------


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


class Venv:
    """The installed distributions: which file belongs to which."""

    def __init__(self) -> None:
        self.by_path: dict[str, metadata.Distribution] = {}
        self.by_name: dict[str, list[tuple[str, metadata.Distribution]]] = {}
        self.dists: dict[str, metadata.Distribution] = {}
        for dist in metadata.distributions():
            key = _canonical(dist.metadata["Name"])
            if key in self.dists:
                continue
            self.dists[key] = dist
            for file in dist.files or []:
                posix = PurePosixPath(str(file)).as_posix()
                if posix.startswith("..") or ".dist-info/" in posix:
                    continue
                self.by_path.setdefault(posix, dist)
                self.by_name.setdefault(PurePosixPath(posix).name, []).append((posix, dist))
        self.top_level = metadata.packages_distributions()

    def dist_of_path(self, relative: str) -> metadata.Distribution | None:
        """The distribution holding site-packages/<relative>, or the one file of that name."""
        if relative in self.by_path:
            return self.by_path[relative]
        same_name = {id(d): d for _p, d in self.by_name.get(PurePosixPath(relative).name, [])}
        return next(iter(same_name.values())) if len(same_name) == 1 else None

    def relative_in_dist(self, dist: metadata.Distribution, name: str) -> str | None:
        for posix, owner in self.by_name.get(name, []):
            if owner is dist:
                return posix
        return None

    def dists_of_package(self, name: str) -> list[metadata.Distribution]:
        return [self.dists[_canonical(d)] for d in self.top_level.get(name, [])]


def python_prefix_files() -> tuple[Path, Path]:
    """(folder of libpython / python3.dll, the standard library folder)."""
    libdir = Path(sysconfig.get_config_var("LIBDIR") or sys.base_prefix)
    if sys.platform == "win32":
        libdir = Path(sys.base_prefix)
    return libdir, Path(sysconfig.get_paths()["stdlib"])


def _python_library_names() -> set[str]:
    """File names of the interpreter's shared library (libpython3.11.so.1.0, python311.dll)."""
    names = {
        str(sysconfig.get_config_var(var) or "")
        for var in ("LDLIBRARY", "INSTSONAME", "DLLLIBRARY")
    }
    if sys.platform == "win32":
        version = f"{sys.version_info[0]}{sys.version_info[1]}"
        names |= {f"python{version}.dll", f"python{sys.version_info[0]}.dll"}
    return {n for n in names if n}


def _from_python(relative: str, source: Path | None) -> bool:
    """Is this file the Python runtime's own: its shared library, an extension module of the
    standard library (lib-dynload), or on Windows a file of the Python folder (DLLs/…)?
    Other files under sys.base_prefix (with Debian's Python, /usr) are not."""
    name = PurePosixPath(relative).name
    base = Path(sys.base_prefix)
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    libdir, _stdlib = python_prefix_files()
    if source is not None:
        if sys.platform == "win32":
            return _inside(source, base)
        return _inside(source, stdlib) or (
            name in _python_library_names() and _inside(source, libdir)
        )
    parts = PurePosixPath(relative).parts
    if len(parts) > 2 and re.fullmatch(r"python\d\.\d+", parts[-3]) and parts[-2] == "lib-dynload":
        return (stdlib / "lib-dynload" / name).exists()
    if name in _python_library_names():
        return (libdir / name).exists() or (base / name).exists()
    if sys.platform == "win32":
        return (base / name).exists() or (base / "DLLs" / name).exists()
    return False


_LDCONFIG: dict[str, str] | None = None


def _system_library(name: str) -> Path | None:
    """Where the dynamic linker finds `name` on this machine (ldconfig's cache)."""
    global _LDCONFIG
    if _LDCONFIG is None:
        _LDCONFIG = {}
        ldconfig = shutil.which("ldconfig") or "/sbin/ldconfig"
        if Path(ldconfig).exists():
            listing = subprocess.run(
                [ldconfig, "-p"], capture_output=True, text=True, check=False
            ).stdout
            entries = re.findall(r"^\s+(\S+) \(([^)]*)\) => (\S+)$", listing, re.MULTILINE)
            wide = sys.maxsize > 2**32
            for name_, arch, where in entries:  # this machine's word size first
                if ("64" in arch) == wide:
                    _LDCONFIG.setdefault(name_, where)
    found = _LDCONFIG.get(name)
    return Path(found) if found else None


def debian_package(path: Path) -> str | None:
    """The Debian package that installed `path` (dpkg -S; usr-merged paths tried both ways)."""
    if not shutil.which("dpkg"):
        return None
    candidates = [str(path), str(path.resolve())]
    for candidate in list(candidates):
        for a, b in (("/usr/lib/", "/lib/"), ("/lib/", "/usr/lib/")):
            if candidate.startswith(a):
                candidates.append(b + candidate[len(a) :])
    for candidate in dict.fromkeys(candidates):
        found = subprocess.run(
            ["dpkg", "-S", candidate], capture_output=True, text=True, check=False
        )
        if found.returncode == 0 and found.stdout:
            return found.stdout.split(":")[0].strip()
    return None


def debian_version(package: str) -> str:
    found = subprocess.run(
        ["dpkg-query", "-W", "-f=${Version}", package], capture_output=True, text=True, check=False
    )
    return found.stdout.strip() or "?"


def debian_copyright(package: str) -> Path:
    return Path("/usr/share/doc") / package / "copyright"


# --- licence texts ---------------------------------------------------------------------------


def _read(path: Path) -> str:
    return path.read_bytes().decode("utf-8", errors="replace").replace("\r\n", "\n").strip("\n")


def _field(dist: metadata.Distribution, name: str) -> str:
    return ((dist.metadata.get_all(name) or [""])[0] or "").strip()


def dist_licence(dist: metadata.Distribution) -> str | None:
    """The distribution's licence as an SPDX-like expression, or None when unknown."""
    key = _canonical(dist.metadata["Name"])
    if key in DIST_LICENCES:
        return DIST_LICENCES[key]
    expression = _field(dist, "License-Expression")
    if expression:
        return expression
    free = _field(dist, "License")
    if free.lower() in FREE_TEXT_LICENCES:
        return FREE_TEXT_LICENCES[free.lower()]
    if free and "\n" not in free and len(free) <= 80 and SPDX_LIKE.fullmatch(free):
        return free
    chosen = []
    for classifier in dist.metadata.get_all("Classifier") or []:
        if classifier.startswith("License :: "):
            spdx = CLASSIFIER_LICENCES.get(classifier.split(" :: ")[-1])
            if spdx is None:
                return None
            chosen.append(spdx)
    return " OR ".join(dict.fromkeys(chosen)) or None


def dist_licence_files(dist: metadata.Distribution) -> list[Path]:
    """The licence files in the distribution's dist-info folder (License-File entries first)."""
    metadata_file = next(
        (f for f in dist.files or [] if str(f).endswith(".dist-info/METADATA")), None
    )
    if metadata_file is None:
        return []
    info = Path(str(dist.locate_file(metadata_file))).parent
    found: list[Path] = []
    for entry in dist.metadata.get_all("License-File") or []:
        for candidate in (info / "licenses" / entry, info / entry):
            if candidate.is_file():
                found.append(candidate)
                break
    for path in sorted(info.rglob("*")):
        if path.is_file() and LICENCE_FILE.match(path.name) and path not in found:
            found.append(path)
    musl_or_android = {"android", "cibw_musl", "pbin_musl"}
    return [p for p in found if not musl_or_android & set(p.relative_to(info).parts)]


def common_licence_texts(licence: str) -> list[tuple[str, str]]:
    """Full texts for the licence's identifiers from /usr/share/common-licenses (or the local
    copies in build_spec/licences/)."""
    texts = []
    for spdx, names in COMMON_TEXTS.items():
        if re.search(rf"\b{re.escape(spdx)}", licence):
            for name in names:
                for folder in (COMMON_LICENCES, LOCAL_LICENCES):
                    if (folder / name).is_file():
                        texts.append((f"{name} ({folder / name})", _read(folder / name)))
                        break
    return list(dict.fromkeys(texts))


def heading_section(text: str, heading: str) -> str | None:
    """The part of a licence file under a line that is exactly `heading`, to the next
    `----` rule line (the layout of Pillow's LICENSE)."""
    lines = text.splitlines()
    for index, line in enumerate(lines):
        if line.strip() == heading:
            body = []
            for later in lines[index:]:
                if later.strip() == "----":
                    break
                body.append(later)
            return "\n".join(body).strip("\n")
    return None


# --- building the notices --------------------------------------------------------------------


@dataclass
class Generated:
    notices: list[Notice]
    errors: list[str]
    qt_files: list[str]
    qt_version: str
    pyside_version: str


def _qt_version(bundle: Path, qt_files: list[str], fallback: str) -> str:
    for relative in qt_files:
        if re.search(r"Qt6Core(\.so\.6|\.dll)$", relative):
            found = re.search(rb"Qt (6\.\d+\.\d+)", (bundle / relative).read_bytes())
            if found:
                return found.group(1).decode()
    return fallback


def generate(bundle: Path, sources: Mapping[str, str] | None = None) -> Generated:
    """Attribute every binary, font and Python package of `bundle`. `sources`: bundle-relative
    path -> the file it was copied from (the spec knows; without it they are looked up)."""
    sources = dict(sources or {})
    venv = Venv()
    notices: dict[str, Notice] = {}
    errors: list[str] = []

    def dist_notice(dist: metadata.Distribution) -> Notice:
        key = "dist:" + _canonical(dist.metadata["Name"])
        if key not in notices:
            licence = dist_licence(dist)
            notice = Notice(
                key,
                dist.metadata["Name"],
                dist.version,
                licence or "",
                "Python distribution (PyPI)",
                note=DIST_LICENCE_NOTES.get(_canonical(dist.metadata["Name"]), ""),
            )
            files = dist_licence_files(dist)
            bundled_in = sorted(
                p.stem for p in files if "BUILD_LICENSES" in p.parts and p.stem != "pdfium"
            )
            if bundled_in:
                notice.note += " Third-party code in the library: " + ", ".join(bundled_in) + "."
            info = files[0].parent if files else None
            for path in files:
                title = path.name
                if info is not None:
                    parts = [p for p in path.parts if p not in info.parts]
                    title = "/".join(parts) or path.name
                notice.texts.append(
                    (f"{title} (from {dist.metadata['Name']}'s dist-info)", _read(path))
                )
            if not notice.texts and licence:
                notice.texts = common_licence_texts(licence)
            if not licence:
                errors.append(
                    f"{dist.metadata['Name']} {dist.version}: its metadata names no licence "
                    "(add it to DIST_LICENCES in build_spec/notices.py after reading its licence)"
                )
            elif not notice.texts:
                errors.append(
                    f"{dist.metadata['Name']} {dist.version}: no licence text in its dist-info "
                    f"and none known for {licence}"
                )
            notices[key] = notice
        return notices[key]

    def python_notice() -> Notice:
        if "python" not in notices:
            _libdir, stdlib = python_prefix_files()
            candidates = [
                stdlib / "LICENSE.txt",
                Path(sys.base_prefix) / "LICENSE.txt",
                Path(f"/usr/share/doc/python{sys.version_info[0]}.{sys.version_info[1]}/copyright"),
            ]
            found = next((p for p in candidates if p.is_file()), None)
            notice = Notice(
                "python",
                "Python",
                platform.python_version(),
                "PSF-2.0",
                f"the Python runtime ({sys.base_prefix})",
                note="The interpreter (libpython), its extension modules and standard library.",
            )
            if found is None:
                errors.append("Python: no LICENSE.txt in " + ", ".join(map(str, candidates)))
            else:
                notice.texts.append((f"LICENSE ({found})", _read(found)))
            notices["python"] = notice
        return notices["python"]

    def debian_notice(package: str, for_file: str) -> Notice:
        key = "deb:" + package
        if key not in notices:
            licence = DEBIAN_LICENCES.get(package, "")
            notice = Notice(key, package, debian_version(package), licence, "Debian package")
            copyright_file = debian_copyright(package)
            if copyright_file.is_file():
                notice.texts.append((str(copyright_file), _read(copyright_file)))
            else:
                errors.append(f"{for_file}: {copyright_file} is missing")
            if not licence:
                errors.append(
                    f"{for_file}: from the Debian package {package}, whose licence is not in "
                    f"DEBIAN_LICENCES (build_spec/notices.py): read {copyright_file} and add it"
                )
            notices[key] = notice
        return notices[key]

    def vendored_notice(dist: metadata.Distribution, relative: str) -> Notice | None:
        stem = PurePosixPath(relative).name.split(".")[0]
        stem = re.sub(r"-[0-9a-f]{8}$", "", stem)  # auditwheel's hash suffix
        if stem not in VENDORED_LIBRARIES:
            return None
        project, licence, (kind, where) = VENDORED_LIBRARIES[stem]
        key = f"vendor:{_canonical(dist.metadata['Name'])}:{project}"
        if key not in notices:
            notice = Notice(
                key,
                project,
                f"as built into {dist.metadata['Name']} {dist.version}",
                licence,
                f"a library inside the {dist.metadata['Name']} wheel",
                note=VENDOR_NOTES.get(project, ""),
            )
            if kind == "dist":
                for title, text in dist_notice(dist).texts:
                    section = heading_section(text, where)
                    if section:
                        notice.texts.append((f"{where} in {title}", section))
                        break
                else:
                    errors.append(
                        f"{relative}: no section {where} in {dist.metadata['Name']}'s licence"
                    )
            else:
                copyright_file = debian_copyright(where)
                if copyright_file.is_file():
                    notice.texts.append(
                        (
                            f"{copyright_file} (Debian's copyright file for the same project)",
                            _read(copyright_file),
                        )
                    )
                else:
                    errors.append(
                        f"{relative}: licence text {copyright_file} missing "
                        f"(apt-get install {where})"
                    )
            notices[key] = notice
        return notices[key]

    def pyinstaller_notice() -> Notice | None:
        dist = venv.dists.get("pyinstaller")
        if dist is None:
            errors.append("PyInstaller is not installed: its bootloader's licence is unknown")
            return None
        return dist_notice(dist)

    # 1. the executables: PyInstaller's bootloader
    exe_names = {e.relative_to(bundle).as_posix() for e in executables(bundle)}
    for exe in executables(bundle):
        notice = pyinstaller_notice()
        if notice:
            notice.files.add(exe.relative_to(bundle).as_posix())

    # 2. every shared library and extension module; the fonts
    all_files = bundle_files(bundle)
    qt_files: list[str] = []
    for relative in all_files:
        path = PurePosixPath(relative)
        if path.suffix.lower() in FONT_SUFFIXES:
            folder = path.parent.name
            if folder in FONTS and "fonts" in path.parts:
                name, version, licence, licence_files = FONTS[folder]
                key = "font:" + folder
                if key not in notices:
                    notice = Notice(
                        key, name, version, licence, "the program's font (resources/fonts)"
                    )
                    for licence_file in licence_files:
                        text_path = bundle / path.parent / licence_file
                        if text_path.is_file():
                            notice.texts.append((f"{path.parent / licence_file}", _read(text_path)))
                        else:
                            errors.append(
                                f"{relative}: its licence file "
                                f"{path.parent / licence_file} is missing"
                            )
                    notices[key] = notice
                notices[key].files.add(relative)
            else:
                errors.append(f"{relative}: a font not listed in FONTS (build_spec/notices.py)")
            continue
        if not is_binary(path) or relative in exe_names:
            continue
        inner = PurePosixPath(*path.parts[1:]).as_posix() if path.parts[0] == CONTENTS else relative
        source = Path(sources[relative]) if relative in sources else None
        owner: Notice | None = None
        dist = None
        if source is not None:
            for key in _site_relative(source):
                dist = venv.by_path.get(key)
                if dist is not None:
                    inner = key
                    break
            if dist is None and not _from_python(inner, source) and not debian_package(source):
                source = None  # made at build time (e.g. the trimmed ICU data): by its place
        if source is None and not _from_python(inner, None):
            dist = venv.dist_of_path(inner)
            if dist is not None and inner not in venv.by_path:
                inner = venv.relative_in_dist(dist, path.name) or inner
        if dist is not None:
            owner = vendored_notice(dist, inner) if _is_vendored(inner) else None
            owner = owner or dist_notice(dist)
            if _is_vendored(inner) and owner.key.startswith("dist:"):
                errors.append(
                    f"{relative}: a library vendored in {dist.metadata['Name']} that "
                    "VENDORED_LIBRARIES (build_spec/notices.py) does not know"
                )
                continue
            if _canonical(dist.metadata["Name"]) == "pyside6-essentials" and re.search(
                r"(^|/)(lib)?Qt6[^/]*\.(so|dll)|/plugins/", inner
            ):
                qt_files.append(relative)
        elif _from_python(inner, source):
            owner = python_notice()
        else:
            system = source or _system_library(path.name)
            package = debian_package(system) if system else None
            if package is None:
                errors.append(
                    f"{relative}: no Python distribution, not Python's, and no Debian package "
                    f"owns it{f' ({system})' if system else ''}: its licence is unknown"
                )
                continue
            owner = debian_notice(package, relative)
        owner.files.add(relative)

    # 3. the Python packages
    for name, where in sorted(bundle_packages(bundle).items()):
        if name in OWN_PACKAGES:
            continue
        if name.startswith(PYINSTALLER_PREFIXES):
            owner = pyinstaller_notice()
        elif _is_stdlib(name):
            owner = python_notice()
        else:
            dists = venv.dists_of_package(name)
            if not dists:
                errors.append(
                    f"Python package {name!r} ({where}) belongs to no installed distribution "
                    "and is not in Python's standard library: its licence is unknown"
                )
                continue
            owner = dist_notice(dists[0])
        if owner:
            owner.packages.add(name)

    if not any(n.files or n.packages for n in notices.values()):
        errors.append(f"{bundle}: nothing found (is it a PyInstaller bundle?)")
    pyside = venv.dists.get("pyside6-essentials")
    pyside_version = pyside.version if pyside else "?"
    order = {"python": 0, "dist": 1, "vendor": 2, "deb": 3, "font": 4}
    ordered = sorted(
        notices.values(), key=lambda n: (order[n.key.split(":")[0]], n.name.lower(), n.key)
    )
    return Generated(
        ordered,
        errors,
        sorted(qt_files),
        _qt_version(bundle, sorted(qt_files), pyside_version),
        pyside_version,
    )


def _site_relative(source: Path) -> list[str]:
    """`source` relative to each site-packages folder it is in (RECORD paths)."""
    found = []
    for folder in {*sys.path, sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}:
        if folder and _inside(source, Path(folder)):
            found.append(source.resolve().relative_to(Path(folder).resolve()).as_posix())
    return found


def _is_vendored(relative: str) -> bool:
    parts = PurePosixPath(relative).parts
    return parts[0].endswith(".libs") or bool(re.match(r"libicu", parts[-1]))


def _is_stdlib(name: str) -> bool:
    if name in sys.stdlib_module_names:
        return True
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    return (stdlib / f"{name}.py").exists() or (stdlib / name / "__init__.py").exists()


# --- writing ---------------------------------------------------------------------------------


def _qt_section(generated: Generated) -> str:
    qt = generated.qt_version
    minor = ".".join(qt.split(".")[:2])
    lib_folders = sorted(
        {str(PurePosixPath(f).parent) for f in generated.qt_files if "/plugins/" not in f}
    )
    libraries = [f for f in generated.qt_files if "/plugins/" not in f]
    plugins = [f for f in generated.qt_files if "/plugins/" in f]
    lines = [
        RULE,
        "Qt, PySide6 and shiboken6: GNU Lesser General Public License version 3 (LGPL-3.0)",
        RULE,
        "",
        f"This program uses Qt {qt} (The Qt Company Ltd. and contributors) through PySide6 "
        f"{generated.pyside_version}",
        "and shiboken6 (Qt for Python), under the GNU Lesser General Public License version 3.",
        "Both licence texts (LGPL-3.0 and the GPL-3.0 it adds to) are in the PySide6_Essentials",
        "section below. The Qt libraries in this bundle are:",
        "",
        *(f"  {f}" for f in libraries),
        "",
        "and these Qt plugins:",
        "",
        *(f"  {f}" for f in plugins),
        "",
        "They are separate shared libraries, loaded at run time from "
        + (", ".join(lib_folders) or f"{CONTENTS}/PySide6")
        + "/",
        "(the plugins from the plugins/ folder next to it). You may replace them with your own",
        f"build of Qt {qt}, made from its source code, modified or not: build the same Qt",
        "version with the same configuration (ABI-compatible), keep the file names, and put",
        "the new files in place of these. PySide6 and shiboken6 (the PySide6/ and shiboken6/",
        "folders and libpyside6/libshiboken6) can be replaced the same way with your own build",
        f"of PySide6 {generated.pyside_version} for this Python version.",
        "",
        "Where the source code is:",
        f"  Qt {qt}:        https://download.qt.io/official_releases/qt/{minor}/{qt}/single/",
        "                  (qt-everywhere-src-" + qt + ".tar.xz; also https://download.qt.io/)",
        f"  PySide6 {generated.pyside_version}:   https://download.qt.io/official_releases/QtForPython/",
        "                  and https://code.qt.io/cgit/pyside/pyside-setup.git"
        f" (tag v{generated.pyside_version})",
        "The licences of the third-party code inside Qt itself are listed at",
        f"  https://doc.qt.io/qt-{qt.split('.')[0]}/licenses-used-in-qt.html",
        "Ask the program's makers for a copy of any of these sources if you cannot download it.",
        "",
    ]
    return "\n".join(lines)


def render(generated: Generated, program: str) -> str:
    """The text of THIRD-PARTY-NOTICES."""
    out = [
        RULE,
        f"THIRD-PARTY-NOTICES — {program}",
        RULE,
        "",
        "职工技能补助柜台 (union-counter) is distributed as one folder that carries its own Python",
        "runtime and the libraries it runs on. Each of them is under its own licence: this",
        "file lists every Python package and shared library in the folder (name, version,",
        "licence, where it is) with the full licence texts. Paths are relative to the folder",
        "this file is in.",
        f"Written by build_spec/notices.py on {date.today().isoformat()} from the folder's",
        "contents; `build_spec/notices.py check` verifies it.",
        "",
        _qt_section(generated),
    ]
    printed: dict[str, str] = {}
    for number, notice in enumerate(generated.notices, 1):
        out += [
            RULE,
            f"[{number}] {notice.name}",
            f"Version: {notice.version}",
            f"Licence: {notice.licence}",
            f"Kind: {notice.origin}",
        ]
        if notice.note:
            out += textwrap.wrap(f"Note: {notice.note}", 78, subsequent_indent="  ")
        if notice.packages:
            out.append("Packages:")
            out += [f"  {name}" for name in sorted(notice.packages)]
        if notice.files:
            out.append("Files:")
            out += [f"  {name}" for name in sorted(notice.files)]
        for title, text in notice.texts:
            digest = hashlib.sha256(text.encode()).hexdigest()
            if digest in printed:
                out += [
                    THIN,
                    f"Licence text: {title}: the same text as printed under {printed[digest]}",
                ]
            else:
                printed[digest] = f"[{number}] {notice.name}"
                out += [THIN, f"Licence text: {title}", THIN, text]
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def program_name() -> str:
    try:
        return f"union-counter {metadata.version('union-counter')}"
    except metadata.PackageNotFoundError:
        return "union-counter"


def write(
    bundle: Path, sources: Mapping[str, str] | None = None, output: Path | None = None
) -> Path:
    """Generate and write the notices (default: BUNDLE/THIRD-PARTY-NOTICES); NoticeError when
    anything is left without a known licence."""
    generated = generate(bundle, sources)
    if generated.errors:
        raise NoticeError(_errors_message(bundle, generated.errors))
    target = output or bundle / NOTICES_NAME
    target.write_text(render(generated, program_name()), encoding="utf-8")
    return target


def write_for_spec(bundle: Path, toc: Iterable[tuple[str, str, str]]) -> Path:
    """Called by union_counter.spec after COLLECT: `toc` is the Analysis' binaries and datas
    ((destination, source, kind)), destinations relative to the contents folder."""
    sources = {
        f"{CONTENTS}/{Path(dest).as_posix()}": source for dest, source, _kind in toc if source
    }
    return write(bundle, sources)


def _errors_message(bundle: Path, errors: list[str]) -> str:
    return "\n".join(
        [f"THIRD-PARTY-NOTICES: {len(errors)} item(s) in {bundle} without a known licence:"]
        + [f"  - {e}" for e in errors]
    )


# --- checking --------------------------------------------------------------------------------


@dataclass
class Parsed:
    licences: dict[str, str]  # section -> licence
    files: dict[str, str]  # file -> section
    packages: dict[str, str]  # package -> section
    texts: dict[str, int]  # section -> number of licence texts
    has_qt_notice: bool


def parse(text: str) -> Parsed:
    parsed = Parsed({}, {}, {}, {}, "Lesser General Public License version 3" in text)
    section = None
    listing = None
    for line in text.splitlines():
        header = re.fullmatch(r"\[(\d+)\] (.+)", line)
        if header:
            section = line
            parsed.licences[section] = ""
            parsed.texts[section] = 0
            listing = None
            continue
        if section is None:
            continue
        if line.startswith("Licence: "):
            parsed.licences[section] = line[len("Licence: ") :].strip()
        elif line in ("Files:", "Packages:"):
            listing = line
        elif listing and line.startswith("  "):
            target = parsed.files if listing == "Files:" else parsed.packages
            target[line.strip()] = section
        else:
            listing = None
            if line.startswith("Licence text: "):
                parsed.texts[section] += 1
            if line == RULE:
                section = None
    return parsed


UNKNOWN = re.compile(r"^$|unknown|\?", re.IGNORECASE)


def check(bundle: Path) -> list[str]:
    """Problems: every shared library, extension module, executable, font and Python package
    of `bundle` must be named in its THIRD-PARTY-NOTICES under a known licence with its text."""
    notices_file = bundle / NOTICES_NAME
    if not notices_file.is_file():
        return [
            f"{notices_file} is missing (the spec writes it; or run "
            f"`python build_spec/notices.py generate {bundle}`)"
        ]
    parsed = parse(notices_file.read_text(encoding="utf-8"))
    problems = []
    for section, licence in parsed.licences.items():
        if UNKNOWN.search(licence):
            problems.append(f"{section}: licence unknown ({licence!r})")
        if parsed.texts.get(section, 0) == 0:
            problems.append(f"{section}: no licence text")
    exe_names = {e.relative_to(bundle).as_posix() for e in executables(bundle)}
    for relative in bundle_files(bundle):
        path = PurePosixPath(relative)
        wanted = relative in exe_names or is_binary(path) or path.suffix.lower() in FONT_SUFFIXES
        if wanted and relative not in parsed.files:
            problems.append(f"{relative}: no notice in {NOTICES_NAME} (a new dependency?)")
    for name, where in sorted(bundle_packages(bundle).items()):
        if name not in OWN_PACKAGES and name not in parsed.packages:
            problems.append(f"Python package {name!r} ({where}): no notice in {NOTICES_NAME}")
    for relative in parsed.files:
        if not (bundle / relative).exists():
            problems.append(
                f"{relative}: named in {NOTICES_NAME} but not in the bundle (stale file)"
            )
    if any("Qt6" in f for f in parsed.files) and not parsed.has_qt_notice:
        problems.append(f"{NOTICES_NAME}: Qt is in the bundle but the LGPL notice is missing")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    make = commands.add_parser("generate", help="write BUNDLE/THIRD-PARTY-NOTICES")
    make.add_argument("bundle", type=Path)
    make.add_argument("--output", type=Path, help="write here instead")
    verify = commands.add_parser("check", help="every file and package of BUNDLE has a notice")
    verify.add_argument("bundle", type=Path)
    args = parser.parse_args(argv)
    if args.command == "generate":
        try:
            target = write(args.bundle, output=args.output)
        except NoticeError as error:
            print(error, file=sys.stderr)
            return 1
        parsed = parse(target.read_text(encoding="utf-8"))
        print(
            f"{target}: {len(parsed.licences)} notices, {len(parsed.files)} files, "
            f"{len(parsed.packages)} packages, {target.stat().st_size // 1024} KiB"
        )
        return 0
    problems = check(args.bundle)
    if problems:
        print(
            f"THIRD-PARTY-NOTICES check failed for {args.bundle} ({len(problems)} problem(s)):",
            file=sys.stderr,
        )
        for problem in problems:
            print(f"  - {problem}", file=sys.stderr)
        return 1
    parsed = parse((args.bundle / NOTICES_NAME).read_text(encoding="utf-8"))
    print(
        f"   {len(parsed.licences)} notices cover {len(parsed.files)} files and "
        f"{len(parsed.packages)} Python packages"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
