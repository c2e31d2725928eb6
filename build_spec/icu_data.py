"""A smaller ICU data library for the Linux bundle (used by union_counter.spec; no third-party
modules, so the spec can import it).

On Linux, PySide6's QtCore links ICU, and ICU's data library `libicudata.so.NN` is 31 MB: every
locale's names, calendars, units, currencies and number spell-outs, all break-iterator
dictionaries, transliterators and about 200 legacy code pages. QtCore calls only four parts of
ICU (see `nm -D --undefined-only libQt6Core.so.6 | grep _NN`):

- collation (`ucol_*`: QCollator, e.g. sorting in file dialogs) — `coll/` for root, zh, en;
- case mapping with a locale (`u_strToUpper/Lower`) — built into libicuuc, no data items;
- time-zone display names (`ucal_*`: QTimeZone::displayName) — `zone/` for root, zh, en, the
  time-zone tables and the calendar data in the root/zh/en locale bundles;
- code conversion (`ucnv_*`: QStringConverter for encodings Qt does not implement itself) —
  the alias table and the Chinese code pages (GB 18030, GBK, GB 2312, Big5).

`trimmed_package()` keeps those items (and every small top-level table) and drops the rest;
`build_library()` links the result into a shared library with the same soname that exports the
same one symbol (`icudtNN_dat`), with the assembler and linker of binutils (which PyInstaller
needs on Linux anyway). ICU asks for an item it cannot find the way it does when a locale has
no data: it falls back to the parent locale, then root.

The ICU common-data format: a header (its size in the first two bytes, then 0xda 0x27 and a
UDataInfo whose format is "CmnD"), then a table of contents — an entry count and, for each
item, the offsets (from the table's start) of its name ("icudt73l/coll/zh.res") and its data —
the names, and the items, each 16-byte aligned. Items are sorted by name (ICU binary-searches).
"""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
import tempfile
from pathlib import Path

# Locales kept in the locale-bearing trees (main, coll, zone): language code, then anything.
KEEP_LOCALES = ("root", "zh", "en")
KEEP_TREES = ("", "coll/", "zone/")  # "" is the main tree (calendars, time-zone formats)
# Code pages kept (besides the alias table cnvalias.icu): Chinese ones.
KEEP_CONVERTERS = (
    "gb18030.cnv",
    "windows-936-2000.cnv",  # GBK
    "ibm-1383_P110-1999.cnv",  # GB 2312 (EUC-CN)
    "ibm-1386_P100-2001.cnv",  # GBK (IBM)
    "windows-950-2000.cnv",  # Big5
    "ibm-1373_P100-2002.cnv",  # Big5 (Windows, IBM)
    "ibm-950_P110-1999.cnv",
    "ibm-1375_P100-2008.cnv",  # Big5-HKSCS
    "iso-ir-165.cnv",  # GB 2312 + 6,000 more, ISO-2022-CN-EXT
    "cns-11643-1992.cnv",  # ISO-2022-CN
)
# Top-level items dropped although not locale data: character names, spoofing checks,
# StringPrep profiles, IDNA (Qt does its own), emoji properties.
DROP_TOP = re.compile(r"^(unames\.icu|confusables\.cfu|.*\.spp|uts46\.nrm|uemoji\.icu)$")
# Whole trees dropped: break iterators and their dictionaries, transliterators, display names
# of languages, regions, currencies and units, number spell-out rules.
DROP_TREES = ("brkitr/", "translit/", "lang/", "region/", "curr/", "unit/", "rbnf/")
# Files of a locale tree that are not a locale.
TREE_TABLES = {"res_index.res", "pool.res", "tzdbNames.res"}

MAGIC = b"\xda\x27"


def read_package(data: bytes) -> tuple[bytes, list[tuple[str, bytes]]]:
    """Split an ICU common-data package into its header and (full name, item bytes) pairs."""
    header_size = struct.unpack_from("<H", data, 0)[0]
    if data[2:4] != MAGIC or data[12:16] != b"CmnD" or data[8] != 0:
        raise ValueError("not a little-endian ICU common-data package")
    toc = header_size
    (count,) = struct.unpack_from("<I", data, toc)
    entries = [struct.unpack_from("<II", data, toc + 4 + 8 * i) for i in range(count)]
    items = []
    for i, (name_off, data_off) in enumerate(entries):
        end = entries[i + 1][1] if i + 1 < count else len(data) - toc
        name = data[toc + name_off : data.index(b"\0", toc + name_off)].decode("ascii")
        items.append((name, data[toc + data_off : toc + end]))
    return data[:header_size], items


