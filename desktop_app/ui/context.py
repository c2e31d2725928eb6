"""What every page of the window shares: the data folder, the database, the clerk, the catalogue.

The window shows first; `open_store()` then opens (creates, upgrades, backs up) the database off
the GUI thread and `store_opened` tells the pages. Pages call the services with `ctx.store`
(or `ctx.require_store()`, which raises a Chinese StoreError until the database is open) and
never touch SQLAlchemy themselves. A save or a status change is announced with
`applications_changed` so the ledger refreshes.
"""

from __future__ import annotations

import logging
import os
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QSettings, Signal

from desktop_app.domain import validators
from desktop_app.errors import ClerkError

if TYPE_CHECKING:
    from desktop_app.services.catalogue import CatalogueSearch
    from desktop_app.services.station_settings import Station
    from desktop_app.services.store import Store

log = logging.getLogger(__name__)

SETTINGS_FILE = "counter.ini"


class StoreNotReadyError(ClerkError):
    """Raised by require_store() before the database is open (message in Chinese)."""

    def __init__(self, message: str = "数据库还在打开中，请稍候再试。") -> None:
        super().__init__(message)


class ClerkNotSetError(StoreNotReadyError):
    """Raised by `AppContext.clerk` (the actor of every save) while no clerk's name is entered."""

    def __init__(self) -> None:
        super().__init__(
            "还没有填写经办人姓名，不能保存。请点窗口上方的“首次设置”，"
            "或按 Ctrl+4 在“设置”中填写经办人姓名。"
        )


def default_clerk() -> str:
    """The clerk named by UNION_COUNTER_CLERK ('' when unset or not a usable name: too long
    a name is not cut to another). The window never uses the operating system's login name:
    a name is entered in the first-run setup or in 设置."""
    return validators.check_clerk_name(os.environ.get("UNION_COUNTER_CLERK", "")).value or ""


def check_clerk_name(name: str) -> str:
    """The name as it is saved; ValueError (Chinese) when it cannot be the clerk's name."""
    checked = validators.check_clerk_name(name)
    if checked.value is None:
        raise ValueError("".join(checked.errors))
    return checked.value


