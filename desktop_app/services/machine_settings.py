"""The PC's own settings that IT sets once for every user: `/etc/union-counter/counter.ini` on
Linux (统信UOS, 银河麒麟, Debian), `%PROGRAMDATA%\\union-counter\\counter.ini` on Windows.

The file may set the station (服务站代码, 名称, 所属区), the data folder and the database
address. What it sets is fixed for every user of the PC — 设置, the setup dialog, the command
line's `--db`, the environment variables `UNION_COUNTER_HOME` / `UNION_COUNTER_DB` and a
user's own files cannot change it — unless the file's `[user] may_change` names it; then the
file's value is only the default a user's own setting may replace. What the file does not
set, each user sets as before.

A database password never sits in the file: an address with a password in it is refused
(the password belongs in the user's libpq password file, `services.pgpass`).

A data folder set here is taken to be shared by the PC's clerks (a folder IT made for a
group, README "多人共用一台电脑"): the program then creates its files for the owner and the
group (0660, folders 0770) instead of for the owner alone; the per-user window settings
(`counter.ini` with the clerk's name and window size) stay in each user's own folder.

This module reads the file and answers which value holds and why; it writes nothing.
`UNION_COUNTER_MACHINE_CONFIG` names another file (tests, or IT trying a file out before
putting it in place); set to an empty value, there is no machine file.
"""

from __future__ import annotations

import configparser
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

from desktop_app.errors import EXIT_INPUT, EXIT_STORE, ClerkError
from desktop_app.paths import data_home

CONFIG_VARIABLE = "UNION_COUNTER_MACHINE_CONFIG"
HOME_VARIABLE = "UNION_COUNTER_HOME"
DB_VARIABLE = "UNION_COUNTER_DB"

# What a user may be allowed to change ([user] may_change), and the words 设置 uses for it.
STATION, DATA_FOLDER, DATABASE = "station", "data_folder", "database"
WHAT = {STATION: "服务站", DATA_FOLDER: "数据文件夹", DATABASE: "数据库地址"}

# The file's layout: section → its keys. Anything else is a mistake IT should hear about.
_LAYOUT = {
    "station": ("code", "name", "district"),
    "data": ("folder",),
    "database": ("url",),
    "user": ("may_change",),
    "security": ("idle_minutes",),
}
IDLE_DEFAULT, IDLE_RANGE = 15, (1, 240)  # minutes without a key or the mouse, then the lock


class MachineSettingsError(ClerkError):
    """The machine-wide file is there but cannot be used (Chinese message naming the file).
    Not a StoreError: reading the file must not load the database layer (the window's start)."""

    exit_code = EXIT_STORE


class SettingLockedError(ClerkError):
    """A user tried to change what IT fixed for this PC; nothing was changed."""

    exit_code = EXIT_INPUT


def config_path() -> Path | None:
    """Where this PC's machine-wide file is looked for; None when there is none to look for
    (`UNION_COUNTER_MACHINE_CONFIG` set empty)."""
    override = os.environ.get(CONFIG_VARIABLE)
    if override is not None:
        return Path(override).expanduser() if override.strip() else None
    if sys.platform == "win32":
        base = os.environ.get("PROGRAMDATA") or r"C:\ProgramData"
        return Path(base) / "union-counter" / "counter.ini"
    return Path("/etc/union-counter/counter.ini")


@dataclass(frozen=True)
class MachineSettings:
    """What the machine-wide file says; every field None/empty when there is no file."""

    path: Path | None
    found: bool = False
    station: dict[str, str] = field(default_factory=dict)  # code, name, district as written
    data_folder: Path | None = None
    database_url: str | None = None
    may_change: frozenset[str] = frozenset()
    idle_minutes: int = IDLE_DEFAULT

    def sets(self, what: str) -> bool:
        """Does the file set `what` (STATION, DATA_FOLDER or DATABASE)?"""
        if what == STATION:
            return bool(self.station.get("code"))
        if what == DATA_FOLDER:
            return self.data_folder is not None
        if what == DATABASE:
            return self.database_url is not None
        raise ValueError(what)

    def fixed(self, what: str) -> bool:
        """Is `what` set by IT and closed to the users' own settings?"""
        return self.sets(what) and what not in self.may_change

    def locked_message(self, what: str, attempt: str) -> str:
        """Why `attempt` (e.g. "不能在“设置”中修改") is refused, in Chinese."""
        return (
            f"本机的{WHAT[what]}由管理员在 {self.path} 中设定，{attempt}。"
            "如需更改，请联系管理员修改该文件。"
        )


