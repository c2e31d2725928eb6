#!/usr/bin/env bash
# Run the Windows installer as IT would, under Wine, on Linux (make nsis-check, CI):
#
#   bash build_spec/windows/check_wine.sh
#
# The script is compiled as a 64-bit installer (-DWINE_CHECK_AMD64: Debian's wine64 runs no
# 32-bit programs; the installer handed out is the 32-bit one check_nsis.sh compiles, otherwise
# the same script) against stand-in payloads whose executables are real Windows programs (a
# tiny NSIS program that waits), in a throw-away Wine prefix reporting Windows 10:
#   1. silent install of version A: files, the three shortcuts, the uninstall key's values;
#   2. a clerk's data folder and the machine-wide settings are made;
#   3. silent upgrade to B, which lacks a file A had: that file is gone, B's files are there,
#      DisplayVersion is B's;
#   4. while union-counter.exe runs, the upgrade refuses (exit code 2) and changes nothing;
#      after it ends the upgrade goes through;
#   5. Windows 8.1, and a bundle needing a newer build than this Windows: refused (exit code 3),
#      nothing installed;
#   6. install with /D= into a folder holding a file of its own; the uninstaller refuses while
#      the program runs (exit code 2), then removes the program: the file and the folder stay;
#   7. silent uninstall: folder, shortcuts and key gone, the data and the settings as they were.
# wine64 is installed with apt when missing (root), like the Makefile's windows-system-deps.
set -euo pipefail
cd "$(dirname "$0")/../.."
NSI=$(realpath build_spec/windows/union-counter.nsi)
WINE=/usr/lib/wine/wine64
if [ ! -x "$WINE" ] || ! command -v makensis >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "== wine: installing wine64 and nsis"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wine64 nsis >/dev/null
    else
        echo "check_wine.sh: needs wine64 and makensis (apt install wine64 nsis)" >&2
        exit 1
    fi
fi
work=$(mktemp -d)
export WINEPREFIX="$work/prefix" WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml=" WINEARCH=win64
export DISPLAY=  # no window: every message box of the installer has a silent answer
stop_wine() { "$(dirname "$WINE")/wineserver" -k 2>/dev/null || true; rm -rf "$work"; }
trap stop_wine EXIT
wine() { "$WINE" "$@" 2>/dev/null; }
fail() { echo "FAILED: $*"; exit 1; }
step() { echo "== wine: $*"; }

step "a Wine prefix (Windows 10)"
start=$(date +%s)
wine wineboot -i >/dev/null || true
wine winecfg /v win10 >/dev/null || true
echo "   $(wine cmd /c ver | tr -d '\r' | grep -v '^$') after $(( $(date +%s) - start )) s"

drive="$WINEPREFIX/drive_c"
app="$drive/Program Files/union-counter"
menu="$drive/ProgramData/Microsoft/Windows/Start Menu/Programs/职工技能补助柜台"
desktop="$drive/users/Public/Desktop/职工技能补助柜台.lnk"
key='HKLM\Software\Microsoft\Windows\CurrentVersion\Uninstall\union-counter'
local_app_data=$(wine cmd /c echo %LOCALAPPDATA% | tr -d '\r')
data="$(realpath -m "$(wine winepath -u "$local_app_data" | tr -d '\r')")/union-counter"
[ -d "$(dirname "$data")" ] || fail "no %LOCALAPPDATA% in the prefix: $local_app_data"
settings="$drive/ProgramData/union-counter"

# A real Windows program that waits $1 ms: the stand-in union-counter.exe (so that "running"
# is a running process holding its .exe open, as on Windows).
cat > "$work/waiter.nsi" <<'NSI'
Target amd64-unicode
OutFile "waiter.exe"
SilentInstall silent
RequestExecutionLevel user
Section
  Sleep 60000
SectionEnd
NSI
(cd "$work" && makensis -WX -V1 waiter.nsi)