class AppContext(QObject):
    store_opened = Signal(object)  # the Store
    store_failed = Signal(str)  # Chinese message
    applications_changed = Signal(str)  # receipt number saved or changed
    station_changed = Signal()
    clerk_changed = Signal(str)
    account_changed = Signal()  # someone signed in, or the window locked
    catalogue_ready = Signal()
    printing_ready = Signal()

    def __init__(
        self,
        home: Path,
        db_url: str | None = None,
        clerk: str | None = None,
        parent: QObject | None = None,
        *,
        own_folder: Path | None = None,
    ) -> None:
        """`home`: the data folder; `own_folder`: where this user's window settings are kept
        (the data folder itself unless it is the PC's shared one)."""
        super().__init__(parent)
        from desktop_app.services import machine_settings

        self.home = home
        self.settings = QSettings(
            str((own_folder or home) / SETTINGS_FILE), QSettings.Format.IniFormat
        )
        saved_url = self._saved_url()
        # What IT fixed for this PC wins; a --db or UNION_COUNTER_DB against it is refused
        # (machine_settings.SettingLockedError, shown by the start-up).
        self.db_url: str | None = machine_settings.database_url(db_url or None, saved_url or None)
        if clerk:
            self.settings.setValue("clerk", clerk)
        # Changes made since this moment by this clerk may be undone (services.status).
        self.session_started = datetime.now().replace(microsecond=0)
        self.store: Store | None = None
        self.store_error: str | None = None
        self.opening = False
        self._station: Station | None = None
        # Why the counter's station file cannot be read (Chinese), or None: the window then
        # treats the station as not set and 设置 says why.
        self.station_error: str | None = None
        self._search: CatalogueSearch | None = None

    def _saved_url(self) -> str:
        """The database address this user chose in 设置. One an older version saved with its
        password in it is saved again without: the password goes to the password file."""
        from desktop_app.services.pgpass import move_password_out

        saved = str(self.settings.value("database/url", "") or "")
        try:
            bare, moved = move_password_out(saved)
        except (OSError, ClerkError) as exc:
            log.warning("could not move the saved database password out: %s", exc)
            return saved
        if moved is not None:
            self.settings.setValue("database/url", bare)
            self.settings.sync()
            log.info("the saved database password was moved to the password file")
        return bare

    # --- clerk -------------------------------------------------------------------------------

    @property
    def clerk_name(self) -> str:
        """The clerk's name as entered here (or UNION_COUNTER_CLERK); '' when never entered.
        Once the database has accounts: the signed-in account's name."""
        account = self.store.account if self.store is not None else None
        if account is not None:
            return account.name
        return str(self.settings.value("clerk", "") or "") or default_clerk()

    @property
    def clerk(self) -> str:
        """Who acts in a save, a print record, a backup; ClerkNotSetError without a name.
        (The services record the signed-in account instead, when there is one.)"""
        account = self.store.account if self.store is not None else None
        if account is not None:
            return account.label
        name = self.clerk_name
        if not name:
            raise ClerkNotSetError()
        return name

    def set_clerk(self, name: str) -> None:
        name = check_clerk_name(name)
        self.settings.setValue("clerk", name)
        self.settings.sync()
        self.clerk_changed.emit(name)

    # --- database ----------------------------------------------------------------------------

    def open_store(self) -> None:
        """Open the database off the GUI thread; store_opened or store_failed follows."""
        from desktop_app.ui.tasks import run_task

        if self.opening:
            return
        self.opening = True

        def work(_progress: object) -> Store:
            from desktop_app.services.store import open_store

            return open_store(self.db_url, self.home)

        run_task(None, work, on_done=self._opened, on_error=self._failed)

    def open_store_now(self) -> Store:
        """Open the database on this thread (tests, and the command line's way)."""
        from desktop_app.services.store import open_store

        self._opened(open_store(self.db_url, self.home))
        assert self.store is not None
        return self.store

    def _opened(self, store: Store) -> None:
        self.opening = False
        self.store = store
        self.store_error = None
        self._station = None
        for warning in store.warnings:
            log.warning(warning)
        self.store_opened.emit(store)

    def _failed(self, exc: BaseException) -> None:
        from desktop_app.ui.errors import message_for

        self.opening = False
        self.store_error = message_for(exc)
        self.store_failed.emit(self.store_error)

    def require_store(self) -> Store:
        if self.store is None:
            if self.store_error:
                raise StoreNotReadyError(f"数据库无法使用：{self.store_error}")
            raise StoreNotReadyError()
        return self.store

    def replace_store(self, store: Store | None) -> None:
        """After a restore or a change of database: the pages reload from the new one."""
        if self.store is not None and self.store is not store:
            self.store.dispose()
        self.store = None
        if store is not None:
            self._opened(store)

    def close(self) -> None:
        if self.store is not None:
            self.store.dispose()
            self.store = None

    # --- station -------------------------------------------------------------------------------

    def station(self) -> Station | None:
        """This counter's station (its data folder's file), None until set or while the file
        cannot be read (`station_error` then says why)."""
        if self._station is None and self.store is not None:
            from desktop_app.services.station_file import StationFileError
            from desktop_app.services.station_settings import station

            try:
                self._station = station(self.store)
                self.station_error = None
            except StationFileError as exc:
                self.station_error = exc.message
        return self._station

    def station_saved(self) -> None:
        self._station = None
        self.station_error = None
        self.station_changed.emit()

    # --- catalogue -----------------------------------------------------------------------------

    def catalogue(self) -> CatalogueSearch:
        """The search over every scheme's catalogue (built once, on first use)."""
        if self._search is None:
            from desktop_app.services.catalogue import default_search

            self._search = default_search()
        return self._search

    def prepare_catalogue(self) -> None:
        """Build the catalogue search off the GUI thread; catalogue_ready follows."""
        from desktop_app.ui.tasks import run_task

        def work(_progress: object) -> CatalogueSearch:
            from desktop_app.services.catalogue import default_search

            return default_search()

        def done(search: CatalogueSearch) -> None:
            self._search = search
            self.catalogue_ready.emit()

        run_task(None, work, on_done=done)

    # --- printing ------------------------------------------------------------------------------

    def prepare_printing(self) -> None:
        """Load what the first print needs (reportlab, the forms and their font, PDFium) off
        the GUI thread, so the first print preview opens as quickly as the later ones;
        printing_ready follows. Should it fail, the first print says why."""
        from desktop_app.ui.printing import pages  # Qt's print support: on the GUI thread
        from desktop_app.ui.tasks import run_task

        def work(_progress: object) -> None:
            from desktop_app.services.printing import warm_up

            pages.warm_up(warm_up())

        def done(_result: object) -> None:
            from desktop_app.ui.printing import preview  # noqa: F401 (its imports are loaded)

            self.printing_ready.emit()

        def failed(exc: BaseException) -> None:
            log.warning("printing not prepared ahead: %s", exc)

        run_task(None, work, on_done=done, on_error=failed)
