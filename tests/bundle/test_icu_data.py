"""build_spec/icu_data.py: the Linux bundle's cut-down ICU data answers QtCore's ICU calls
(collation, code pages, time-zone names, case mapping) exactly as PySide6's full data does."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "build_spec"))
import icu_data  # noqa: E402

PySide6 = pytest.importorskip("PySide6")
QT_LIB = Path(PySide6.__file__).parent / "Qt" / "lib"
FULL = next(iter(sorted(QT_LIB.glob("libicudata.so.*"))), None)

pytestmark = pytest.mark.skipif(
    FULL is None or not icu_data.tools_available(),
    reason="no ICU in the PySide6 wheel (Windows, macOS) or no binutils",
)


def _probe(lib_dir: Path) -> dict[str, object]:
    # a fresh process: ICU libraries with the same sonames load only once per process
    out = subprocess.run(
        [sys.executable, str(ROOT / "build_spec" / "icu_data.py"), "probe", str(lib_dir)],
        check=True,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
    ).stdout
    return json.loads(out)


def test_package_round_trip() -> None:
    assert FULL is not None
    _name, offset, size = icu_data._symbol(FULL)
    data = FULL.read_bytes()[offset : offset + size]
    header, items = icu_data.read_package(data)
    assert len(items) > 3000
    again = icu_data.read_package(icu_data.write_package(header, items))
    assert again == (header, items)


def test_trimmed_library_answers_like_the_full_one(tmp_path: Path) -> None:
    assert FULL is not None
    trimmed, kept = icu_data.build_library(FULL, tmp_path)
    assert trimmed.stat().st_size < FULL.stat().st_size / 4
    for needed in ("coll/zh.res", "coll/root.res", "coll/ucadata.icu", "zoneinfo64.res",
                   "zone/zh.res", "metaZones.res", "cnvalias.icu", "gb18030.cnv", "zh.res"):  # fmt: skip
        assert needed in kept
    assert not any(item.startswith(("brkitr/", "translit/", "lang/")) for item in kept)
    assert "de.res" not in kept and "ibm-37_P100-1995.cnv" not in kept
    for lib in QT_LIB.glob("libicu*.so.*"):
        if not lib.name.startswith("libicudata"):
            shutil.copy2(lib, tmp_path / lib.name)

    full = _probe(QT_LIB)
    mine = _probe(tmp_path)
    assert mine == full
    assert not [key for key, value in mine.items() if str(value).startswith("error")]
    assert mine["collation zh_CN"][:4] == ["1号", "阿依古丽", "曾", "陈静"]  # pinyin order
    assert mine["time zone Asia/Shanghai zh_CN"][0] == "中国标准时间"
