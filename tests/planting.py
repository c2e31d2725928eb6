"""Texts the text policy refuses, stored as a program before the policy stored them.

`audit text`, `audit correct` and the exports deal with records that hold such characters.
Written with the sqlite3 tool they are also a change outside the program, which `audit verify`
names once rows are under the chain; written here they are the program's own: through the ORM
objects, with an audit event in the same transaction, as `apply` saved them before the text
policy (it accepted NUL, bidi and zero-width characters then).
"""

from __future__ import annotations

from typing import Any

from desktop_app.services import audit_trail
from desktop_app.services.station_settings import event_station_code
from desktop_app.storage import repository

MEMBER_FIELDS = ("name", "work_unit", "position")


def store_as_older_program(store: Any, receipt: str, field: str, value: str) -> None:
    """Set `field` (a member's or an application's attribute) of `receipt` to `value`."""
    here = event_station_code(store)
    with store.session(write=True) as session:
        application = repository.application_by_receipt(session, receipt)
        assert application is not None, receipt
        on_member = field in MEMBER_FIELDS
        owner = application.member if on_member else application
        setattr(owner, field, value)
        session.flush()
        audit_trail.record_in(
            session,
            actor="旧版程序",
            station_code=here,
            action="change",
            entity="member" if on_member else "application",
            entity_ref=f"member:{application.member.id}" if on_member else receipt,
            details={"field": field},
        )
