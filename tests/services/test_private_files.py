"""Members' data is not readable by the PC's other accounts: the data folder 0700 and every
file the program keeps there 0600, whatever the umask it was started with, and an older data
folder left 0644/0755 is tightened on the next open (issue 16, part 7)."""

from __future__ import annotations

import json
import stat
import subprocess
from pathlib import Path

import pytest

from desktop_app import private_files
from desktop_app.services import drafts, policies
from desktop_app.services.data_folder import SETTINGS_FILE
from desktop_app.services.exchange import signing_key
from desktop_app.services.logs import log_file
from desktop_app.services.station_file import STATION_FILE
from desktop_app.services.store import open_store
from desktop_app.storage.database import DB_FILE_NAME
from tests.processes import union_counter
from tests.storage.conftest import NOW, apply_input

pytestmark = pytest.mark.skipif(not private_files.applies(), reason="POSIX mode bits only")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def run(*args: str, home: Path, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return union_counter(home, *args, stdin=stdin, umask=0o022)  # a desktop's usual umask


def everything(home: Path) -> list[Path]:
    return [home, *sorted(home.rglob("*"))]


def test_the_names_are_the_ones_the_modules_use() -> None:
    assert private_files.DATABASE_FILES[0] == DB_FILE_NAME
    assert drafts.DRAFT_FOLDER in private_files.OWN_FOLDERS
    assert SETTINGS_FILE in private_files.OWN_FILES
    assert STATION_FILE in private_files.OWN_FILES
    assert signing_key.KEY_FILE in private_files.OWN_FILES
    assert log_file(Path("x")).parent.name in private_files.OWN_FOLDERS
    assert "backups" in private_files.OWN_FOLDERS
    assert policies.versions_dir().name in private_files.OWN_FOLDERS


def test_the_command_line_creates_every_file_private(tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert run("settings", "--station-code", "XC01", home=home).returncode == 0
    applied = run("apply", "-", home=home, stdin=json.dumps(apply_input(1), ensure_ascii=False))
    assert applied.returncode == 0, applied.stderr
    assert run("backup", home=home).returncode == 0
    exported = run("exchange", "export", str(tmp_path / "batch.xlsx"), home=home)
    assert exported.returncode == 0, exported.stderr  # makes the station's signing key
    found = everything(home)
    names = {path.name for path in found}
    assert DB_FILE_NAME in names and "union-counter.log" in names
    assert signing_key.KEY_FILE in names
    assert any(path.parent.name == "backups" and path.is_file() for path in found)
    for path in found:
        expected = 0o700 if path.is_dir() else 0o600
        assert mode(path) == expected, f"{path.relative_to(tmp_path)}: {oct(mode(path))}"


def test_an_older_data_folder_is_tightened_when_it_is_opened(tmp_path: Path) -> None:
    home = tmp_path / "home"
    open_store(None, home, now=NOW).dispose()  # the database and today's backup
    (home / "drafts" / "discarded").mkdir(parents=True)
    (home / "drafts" / "discarded" / "old.json").write_text("{}", encoding="utf-8")
    (home / SETTINGS_FILE).write_text("[counter]\n", encoding="utf-8")
    (home / "logs" / "union-counter.log").write_text("", encoding="utf-8")
    for path in everything(home):
        path.chmod(0o755 if path.is_dir() else 0o644)  # as an earlier version left them
    # A clerk's own file beside them, and a link out of the folder: not the program's.
    notes = home / "我的笔记.txt"
    notes.write_text("", encoding="utf-8")
    notes.chmod(0o644)
    outside = tmp_path / "outside.txt"
    outside.write_text("", encoding="utf-8")
    outside.chmod(0o644)
    (home / "backups" / "link.sqlite3").symlink_to(outside)

    open_store(None, home, now=NOW).dispose()

    for path in everything(home):
        if path in (notes, home / "backups" / "link.sqlite3"):
            continue
        expected = 0o700 if path.is_dir() else 0o600
        assert mode(path) == expected, f"{path.relative_to(tmp_path)}: {oct(mode(path))}"
    assert mode(notes) == 0o644
    assert mode(outside) == 0o644