def write_package(header: bytes, items: list[tuple[str, bytes]]) -> bytes:
    items = sorted(items, key=lambda item: item[0].encode("ascii"))
    names = b""
    name_offsets = []
    table_size = 4 + 8 * len(items)
    for name, _ in items:
        name_offsets.append(table_size + len(names))
        names += name.encode("ascii") + b"\0"
    pos = table_size + len(names)
    pos += -pos % 16
    body = b""
    data_offsets = []
    for _, blob in items:
        data_offsets.append(pos + len(body))
        body += blob + b"\0" * (-len(blob) % 16)
    table = struct.pack("<I", len(items))
    for name_off, data_off in zip(name_offsets, data_offsets, strict=True):
        table += struct.pack("<II", name_off, data_off)
    table += names
    table += b"\0" * (-len(table) % 16)
    return header + table + body


def _kept(short: str) -> bool:
    """`short`: an item name without the package prefix ("coll/zh.res", "root.res")."""
    if short.startswith(DROP_TREES):
        return False
    tree, _, leaf = short.rpartition("/")
    tree = f"{tree}/" if tree else ""
    if tree == "" and leaf.endswith(".cnv"):
        return leaf in KEEP_CONVERTERS
    if tree == "" and DROP_TOP.match(leaf):
        return False
    if tree in KEEP_TREES and leaf.endswith(".res") and leaf not in TREE_TABLES:
        locale = leaf[: -len(".res")]
        if re.fullmatch(r"[a-z]{2,3}(_\w*)?|root", locale):  # a locale, not a table
            return locale.split("_")[0] in KEEP_LOCALES
    return tree in KEEP_TREES


def trimmed_package(data: bytes) -> tuple[bytes, list[str]]:
    """The package with only the items QtCore can use; also the short names kept."""
    header, items = read_package(data)
    kept = []
    for name, blob in items:
        short = name.split("/", 1)[1]
        if _kept(short):
            kept.append((name, blob))
    return write_package(header, kept), [name.split("/", 1)[1] for name, _ in kept]


