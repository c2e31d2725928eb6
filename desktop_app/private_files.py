"""Members' personal data stays with the clerk's own account: the data folder 0700, and the
database (with SQLite's -wal and -shm files), backups, logs, drafts, settings (the
window's `counter.ini`, the counter's station `station.ini`) and the station's signing key 0600.

Two halves. `keep_private()` sets the process's umask at start-up (the command line and the
window), so every file and folder the program creates from then on is private: SQLite creates
its -wal and -shm files with the database file's own mode. `make_private(folder)` tightens
what an earlier version left readable by every local user (0644 in a 0755 folder); it touches
only the program's own names in the data folder, never anything else a clerk keeps there.

A PC whose clerks share one data folder (IT set it in the machine-wide file,
`services.machine_settings`; a folder of a group, setgid): there the files are the group's too
(0660, folders 0770), and only others lose access.

On Windows the data folder is under the user's profile (%LOCALAPPDATA%), whose access list
already admits only that user, the administrators and SYSTEM; the mode bits mean nothing there.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

PRIVATE_UMASK = 0o077  # new files 0600, new folders 0700
SHARED_UMASK = 0o007  # the PC's shared data folder: new files 0660, new folders 0770

# The program's own items in the data folder (storage.database.DB_FILE_NAME and the
# services' folders); a test holds this list to the names the modules use.
DATABASE_FILES = ("union-counter.sqlite3", "-wal", "-shm", "-journal")
OWN_FOLDERS = ("backups", "logs", "drafts", "policies")
OWN_FILES = ("counter.ini", "station.ini", "station-signing-key")


def applies() -> bool:
    """Mode bits protect files on POSIX systems (Linux: UOS, Kylin) only."""
    return os.name == "posix"


_UMASK = [PRIVATE_UMASK]  # what keep_private set (private until it says otherwise)


def keep_private(*, shared: bool = False) -> None:
    """From now on this process creates files 0600 and folders 0700 (`shared`: the PC's
    shared data folder, which IT opened to a group of clerks — 0660 and 0770)."""
    _UMASK[0] = SHARED_UMASK if shared else PRIVATE_UMASK
    if applies():
        os.umask(_UMASK[0])


def file_mode() -> int:
    """The mode of a new file of the program's in the data folder (0600, or 0660 in a shared
    one), for files made by `tempfile.mkstemp`, which are always 0600."""
    return 0o666 & ~_UMASK[0]


def create_empty(path: Path) -> None:
    """Create `path` empty with this process's mode if it is not there: a file SQLite is to
    open gets the mode the umask gives (SQLite's own is 0644, less the umask: the group could
    not write a shared database). Nothing happens when it exists or cannot be made here (the
    opening then says why)."""
    with contextlib.suppress(OSError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))


def make_private(folder: Path, *, shared: bool = False) -> list[Path]:
    """Take group and other access (`shared`: other access only) away from the data folder
    and the program's files in it; the paths changed. Errors are left to whoever writes there
    next (a read-only share, another clerk's file in a shared folder)."""
    if not applies():
        return []
    taken = 0o007 if shared else 0o077
    changed: list[Path] = []
    database = DATABASE_FILES[0]
    names = [database, *(database + suffix for suffix in DATABASE_FILES[1:]), *OWN_FILES]
    _tighten(folder, changed, taken)
    for name in names:
        _tighten(folder / name, changed, taken)
    for name in OWN_FOLDERS:
        top = folder / name
        if not top.is_dir() or top.is_symlink():
            continue
        _tighten(top, changed, taken)
        for root, folders, files in os.walk(top):
            for sub in folders:
                _tighten(Path(root, sub), changed, taken)
            for file in files:
                _tighten(Path(root, file), changed, taken)
    return changed


def _tighten(path: Path, changed: list[Path], taken: int) -> None:
    """The bits `taken` (group and other, or other) lose every access; the rest stay."""
    try:
        info = path.lstat()
    except OSError:
        return
    if stat.S_ISLNK(info.st_mode):
        return  # not ours to change
    if stat.S_IMODE(info.st_mode) & taken:
        try:
            path.chmod(stat.S_IMODE(info.st_mode) & ~taken)
        except OSError:
            return
        changed.append(path)
