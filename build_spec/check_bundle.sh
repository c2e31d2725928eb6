#!/usr/bin/env bash
# Builds the offline one-folder bundle with build_spec/union_counter.spec, checks its size, its
# THIRD-PARTY-NOTICES and start-up time, runs its self-test offscreen away from the checkout, and
# runs two copies at once on one data folder. Used by CI and `make bundle`; runs on a fresh
# Debian machine after `make venv` (PyInstaller comes with the dev extra; installed here if
# missing).
#
#   bash build_spec/check_bundle.sh                 # bundle in dist/union-counter
#   UC_DIST=/tmp/uc-dist UC_BUILD=/tmp/uc-build bash build_spec/check_bundle.sh
#   UC_SKIP_BUILD=1 ...                             # check a bundle already built
# Limits: UC_MAX_MB (default 150: the bundle is 139 MB today, see README),
#         UC_MAX_START_S (default 1.5 s to the window, offscreen).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PY=$ROOT/.venv/bin/python
DIST=${UC_DIST:-$ROOT/dist}
BUILD=${UC_BUILD:-$ROOT/build}
MAX_MB=${UC_MAX_MB:-150}
MAX_START=${UC_MAX_START_S:-1.5}
BUNDLE=$DIST/union-counter
EXE=$BUNDLE/union-counter
WORK=$(mktemp -d -t uc-bundle-check-XXXXXX)
trap 'rm -rf "$WORK"' EXIT
elapsed() { "$PY" -c "import sys,time; print(f'{time.time()-float(sys.argv[1]):.1f}')" "$1"; }
t0=$(date +%s.%N)

if [ -z "${UC_SKIP_BUILD:-}" ]; then
    "$PY" -c "import PyInstaller" 2>/dev/null || "$PY" -m pip install --quiet "pyinstaller>=6.10"
    echo "== bundle: build"
    "$PY" -m PyInstaller --noconfirm --log-level WARN --distpath "$DIST" --workpath "$BUILD" \
        build_spec/union_counter.spec
    echo "   built in $(elapsed "$t0") s"
fi
[ -x "$EXE" ] || { echo "no bundle at $BUNDLE"; exit 1; }

echo "== bundle: size"
MB=$(du -sm "$BUNDLE" | cut -f1)
echo "   $(du -sh "$BUNDLE" | cut -f1) on disk ($MB MB; limit $MAX_MB MB)"
[ "$MB" -le "$MAX_MB" ] || { echo "the bundle grew past $MAX_MB MB"; exit 1; }

# THIRD-PARTY-NOTICES (written by the spec): every shared library, extension module, font and
# Python package in the bundle has a notice with a known licence and its text.
echo "== bundle: third-party notices"
"$PY" build_spec/notices.py check "$BUNDLE" ||
    { echo "the bundle's THIRD-PARTY-NOTICES do not cover it (build_spec/notices.py)"; exit 1; }
echo "   $BUNDLE/THIRD-PARTY-NOTICES, $(du -k "$BUNDLE/THIRD-PARTY-NOTICES" | cut -f1) KiB"

# Linux: the bundle's ICU data is cut down (build_spec/icu_data.py). The ICU functions QtCore
# calls must answer as with the wheel's full data.
ICU_LIB=$BUNDLE/_internal/PySide6/Qt/lib
if compgen -G "$ICU_LIB/libicudata.so.*" >/dev/null; then
    echo "== bundle: ICU data (collation, code pages, time-zone names, case mapping)"
    WHEEL_LIB=$("$PY" -c "import pathlib, PySide6; print(pathlib.Path(PySide6.__file__).parent / 'Qt' / 'lib')")
    "$PY" build_spec/icu_data.py probe "$WHEEL_LIB" >"$WORK/icu-wheel.json"
    "$PY" build_spec/icu_data.py probe "$ICU_LIB" >"$WORK/icu-bundle.json"
    diff -u "$WORK/icu-wheel.json" "$WORK/icu-bundle.json" ||
        { echo "the bundle's ICU answers differently from the wheel's"; exit 1; }
    echo "   $(du -h "$ICU_LIB"/libicudata.so.* | cut -f1) libicudata; same answers as the wheel's full data"
