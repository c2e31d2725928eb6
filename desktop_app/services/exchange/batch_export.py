"""Use case: write the station's applications of a period to an exchange workbook (see the
package's notes)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from desktop_app import __version__
from desktop_app.domain.ledger_filter import LedgerFilter
from desktop_app.domain.status import ACCEPTED
from desktop_app.exchange import batch as fmt
from desktop_app.exchange.errors import Cancelled
from desktop_app.services import audit_trail
from desktop_app.services.exchange.signing_key import station_signer
from desktop_app.services.permissions import require
from desktop_app.services.station_settings import StationNotSetError, station
from desktop_app.services.text_screen import Screen, SkipBad, row_problems
from desktop_app.storage import exchange_reads as reads
from desktop_app.storage import ledger_query
from desktop_app.storage.database import Store
from desktop_app.storage.models import (
    Application,
    Member,
    Step,
)
from desktop_app.storage.models import Decision as StoredDecision

PAGE = 2000
Progress = Callable[[int, int], bool]
SHEET = fmt.APPLICATIONS_SHEET


@dataclass(frozen=True)
class BatchExport:
    path: Path
    manifest: fmt.Manifest | None
    cancelled: bool = False
    skipped: tuple[str, ...] = ()  # receipts left out (hidden characters), with consent


def _history(steps: Sequence[Step]) -> list[dict[str, Any]]:
    return [
        {
            "from": s.from_status,
            "to": s.to_status,
            "reason": s.reason,
            "actor": s.actor,
            "at": s.at.isoformat(sep=" "),
        }
        for s in steps
    ]


def application_row(app: Application, decision: StoredDecision) -> tuple[Any, ...]:
    """One application as an exchange row (values in `batch.KEYS` order)."""
    member = app.member
    values: dict[str, Any] = {
        "receipt": app.receipt,
        "applied_on": app.applied_on,
        "station_code": app.station_code,
        "station_name": app.station_name,
        "clerk": app.clerk,
        "status": app.status,
        "name": member.name,
        "id_number": member.id_number,
        "card_number": app.card_number,
        "phone": member.phone,
        "work_unit": member.work_unit,
        "position": member.position,
        "scheme": app.scheme,
        "kind": app.kind,
        "occupation": app.occupation,
        "level": app.level,
        "grade": app.grade,
        "certificate_number": app.certificate_number,
        "issued_on": app.issued_on,
        "approved_on": app.approved_on,
        "issuer": app.issuer,
        "management_number": app.management_number,
        "competition": app.competition,
        "stage": app.stage,
        "rank": app.rank,
        "entrants": app.entrants,
        "final_held": app.final_held,
        "union_affiliated": app.union_affiliated,
        "full_time_union_social_worker": app.full_time_union_social_worker,
        "key_group": app.key_group,
        "eligible": app.eligible,
        "amount": app.amount,
        "policy_sha256": decision.policy_sha256,
        "findings": decision.findings,
        "history": _history(app.steps),
        "created_at": app.created_at,
        "updated_at": app.updated_at,
        "late_entry_reason": app.late_entry_reason,
    }
    return fmt.normal(tuple(values[key] for key in fmt.KEYS))


def load_decisions(session: Any, ids: set[int], cache: dict[int, StoredDecision]) -> None:
    """Add the stored decisions of `ids` not yet in `cache` to it."""
    for found in reads.decisions(session, ids - cache.keys()):
        cache[found.id] = found


_MEMBER_KEYS = ("name", "id_number", "card_number", "phone", "work_unit", "position")
_DECISION_KEYS = ("policy_sha256", "findings", "history")
# The exchange columns read straight from the tables, in `KEYS` order (then the decision id).
_ROW_COLUMNS = tuple(
    getattr(Member if key in _MEMBER_KEYS else Application, key)
    for key in fmt.KEYS
    if key not in _DECISION_KEYS
)
_ROW_SLOTS = tuple(
    (n, key in _DECISION_KEYS) for n, key in enumerate(fmt.KEYS)
)  # position in KEYS, and whether it comes from the decision / history


def _decision_documents(session: Any, ids: set[int], cache: dict[int, tuple[str, Any]]) -> None:
    """(policy SHA-256, findings) of each decision id not yet in `cache`: few, shared."""
    for found, sha, findings in reads.decision_documents(session, ids - cache.keys()):
        cache[found] = (sha, findings)


def _history_steps(session: Any, ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
    """Each application's stored status changes as the exchange writes them (see `_history`;
    `_with_acceptance` adds the acceptance the application row records)."""
    result: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
    for application_id, before, after, reason, actor, at in reads.status_changes(session, ids):
        result[application_id].append(
            {
                "from": before,
                "to": after,
                "reason": reason,
                "actor": actor,
                "at": at.isoformat(sep=" "),
            }
        )
    return result


def _with_acceptance(
    stored: list[dict[str, Any]], clerk: str, created_at: datetime
) -> list[dict[str, Any]]:
    """The whole history (as `Application.steps`): the stored changes, after the acceptance
    by the clerk when the application was saved unless a stored first step says otherwise."""
    if stored and stored[0]["from"] is None:
        return stored
    acceptance = {
        "from": None,
        "to": ACCEPTED,
        "reason": None,
        "actor": clerk,
        "at": created_at.isoformat(sep=" "),
    }
    return [acceptance, *stored]


def batch_rows(
    store: Store, filter_: LedgerFilter, station_code: str | None, *, page: int = PAGE
) -> Iterator[tuple[Any, ...]]:
    """The station's applications the filter selects (every station's when `station_code` is
    None), oldest first, as exchange rows.

    Read page by page as plain rows (only the columns the exchange writes), the decision
    documents once each; the same values `application_row` gives."""

    def at(key: str) -> int:  # the key's position in a record (after the id)
        before = fmt.KEYS[: fmt.INDEX[key]]
        return 1 + fmt.INDEX[key] - sum(1 for k in before if k in _DECISION_KEYS)

    station_at, clerk_at, created_at = at("station_code"), at("clerk"), at("created_at")
    with store.session() as session:
        documents: dict[int, tuple[str, Any]] = {}
        after: int | None = None
        while True:
            records = ledger_query.ledger_page_rows(
                session,
                filter_,
                (*_ROW_COLUMNS, Application.decision_id),
                limit=page,
                newest_first=False,
                after_id=after,
            )
            if not records:
                return
            mine = [r for r in records if station_code in (None, r[station_at])]
            _decision_documents(session, {r[-1] for r in mine}, documents)
            histories = _history_steps(session, [r[0] for r in mine])
            after = records[-1][0]
            for record in mine:
                sha, findings = documents[record[-1]]
                extra = {
                    "policy_sha256": sha,
                    "findings": findings,
                    "history": _with_acceptance(
                        histories[record[0]], record[clerk_at], record[created_at]
                    ),
                }
                values: list[Any] = []
                taken = 1
                for n, from_decision in _ROW_SLOTS:
                    if from_decision:
                        values.append(extra[fmt.KEYS[n]])
                    else:
                        values.append(record[taken])
                        taken += 1
                yield fmt.normal(values)
            if len(records) < page:
                return


def export_batch(
    store: Store,
    path: Path,
    *,
    actor: str,
    date_from: date | None = None,
    date_to: date | None = None,
    skip_bad: SkipBad = False,
    progress: Progress | None = None,
    now: datetime | None = None,
) -> BatchExport:
    """Write the station's applications applied for in [date_from, date_to] to `path`.

    A row holding a character the text policy refuses (the district's import would refuse the
    file for it) is never written: BadRecordsError names every such record and nothing is
    written, unless `skip_bad` covers them; then the rest is written (the manifest's count and
    checksum cover exactly the rows written, and it says how many were left out) and the
    audit event lists the receipts left out."""
    require(store, "exchange.export")
    here = station(store)
    if here is None:
        raise StationNotSetError(
            "尚未设置服务站代码，无法导出交换文件。请先在“设置”中填写服务站名称和代码。"
        )
    moment = (now or datetime.now()).replace(microsecond=0)
    signer = station_signer(store, actor=actor, now=moment)  # StationKeyError: lost or damaged
    filter_ = LedgerFilter(date_from=date_from, date_to=date_to)
    with store.session() as session:
        total = ledger_query.ledger_count(session, filter_)
    path = Path(path)
    screen = Screen(row_problems, skip_bad)
    try:
        manifest = fmt.write_batch(
            path,
            screen.rows(batch_rows(store, filter_, here.code)),
            manifest=fmt.Manifest(
                station_code=here.code,
                station_name=here.name,
                district=here.district,
                date_from=date_from,
                date_to=date_to,
                count=0,
                checksum="",
                program_version=__version__,
                exported_at=moment,
                exported_by=actor,
                audit_head=audit_trail.chain_head(store).text,
            ),
            total=total,
            progress=progress,
            held_back=lambda: len(screen.held_back),
            signer=signer,
        )
    except Cancelled:
        return BatchExport(path, None, cancelled=True)
    with store.session(write=True) as session:
        audit_trail.record_in(
            session,
            at=moment,
            actor=actor,
            station_code=here.code,
            action="export",
            entity="exchange",
            entity_ref=f"{here.code}:{manifest.checksum[:16]}",
            details={
                "file": path.name,
                "count": manifest.count,
                "from": date_from.isoformat() if date_from else None,
                "to": date_to.isoformat() if date_to else None,
                "checksum": manifest.checksum,
                "signed_by": manifest.key_fingerprint,
                "full_ids": True,
                **screen.audit_details(),
            },
        )
    return BatchExport(path, manifest, skipped=tuple(screen.held_back))
