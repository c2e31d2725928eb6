#!/usr/bin/env bash
# Check the Debian package as an IT person installs it, on this machine (root; CI does it):
#
#   bash build_spec/deb/check_deb.sh dist/union-counter_VERSION_amd64.deb      (make deb)
#
# lintian reports no errors; `apt install ./…deb` installs it without the network; the
# launcher, the menu entry, the icon and the licences are where a desktop looks for them;
# `union-counter --self-test` passes from the installed path; the window opens under Xvfb
# with a window manager (start-up time printed); `apt remove` takes the program away and
# leaves the clerk's data folder as it was.
set -euo pipefail
deb="$(realpath "${1:?usage: check_deb.sh PACKAGE.deb}")"
[ "$(id -u)" = 0 ] || { echo "check_deb.sh: installs the package, so it must run as root" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export DEBIAN_FRONTEND=noninteractive

echo "== deb: $(basename "$deb"), $(du -m "$deb" | cut -f1) MB"
echo "== deb: lintian"
if ! lintian --fail-on error "$deb" > "$work/lintian.txt" 2>&1; then
    grep -v "running with root privileges" "$work/lintian.txt"
    echo "lintian reports errors"
    exit 1
fi
grep -v "running with root privileges" "$work/lintian.txt" | sed 's/^/   /' || true

echo "== deb: apt install (no network needed: every dependency is a Debian package present)"
# --reinstall: the same version again (a second check run) is put in place anew.
apt-get install -y -qq --reinstall --no-download "$deb" >/dev/null 2>&1 ||
    apt-get install -y -qq --reinstall "$deb" >/dev/null 2>&1
[ -x /usr/bin/union-counter ] || { echo "no launcher on the PATH"; exit 1; }
desktop-file-validate /usr/share/applications/union-counter.desktop
grep -q '^Name\[zh_CN\]=职工技能补助柜台$' /usr/share/applications/union-counter.desktop
for size in 16 32 48 256; do
    [ -f "/usr/share/icons/hicolor/${size}x${size}/apps/union-counter.png" ] || {
        echo "no ${size}px icon"; exit 1; }
done
[ -f /usr/share/doc/union-counter/copyright ] || { echo "no copyright file"; exit 1; }
[ -f /etc/union-counter/counter.ini ] || { echo "no machine-wide settings file"; exit 1; }

run() { (cd "$work" && env -u PYTHONPATH -u VIRTUAL_ENV -u UNION_COUNTER_DB PATH=/usr/bin:/bin "$@"); }
echo "== deb: --self-test from /usr/bin/union-counter"
run QT_QPA_PLATFORM=offscreen union-counter --self-test | tail -n 1 | sed 's/^/   /'

echo "== deb: the window under Xvfb with a window manager"
cat > "$work/session.sh" <<'SESSION'
#!/bin/sh
openbox >/dev/null 2>&1 &
sleep 0.5
for n in 1 2 3; do
    start=$(date +%s%N)
    line=$(UNION_COUNTER_HOME="$1" UNION_COUNTER_EXIT_WHEN_READY=1 union-counter | grep '^ready')
    end=$(date +%s%N)
    echo "   run $n: process $(( (end - start) / 1000000 )) ms; program: $line"
    case "$line" in *"focus=catalogue_search title=职工技能补助柜台"*) ;; *) exit 1 ;; esac
done
SESSION
chmod +x "$work/session.sh"
run xvfb-run -a -s "-screen 0 1366x768x24" "$work/session.sh" "$work/home-window"

echo "== deb: a clerk's data, then apt remove"
home="$work/home-data"
run UNION_COUNTER_HOME="$home" union-counter settings --station-code ZJ09 --station-name 安装检查 >/dev/null
[ -f "$home/union-counter.sqlite3" ] || { echo "the installed program made no database"; exit 1; }
before=$(sha256sum "$home/union-counter.sqlite3")
apt-get remove -y -qq union-counter >/dev/null
[ ! -e /opt/union-counter ] && [ ! -e /usr/bin/union-counter ] || { echo "apt remove left the program"; exit 1; }
[ "$(sha256sum "$home/union-counter.sqlite3")" = "$before" ] || { echo "apt remove touched the data"; exit 1; }
# IT's machine-wide settings are a conffile: kept by remove, taken away by purge.
[ -f /etc/union-counter/counter.ini ] || { echo "apt remove took IT's machine-wide settings"; exit 1; }
apt-get purge -y -qq union-counter >/dev/null
[ ! -e /etc/union-counter/counter.ini ] || { echo "apt purge left /etc/union-counter/counter.ini"; exit 1; }
echo "== deb: all checks passed"
