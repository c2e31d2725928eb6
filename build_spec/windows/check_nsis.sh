#!/usr/bin/env bash
# Compile the Windows installer's script on Linux, so that it cannot rot (make nsis-check, CI):
#
#   bash build_spec/windows/check_nsis.sh [PAYLOAD [OUT_DIR]]
#
# Without PAYLOAD it makes a stand-in for the PyInstaller folder (a dummy union-counter.exe,
# union-counter-cli.exe, _internal\ with a few files, THIRD-PARTY-NOTICES). It checks that the
# script deletes nothing but the program's folder, shortcuts and uninstall key; that every
# top-level name of the payload is one the upgrade and the uninstaller remove; compiles the
# script with makensis, warnings treated as errors (-WX), twice: for Windows 10 1809 and, as a
# bundle whose Qt needs icu.dll would be built, for 1903; reads the installer back (a PE with
# the version resource: product name, version) and lists it with 7-Zip (every payload file is
# in it, and the uninstaller). Prints the installer's size. makensis and 7-Zip are installed
# with apt when missing (root), like the Makefile's windows-system-deps.
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=${PYTHON:-.venv/bin/python}
NSI=$(realpath build_spec/windows/union-counter.nsi)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if ! command -v makensis >/dev/null 2>&1 || ! command -v 7zz >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "== nsis: installing nsis and 7zip"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nsis 7zip >/dev/null
    else
        echo "check_nsis.sh: needs makensis and 7zz (apt install nsis 7zip)" >&2
        exit 1
    fi
fi

# The script is UTF-8 with a byte-order mark: makensis on Windows reads a script without one in
# the system's code page, which garbles the Chinese texts.
[ "$(head -c 3 "$NSI" | od -An -tx1 | tr -d ' ')" = efbbbf ] ||
    { echo "$NSI must start with a UTF-8 byte-order mark"; exit 1; }

payload=${1:-}
if [ -z "$payload" ]; then
    payload="$work/dist/union-counter"
    mkdir -p "$payload/_internal/resources/policies" "$payload/_internal/PySide6/plugins/platforms"
    printf 'MZ stand-in for the window program\n' > "$payload/union-counter.exe"
    printf 'MZ stand-in for the command line\n' > "$payload/union-counter-cli.exe"
    printf 'stand-in\n' > "$payload/_internal/python311.dll"
    printf 'stand-in\n' > "$payload/_internal/PySide6/plugins/platforms/qwindows.dll"
    printf '[scheme]\n' > "$payload/_internal/resources/policies/替身.toml"
    printf 'stand-in notices\n' > "$payload/THIRD-PARTY-NOTICES"
fi
payload=$(realpath "$payload")
out=${2:-$work/out}
mkdir -p "$out"

echo "== nsis: what the script deletes (never the clerks' data)"
"$PY" build_spec/windows/check_installer.py script "$NSI"
echo "== nsis: the payload's top-level names are all removed on upgrade and uninstall"
"$PY" build_spec/windows/check_installer.py payload "$payload" "$NSI"

version=$("$PY" build_spec/windows/winbuild.py version)
file_version=$("$PY" build_spec/windows/winbuild.py file-version)
publisher=$("$PY" build_spec/windows/winbuild.py publisher)
min_build=$("$PY" build_spec/windows/winbuild.py min-build "$payload")
installer="$out/union-counter-$version-setup.exe"

compile() {  # compile MIN_BUILD OUTFILE
    makensis -WX -V2 -INPUTCHARSET UTF8 \
        "-DVERSION=$version" "-DFILE_VERSION=$file_version" "-DPUBLISHER=$publisher" \
        "-DMIN_BUILD=$1" "-DPAYLOAD=$payload" "-DOUTFILE=$2" "$NSI"
}
echo "== nsis: makensis -WX (version $version, file version $file_version, Windows build ≥ $min_build)"
start=$(date +%s%N)
compile "$min_build" "$installer"
echo "   compiled in $(( ($(date +%s%N) - start) / 1000000 )) ms"
echo "== nsis: makensis -WX for a bundle whose Qt needs Windows 10 1903 (icu.dll)"
compile 18362 "$out/union-counter-$version-1903-setup.exe"

[ -s "$installer" ] || { echo "no installer written: $installer"; exit 1; }
echo "== nsis: the installer is a Windows program with its version information"
if command -v file >/dev/null 2>&1; then file -b "$installer" | sed 's/^/   /'; fi
"$PY" build_spec/windows/check_installer.py installer "$installer" "$version" "$file_version"

echo "== nsis: the installer holds every payload file and writes the uninstaller"
7zz l -slt -sccUTF-8 "$installer" | sed -n 's/^Path = //p' | grep -v '^\$PLUGINSDIR/' | sort > "$work/in-installer.txt"
(cd "$payload" && find . -type f | sed 's|^\./||' | sort) > "$work/in-payload.txt"
grep -vxF "$installer" "$work/in-installer.txt" > "$work/listed.txt" || true
missing=$(comm -23 "$work/in-payload.txt" "$work/listed.txt")
[ -z "$missing" ] || { echo "payload files missing from the installer:"; echo "$missing"; exit 1; }
grep -qx "uninstall.exe" "$work/listed.txt" || { echo "no uninstall.exe in the installer"; exit 1; }
echo "   $(wc -l < "$work/in-payload.txt") payload files, all in it; uninstall.exe written at install"
echo "== nsis: $(basename "$installer"): $(stat -c %s "$installer") bytes ($(du -h "$installer" | cut -f1))"
