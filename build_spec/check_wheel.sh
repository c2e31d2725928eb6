#!/usr/bin/env bash
# Builds the wheel, installs it in a clean virtual environment and runs its self-test there:
# proves resources/, db/ and forms/ are inside the wheel (desktop_app/_data/) and that the
# installed program works away from the checkout. Used by CI; runs on a fresh Debian machine
# after `make venv` (needs python3 with venv, network access to the package index).
#
#   bash build_spec/check_wheel.sh            # work folder: a new temporary folder
#   UC_WORK=/tmp/uc bash build_spec/check_wheel.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PY=${PYTHON:-python3}
BUILD_PY=$ROOT/.venv/bin/python
[ -x "$BUILD_PY" ] || BUILD_PY=$PY
WORK=${UC_WORK:-$(mktemp -d -t uc-wheel-XXXXXX)}
mkdir -p "$WORK"
rm -rf "$WORK/wheel" "$WORK/venv" "$WORK/run"
mkdir -p "$WORK/run"
t0=$(date +%s.%N)
elapsed() { "$BUILD_PY" -c "import sys,time; print(f'{time.time()-float(sys.argv[1]):.1f}')" "$1"; }

echo "== wheel: build"
"$BUILD_PY" -m pip wheel --quiet --no-deps -w "$WORK/wheel" "$ROOT"
WHEEL=$(ls "$WORK"/wheel/union_counter-*.whl)
echo "   $WHEEL ($(du -h "$WHEEL" | cut -f1), $(elapsed "$t0") s)"

echo "== wheel: data folders inside"
"$BUILD_PY" - "$WHEEL" "$ROOT" <<'PYEOF'
import sys, zipfile
from pathlib import Path
names = zipfile.ZipFile(sys.argv[1]).namelist()
# Every file of resources/ (pyproject.toml lists its folders), but not the developers' font tool.
tool = "resources/fonts/make_subsets.py"
if f"desktop_app/_data/{tool}" in names:
    sys.exit(f"the wheel ships the developer tool {tool}")
root = Path(sys.argv[2])
left_out = [
    p.relative_to(root).as_posix()
    for p in sorted((root / "resources").rglob("*"))
    if p.is_file() and "__pycache__" not in p.parts and p.relative_to(root).as_posix() != tool
    and f"desktop_app/_data/{p.relative_to(root).as_posix()}" not in names
]
if left_out:
    sys.exit(f"the wheel lacks {left_out} (add the folder to pyproject.toml's force-include)")
wanted = [
    "desktop_app/_data/resources/policies/bj-2026-skills.toml",
    "desktop_app/_data/resources/policies/bj-2016-union-boost.toml",
    "desktop_app/_data/resources/pinyin.json",
    "desktop_app/_data/db/env.py",
    "desktop_app/_data/forms/annex2.toml",
    "desktop_app/_data/forms/receipt.toml",
    "desktop_app/_data/resources/translations/qtbase_extra_zh_CN.qm",
]
missing = [n for n in wanted if n not in names]
fonts = [n for n in names if n.startswith("desktop_app/_data/resources/fonts/") and n.endswith((".ttf", ".ttc", ".otf"))]
versions = [n for n in names if n.startswith("desktop_app/_data/db/versions/") and n.endswith(".py")]
if missing or not fonts or not versions:
    sys.exit(f"wheel is missing: {missing or ''} {'' if fonts else 'fonts'} {'' if versions else 'db/versions'}")
print(f"   ok: {len(names)} files, {len(fonts)} fonts, {len(versions)} migrations; no {tool}")
PYEOF

echo "== wheel: install into a clean virtual environment"
t1=$(date +%s.%N)
"$PY" -m venv "$WORK/venv"
"$WORK/venv/bin/python" -m pip install --quiet --upgrade pip
"$WORK/venv/bin/python" -m pip install --quiet "$WHEEL"
echo "   installed ($(elapsed "$t1") s)"

echo "== wheel: union-counter --self-test (away from the checkout)"
t2=$(date +%s.%N)
(
    cd "$WORK/run"
    env -u PYTHONPATH -u VIRTUAL_ENV QT_QPA_PLATFORM=offscreen \
        UNION_COUNTER_HOME="$WORK/run/should-stay-empty" \
        "$WORK/venv/bin/union-counter" --self-test | tee "$WORK/selftest.txt"
)
grep -q "_data/resources" "$WORK/selftest.txt" || { echo "the self-test did not use the wheel's data folders"; exit 1; }
[ ! -e "$WORK/run/should-stay-empty" ] || { echo "the self-test wrote to UNION_COUNTER_HOME"; exit 1; }
echo "   self-test $(elapsed "$t2") s"

echo "== wheel: the window starts, with Qt's dialogs in Chinese (offscreen)"
# PySide6-Essentials carries qtbase_zh_CN.qm; the program finds it through QLibraryInfo.
line=$(
    cd "$WORK/run"
    env -u PYTHONPATH -u VIRTUAL_ENV -u UNION_COUNTER_DB QT_QPA_PLATFORM=offscreen \
        UNION_COUNTER_HOME="$WORK/run/home-start" UNION_COUNTER_EXIT_WHEN_READY=1 \
        "$WORK/venv/bin/union-counter" | grep '^ready'
)
echo "   $line"
case "$line" in *" qt=取消"*) ;; *) echo "Qt's Chinese catalogue did not load from the wheel"; exit 1 ;; esac
echo "   wheel check total $(elapsed "$t0") s"