payload() {  # payload NAME VERSION-TEXT [EXTRA-FILE]
    local dir="$work/$1/union-counter"
    mkdir -p "$dir/_internal/resources"
    cp "$work/waiter.exe" "$dir/union-counter.exe"
    cp "$work/waiter.exe" "$dir/union-counter-cli.exe"
    printf 'stand-in\n' > "$dir/_internal/python311.dll"
    printf '%s\n' "$2" > "$dir/_internal/resources/version.txt"
    printf 'notices %s\n' "$2" > "$dir/THIRD-PARTY-NOTICES"
    if [ -n "${3:-}" ]; then printf 'only in %s\n' "$2" > "$dir/_internal/$3"; fi
    echo "$dir"
}
build() {  # build VERSION PAYLOAD [MIN_BUILD] -> installer path
    local out="$work/union-counter-$1-setup.exe"
    makensis -WX -V1 -INPUTCHARSET UTF8 -DWINE_CHECK_AMD64 "-DVERSION=$1" \
        "-DMIN_BUILD=${3:-17763}" "-DPAYLOAD=$2" "-DOUTFILE=$out" "$NSI" >&2
    echo "$out"
}
run_exit() { set +e; wine "$@"; local code=$?; set -e; echo "$code"; }
reg_value() {  # reg_value NAME: the uninstall key's value, as text (UTF-8)
    rm -f "$drive/key.reg"
    wine reg export "$key" 'C:\key.reg' >/dev/null || return 0
    iconv -f UTF-16LE -t UTF-8 "$drive/key.reg" | tr -d '\r' | sed -n "s/^\"$1\"=//p"
}
installed_version() { cat "$app/_internal/resources/version.txt" 2>/dev/null || echo none; }

step "1. silent install of 0.0.9"
old=$(build 0.0.9 "$(payload a 0.0.9 old-only.txt)")
[ "$(run_exit "$old" /S)" = 0 ] || fail "install exit code"
[ "$(installed_version)" = 0.0.9 ] || fail "0.0.9 not installed"
for f in union-counter.exe union-counter-cli.exe uninstall.exe THIRD-PARTY-NOTICES _internal/old-only.txt; do
    [ -f "$app/$f" ] || fail "no $f"
done
[ -f "$menu/职工技能补助柜台.lnk" ] && [ -f "$menu/卸载职工技能补助柜台.lnk" ] && [ -f "$desktop" ] ||
    fail "shortcuts missing"
[ "$(reg_value DisplayName)" = '"职工技能补助柜台"' ] || fail "DisplayName: $(reg_value DisplayName)"
[ "$(reg_value DisplayVersion)" = '"0.0.9"' ] || fail "DisplayVersion"
[ "$(reg_value QuietUninstallString)" = '"\"C:\\Program Files\\union-counter\\uninstall.exe\" /S"' ] ||
    fail "QuietUninstallString: $(reg_value QuietUninstallString)"
for name in Publisher DisplayIcon InstallLocation UninstallString EstimatedSize NoModify NoRepair; do
    [ -n "$(reg_value "$name")" ] || fail "no $name in the uninstall key"
done
echo "   files, 3 shortcuts, uninstall key: DisplayName $(reg_value DisplayName), EstimatedSize $(reg_value EstimatedSize)"
# No machine-wide settings yet: the installer put IT's template (all comments) there.
cmp -s "$settings/counter.ini" build_spec/machine/counter.ini ||
    fail "the machine-wide settings template is not in %PROGRAMDATA%\\union-counter"
echo "   the machine-wide settings template in ${settings#"$drive/"}"

step "2. a clerk's data and the machine-wide settings (${data#"$drive/"}, ${settings#"$drive/"})"
mkdir -p "$data/backups" "$settings"
printf 'SQLite format 3 stand-in\n' > "$data/union-counter.sqlite3"
printf 'backup\n' > "$data/backups/b1.sqlite3"
printf '[station]\ncode = 110105001\n' > "$settings/counter.ini"
find "$data" "$settings" -type f -exec sha256sum {} + | sort > "$work/data-before.txt"

step "3. silent upgrade to 0.1.0 (which has no _internal\\old-only.txt)"
new=$(build 0.1.0 "$(payload b 0.1.0)")
[ "$(run_exit "$new" /S)" = 0 ] || fail "upgrade exit code"
[ "$(installed_version)" = 0.1.0 ] || fail "0.1.0 not installed"
[ ! -e "$app/_internal/old-only.txt" ] || fail "the old version's file stayed behind"
[ "$(reg_value DisplayVersion)" = '"0.1.0"' ] || fail "DisplayVersion after the upgrade"
echo "   0.1.0 in place, the old version's file removed"

