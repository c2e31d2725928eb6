"""Never paid twice, under a real race: several processes save at the same moment.

Each racer is a process of its own (tests/storage/worker.py) with its own connection; all
open the store first, report READY, then spin on a "go" file and save together. On SQLite
they share one file in one data folder; on PostgreSQL one server schema (migrated and
given its station by the `store` fixture before the racers start).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, select

from desktop_app.domain.status import WITHDRAWN as WITHDRAWN_STATUS
from desktop_app.services import applications, audit_trail
from desktop_app.storage.models import (
    Application,
    AuditEvent,
    Member,
    StatusChange,
)
from tests.storage import worker
from tests.storage.conftest import CLERK, NOW

RACERS = 4


@dataclass(frozen=True)
class Result:
    code: int
    verdict: str  # OK, DUP or ERR
    receipt: str
    message: str


def race(home: Path, db_url: str | None, claims: list[tuple[int, int]]) -> list[Result]:
    """Start one racer per (person, level), wait until all are ready, then let them go."""
    go = home / f"go-{uuid.uuid4().hex}"
    racers = [
        worker.start(
            ["once", str(person), "--level", str(level), "--go", str(go)], home=home, db=db_url
        )
        for person, level in claims
    ]
    try:
        for racer in racers:
            assert racer.stdout is not None
            ready = racer.stdout.readline().strip()
            if ready != "READY":
                _out, err = racer.communicate(timeout=30)
                pytest.fail(f"racer did not start: {ready!r}\n{err}")
        go.touch()
        results = []
        for racer in racers:
            out, err = racer.communicate(timeout=60)
            verdict, _, rest = out.strip().partition(" ")
            receipt, _, message = rest.partition(" ")
            assert verdict in ("OK", "DUP"), f"racer failed ({racer.returncode}): {out}\n{err}"
            results.append(Result(racer.returncode, verdict, receipt, message))
        return results
    finally:
        for racer in racers:
            if racer.poll() is None:
                racer.kill()
                racer.wait()


def live_claims(store, person: int) -> list[tuple[str, str]]:
    """(receipt, claim level) of the person's applications that are not returned."""
    with store.session() as session:
        rows = session.execute(
            select(Application.receipt, Application.claim_level)
            .join(Member)
            .where(
                Member.id_number == worker.person_id(person),
                Application.status != WITHDRAWN_STATUS,
            )
            .order_by(Application.id)
        )
        return [(r.receipt, r.claim_level) for r in rows]


def check_database_whole(store) -> None:
    """Receipts distinct and rising; one member row per person; every application has its
    audit event and no stored status change (its acceptance is its own row); the audit chain verifies."""
    with store.session() as session:
        receipts = list(session.scalars(select(Application.receipt).order_by(Application.id)))
        assert len(set(receipts)) == len(receipts)
        assert receipts == sorted(receipts)
        members = list(session.scalars(select(Member.id_number)))
        assert len(set(members)) == len(members)
        # A save's acceptance is the application row itself: no status change stored.
        changes = session.scalar(select(func.count()).select_from(StatusChange))
        created = list(
            session.scalars(
                select(AuditEvent.entity_ref)
                .where(AuditEvent.action == "create", AuditEvent.entity == "application")
                .order_by(AuditEvent.id)
            )
        )
        member_events = session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "create", AuditEvent.entity == "member")
        )
    assert changes == 0
    assert created == receipts
    assert member_events == len(members)
    verification = audit_trail.verify_audit(store)
    assert verification.ok, verification.message


def assert_one_winner(results: list[Result]) -> str:
    winners = [r for r in results if r.verdict == "OK"]
    assert len(winners) == 1, results
    winner = winners[0]
    assert winner.code == 0
    for loser in results:
        if loser is winner:
            continue
        assert loser.verdict == "DUP" and loser.code == worker.EXIT_DUPLICATE, loser
        assert loser.receipt == winner.receipt
        assert winner.receipt in loser.message and "不能重复申请" in loser.message
    return winner.receipt


@pytest.mark.slow
def test_same_claim_saved_at_once_by_several_processes_is_taken_once(store, db_url, home):
    # Existing members (their level-2 claim saved first): on PostgreSQL the racers all see
    # no claim yet, so the claim's unique index decides (without it, about every other
    # round pays twice). New members: the member's unique ID number is raced for first.
    for person in (1, 2, 3):
        applications.save_application(
            store, worker.once_input(person, level=2), clerk=CLERK, now=NOW
        )
    rounds = [("existing member", p) for p in (1, 2, 3)] + [("new member", p) for p in (4, 5)]
    for label, person in rounds:
        results = race(home, db_url, [(person, 3)] * RACERS)
        receipt = assert_one_winner(results)
        claims = [c for c in live_claims(store, person) if c[1] == "3"]
        assert claims == [(receipt, "3")], label
        check_database_whole(store)


@pytest.mark.slow
def test_different_claims_of_one_new_member_at_once_are_all_saved(store, db_url, home):
    results = race(home, db_url, [(7, level) for level in range(1, RACERS + 1)])
    assert [r.verdict for r in results] == ["OK"] * RACERS, results
    receipts = {r.receipt for r in results}
    assert len(receipts) == RACERS
    claims = live_claims(store, 7)
    assert {receipt for receipt, _level in claims} == receipts
    assert sorted(level for _receipt, level in claims) == [str(n) for n in range(1, RACERS + 1)]
    check_database_whole(store)
