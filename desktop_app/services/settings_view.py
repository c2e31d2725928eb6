"""Qt-free helpers for the window's 设置 and 目录 sections.

- `check_database_url`: is a database address the clerk typed usable (parses, a backend we
  support, a folder that exists)? Raises InputError with a Chinese message; nothing is opened.
- `describe_database`: where a database address points, for display (password hidden).
- `list_backups`: the backup files in the data folder's backups/ folder, newest first.
- `scheme_summary`: a scheme's conditions, certificate kinds and rates, each with its source.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from desktop_app.domain.facts import InputError
from desktop_app.domain.policy import (
    GRADE_LABELS,
    STAGE_LABELS,
    Condition,
    Policy,
    Rate,
)
from desktop_app.domain.text import cn_date

URL_FIELD = "database/url"
SUPPORTED_BACKENDS = ("sqlite", "postgresql")

# --- database address ---------------------------------------------------------------------------


def check_url_syntax(text: str | None, field: str) -> None:
    """An address SQLAlchemy cannot read is bad input (InputError on `field`), not a fault of
    the database; a plain path (an SQLite file) and no address at all are left alone."""
    if not text or "://" not in text:
        return
    from desktop_app.storage.database import url_parts

    try:
        url_parts(text)
    except ValueError as exc:
        raise InputError(field, f"无法识别的数据库地址“{text}”（{exc}）") from None


def check_database_url(text: str) -> str:
    """The address as it should be saved ('' = the SQLite file in the data folder).

    An SQLAlchemy URL (`postgresql://user:password@server/union_counter`, `sqlite:///path`)
    or the full path of an SQLite file. InputError (Chinese) when it cannot be used.
    """
    text = text.strip()
    if not text:
        return ""
    if "://" in text:
        from desktop_app.storage.database import url_parts

        try:
            url = url_parts(text)
        except ValueError as exc:
            raise InputError(
                URL_FIELD,
                f"无法识别的数据库地址（{exc}）。PostgreSQL 服务器的写法："
                "postgresql://用户名@服务器/union_counter（密码在下面单独保存）；"
                "SQLite 直接写文件的完整路径。",
            ) from None
        backend = url.backend
        if backend not in SUPPORTED_BACKENDS:
            raise InputError(
                URL_FIELD, f"不支持“{backend}”数据库，只能用 SQLite 文件或 PostgreSQL 服务器。"
            )
        if backend == "postgresql" and not (url.host and url.database):
            raise InputError(URL_FIELD, "PostgreSQL 地址要写明服务器和数据库名。")
        if backend == "sqlite":
            if not url.database or url.database == ":memory:":
                raise InputError(URL_FIELD, "SQLite 地址要写明数据库文件的路径。")
            _check_sqlite_path(Path(url.database))
        return text
    _check_sqlite_path(Path(text))
    return text


def _check_sqlite_path(path: Path) -> None:
    path = path.expanduser()
    if not path.is_absolute():
        raise InputError(
            URL_FIELD,
            "请写数据库文件的完整路径，如 D:\\union-counter\\union-counter.sqlite3。",
        )
    if path.is_dir():
        raise InputError(URL_FIELD, f"“{path}”是一个文件夹，请写数据库文件的路径。")
    if not path.parent.is_dir():
        raise InputError(URL_FIELD, f"文件夹不存在：{path.parent}。请先建立它，或换一个位置。")


def describe_database(text: str | None, home: Path) -> str:
    """Where an address points, for display: the SQLite file, or the URL without its password."""
    from desktop_app.storage.database import describe_url, resolve_url

    try:
        return describe_url(resolve_url(text or None, home))
    except Exception:  # an address that does not parse: show it without anything after ':'
        return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", text or "")


@dataclass(frozen=True)
class DatabaseChoice:
    """What the program uses now, and what it will use at the next start."""

    current: str  # where the open database is ('' when none is open)
    next_start: str  # where the next start will open
    note: str  # what decides that (Chinese)


def database_choice(
    current: str | None, saved: str, home: Path, env: Mapping[str, str] | None = None
) -> DatabaseChoice:
    """Which database the program uses and why (IT's machine-wide address, --db,
    UNION_COUNTER_DB, the saved address or the data folder's file), as 设置 shows it."""
    from desktop_app.services import machine_settings

    env = os.environ if env is None else env
    from_env = env.get("UNION_COUNTER_DB", "")
    try:
        machine = machine_settings.load()
    except machine_settings.MachineSettingsError:
        machine = machine_settings.MachineSettings(None)
    if machine.fixed(machine_settings.DATABASE):
        note = f"数据库地址由管理员在 {machine.path} 中设定，本机所有用户相同，不能在这里修改。"
        chosen = machine.database_url or ""
    elif from_env:
        note = (
            "环境变量 UNION_COUNTER_DB 已设置，它优先于这里保存的地址；"
            "要改用这里的地址，请先删除该环境变量。"
        )
        chosen = from_env
    elif saved:
        note = "使用这里保存的地址（下次启动程序时生效）。"
        chosen = saved
    elif machine.database_url:
        note = f"使用管理员在 {machine.path} 中设定的默认地址；可以在这里改用其他数据库。"
        chosen = machine.database_url
    else:
        note = "使用数据文件夹中的数据库文件 union-counter.sqlite3。"
        chosen = ""
    return DatabaseChoice(current or "", describe_database(chosen, home), note)


@dataclass(frozen=True)
class SavedAddress:
    """A database address as 设置 saves it, and where its password went (None: it had none)."""

    url: str
    password_file: Path | None


def address_to_save(text: str) -> SavedAddress:
    """设置's 保存数据库地址: the address checked (`check_database_url`), its password moved
    into this user's libpq password file, the address itself without it — a password never
    sits in the settings file. Refused (SettingLockedError) when IT fixed the database."""
    from desktop_app.services import machine_settings, pgpass

    machine_settings.refuse_if_fixed(machine_settings.DATABASE)
    url = check_database_url(text)
    if not url:
        return SavedAddress("", None)
    bare, moved = pgpass.move_password_out(url)
    return SavedAddress(bare, moved)


def save_database_password(address: str, password: str) -> Path:
    """Keep the password of the PostgreSQL database `address` (the one the next start uses)
    in this user's password file; the file. InputError (Chinese) when `address` is not a
    PostgreSQL address with a user name, or the password cannot be kept."""
    from desktop_app.services import pgpass

    if not address or "://" not in address:
        raise InputError(
            pgpass.PASSWORD_FIELD,
            "现在用的是数据文件夹中的 SQLite 数据库文件，不需要密码。"
            "密码只用于 PostgreSQL 服务器：请先保存服务器的地址。",
        )
    try:
        return pgpass.save_password(address, password)
    except OSError as exc:
        raise InputError(
            pgpass.PASSWORD_FIELD,
            f"无法写入密码文件 {pgpass.password_file()}（{exc.strerror or exc}）。密码没有保存。",
        ) from None


def next_address(saved: str) -> str:
    """The address the next start opens ('' = the data folder's SQLite file)."""
    from desktop_app.services import machine_settings

    try:
        return machine_settings.database_url(None, saved or None) or ""
    except machine_settings.SettingLockedError:  # a variable against IT's address: IT's holds
        return machine_settings.load().database_url or ""


# --- backups -------------------------------------------------------------------------------------

_STAMP = re.compile(r"(\d{8})-(\d{6})")
_KIND_LABELS = (
    ("before-restore", "恢复前保留的数据库"),
    ("before-upgrade", "升级前备份"),
    ("manual", "手动备份"),
    ("auto", "每日自动备份"),
)
BACKUP_SUFFIXES = (".sqlite3", ".dump", ".db", ".bak")


@dataclass(frozen=True)
class BackupFile:
    path: Path
    kind: str  # Chinese label
    made_at: datetime
    size: int  # bytes

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def size_text(self) -> str:
        return format_size(self.size)

    @property
    def made_at_text(self) -> str:
        return f"{self.made_at:%Y-%m-%d %H:%M:%S}"

    @property
    def restorable(self) -> bool:
        """A pg_dump archive is restored on the server, never from a counter."""
        return self.path.suffix != ".dump"


def format_size(size: int) -> str:
    """A file size in 字节 / KB / MB / GB."""
    if size < 1024:
        return f"{size} 字节"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    if size < 1024**3:
        return f"{size / 1024 / 1024:.1f} MB"
    return f"{size / 1024**3:.2f} GB"


def _backup_kind(name: str) -> str:
    label = next((text for prefix, text in _KIND_LABELS if name.startswith(prefix + "-")), "其他")
    if "-damaged" in name:
        label += "（已损坏，按原样保留）"
    return label


def _made_at(path: Path, mtime: float) -> datetime:
    match = _STAMP.search(path.name)
    if match:
        try:
            return datetime.strptime(match.group(1) + match.group(2), "%Y%m%d%H%M%S")
        except ValueError:
            pass
    return datetime.fromtimestamp(mtime).replace(microsecond=0)


def list_backups(folder: Path) -> list[BackupFile]:
    """Backup files in `folder`, newest first (by the time in the name, else the file's)."""
    found: list[BackupFile] = []
    try:
        paths = list(folder.iterdir()) if folder.is_dir() else []
    except OSError:
        return []
    for path in paths:
        if path.suffix.lower() not in BACKUP_SUFFIXES:
            continue
        try:
            stat = path.stat()
        except OSError:
            continue
        if not path.is_file():
            continue
        found.append(
            BackupFile(path, _backup_kind(path.name), _made_at(path, stat.st_mtime), stat.st_size)
        )
    found.sort(key=lambda b: (b.made_at, b.name), reverse=True)
    return found


# --- a scheme's conditions and rates ---------------------------------------------------------


@dataclass(frozen=True)
class SummaryLine:
    label: str
    text: str
    source: str


@dataclass(frozen=True)
class SchemeSummary:
    id: str
    name: str
    short_name: str
    document_title: str
    sha256: str
    conditions: tuple[SummaryLine, ...]
    kinds: tuple[SummaryLine, ...]  # label: kind, text: catalogue title and size
    rates: tuple[SummaryLine, ...]  # label: kind, text: "A档 四级（中级工） 1800元"


_CONDITION_LABELS = {
    "member_card": "持有京卡·互助服务卡的工会会员",
    "union_affiliated": "所在单位工会关系隶属于市总工会",
    "full_time_union_social_worker": "北京市专职工会社会工作者",
    "key_group_confirmed": "属于重点群体（由柜台人员确认）",
}


def condition_text(condition: Condition, kind_labels: Mapping[str, str]) -> str:
    """One condition of a scheme in words, as 设置's scheme summary lists it."""
    if condition.rule == "issued_within":
        start = cn_date(condition.date_from) if condition.date_from else "不限"
        end = cn_date(condition.date_to) if condition.date_to else "不限"
        text = f"证书首次发证日期在{start}至{end}（含）之内"
    elif condition.rule == "registered_by":
        text = (
            f"须于{cn_date(condition.date_to)}（含）前登记申报" if condition.date_to else "登记申报"
        )
    else:
        text = _CONDITION_LABELS.get(condition.rule, condition.rule)
    if condition.applies_to:
        text += "（仅" + "、".join(kind_labels.get(k, k) for k in condition.applies_to) + "）"
    return text


def rate_text(rate: Rate, policy: Policy) -> str:
    """A rate's case (tier, level in the scheme's words, grade, stage and ranks)."""
    parts: list[str] = []
    if rate.tier:
        parts.append(f"{rate.tier}档")
    if rate.level is not None:
        parts.append(policy.level_label(rate.level))
    if rate.grade:
        parts.append(GRADE_LABELS.get(rate.grade, rate.grade))
    if rate.stage:
        if rate.rank_from == rate.rank_to:
            ranks = f"第{rate.rank_from}名"
        else:
            ranks = f"第{rate.rank_from}—{rate.rank_to}名"
        parts.append(f"{STAGE_LABELS.get(rate.stage, rate.stage)}{ranks}")
    return " ".join(parts) or "每人"


def scheme_summary(policy: Policy) -> SchemeSummary:
    """What a scheme pays and on which conditions, with the document's words as sources."""
    kind_labels = {kind: rule.label for kind, rule in policy.kinds.items()}
    conditions = tuple(
        SummaryLine("条件", condition_text(c, kind_labels), c.source.cite())
        for c in policy.conditions
    )
    kinds = tuple(
        SummaryLine(
            rule.label,
            f"{rule.catalogue.title}（{len(rule.catalogue.entries)} 项）",
            rule.source.cite(),
        )
        for rule in policy.kinds.values()
    )
    rates = tuple(
        SummaryLine(
            kind_labels.get(rate.kind, rate.kind),
            f"{rate_text(rate, policy)} {rate.amount}元",
            rate.source.cite(),
        )
        for rate in policy.rates
    )
    return SchemeSummary(
        policy.id,
        policy.name,
        policy.short_name,
        policy.document.title,
        policy.sha256,
        conditions,
        kinds,
        rates,
    )


__all__ = [
    "BackupFile",
    "DatabaseChoice",
    "SchemeSummary",
    "SummaryLine",
    "check_database_url",
    "database_choice",
    "describe_database",
    "format_size",
    "list_backups",
    "scheme_summary",
]
