"""The counter's station file, `station.ini` in the data folder: read and written, nothing more.

Which station a counter is (服务站代码, 名称, 所属区) belongs to the counter, not to the database:
counters of a district share one PostgreSQL server and each keeps its own code. The file is
small INI text (configparser), private (0600), and written whole or not at all: a temporary
file beside it is written and fsynced, then renamed over it (`os.replace`), then the folder is
fsynced. What the values mean and which file wins is `station_settings`' business; this module
only says what the file holds, or why it cannot be read, in Chinese (`StationFileError`).
"""

from __future__ import annotations

import configparser
import contextlib
import errno
import io
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

from desktop_app.private_files import file_mode
from desktop_app.services.data_folder import reason_of
from desktop_app.storage.errors import StoreError

STATION_FILE = "station.ini"
SECTION = "station"
KEYS = ("station_code", "station_name", "district")
_HOW_TO_FIX = "请在“设置”中重新填写并保存服务站代码、名称和所属区，或请管理员检查该文件。"


class StationFileError(StoreError):
    """The counter's station file is there but cannot be used (unreadable or damaged)."""


def station_path(folder: Path) -> Path:
    """Where the data folder `folder` keeps the counter's station."""
    return folder / STATION_FILE


def read_station_file(folder: Path) -> dict[str, str] | None:
    """The values the file holds (only the known keys, as written); None when there is no
    file. StationFileError when it cannot be read or is not a station file."""
    path = station_path(folder)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise StationFileError(
            f"无法读取本柜台的服务站设置文件 {path}（{_read_reason(exc)}）。{_HOW_TO_FIX}"
        ) from None
    try:
        text = raw.decode("utf-8-sig")
        parser = configparser.ConfigParser(interpolation=None)
        parser.read_string(text, source=str(path))
    except (UnicodeDecodeError, configparser.Error):
        raise damaged(path, "不是本程序写的设置文件") from None
    if not parser.has_section(SECTION):
        raise damaged(path, f"缺少 [{SECTION}] 一节")
    return {key: parser.get(SECTION, key) for key in KEYS if parser.has_option(SECTION, key)}


def _read_reason(exc: OSError) -> str:
    """Why a file could not be read, in a clerk's words."""
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "没有读取这个文件的权限"
    if exc.errno == errno.EISDIR:
        return "这是一个文件夹，不是文件"
    return reason_of(exc)


def damaged(path: Path, why: str) -> StationFileError:
    """The error for a station file that is there but does not hold a usable station."""
    return StationFileError(f"本柜台的服务站设置文件 {path} 已损坏（{why}）。{_HOW_TO_FIX}")


def write_station_file(folder: Path, values: Mapping[str, str]) -> None:
    """Replace the file with `values` (the known keys), atomically and 0600; OSError as the
    system raises it (a full disk, a read-only folder): the old file is then unchanged."""
    parser = configparser.ConfigParser(interpolation=None)
    parser[SECTION] = {key: values[key] for key in KEYS if key in values}
    buffer = io.StringIO()
    buffer.write("# 本柜台的服务站（union-counter 写入；请在“设置”中修改）\n")
    parser.write(buffer)
    data = buffer.getvalue().encode("utf-8")
    target = station_path(folder)
    handle, name = tempfile.mkstemp(prefix=f".{STATION_FILE}.", suffix=".tmp", dir=folder)
    temporary = Path(name)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        if os.name == "posix":
            temporary.chmod(file_mode())  # 0600 (0660 in the PC's shared folder)
        temporary.replace(target)
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise
    _sync_folder(folder)


def remove_station_file(folder: Path) -> None:
    """Take the file away (a save undone because its audit event could not be committed)."""
    with contextlib.suppress(FileNotFoundError):
        station_path(folder).unlink()


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX; Windows cannot open a folder for this)."""
    if os.name != "posix":
        return
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
