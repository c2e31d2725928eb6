"""What the ledger (台账) is asked to show: a date range, a scheme, a status and a free-text
query. A plain value: the window's filter bar and the command line make it
(`services.ledger_view.make_filter`), the presenter says it in words, storage turns it into
SQL (`storage/ledger_query.py`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class LedgerFilter:
    date_from: date | None = None
    date_to: date | None = None
    scheme: str | None = None
    status: str | None = None
    query: str | None = None  # a name, receipt number or resident ID number, or a fragment
    # The one station whose applications are shown: set by the services for an account of a
    # station-scoped role (services/permissions.station_scope), never by the clerk.
    station: str | None = None

    @property
    def text(self) -> str:
        """The query as searched: NUL is in no name or number (and PostgreSQL refuses it in
        any text), surrounding white space is not part of it."""
        return (self.query or "").replace("\x00", "").strip()
