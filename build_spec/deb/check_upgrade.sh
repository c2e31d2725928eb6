#!/usr/bin/env bash
# Check that a newer package installed over an older one keeps every record (root; CI does it):
#
#   bash build_spec/deb/check_upgrade.sh dist/union-counter_VERSION_amd64.deb
#
# The older program is this repository at a revision whose database schema is older
# (UC_UPGRADE_FROM, default: the last commit before the station-keys migration 0008, schema
# head 0007). Its bundle is built with its own spec and the checkout's venv, and packaged by
# the current build_deb.sh as version UC_UPGRADE_OLD_VERSION (0.0.9). Then, as an ordinary OS
# user made for the check, with each program's own command line:
#   - old package installed; the station set, one application saved (its 受理编号 noted);
#   - new package installed over it (dpkg unpacks it "over (0.0.9)");
#   - the new program finds the record as it was (receipt, name, amount, …), the database is
#     at the new schema head, a backup made before the upgrade sits in the user's data folder
#     and holds the old schema's database with the record, `audit verify` passes.
# The package, the user and every temporary file are removed again, whatever happens.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
deb="$(realpath "${1:?usage: check_upgrade.sh NEW.deb}")"
[ "$(id -u)" = 0 ] || { echo "check_upgrade.sh: installs packages and adds a user, so it must run as root" >&2; exit 1; }
PY="$root/.venv/bin/python"
[ -x "$PY" ] || { echo "check_upgrade.sh: no venv at $root/.venv (make venv)" >&2; exit 1; }
old_rev="${UC_UPGRADE_FROM:-4a4b329^1}"
old_version="${UC_UPGRADE_OLD_VERSION:-0.0.9}"
user=uc-upgrade-test
package=union-counter
export DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8
apt_get() { apt-get -o DPkg::Lock::Timeout=300 -y "$@"; }
installed_version() { dpkg-query -W -f='${db:Status-Status} ${Version}' "$package" 2>/dev/null | sed -n 's/^installed //p'; }
elapsed() { "$PY" -c "import sys,time; print(f'{time.time()-float(sys.argv[1]):.1f}')" "$1"; }
t0=$(date +%s.%N)

new_version=$(dpkg-deb -f "$deb" Version)
dpkg --compare-versions "$old_version" lt "$new_version" ||
    { echo "the old version $old_version is not older than the new package's $new_version"; exit 1; }
# The machine as found: no union-counter installed (another check may be running: wait up to
# 5 minutes for it to remove its package, then say so rather than take it away), no user of
# the check's name.
for _ in $(seq 60); do
    [ -n "$(installed_version)" ] || break
    sleep 5
done
if [ -n "$(installed_version)" ]; then
    echo "check_upgrade.sh: $package $(installed_version) is installed (another check running?);" \
        "this check installs and removes it: remove it first" >&2
    exit 1
fi
if id "$user" >/dev/null 2>&1; then
    echo "check_upgrade.sh: the user $user exists (left by an interrupted run?): userdel -r $user" >&2
    exit 1
fi

work=$(mktemp -d -t uc-upgrade-XXXXXX)
made_user=""
cleanup() {
    local rc=$?
    set +e
    if [ -n "$(installed_version)" ]; then
        apt_get -qq remove "$package" >/dev/null 2>&1 || echo "cleanup: apt-get remove $package failed" >&2
    fi
    if [ -n "$made_user" ]; then
        userdel -r "$user" 2>/dev/null || echo "cleanup: userdel -r $user failed" >&2
    fi
    rm -rf "$work"
    exit "$rc"
}
trap cleanup EXIT
trap "exit 130" INT TERM HUP

echo "== upgrade: the old program ($old_rev)"
# A shallow clone lacks the old revision: fetch the history from where the clone came from.
if ! git -C "$root" rev-parse --quiet --verify "$old_rev^{commit}" >/dev/null; then
    if [ "$(git -C "$root" rev-parse --is-shallow-repository)" = true ]; then
        git -C "$root" fetch --quiet --unshallow ||
            { echo "check_upgrade.sh: a shallow clone without $old_rev, and its history cannot be fetched" >&2; exit 1; }
    fi
