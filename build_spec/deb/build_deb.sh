#!/usr/bin/env bash
# Build the Debian package (Debian 12 / 统信UOS / 银河麒麟, amd64) from the offline bundle:
#
#   bash build_spec/deb/build_deb.sh [BUNDLE_DIR] [OUT_DIR]      (make deb)
#
# BUNDLE_DIR: the PyInstaller folder (default dist/union-counter, as `make bundle` leaves it).
# The package puts it under /opt/union-counter/, a launcher /usr/bin/union-counter, the menu
# entry (职工技能补助柜台, Office) and the icon in the hicolor theme, and the licences under
# /usr/share/doc/union-counter/, and the machine-wide settings file /etc/union-counter/counter.ini
# (all comments until IT fills it in). It runs nothing at install (no network, no scripts) and
# its removal leaves every data folder alone (the users' homes, or the shared folder IT made).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
bundle="${1:-$root/dist/union-counter}"
out="${2:-$root/dist}"
[ -x "$bundle/union-counter" ] || { echo "build_deb.sh: no bundle at $bundle (make bundle)" >&2; exit 1; }

# Who answers for the package (Debian's Maintainer field): the team's real address, set by
# whoever builds the release (UC_DEB_MAINTAINER); the default is a placeholder.
maintainer="${UC_DEB_MAINTAINER:-union-counter team <union-counter@example.org>}"
# The version is the program's (pyproject.toml); UC_DEB_VERSION overrides it (check_upgrade.sh
# packages an older revision as 0.0.9 to install the current one over it).
version="${UC_DEB_VERSION:-$(sed -n 's/^version = "\(.*\)"/\1/p' "$root/pyproject.toml" | head -n 1)}"
package=union-counter
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
umask 022

install -d "$stage/opt/$package" "$stage/usr/bin" "$stage/usr/share/applications" \
    "$stage/usr/share/doc/$package" "$stage/usr/share/lintian/overrides" "$stage/DEBIAN"
cp -a "$bundle/." "$stage/opt/$package/"
install -m 0755 "$here/union-counter.sh" "$stage/usr/bin/$package"
install -m 0644 "$here/union-counter.desktop" "$stage/usr/share/applications/$package.desktop"
for size in 16 24 32 48 64 128 256; do
    install -D -m 0644 "$root/resources/icons/union-counter-$size.png" \
        "$stage/usr/share/icons/hicolor/${size}x${size}/apps/$package.png"
done
install -D -m 0644 "$root/resources/icons/union-counter.svg" \
    "$stage/usr/share/icons/hicolor/scalable/apps/$package.svg"
install -m 0644 "$here/copyright" "$stage/usr/share/doc/$package/copyright"
# Every bundled library's licence (written into the bundle by the spec, build_spec/notices.py),
# compressed as Debian policy 12.3 wants for documentation; the bundle keeps its own copy.
[ -f "$bundle/THIRD-PARTY-NOTICES" ] ||
    { echo "build_deb.sh: $bundle has no THIRD-PARTY-NOTICES (rebuild it: make bundle)" >&2; exit 1; }
gzip -9n < "$bundle/THIRD-PARTY-NOTICES" > "$stage/usr/share/doc/$package/THIRD-PARTY-NOTICES.gz"
sed "s|@MAINTAINER@|$maintainer|" "$here/changelog" | gzip -9n > "$stage/usr/share/doc/$package/changelog.gz"
install -m 0644 "$here/lintian-overrides" "$stage/usr/share/lintian/overrides/$package"
# The machine-wide settings IT fills in (every line a comment until then): a conffile, so an
# upgrade keeps IT's values and `apt remove` leaves them; `apt purge` takes them away.
install -D -m 0644 "$root/build_spec/machine/counter.ini" "$stage/etc/$package/counter.ini"
echo "/etc/$package/counter.ini" > "$stage/DEBIAN/conffiles"
chmod 0644 "$stage/DEBIAN/conffiles"
# Everything readable by all, nothing writable but by root (a bundle may carry odd modes).
find "$stage" -type d -exec chmod 0755 {} +
find "$stage/opt" -type f -exec chmod go-w,a+r {} +
# Shared libraries are not programs (Debian policy 8.1): 0644.
find "$stage/opt" -type f \( -name "*.so" -o -name "*.so.*" \) -exec chmod 0644 {} +

installed_kib=$(du -sk --exclude=DEBIAN "$stage" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@SIZE@/$installed_kib/" -e "s|@MAINTAINER@|$maintainer|" \
    "$here/control" > "$stage/DEBIAN/control"
mkdir -p "$out"
target="$out/${package}_${version}_amd64.deb"
dpkg-deb --root-owner-group -Zxz --build "$stage" "$target" >/dev/null
echo "$target"