fi

# Everything below runs away from the checkout, without the venv, offscreen.
run() { (cd "$WORK" && env -u PYTHONPATH -u VIRTUAL_ENV -u UNION_COUNTER_DB QT_QPA_PLATFORM=offscreen "$@"); }

echo "== bundle: --version"
VERSION_TEXT=$(run "$EXE" --version)
echo "$VERSION_TEXT" | sed 's/^/   /'
echo "$VERSION_TEXT" | grep -q '^构建：20' || { echo "the bundle does not say when it was built"; exit 1; }
echo "$VERSION_TEXT" | grep -qE '：[0-9a-f]{64}$' || { echo "the bundle names no policy file's SHA-256"; exit 1; }

echo "== bundle: --self-test"
t1=$(date +%s.%N)
run UNION_COUNTER_HOME="$WORK/should-stay-empty" "$EXE" --self-test
[ ! -e "$WORK/should-stay-empty" ] || { echo "the self-test wrote to UNION_COUNTER_HOME"; exit 1; }
echo "   self-test $(elapsed "$t1") s"

echo "== bundle: start to the window (offscreen)"
best=""
for i in 1 2 3; do
    t=$(date +%s.%N)
    line=$(run UNION_COUNTER_HOME="$WORK/home-start" UNION_COUNTER_EXIT_WHEN_READY=1 "$EXE" | grep '^ready')
    wall=$(elapsed "$t")
    echo "   run $i: process $wall s; program: $line"
    # Qt's own dialogs in Chinese: the bundle's qtbase_zh_CN.qm was found and loaded.
    case "$line" in *" qt=取消"*) ;; *) echo "Qt's Chinese catalogue did not load in the bundle"; exit 1 ;; esac
    best=$("$PY" -c "import sys; v=[float(x) for x in sys.argv[1:] if x]; print(min(v))" "$wall" $best)
done
"$PY" -c "import sys; sys.exit(float(sys.argv[1]) > float(sys.argv[2]))" "$best" "$MAX_START" ||
    { echo "start-up $best s is over $MAX_START s"; exit 1; }

echo "== bundle: two copies at once on one data folder"
HOME2=$WORK/shared-home
run UNION_COUNTER_HOME="$HOME2" "$EXE" settings --clerk 检查 --station-code ZJ02 --station-name 检查服务站 >/dev/null
"$PY" - "$WORK" <<'PYEOF'
import json, sys
from datetime import date
from pathlib import Path
from desktop_app.services.selftest import sample
from desktop_app.domain.validators import resident_id_check_char
for copy in (1, 2):
    for n in range(5):
        data, _ = sample("skill_level_2026")
        data["applied_on"] = date.today().isoformat()  # registered the day it is entered
        first17 = f"110105198001{copy:02d}{n:03d}"
        data["member"]["id_number"] = first17 + resident_id_check_char(first17)
        Path(sys.argv[1], f"app-{copy}-{n}.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
PYEOF
for copy in 1 2; do
    ( for n in 0 1 2 3 4; do
        run UNION_COUNTER_HOME="$HOME2" "$EXE" apply --clerk "副本$copy" "$WORK/app-$copy-$n.json" >/dev/null
      done ) &
done
wait
COUNT=$(run UNION_COUNTER_HOME="$HOME2" "$EXE" ledger --json | "$PY" -c "import json,sys; print(len(json.load(sys.stdin)))")
run UNION_COUNTER_HOME="$HOME2" "$EXE" audit verify
[ "$COUNT" = 10 ] || { echo "two copies saved $COUNT applications, expected 10"; exit 1; }
echo "   10 applications saved by two copies at once; audit chain whole"

echo "== bundle: all checks passed in $(elapsed "$t0") s"
