"""Crash safety: a process saving applications is killed (SIGKILL) at random moments.

The worker (tests/storage/worker.py `loop`) reports a save only after it was committed.
After every kill the database must be whole — on SQLite `PRAGMA integrity_check` is ok
when the file is opened afresh, as after a restart — every reported save must be there,
nothing may be half-written (an application without its status row or audit event, an
audit event without its application), and the receipt numbers must go on without a gap
or a reuse in the next round. At most the one save in flight when the process died may
be there unreported (committed, killed before it could say so).

Set UNION_COUNTER_CRASH_SEED to replay the kill moments of an earlier run.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import time

import pytest
from sqlalchemy import func, select

from desktop_app.services import audit_trail
from desktop_app.services.store import open_store
from desktop_app.storage.models import (
    Application,
    AuditEvent,
    Member,
    ReceiptCounter,
    StatusChange,
)
from tests.storage import worker
from tests.storage.conftest import NOW

ROUNDS = 5
BLOCK = 5000  # serial numbers per round; a round saves a few hundred before it is killed
PREFIX = f"XC01-{NOW:%Y%m%d}-"


def run_and_kill(home, db_url, start: int, delay: float) -> dict[int, str]:
    """Start a saving loop, SIGKILL it `delay` seconds after its first reported save;
    return the saves it reported {serial: receipt}."""
    process = worker.start(["loop", str(start), str(BLOCK)], home=home, db=db_url)
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        if not first.startswith("SAVED "):
            _out, err = process.communicate(timeout=30)
            pytest.fail(f"the saving loop did not start: {first!r}\n{err}")
        time.sleep(delay)  # the random moment of the crash
        os.kill(process.pid, signal.SIGKILL)
        out, _err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == -signal.SIGKILL, "the loop ended before it was killed"
    reported: dict[int, str] = {}
    for line in (first + out).splitlines(keepends=True):
        if not line.endswith("\n"):
            continue  # a line cut short is not a report
        word, serial, receipt = line.split()
        assert word == "SAVED"
        reported[int(serial)] = receipt
    return reported


def sqlite_file_checks(path) -> None:
    """Open the file afresh with sqlite3 alone, as a restarted program would."""
    connection = sqlite3.connect(path)
    try:
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        connection.close()


def saved_serials(store, start: int) -> dict[int, str]:
    """The round's serials found in the database {serial: receipt}, mapped back through
    the member's ID number and the claim's level."""
    serial_of = {}
    for serial in range(start, start + BLOCK):
        claim = worker.loop_input(serial)
        serial_of[(claim["member"]["id_number"], str(claim["certificate"]["level"]))] = serial
    found = {}
    with store.session() as session:
        rows = session.execute(
            select(Member.id_number, Application.claim_level, Application.receipt).join(Member)
        )
        for id_number, level, receipt in rows:
            serial = serial_of.get((id_number, level))
            if serial is not None:
                found[serial] = receipt
    return found


def check_nothing_half_written(store) -> list[str]:
    """Every application is accepted and has its audit event, every member its
    audit event, no event without its record; the chain verifies. Returns the receipts
    in the order saved."""
    with store.session() as session:
        apps = session.scalars(select(Application).order_by(Application.id)).all()
        receipts = [a.receipt for a in apps]
        # The acceptance is the application row itself (clerk and time); a save stores no
        # status change.
        first_steps = [(a.steps[0].to_status, a.steps[0].actor) for a in apps]
        app_events = list(
            session.scalars(
                select(AuditEvent.entity_ref)
                .where(AuditEvent.action == "create", AuditEvent.entity == "application")
                .order_by(AuditEvent.id)
            )
        )
        members = {f"member:{m}" for m in session.scalars(select(Member.id))}
        member_events = list(
            session.scalars(
                select(AuditEvent.entity_ref).where(
                    AuditEvent.action == "create", AuditEvent.entity == "member"
                )
            )
        )
        statuses = session.scalar(select(func.count()).select_from(StatusChange))
        counter = session.get(ReceiptCounter, PREFIX.rstrip("-"))
    assert all(step[0] == "accepted" and step[1] for step in first_steps)
    assert statuses == 0
    assert app_events == receipts
    assert sorted(member_events) == sorted(members)
    verification = audit_trail.verify_audit(store)
    assert verification.ok, verification.message
    # Receipt numbers: in saving order, without a gap (a save lost in the crash gave its
    # number back) and without a repeat; the counter stands at the last one issued.
    assert receipts == [f"{PREFIX}{n:04d}" for n in range(1, len(receipts) + 1)]
    assert counter is not None and counter.last == len(receipts)
    return receipts


@pytest.mark.slow
def test_killed_while_saving_loses_no_reported_save_and_leaves_nothing_half_written(
    store, db_url, home
):
    seed = int(os.environ.get("UNION_COUNTER_CRASH_SEED") or random.randrange(2**32))
    print(f"crash test: UNION_COUNTER_CRASH_SEED={seed}")
    rng = random.Random(seed)
    store.dispose()  # the worker is the only program with the database open
    previous: list[str] = []
    for round_ in range(ROUNDS):
        start = round_ * BLOCK
        delay = rng.uniform(0.2, 1.0)
        reported = run_and_kill(home, db_url, start, delay)
        if store.sqlite_path is not None:
            sqlite_file_checks(store.sqlite_path)
        reopened = open_store(db_url, home, now=NOW)
        try:
            found = saved_serials(reopened, start)
            receipts = check_nothing_half_written(reopened)
        finally:
            reopened.dispose()
        context = f"round {round_}, killed {delay:.2f} s after the first save (seed {seed})"
        print(f"{context}: {len(reported)} saves reported, {len(found)} in the database")
        # Every reported save is there, under the receipt reported.
        assert {s: found.get(s) for s in reported} == reported, context
        # The saves are the loop's first ones, in order; at most the one in flight when
        # the process died is there unreported.
        assert sorted(found) == list(range(start, start + len(found))), context
        assert len(found) - len(reported) in (0, 1), context
        # Earlier rounds are untouched and this round's receipts come after theirs.
        assert receipts[: len(previous)] == previous, context
        assert receipts[len(previous) :] == sorted(found.values()), context
        previous = receipts
