"""Use cases on an application's status: change it, and undo a change made by mistake.

The rules (which change may follow which, what needs a reason, what cannot be undone) are the
domain's (`domain/status.py`); here they are enforced, each change in one transaction with its
numbered history step and its audit event. The window and the command line both call these.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from desktop_app.domain import status as statuses
from desktop_app.domain.facts import InputError
from desktop_app.services import audit_trail
from desktop_app.services.permissions import acting, require, require_station, station_scope
from desktop_app.services.station_settings import event_station_code
from desktop_app.storage import repository
from desktop_app.storage.database import Store
from desktop_app.storage.errors import ConflictError, NotFoundError, StatusChangeError
from desktop_app.storage.models import Application, StatusChange, load_terms

if TYPE_CHECKING:
    from sqlalchemy.orm import Session
parse_status = statuses.parse


# The permission each target status needs (resources/access/roles.toml).
STATUS_PERMISSIONS = {
    statuses.PRINTED: "application.print",
    statuses.SUBMITTED: "status.submit",
    statuses.RETURNED: "status.return",
    statuses.PAID: "status.pay",
}


def _locked(session: Session, receipt: str) -> Application:
    application = repository.application_by_receipt(session, receipt, for_update=True)
    if application is None:
        raise NotFoundError(f"找不到受理编号为 {receipt} 的申请。")
    return application


def record_change(
    session: Session,
    application: Application,
    target: str,
    *,
    actor: str,
    reason: str | None,
    at: datetime,
    station_code: str,
    undo_of: int | None = None,
) -> None:
    """Move `application` to `target`: the row, a numbered history step and an audit event."""
    current = application.status
    application.status = target
    application.updated_at = at
    session.add(
        StatusChange(
            application_id=application.id,
            step=len(application.history) + 1,
            from_status=current,
            to_status=target,
            reason=reason,
            actor=actor,
            at=at,
        )
    )
    details: dict[str, object] = {"before": current, "after": target, "reason": reason}
    if undo_of is not None:
        details["undo_of"] = undo_of
    audit_trail.record_in(
        session,
        at=at,
        actor=actor,
        station_code=station_code,
        action="undo" if undo_of is not None else "status",
        entity="application",
        entity_ref=application.receipt,
        details=details,
    )


def _own_station_only(store: Store, receipt: str, now: datetime | None) -> None:
    """A station's account changes its own station's applications only (checked, and a
    refusal recorded, before the change's transaction opens)."""
    if station_scope(store) is None:
        return
    with store.session() as session:
        found = repository.application_by_receipt(session, receipt)
        code = found.station_code if found is not None else None
    if code is not None:
        require_station(store, code, now=now)


def change_status(
    store: Store,
    receipt: str,
    new_status: str,
    *,
    actor: str,
    reason: str | None = None,
    now: datetime | None = None,
) -> Application:
    """Change an application's status (code or label) as the domain allows; 退回 needs a
    reason. Returns the application as stored after the change."""
    receipt = receipt.strip().upper()
    target = parse_status(new_status)
    require(store, STATUS_PERMISSIONS.get(target, "status.submit"), now=now)
    actor = acting(store, actor)
    reason = (reason or "").strip() or None
    if target in statuses.NEEDS_REASON and not reason:
        raise InputError("reason", f"{statuses.label(target)}必须写明原因")
    moment = (now or datetime.now()).replace(microsecond=0)
    here = event_station_code(store)
    _own_station_only(store, receipt, now)
    with store.session(write=True) as session:
        application = _locked(session, receipt)
        refusal = statuses.change_refusal(receipt, application.status, target)
        if refusal:
            raise StatusChangeError(refusal)
        record_change(
            session, application, target, actor=actor, reason=reason, at=moment, station_code=here
        )
        session.flush()
        session.refresh(application, ["history"])
        load_terms(session, [application])  # the caller reads it after the session
    return application


@dataclass(frozen=True)
class Undoable:
    """The last status change of an application, which its maker may still undo."""

    receipt: str
    step: int
    from_status: str
    to_status: str
    at: datetime

    @property
    def text(self) -> str:
        return f"{statuses.label(self.from_status)} → {statuses.label(self.to_status)}"


def _last_change_refusal(
    application: Application, *, actor: str, since: datetime | None, step: int | None
) -> str | Undoable:
    """The application's last change if `actor` may undo it, else why not (Chinese)."""
    history = application.history
    last = history[-1] if history else None
    if last is None or last.from_status is None:
        return "这份申请还没有更改过状态，没有可撤销的更改。"
    if step is not None and last.step != step:
        return "这份申请的状态之后又有更改，不能再撤销那次更改。"
    if last.actor != actor:
        return f"最近一次更改是“{last.actor}”做的，只有做出更改的经办人才能撤销。"
    if since is not None and last.at < since:
        return "只能撤销本次打开程序以来自己做的更改；更早的更改请按正常流程改状态。"
    refusal = statuses.undo_refusal(last.to_status)
    if refusal:
        return refusal
    return Undoable(application.receipt, last.step, last.from_status, last.to_status, last.at)


def undoable_change(
    store: Store, receipt: str, *, actor: str, since: datetime | None = None
) -> Undoable | None:
    """The change of `receipt` that `actor` may undo now (made by them, since `since`, the
    last one, not to 已发放), or None."""
    with store.session() as session:
        application = repository.application_by_receipt(session, receipt.strip().upper())
        if application is None:
            return None
        found = _last_change_refusal(application, actor=actor, since=since, step=None)
    return found if isinstance(found, Undoable) else None


def undo_status_change(
    store: Store,
    receipt: str,
    *,
    actor: str,
    step: int,
    since: datetime | None = None,
    now: datetime | None = None,
) -> Application:
    """Undo change number `step` of `receipt`: a new history step back to the status before
    it, audited as a reversal. Only the last change, only by the one who made it (and, with
    `since`, only one made since then), never a change to 已发放."""
    require(store, "status.undo", now=now)
    actor = acting(store, actor)
    receipt = receipt.strip().upper()
    moment = (now or datetime.now()).replace(microsecond=0)
    here = event_station_code(store)
    _own_station_only(store, receipt, now)
    try:
        with store.session(write=True) as session:
            application = _locked(session, receipt)
            found = _last_change_refusal(application, actor=actor, since=since, step=step)
            if not isinstance(found, Undoable):
                raise StatusChangeError(found)
            record_change(
                session,
                application,
                found.from_status,
                actor=actor,
                reason=f"撤销第{step}步的误操作（{found.text}）",
                at=moment,
                station_code=here,
                undo_of=step,
            )
            session.flush()
            session.refresh(application, ["history"])
            load_terms(session, [application])
    except ConflictError:
        # Undoing a 退回 makes the claim live again; the claim was applied for anew meanwhile.
        raise StatusChangeError(
            f"申请 {receipt} 退回后，同一补助已经重新受理，不能撤销这次退回。"
        ) from None
    return application
