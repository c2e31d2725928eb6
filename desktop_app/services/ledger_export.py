"""Use case: export the ledger (台账 → 导出) to an Excel workbook.

Rows are read from the store in pages by key (`ledger_query.ledger_page` with `after_id`), each
page turned into plain values and streamed to the workbook (`exchange.ledger_book`), so
memory stays flat however many applications match. ID and card numbers are masked unless
`full_ids`; the export is recorded in the audit trail (with whether full numbers were
written). The file is written atomically: a failure or a cancellation leaves no file.

A line holding a character the text policy refuses is written only as nothing: the export is
refused, naming each such record, unless the clerk agreed to leave them out (`skip_bad`,
services/text_screen.py); then the 汇总 sheet counts them and the audit event lists them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from desktop_app.domain import status as statuses
from desktop_app.domain.facts import InputError
from desktop_app.domain.ledger_filter import LedgerFilter
from desktop_app.domain.policy import PolicySet
from desktop_app.domain.validators import mask_card_number, mask_resident_id
from desktop_app.exchange.errors import Cancelled
from desktop_app.exchange.ledger_book import LEDGER_HEADER, LedgerLine, write_ledger
from desktop_app.services import presenter
from desktop_app.services.audit_trail import chain_head, record_event
from desktop_app.services.ledger_view import LINE_COLUMNS, ledger_count, scoped
from desktop_app.services.permissions import accounts_enabled, require
from desktop_app.services.policies import policy_set
from desktop_app.services.presenter import filter_text, key_group_text, level_of
from desktop_app.services.statistics import Summary
from desktop_app.services.text_screen import HiddenCharacter, Screen, SkipBad, problems_in
from desktop_app.storage import ledger_query
from desktop_app.storage.database import Store
from desktop_app.storage.models import Application

PAGE = 2000
Progress = Callable[[int, int], bool]


@dataclass(frozen=True)
class LedgerExport:
    path: Path
    rows: int
    total_amount: int
    full_ids: bool
    cancelled: bool = False
    skipped: tuple[str, ...] = ()  # receipts left out (hidden characters), with consent


class _Labels:
    """Scheme and certificate-kind labels, looked up once per value."""

    def __init__(self, policies: PolicySet) -> None:
        self.policies = policies
        self.schemes: dict[str, str] = {}
        self.kinds: dict[tuple[str, str], str] = {}
        self.key_group: dict[str, bool] = {}

    def scheme(self, scheme: str) -> str:
        label = self.schemes.get(scheme)
        if label is None:
            label = self.schemes[scheme] = presenter.scheme_name(scheme)
        return label

    def asks_key_group(self, scheme: str) -> bool:
        asked = self.key_group.get(scheme)
        if asked is None:
            policy = self.policies.get(scheme)
            asked = self.key_group[scheme] = policy is not None and any(
                c.rule == "key_group_confirmed" for c in policy.conditions
            )
        return asked

    def kind(self, scheme: str, kind: str) -> str:
        label = self.kinds.get((scheme, kind))
        if label is None:
            label = self.kinds[(scheme, kind)] = presenter.kind_label(kind, scheme)
        return label


_LINE_COLUMNS = (*LINE_COLUMNS, Application.key_group)


def _line(row: Any, labels: _Labels, full_ids: bool) -> LedgerLine:
    """A ledger line from a row of `_LINE_COLUMNS` (id first; the level's attributes by
    name, as `presenter.level_of` reads them)."""
    card = row.card_number or ""
    return LedgerLine(
        receipt=row.receipt,
        applied_on=row.applied_on,
        name=row.name,
        id_number=row.id_number if full_ids else mask_resident_id(row.id_number),
        card_number=card if full_ids or not card else mask_card_number(card),
        scheme=labels.scheme(row.scheme),
        kind=labels.kind(row.scheme, row.kind),
        occupation=row.occupation or "",
        level=level_of(row, labels.policies),
        eligible=row.eligible,
        amount=row.amount,
        status=statuses.label(row.status),
        station=row.station_code,
        clerk=row.clerk,
        key_group=key_group_text(labels.asks_key_group(row.scheme), row.key_group),
    )


# The text fields of a line, with the export's header of each.
_LINE_TEXTS = tuple(
    (key, header)
    for key, header in zip(LedgerLine.__dataclass_fields__, LEDGER_HEADER, strict=True)
    if key not in ("applied_on", "eligible", "amount")
)


def line_problems(line: LedgerLine) -> list[HiddenCharacter]:
    """The fields of a ledger line that hold a character the text policy refuses."""
    return problems_in(line.receipt, ((header, getattr(line, key)) for key, header in _LINE_TEXTS))


def ledger_lines(
    store: Store, filter_: LedgerFilter, *, full_ids: bool = False, page: int = PAGE
) -> Iterator[LedgerLine]:
    """Every application the filter selects, in ledger order (newest first), page by page.

    One read session for the whole walk (one consistent view); each page is read as plain
    rows of the columns the export shows (`ledger_query.ledger_page_rows`), no ORM objects."""
    labels = _Labels(policy_set())
    with store.session() as session:
        after: int | None = None
        while True:
            rows = ledger_query.ledger_page_rows(
                session, filter_, _LINE_COLUMNS, limit=page, after_id=after
            )
            if not rows:
                return
            after = rows[-1][0]
            for row in rows:
                yield _line(row, labels, full_ids)
            if len(rows) < page:
                return


def export_ledger(
    store: Store,
    path: Path,
    filter_: LedgerFilter | None = None,
    *,
    actor: str,
    full_ids: bool = False,
    reason: str | None = None,
    skip_bad: SkipBad = False,
    progress: Progress | None = None,
    now: datetime | None = None,
) -> LedgerExport:
    """Write the applications `filter_` selects to `path` (.xlsx) with a 汇总 sheet.

    `progress(done, total)` may return False to cancel: then no file is written and the
    result says `cancelled`. ExchangeError / OSError when the file cannot be written;
    BadRecordsError (nothing written) when a line holds a refused character and `skip_bad`
    does not cover its receipt."""
    require(store, "export.full_ids" if full_ids else "export.ledger", now=now)
    reason = (reason or "").strip() or None
    if full_ids and reason is None and accounts_enabled(store):
        raise InputError("reason", "导出完整身份证号须写明原因（记入审计记录）。")
    filter_ = scoped(store, filter_ or LedgerFilter())  # a station's account: its own only
    path = Path(path)
    total = ledger_count(store, filter_)
    screen = Screen(line_problems, skip_bad)
    try:
        summary = Summary()  # grouped as the 统计 overview groups (services/statistics.py)
        write_ledger(
            path,
            screen.rows(ledger_lines(store, filter_, full_ids=full_ids)),
            summary=summary,
            total=total,
            title=filter_text(filter_),
            anchor=chain_head(store).text,
            progress=progress,
            held_back=lambda: screen.held_back,
        )
    except Cancelled:
        return LedgerExport(path, 0, 0, full_ids, cancelled=True)
    record_event(
        store,
        actor=actor,
        action="export",
        entity="ledger",
        entity_ref=path.name[:64],
        details={
            "file": path.name,
            "rows": summary.count,
            "amount": summary.amount,
            "full_ids": full_ids,
            **({"reason": reason} if full_ids and reason else {}),
            "filter": filter_text(filter_),
            **screen.audit_details(),
        },
        now=now,
    )
    return LedgerExport(
        path, summary.count, summary.amount, full_ids, skipped=tuple(screen.held_back)
    )