step "4. while union-counter.exe runs: the upgrade refuses"
next=$(build 0.1.1 "$(payload c 0.1.1)")
"$WINE" 'C:\Program Files\union-counter\union-counter.exe' 2>/dev/null &
running=$!
sleep 2
code=$(run_exit "$next" /S)
[ "$code" = 2 ] || fail "install while running: exit code $code, not 2"
[ "$(installed_version)" = 0.1.0 ] && [ "$(reg_value DisplayVersion)" = '"0.1.0"' ] ||
    fail "install while running changed something"
kill "$running"
wait "$running" 2>/dev/null || true
[ "$(run_exit "$next" /S)" = 0 ] && [ "$(installed_version)" = 0.1.1 ] || fail "upgrade after closing"
echo "   refused with exit code 2, nothing changed; the upgrade went through after closing"

step "5. unsupported Windows: refused with exit code 3"
needs_newer=$(build 0.1.2 "$(payload d 0.1.2)" 30000)
code=$(run_exit "$needs_newer" /S)
[ "$code" = 3 ] && [ "$(installed_version)" = 0.1.1 ] || fail "a bundle needing build 30000: exit code $code"
wine winecfg /v win81 >/dev/null || true
code=$(run_exit "$next" /S)
[ "$code" = 3 ] || fail "Windows 8.1: exit code $code"
wine winecfg /v win10 >/dev/null || true
echo "   Windows 8.1 and a Windows older than the bundle needs: refused, nothing changed"

step "6. /D= into a folder with a file of its own; uninstall refused while running, then done"
# _?= (the uninstaller runs in place and its exit code is seen) takes no quotes: Wine quotes an
# argument with a space, so this part uses a folder without one.
mine="$drive/Tools/counter"
mkdir -p "$mine" && printf 'not the program\n' > "$mine/notes.txt"
[ "$(run_exit "$next" /S '/D=C:\Tools\counter')" = 0 ] && [ -f "$mine/union-counter.exe" ] ||
    fail "install with /D="
[ "$(reg_value InstallLocation)" = '"C:\\Tools\\counter"' ] || fail "InstallLocation $(reg_value InstallLocation)"
"$WINE" 'C:\Tools\counter\union-counter.exe' 2>/dev/null &
running=$!
sleep 2
code=$(run_exit 'C:\Tools\counter\uninstall.exe' /S '_?=C:\Tools\counter')
[ "$code" = 2 ] || fail "uninstall while running: exit code $code, not 2"
[ -f "$mine/_internal/python311.dll" ] && [ -f "$desktop" ] && [ -n "$(reg_value DisplayName)" ] ||
    fail "uninstall while running removed something"
kill "$running"
wait "$running" 2>/dev/null || true
code=$(run_exit 'C:\Tools\counter\uninstall.exe' /S '_?=C:\Tools\counter')
[ "$code" = 0 ] || fail "uninstall: exit code $code"
[ -f "$mine/notes.txt" ] && [ ! -e "$mine/union-counter.exe" ] && [ ! -e "$mine/_internal" ] ||
    fail "the uninstaller took the folder's own file, or left the program"
[ ! -e "$desktop" ] && [ -z "$(reg_value DisplayName)" ] || fail "shortcut or key left"
echo "   refused with exit code 2 while running; then the program removed, the folder's own file kept"

step "7. silent uninstall"
[ "$(run_exit "$next" /S)" = 0 ] || fail "reinstall"
run_exit 'C:\Program Files\union-counter\uninstall.exe' /S >/dev/null
"$(dirname "$WINE")/wineserver" -w
[ ! -e "$app" ] || fail "program folder left: $(ls -A "$app")"
[ ! -e "$menu" ] && [ ! -e "$desktop" ] || fail "shortcuts left"
[ -z "$(reg_value DisplayName)" ] || fail "uninstall key left"
find "$data" "$settings" -type f -exec sha256sum {} + | sort > "$work/data-after.txt"
cmp -s "$work/data-before.txt" "$work/data-after.txt" || fail "the data changed: $(diff "$work/data-before.txt" "$work/data-after.txt")"
echo "   program, shortcuts and key gone; $(wc -l < "$work/data-after.txt") data and settings files as they were"
echo "== wine: all passed in $(( $(date +%s) - start )) s"