_CACHE: dict[Path, tuple[tuple[int, int], MachineSettings]] = {}


def load() -> MachineSettings:
    """The machine-wide settings (read again when the file changes); MachineSettingsError
    when the file is there but unreadable, not an INI file, or holds what it may not."""
    path = config_path()
    if path is None:
        return MachineSettings(None)
    try:
        info = path.stat()
    except FileNotFoundError:
        return MachineSettings(path)
    except OSError as exc:
        raise _error(path, f"无法读取：{exc.strerror or exc}") from None
    stamp = (info.st_mtime_ns, info.st_size)
    cached = _CACHE.get(path)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    settings = _read(path)
    _CACHE[path] = (stamp, settings)
    return settings


def _error(path: Path, why: str) -> MachineSettingsError:
    return MachineSettingsError(
        f"本机设置文件 {path} 不能使用（{why}）。请管理员改正该文件，或暂时移走它。"
    )


def _read(path: Path) -> MachineSettings:
    from desktop_app.services.pgpass import written_in

    try:
        text = path.read_bytes().decode("utf-8-sig")
    except PermissionError:
        raise _error(path, "没有读取这个文件的权限：它应当对所有用户可读") from None
    except OSError as exc:
        raise _error(path, f"无法读取：{exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise _error(path, "不是 UTF-8 编码的文本文件") from None
    parser = configparser.ConfigParser(interpolation=None, inline_comment_prefixes=(";", "#"))
    try:
        parser.read_string(text, source=str(path))
    except configparser.Error as exc:
        raise _error(path, f"格式不对：{str(exc).splitlines()[0]}") from None
    for section in parser.sections():
        if section not in _LAYOUT:
            known = "、".join(f"[{name}]" for name in _LAYOUT)
            raise _error(path, f"不认识的一节 [{section}]；可以有的节：{known}")
        for key in parser.options(section):
            if key not in _LAYOUT[section]:
                raise _error(path, f"[{section}] 中不认识的设置 {key}")

    def value(section: str, key: str) -> str | None:
        found = parser.get(section, key, fallback="").strip()
        return found or None

    url = value("database", "url")
    if url is not None and written_in(url):
        raise _error(
            path,
            "数据库地址中写有密码。密码不能以明文写在设置文件中：请删去地址中的密码，"
            "再在每位用户的“设置”中输入一次数据库密码（或运行 union-counter settings "
            "--db-password），它会存入该用户自己的密码文件",
        )
    folder = value("data", "folder")
    if folder is not None and not Path(folder).expanduser().is_absolute():
        raise _error(path, f"数据文件夹“{folder}”应当写完整路径")
    allowed = frozenset(
        word.strip() for word in (value("user", "may_change") or "").split(",") if word.strip()
    )
    unknown = sorted(allowed - set(WHAT))
    if unknown:
        raise _error(
            path,
            f"[user] may_change 中不认识的 {'、'.join(unknown)}；可以写：{', '.join(WHAT)}",
        )
    idle = value("security", "idle_minutes")
    low, high = IDLE_RANGE
    if idle is not None and (not idle.isdigit() or not low <= int(idle) <= high):
        raise _error(
            path, f"[security] idle_minutes 应为 {low}–{high} 之间的整数（分钟），现在是“{idle}”"
        )
    station = {
        key: found for key in _LAYOUT["station"] if (found := value("station", key)) is not None
    }
    return MachineSettings(
        path,
        found=True,
        station=station,
        data_folder=Path(folder).expanduser() if folder else None,
        database_url=url,
        may_change=allowed,
        idle_minutes=int(idle) if idle is not None else IDLE_DEFAULT,
    )


# --- which value holds ---------------------------------------------------------------------------


def shares_folder(settings: MachineSettings | None = None) -> bool:
    """Is the data folder the one IT set for the PC (so shared by its clerks)?"""
    settings = settings or load()
    if not settings.sets(DATA_FOLDER):
        return False
    own = os.environ.get(HOME_VARIABLE)
    return not own or settings.fixed(DATA_FOLDER) or _same(Path(own), settings.data_folder)


def shared_files() -> bool:
    """Should this process create its files for the group too (`private_files.keep_private`)?
    False when the machine-wide file cannot be read: the error comes when the folder is used."""
    try:
        return shares_folder()
    except ClerkError:
        return False


def data_folder() -> Path:
    """The data folder of this run: the one IT set, unless a user may choose and chose one
    (`UNION_COUNTER_HOME`); else the user's own. SettingLockedError when the variable asks for
    another folder than the one IT fixed."""
    settings = load()
    own = os.environ.get(HOME_VARIABLE)
    machine = settings.data_folder
    if machine is None:
        return data_home()
    if own and not _same(Path(own), machine):
        if settings.fixed(DATA_FOLDER):
            raise SettingLockedError(
                settings.locked_message(
                    DATA_FOLDER, f"为 {machine}；环境变量 {HOME_VARIABLE} 不能改用 {own}"
                )
            )
        return Path(own).expanduser()
    return machine


def user_folder() -> Path:
    """Where this user's own window settings live (`counter.ini`: the clerk's name, window
    size, the database address chosen in 设置): the data folder, unless that is the PC's
    shared one — then the user's own data directory."""
    if shares_folder():
        from platformdirs import user_data_dir

        return Path(user_data_dir("union-counter", appauthor=False))
    return data_folder()


def database_url(asked: str | None = None, saved: str | None = None) -> str | None:
    """The database address of this run. `asked`: given for this run (`--db`, else
    `UNION_COUNTER_DB`); `saved`: the user's own choice in 设置. IT's address wins when fixed
    (asking for another is refused: SettingLockedError); else asked, saved, IT's default, or
    None (the data folder's SQLite file)."""
    settings = load()
    asked = asked if asked is not None else (os.environ.get(DB_VARIABLE) or None)
    if settings.fixed(DATABASE):
        if asked and asked.strip() != settings.database_url:
            raise SettingLockedError(
                settings.locked_message(DATABASE, "不能用 --db 或 UNION_COUNTER_DB 改用其他数据库")
            )
        return settings.database_url
    return asked or saved or settings.database_url


def refuse_if_fixed(what: str, attempt: str = "不能在“设置”中修改") -> None:
    """SettingLockedError when IT fixed `what` for this PC (the services' one check)."""
    settings = load()
    if settings.fixed(what):
        raise SettingLockedError(settings.locked_message(what, attempt))


def locked_reason(what: str) -> str:
    """Why 设置 cannot change `what` (its fields' tooltip), '' when it can: IT fixed it, or
    the machine-wide file cannot be read (then nothing it would fix may be changed either)."""
    try:
        settings = load()
    except MachineSettingsError as exc:
        return exc.message
    return settings.locked_message(what, "不能在“设置”中修改") if settings.fixed(what) else ""


def _same(a: Path, b: Path | None) -> bool:
    if b is None:
        return False
    try:
        return a.expanduser().resolve() == b.expanduser().resolve()
    except OSError:
        return a.expanduser().absolute() == b.expanduser().absolute()


def idle_minutes() -> int:
    """After how many minutes without a key or the mouse the window locks (IT may set it for
    the PC, [security] idle_minutes; 15 unless set)."""
    try:
        return load().idle_minutes
    except MachineSettingsError:
        return IDLE_DEFAULT


def shared_folder_note(folder: Path) -> str:
    """What 设置 adds after the data folder when it is the PC's shared one ('' otherwise)."""
    try:
        settings = load()
        if shares_folder(settings) and _same(folder, settings.data_folder):
            return "（管理员为本机所有用户设定的共用文件夹；各人的窗口设置另存在自己的用户文件夹）"
    except ClerkError:
        pass
    return ""


def describe() -> list[tuple[str, str]]:
    """What 设置 and `union-counter settings` show about the machine-wide file: (label, text)."""
    try:
        settings = load()
    except MachineSettingsError as exc:
        return [("本机设置文件", exc.message)]
    if settings.path is None:
        return [("本机设置文件", "不使用")]
    if not settings.found:
        return [("本机设置文件", f"{settings.path}（没有这个文件：各项由每位用户自己设置）")]
    rows = [("本机设置文件", f"{settings.path}（由管理员设定）")]
    for what, label in WHAT.items():
        if not settings.sets(what):
            continue
        how = "用户可以改为自己的设置" if what in settings.may_change else "固定，用户不能修改"
        rows.append((f"管理员设定的{label}", how))
    return rows