fi
commit=$(git -C "$root" rev-parse --verify "$old_rev^{commit}")
mkdir "$work/src"
git -C "$root" archive "$commit" | tar -x -C "$work/src"
# The schema heads (db/versions/*.py, Alembic's revision and down_revision): the old one must
# be an earlier revision of the new program's chain.
read -r old_head new_head < <("$PY" - "$work/src/db/versions" "$root/db/versions" <<'PYEOF'
import re, sys
from pathlib import Path


def chain(folder: str) -> dict[str, str | None]:
    revs = {}
    for path in Path(folder).glob("*.py"):
        text = path.read_text(encoding="utf-8")
        rev = re.search(r'^revision = "([^"]+)"', text, re.M)
        down = re.search(r'^down_revision = (?:"([^"]+)"|None)', text, re.M)
        if rev:
            revs[rev.group(1)] = down.group(1) if down else None
    return revs


def head(revs: dict[str, str | None]) -> str:
    (only,) = set(revs) - set(revs.values())
    return only


old, new = chain(sys.argv[1]), chain(sys.argv[2])
old_head, new_head = head(old), head(new)
older, rev = set(), new[new_head]
while rev is not None:
    older.add(rev)
    rev = new[rev]
print(old_head if old_head in older else "-", new_head)
PYEOF
)
echo "   commit $(git -C "$root" rev-parse --short "$commit"); schema head $old_head (the new program's: $new_head)"
[ -n "$old_head" ] && [ "$old_head" != - ] || { echo "the old revision's schema is not older than the new program's"; exit 1; }
t1=$(date +%s.%N)
(cd "$work/src" && "$PY" -m PyInstaller --noconfirm --log-level ERROR --distpath "$work/dist" \
    --workpath "$work/build" build_spec/union_counter.spec) > "$work/pyinstaller.log" 2>&1 ||
    { cat "$work/pyinstaller.log"; echo "the old revision's bundle did not build"; exit 1; }
# A revision older than the notices (issue 17, part 2) has no THIRD-PARTY-NOTICES, which
# build_deb.sh installs: this package is never handed out, a stand-in does.
notices="$work/dist/union-counter/THIRD-PARTY-NOTICES"
[ -f "$notices" ] || echo "Test package of revision $commit, built by check_upgrade.sh; not for distribution." > "$notices"
# xz level 1 (dpkg-deb's environment; build_deb.sh gives no level): 10 s instead of 80 s.
old_deb=$(DPKG_DEB_COMPRESSOR_LEVEL=1 UC_DEB_VERSION="$old_version" bash "$here/build_deb.sh" "$work/dist/union-counter" "$work/deb")
rm -rf "$work/build" "$work/dist"
echo "   bundle and $(basename "$old_deb") built in $(elapsed "$t1") s"

echo "== upgrade: install $old_version, set the station, save an application"
apt_get -qq install "$old_deb" > "$work/apt-old.txt" 2>&1 || { cat "$work/apt-old.txt"; exit 1; }
[ "$(installed_version)" = "$old_version" ] || { echo "installed: '$(installed_version)', not $old_version"; exit 1; }
useradd -m -s /bin/sh "$user"
made_user=1
uhome=$(getent passwd "$user" | cut -d: -f6)
data="$uhome/.local/share/union-counter"  # platformdirs' user data folder on Linux
# The clerk's program, as the clerk starts it: the user's own login environment, nothing of ours.
as_user() {
    (cd "$uhome" && runuser -u "$user" -- env -i HOME="$uhome" USER="$user" LOGNAME="$user" \
        PATH=/usr/bin:/bin LANG=C.UTF-8 QT_QPA_PLATFORM=offscreen "$@")
}
as_user union-counter settings --station-code SJ01 --station-name 升级检查站 --district 西城区 >/dev/null
first17=11010219750305123
id_number=$first17$("$PY" -c "from desktop_app.domain.validators import resident_id_check_char as c; import sys; print(c(sys.argv[1]))" $first17)
runuser -u "$user" -- tee "$uhome/application.json" >/dev/null <<EOF
{"scheme": "bj-2026-skills", "applied_on": "$(date +%F)",
 "member": {"name": "升级测试员", "id_number": "$id_number", "phone": "13800138000",
            "work_unit": "北京市西城区某物业公司", "position": "无人机驾驶员",
            "card_number": "6217000010001234569", "key_group": true},
 "certificate": {"kind": "skill_level", "occupation": "无人机驾驶员", "level": 4,
                 "number": "S000011010500001", "issued_on": "2026-06-01",
                 "issuer": "北京市某职业技能等级认定机构"}}
