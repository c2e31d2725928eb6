"""Members' personal data stays with the clerk's own account: the data folder 0700, and the
database (with SQLite's -wal and -shm files), backups, logs, drafts, settings (the
window's `counter.ini`, the counter's station `station.ini`) and the station's signing key 0600.

Two halves. `keep_private()` sets the process's umask at start-up (the command line and the
window), so every file and folder the program creates from then on is private: SQLite creates
its -wal and -shm files with the database file's own mode. `make_private(folder)` tightens
what an earlier version left readable by every local user (0644 in a 0755 folder); it touches
only the program's own names in the data folder, never anything else a clerk keeps there.

On Windows the data folder is under the user's profile (%LOCALAPPDATA%), whose access list
already admits only that user, the administrators and SYSTEM; the mode bits mean nothing there.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

PRIVATE_UMASK = 0o077  # new files 0600, new folders 0700

# The program's own items in the data folder (storage.database.DB_FILE_NAME and the
# services' folders); a test holds this list to the names the modules use.
DATABASE_FILES = ("union-counter.sqlite3", "-wal", "-shm", "-journal")
OWN_FOLDERS = ("backups", "logs", "drafts", "policies")
OWN_FILES = ("counter.ini", "station.ini", "station-signing-key")


def applies() -> bool:
    """Mode bits protect files on POSIX systems (Linux: UOS, Kylin) only."""
    return os.name == "posix"


def keep_private() -> None:
    """From now on this process creates files 0600 and folders 0700."""
    if applies():
        os.umask(PRIVATE_UMASK)


def make_private(folder: Path) -> list[Path]:
    """Take group and other access away from the data folder and the program's files in it;
    the paths changed. Errors are left to whoever writes there next (a read-only share)."""
    if not applies():
        return []
    changed: list[Path] = []
    database = DATABASE_FILES[0]
    names = [database, *(database + suffix for suffix in DATABASE_FILES[1:]), *OWN_FILES]
    _tighten(folder, changed)
    for name in names:
        _tighten(folder / name, changed)
    for name in OWN_FOLDERS:
        top = folder / name
        if not top.is_dir() or top.is_symlink():
            continue
        _tighten(top, changed)
        for root, folders, files in os.walk(top):
            for sub in folders:
                _tighten(Path(root, sub), changed)
            for file in files:
                _tighten(Path(root, file), changed)
    return changed


def _tighten(path: Path, changed: list[Path]) -> None:
    """Group and other lose every access; the owner's bits stay as they are."""
    try:
        info = path.lstat()
    except OSError:
        return
    if stat.S_ISLNK(info.st_mode):
        return  # not ours to change
    if stat.S_IMODE(info.st_mode) & 0o077:
        try:
            path.chmod(stat.S_IMODE(info.st_mode) & ~0o077)
        except OSError:
            return
        changed.append(path)