def _symbol(library: Path) -> tuple[str, int, int]:
    """The data symbol's name, and its place (file offset) and size in the library."""
    out = subprocess.run(
        ["readelf", "-W", "--dyn-syms", "--section-headers", str(library)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    sym = re.search(
        r"\s([0-9a-f]+)\s+(0x[0-9a-f]+|\d+)\s+OBJECT\s+GLOBAL\s+\w+\s+\d+\s+(icudt\d+_dat)\b", out
    )
    if not sym:
        raise ValueError(f"no icudtNN_dat symbol in {library}")
    address, size, name = int(sym.group(1), 16), int(sym.group(2), 0), sym.group(3)
    for sec in re.finditer(r"\]\s+\S+\s+PROGBITS\s+([0-9a-f]+)\s+([0-9a-f]+)\s+([0-9a-f]+)", out):
        start, offset, length = (int(g, 16) for g in sec.groups())
        if start <= address < start + length:
            return name, offset + address - start, size
    raise ValueError(f"{name} is in no section of {library}")


def build_library(original: Path, out_dir: Path) -> tuple[Path, list[str]]:
    """Write `out_dir/<same name>`: `original` with the trimmed data; return it and the items."""
    name, offset, size = _symbol(original)
    data = original.read_bytes()[offset : offset + size]
    trimmed, kept = trimmed_package(data)
    soname = original.name
    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / soname
    with tempfile.TemporaryDirectory() as tmp:
        dat = Path(tmp, f"{name}.dat")
        dat.write_bytes(trimmed)
        asm = Path(tmp, "data.s")
        asm.write_text(
            '\t.section .note.GNU-stack,"",@progbits\n'
            "\t.section .rodata\n"
            f"\t.globl {name}\n"
            f"\t.type {name}, @object\n"
            "\t.balign 16\n"
            f"{name}:\n"
            f'\t.incbin "{dat}"\n'
            f"\t.size {name}, . - {name}\n",
            encoding="ascii",
        )
        obj = Path(tmp, "data.o")
        subprocess.run(["as", "-o", str(obj), str(asm)], check=True)
        subprocess.run(
            ["ld", "-shared", "-soname", soname, "-z", "noexecstack", "-o", str(out), str(obj)],
            check=True,
        )
    return out, kept


def tools_available() -> bool:
    return all(shutil.which(tool) for tool in ("as", "ld", "readelf"))


# --- a check: what QtCore asks of ICU gives the same answers with the trimmed data -----------

PROBE_NAMES = [
    "张伟",
    "王芳",
    "李娜",
    "刘洋",
    "陈静",
    "杨帆",
    "赵磊",
    "黄敏",
    "周杰",
    "吴强",
    "阿依古丽",
    "欧阳明",
    "曾",
    "单",
    "解",
    "区",
    "Zhang",
    "apple",
    "Émile",
    "1号",
]
PROBE_TEXT = "职工技能补助柜台：张三丰 ¥1,800 № 𠮷"


def probe(lib_dir: Path) -> dict[str, object]:
    """Load ICU from `lib_dir` (libicuuc, libicui18n and libicudata side by side) and call the
    ICU functions QtCore uses. Run it in a fresh process: a process that has loaded another
    ICU with the same sonames would use that one."""
    import ctypes
    import functools

    uc_path = next(lib_dir.glob("libicuuc.so.*"))
    version = uc_path.name.rsplit(".", 1)[1]
    uc = ctypes.CDLL(str(uc_path))
    i18n = ctypes.CDLL(str(next(lib_dir.glob("libicui18n.so.*"))))

    def fn(lib, name, restype, *argtypes):
        f = getattr(lib, f"{name}_{version}")
        f.restype, f.argtypes = restype, list(argtypes)
        return f

    err = ctypes.c_int
    p = ctypes.c_void_p
    text_p = ctypes.c_char_p  # UTF-16 text, made by utf16()
    status_p = ctypes.POINTER(err)

    def utf16(text: str) -> ctypes.Array:
        data = text.encode("utf-16-le")
        return ctypes.create_string_buffer(data, len(data) + 2)

    result: dict[str, object] = {}
    ucol_open = fn(i18n, "ucol_open", p, ctypes.c_char_p, status_p)
    ucol_strcoll = fn(i18n, "ucol_strcoll", ctypes.c_int, p, text_p, ctypes.c_int32, text_p,
                      ctypes.c_int32)  # fmt: skip
    ucol_close = fn(i18n, "ucol_close", None, p)
    for locale in ("zh_CN", "zh_TW", "zh@collation=stroke", "en_US", "de_DE", "C"):
        status = err(0)
        coll = ucol_open(locale.encode(), ctypes.byref(status))
        if status.value > 0:
            result[f"collation {locale}"] = f"error {status.value}"
            continue

        def cmp(a: str, b: str, coll: int = coll) -> int:
            return ucol_strcoll(coll, utf16(a), -1, utf16(b), -1)

        result[f"collation {locale}"] = sorted(PROBE_NAMES, key=functools.cmp_to_key(cmp))
        ucol_close(coll)

    ucnv_open = fn(uc, "ucnv_open", p, ctypes.c_char_p, ctypes.POINTER(err))
    from_uchars = fn(uc, "ucnv_fromUChars", ctypes.c_int32, p, ctypes.c_char_p, ctypes.c_int32,
                     text_p, ctypes.c_int32, status_p)  # fmt: skip
    ucnv_close = fn(uc, "ucnv_close", None, p)
    for codec in ("UTF-8", "ISO-8859-1", "GB18030", "GBK", "GB2312", "Big5", "Big5-HKSCS"):
        status = err(0)
        conv = ucnv_open(codec.encode(), ctypes.byref(status))
        if status.value > 0:
            result[f"codec {codec}"] = f"error {status.value}"
            continue
        out = ctypes.create_string_buffer(256)
        n = from_uchars(conv, out, 256, utf16(PROBE_TEXT), -1, ctypes.byref(status))
        ok = status.value <= 0
        result[f"codec {codec}"] = out.raw[:n].hex() if ok else f"error {status.value}"
        ucnv_close(conv)

    ucal_open = fn(i18n, "ucal_open", p, text_p, ctypes.c_int32, ctypes.c_char_p, ctypes.c_int,
                   status_p)  # fmt: skip
    ucal_name = fn(i18n, "ucal_getTimeZoneDisplayName", ctypes.c_int32, p, ctypes.c_int,
                   ctypes.c_char_p, text_p, ctypes.c_int32, status_p)  # fmt: skip
    ucal_close = fn(i18n, "ucal_close", None, p)
    for zone in ("Asia/Shanghai", "Asia/Hong_Kong", "America/New_York", "UTC"):
        for locale in ("zh_CN", "en_US"):
            status = err(0)
            cal = ucal_open(utf16(zone), -1, locale.encode(), 0, ctypes.byref(status))
            names = []
            for kind in range(4):  # standard, short standard, DST, short DST
                buf = ctypes.create_string_buffer(256)
                n = ucal_name(cal, kind, locale.encode(), buf, 128, ctypes.byref(status))
                names.append(buf.raw[: 2 * n].decode("utf-16-le"))
            key = f"time zone {zone} {locale}"
            result[key] = names if status.value <= 0 else f"error {status.value}"
            ucal_close(cal)

    upper = fn(uc, "u_strToUpper", ctypes.c_int32, text_p, ctypes.c_int32, text_p, ctypes.c_int32,
               ctypes.c_char_p, status_p)  # fmt: skip
    for locale in ("tr", "en", "el"):
        status = err(0)
        buf = ctypes.create_string_buffer(256)
        text = utf16("istanbul ὀδυσσεύς straße")
        n = upper(buf, 128, text, -1, locale.encode(), ctypes.byref(status))
        result[f"upper {locale}"] = buf.raw[: 2 * n].decode("utf-16-le")
    return result


if __name__ == "__main__":
    import json
    import sys

    # python build_spec/icu_data.py probe DIR: the probe's answers as JSON (see probe()).
    if sys.argv[1:2] == ["probe"] and len(sys.argv) == 3:
        print(json.dumps(probe(Path(sys.argv[2])), ensure_ascii=False, indent=1, sort_keys=True))
    else:
        sys.exit("usage: icu_data.py probe LIB_DIR")