EOF
as_user union-counter apply --clerk 升级检查 application.json > "$work/applied.json"
receipt=$("$PY" -c "import json,sys; print(json.load(open(sys.argv[1]))['receipt'])" "$work/applied.json")
as_user union-counter ledger --json --query "$receipt" > "$work/before.json"
"$PY" - "$work/before.json" "$receipt" <<'PYEOF'
import json, sys
rows = json.load(open(sys.argv[1], encoding="utf-8"))
assert [r["receipt"] for r in rows] == [sys.argv[2]], rows
assert (rows[0]["name"], rows[0]["amount"]) == ("升级测试员", 1800), rows[0]
PYEOF
echo "   saved $receipt (升级测试员, 1800 元) in $data"
if compgen -G "$data/backups/before-upgrade-*" >/dev/null; then
    echo "a before-upgrade backup exists before any upgrade"; exit 1
fi

echo "== upgrade: install $new_version over it"
apt_get install "$deb" 2>&1 | tr -d '\r' > "$work/apt-new.txt" || { cat "$work/apt-new.txt"; exit 1; }
# dpkg's own words for an upgrade in place: the new archive unpacked over the installed version.
grep -A1 -E "^Preparing to unpack .*${package}_${new_version}_amd64\.deb" "$work/apt-new.txt" |
    grep -qxF "Unpacking $package ($new_version) over ($old_version) ..." ||
    { cat "$work/apt-new.txt"; echo "dpkg did not unpack $new_version over $old_version"; exit 1; }
echo "   dpkg: Unpacking $package ($new_version) over ($old_version)"
[ "$(installed_version)" = "$new_version" ] || { echo "installed: '$(installed_version)', not $new_version"; exit 1; }

echo "== upgrade: the new program on the same data folder"
as_user union-counter --version | grep -q "^数据库结构版本：$new_head$" ||
    { echo "the new program does not name schema $new_head"; exit 1; }
as_user union-counter ledger --json --query "$receipt" > "$work/after.json"
as_user union-counter ledger show "$receipt" > "$work/show.txt"
grep -q "升级测试员" "$work/show.txt" || { cat "$work/show.txt"; echo "ledger show does not name the applicant"; exit 1; }
as_user union-counter audit verify | sed 's/^/   /'
as_user union-counter settings | grep -q '^服务站代码：SJ01$' || { echo "the station was lost"; exit 1; }
"$PY" - "$work/before.json" "$work/after.json" "$data" "$receipt" "$old_head" "$new_head" <<'PYEOF'
import json, sqlite3, sys
from pathlib import Path

before_file, after_file, data, receipt, old_head, new_head = sys.argv[1:]
before = json.load(open(before_file, encoding="utf-8"))
after = json.load(open(after_file, encoding="utf-8"))
assert len(after) == 1, after
old, new = before[0], after[0]
changed = {k: (old[k], new.get(k)) for k in old if new.get(k) != old[k]}
assert not changed, f"the record changed in the upgrade: {changed}"
print(f"   {receipt}: {new['name']}, {new['amount']} 元, {new['status_label']} — as before the upgrade")


def read(path: Path) -> tuple[str, list[tuple[str, str, int]]]:
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        (version,) = con.execute("SELECT version_num FROM alembic_version").fetchone()
        rows = con.execute(
            "SELECT a.receipt, m.name, a.amount FROM application a JOIN member m ON m.id = a.member_id"
        ).fetchall()
    finally:
        con.close()
    return version, rows


version, rows = read(Path(data, "union-counter.sqlite3"))
assert version == new_head, f"the database is at schema {version}, not {new_head}"
assert rows == [(receipt, "升级测试员", 1800)], rows
print(f"   the database is at schema {version}")
backups = sorted(Path(data, "backups").glob("before-upgrade-*"))
assert len(backups) == 1, f"expected one before-upgrade backup, found {backups}"
assert backups[0].name.endswith(f"-from-{old_head}.sqlite3"), backups[0].name
version, rows = read(backups[0])
assert version == old_head, f"the backup is at schema {version}, not {old_head}"
assert rows == [(receipt, "升级测试员", 1800)], rows
print(f"   backup before the upgrade: {backups[0]} (schema {version}, the record in it)")
PYEOF
echo "== upgrade: all checks passed in $(elapsed "$t0") s"
