"""The ledger's filters and free-text search, on SQLite and PostgreSQL: every filter and their
combinations give exactly what a plain reading of the rows gives (checked against a
brute-force filter in Python on a random ledger), whichever index the query goes through;
odd input is taken literally; the search index follows saves, bulk inserts and upgrades."""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from desktop_app.domain.ledger_filter import LedgerFilter
from desktop_app.domain.status import ACCEPTED, PAID, PRINTED, RETURNED, SUBMITTED
from desktop_app.domain.validators import mask_resident_id
from desktop_app.services import applications, audit_trail, ledger_view
from desktop_app.services import status as status_service
from desktop_app.storage import ledger_query, migrations, receipt_parts
from desktop_app.storage.bulk import NewApplication, NewMember, insert_applications
from desktop_app.storage.database import Store, resolve_url
from desktop_app.storage.models import (
    Application,
    AuditEvent,
    Member,
)
from tests.storage.conftest import CLERK, NOW, apply_input, make_id

SCHEMES = ("bj-2026-skills", "bj-2016-union-boost")
STATUSES = (ACCEPTED, PRINTED, SUBMITTED, PAID, RETURNED)
STATIONS = (("XC01", "西城区某街道工会服务站"), ("CY02", "朝阳区某街道工会服务站"), ("HD7", "海淀"))
SURNAMES = "王李张刘陈欧阳"
GIVEN = "伟芳娜敏静丽强磊军洋明华建国璟彧翀"
# Names a plain character-by-character reading must still find: Latin letters in both cases,
# a middle dot, ASCII punctuation, a compound surname.
ODD_NAMES = ("阿依古丽·买买提", "Anna Smith", "anna-lee", "O'Neil张", "欧阳明月", "李 小 龙")
FIRST_DAY = date(2025, 1, 1)


@dataclass(frozen=True)
class Row:
    """What the brute force knows of one application."""

    id: int
    receipt: str
    name: str
    id_number: str
    applied_on: date
    scheme: str
    status: str


def _values(rng: random.Random, k: int, station: tuple[str, str], day: date) -> dict[str, object]:
    created = datetime.combine(day, datetime.min.time()) + timedelta(hours=9, seconds=k)
    status = rng.choice(STATUSES)
    return {
        "scheme": rng.choice(SCHEMES),
        "kind": "skill_level",
        "occupation": "无人机驾驶员",
        "claim_item": f"4-02-04-{k:02d}",
        "claim_level": str(k % 5 + 1),
        "level": k % 5 + 1,
        "applied_on": day - timedelta(days=rng.choice((0, 0, 0, 1, 7))),  # some back-dated
        "station_code": station[0],
        "station_name": station[1],
        "clerk": CLERK,
        "status": status,
        "eligible": True,
        "amount": 2400,
        "findings": [],
        "policy_sha256": "0" * 64,
        "created_at": created,
        "updated_at": created,
    }


def _random_ledger(store: Store, count: int = 300, seed: int = 3) -> None:
    """`count` applications through the bulk path in three batches (several per member)."""
    rng = random.Random(seed)
    members: list[NewMember] = []
    used: set[str] = set()
    while len(members) < count // 2:
        region = rng.choice(("110105", "110101", "130102"))
        born = f"{rng.randrange(1965, 2004)}{rng.randrange(1, 13):02d}{rng.randrange(1, 29):02d}"
        number = make_id(rng.randrange(1000), region, born)
        if number in used:
            continue
        used.add(number)
        if rng.random() < 0.06:
            name = rng.choice(ODD_NAMES)
        else:
            name = rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice((1, 2, 2))))
        members.append(NewMember(id_number=number, name=name, phone="13800138000"))
    items: list[NewApplication] = []
    for k in range(count):
        day = FIRST_DAY + timedelta(days=k * 700 // count)
        member = rng.choice(members)
        values = _values(rng, k, rng.choice(STATIONS), day)
        items.append(NewApplication(member=member, values=values))
    for start in range(0, count, 120):
        with store.session(write=True) as session:
            result = insert_applications(session, items[start : start + 120])
        assert not result.duplicates


def _rows(store: Store) -> list[Row]:
    with store.session() as session:
        found = session.execute(
            select(Application, Member).join(Member, Member.id == Application.member_id)
        ).all()
        return [
            Row(a.id, a.receipt, a.name_chars, m.id_number, a.applied_on, a.scheme, a.status)
            for a, m in found
        ]


_ID_LIKE = re.compile(r"^[0-9]{6,17}[0-9Xx]?$")


def _fold(text: str) -> str:
    return "".join(ch.lower() if ch.isascii() else ch for ch in text)


def _expected(rows: list[Row], f: LedgerFilter) -> list[int]:
    """The filter read plainly: a substring of the name (spaces aside, ASCII letters in
    either case), of the receipt number, or the start of the ID number."""
    query = (f.query or "").replace("\x00", "").strip()
    chars = " ".join(ch for ch in query if not ch.isspace())
    found = []
    for r in rows:
        if f.date_from and r.applied_on < f.date_from:
            continue
        if f.date_to and r.applied_on > f.date_to:
            continue
        if f.scheme and r.scheme != f.scheme:
            continue
        if f.status and r.status != f.status:
            continue
        if query and not (
            _fold(chars) in _fold(r.name)
            or query.upper() in r.receipt
            or (_ID_LIKE.match(query) and r.id_number.startswith(query.upper()))
        ):
            continue
        found.append(r.id)
    return sorted(found, reverse=True)


def _page(store: Store, f: LedgerFilter, **kw: int | bool | None) -> list[int]:
    with store.session() as session:
        return [a.id for a in ledger_query.ledger_page(session, f, **kw)]  # type: ignore[arg-type]


def _count(store: Store, f: LedgerFilter) -> int:
    with store.session() as session:
        return ledger_query.ledger_count(session, f)


@pytest.fixture(params=[ledger_query.SMALL, 0, 6], ids=["planned", "walks", "mixed"])
def plans(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    """The planner's threshold: its own, 0 (every part counts as many rows: the ordered walks)
    and 6 (some parts few, some many), so every way to a page is taken."""
    monkeypatch.setattr(ledger_query, "SMALL", request.param)
    monkeypatch.setattr(ledger_query, "COUNT_PROBE", request.param)
    if request.param == 0:
        # PostgreSQL: every name common enough to be walked for, not collected.
        monkeypatch.setattr(ledger_query._Planner, "_estimate", lambda self, condition: 1e9)
    yield request.param


@pytest.fixture
def ledger(store: Store) -> tuple[Store, list[Row]]:
    _random_ledger(store)
    return store, _rows(store)


def _fragments(rows: list[Row], rng: random.Random) -> list[str]:
    """Queries a clerk would type, taken from the data, and some that match nothing."""
    queries = ["王", "伟", "张伟", "欧阳", "欧阳明", "璟", "龘", "张龘", "李 小", "·", "丽·买",
               "anna", "ANNA", "Anna Smith", "a-l", "O'N", "0007", "0001", "-00", "07", "X",
               "XC01", "CY02-2025", "hd7-", "HD7-20250", "1101", "110105", "11010519",
               "130102199", "999999", "12345"]  # fmt: skip
    for r in rng.sample(rows, 12):
        start = rng.randrange(len(r.receipt) - 3)
        queries.append(r.receipt[start : start + rng.choice((3, 4, 6, 9))])
        queries.append(r.receipt)
        queries.append(r.id_number[: rng.choice((6, 10, 14, 17, 18))])
        chars = r.name.replace(" ", "")
        start = rng.randrange(len(chars))
        queries.append(chars[start : start + rng.choice((1, 2, 3))])
    return queries


def test_every_filter_matches_a_plain_reading(ledger, plans):
    store, rows = ledger
    rng = random.Random(11)
    days = sorted({r.applied_on for r in rows})
    filters = [LedgerFilter()]
    filters += [LedgerFilter(query=q) for q in _fragments(rows, rng)]
    for _ in range(60):
        low, high = sorted(rng.sample(days, 2))
        filters.append(
            LedgerFilter(
                date_from=rng.choice((None, low)),
                date_to=rng.choice((None, high, low)),
                scheme=rng.choice((None, *SCHEMES)),
                status=rng.choice((None, None, *STATUSES)),
                query=rng.choice((None, rng.choice(_fragments(rows, rng)))),
            )
        )
    for f in filters:
        expected = _expected(rows, f)
        assert _page(store, f, limit=1000) == expected, f
        assert _count(store, f) == len(expected), f


# Receipts of every form a database can hold (the program writes only the first kind):
# PostgreSQL finds a fragment of `<code>-<day>-<number>` through the day's and the rest's own
# columns (storage/receipt_parts.py), every other form through the receipt itself.
ODD_RECEIPTS = (
    "C2025-20260101-2025",  # a code and a number that hold the year of another day
    "XC01-20251399-0001",  # no month's day: the parts are NULL
    "XC01-20250230-0012",  # 30 February: parts, as the pattern does not know the calendar
    "XC01-2025-0001",  # a day of four digits
    "XC01-20250101-0001-9",  # a dash too many
    "X-Y-Z",
    "20250101",
    "XC01-20250101-",  # no number
    "XC01-20250101-00A1",
    "XC01--20250101-0003",
)
ODD_FRAGMENTS = ("2025", "-2025", "2025-", "C2025-2026", "1399", "0230", "20250230-00",
                 "Y-Z", "-0001-9", "01-", "-20250101-", "XC01-2025", "XC01-2025-0001", "A1",
                 "--", "-", "5-2", "1-0", "0101-0", "20260101-2025", "C01-20250101-0001")  # fmt: skip


def test_receipts_of_every_form_are_found_as_a_plain_reading(ledger, plans):
    store, _ = ledger
    with store.session(write=True) as session:
        ids = list(session.scalars(select(Application.id).order_by(Application.id)))
        for i, receipt in zip(ids[::25], ODD_RECEIPTS, strict=False):
            session.execute(
                text("UPDATE application SET receipt = :r WHERE id = :i"), {"r": receipt, "i": i}
            )
    rows = _rows(store)
    assert set(ODD_RECEIPTS) <= {r.receipt for r in rows}
    statuses = (None, PAID)
    for query in ODD_FRAGMENTS:
        for status in statuses:
            f = LedgerFilter(query=query, status=status)
            expected = _expected(rows, f)
            assert _page(store, f, limit=1000) == expected, f
            assert _count(store, f) == len(expected), f
            assert _page(store, f, limit=5, offset=3) == expected[3:8], f


def test_a_receipts_parts_follow_it_on_postgresql(backend, ledger):
    """The generated columns (migration 0012) hold what receipt_parts.split reads, for every
    form, and follow an update of the receipt."""
    store, _ = ledger
    if backend != "postgresql":
        # SQLite keeps no receipt parts (its pages meet their targets without them).
        with store.connection() as connection:
            columns = {row[1] for row in connection.execute(text("PRAGMA table_info(application)"))}
        assert {"receipt", "name_chars"} <= columns
        assert not columns & {receipt_parts.DAY_COLUMN, receipt_parts.REST_COLUMN}
        return
    with store.session(write=True) as session:
        ids = list(session.scalars(select(Application.id).order_by(Application.id)))
        for i, receipt in zip(ids, ODD_RECEIPTS, strict=False):
            session.execute(
                text("UPDATE application SET receipt = :r WHERE id = :i"), {"r": receipt, "i": i}
            )
    with store.connection() as connection:
        stored = connection.execute(
            text("SELECT receipt, receipt_day, receipt_rest FROM application")
        ).all()
    assert len(stored) == 300
    for receipt, day, rest in stored:
        parts = receipt_parts.split(receipt)
        assert (day, rest) == (parts if parts is not None else (None, None)), receipt
    assert receipt_parts.split("XC01-20250230-0012") == (20250230, "XC01-0012")
    assert receipt_parts.split("XC01-20251399-0001") is None


def test_pages_are_slices_of_one_stable_order(ledger, plans):
    store, rows = ledger
    for f in (LedgerFilter(), LedgerFilter(query="王"), LedgerFilter(status=PAID),
              LedgerFilter(date_from=date(2025, 6, 1), scheme=SCHEMES[0]),
              LedgerFilter(query="110105", date_to=date(2026, 1, 1))):  # fmt: skip
        expected = _expected(rows, f)
        pages = [_page(store, f, limit=7, offset=offset) for offset in range(0, 70, 7)]
        assert [i for page in pages for i in page] == expected[:70], f
        oldest = _page(store, f, limit=7, offset=7, newest_first=False)
        assert oldest == sorted(expected)[7:14], f
        # By key: each page starts after the last row of the one before.
        walked: list[int] = []
        while len(walked) < 70:
            page = _page(store, f, limit=7, after_id=walked[-1] if walked else None)
            if not page:
                break
            walked += page
        assert walked == expected[: len(walked)] and len(walked) == min(70, len(expected)), f
        tail = _page(store, f, limit=7, after_id=expected[3], newest_first=False)
        assert tail == sorted(i for i in expected if i > expected[3])[:7], f
        assert _page(store, f, limit=7, offset=len(expected)) == []


@pytest.mark.parametrize("length", [1, 2, 3])
def test_name_fragments_of_one_to_three_characters(store, length):
    for serial, name in enumerate(("张伟华", "张伟", "伟张", "王建国"), start=1):
        applications.save_application(
            store, apply_input(serial, **{"member.name": name}), clerk=CLERK, now=NOW
        )
    fragment = {1: "伟", 2: "张伟", 3: "张伟华"}[length]
    names = [r.name for r in ledger_view.ledger(store, LedgerFilter(query=fragment))]
    assert names == {1: ["伟张", "张伟", "张伟华"], 2: ["张伟", "张伟华"], 3: ["张伟华"]}[length]


def test_receipt_fragments_and_id_starts(store):
    saved = [
        applications.save_application(
            store, apply_input(n, **{"member.name": f"测试{n}"}), clerk=CLERK, now=NOW
        ).receipt
        for n in range(1, 13)
    ]
    assert saved[6] == "XC01-20261121-0007"

    def names(query: str) -> list[str]:
        return [r.name for r in ledger_view.ledger(store, LedgerFilter(query=query))]

    assert names("0007") == ["测试7"]
    assert names("xc01-20261121-0007") == ["测试7"]  # typed in lower case
    assert names("20261121-001") == ["测试12", "测试11", "测试10"]
    assert len(names("20261121-00")) == 12
    assert names(make_id(3)) == ["测试3"]
    assert names(make_id(3)[:17]) == ["测试3"]
    assert len(names("110105")) == 12
    assert names("11010") == []  # five digits: too short for an ID start, in no name or receipt


@pytest.mark.parametrize(
    "query",
    ['"', "'", "%", "_", "\\", "*", "AND", "OR", "NOT", "NEAR", "(", ")", "张 AND 伟", '张"伟',
     "伟*", "^张", "name_chars:张", "-", "%伟%", "_伟", "{", "\x00", "　", "🙂"],
)  # fmt: skip
def test_search_syntax_is_taken_literally(store, query):
    for serial, name in enumerate(("张伟", "伟*", "100%满意", "a_b", "张 AND 伟"), start=1):
        applications.save_application(
            store, apply_input(serial, **{"member.name": name}), clerk=CLERK, now=NOW
        )
    rows = _rows(store)
    found = _page(store, LedgerFilter(query=query), limit=100)
    assert found == _expected(rows, LedgerFilter(query=query))
    assert _count(store, LedgerFilter(query=query)) == len(found)


def test_ledger_rows_mask_id_numbers(ledger):
    store, rows = ledger
    full = {r.id: r.id_number for r in rows}
    for row in ledger_view.ledger(store, LedgerFilter(query="110105"), limit=50):
        assert row.id_number == mask_resident_id(full[row.id])
        assert row.id_number != full[row.id] and "********" in row.id_number


def test_saves_status_changes_and_bulk_inserts_keep_the_index(store):
    first = applications.save_application(
        store, apply_input(1, **{"member.name": "欧阳明月"}), clerk=CLERK, now=NOW
    )
    status_service.change_status(store, first.receipt, "已打印", actor=CLERK)
    with store.session(write=True) as session:
        insert_applications(
            session,
            [
                NewApplication(
                    NewMember(make_id(2), "欧阳修"),
                    _values(random.Random(1), 1, STATIONS[0], NOW.date()),
                )
            ],
        )
    second = applications.save_application(
        store, apply_input(3, **{"member.name": "司马光"}), clerk=CLERK, now=NOW
    )
    names = [r.name for r in ledger_view.ledger(store, LedgerFilter(query="欧阳"))]
    assert names == ["欧阳修", "欧阳明月"]
    assert [r.receipt for r in ledger_view.ledger(store, LedgerFilter(query="马光"))] == [
        second.receipt
    ]
    if store.is_sqlite:
        with store.connection(write=True) as connection:
            # A changed name (a correction) moves the application in the name index.
            connection.execute(
                text("UPDATE application SET name_chars = '欧 阳 明' WHERE receipt = :r"),
                {"r": first.receipt},
            )
            for table in ("application_search_name", "application_search_receipt"):
                connection.exec_driver_sql(
                    f"INSERT INTO {table} ({table}, rank) VALUES ('integrity-check', 1)"
                )
            assert (
                connection.exec_driver_sql(
                    "SELECT count(*) FROM application_search_pause"
                ).scalar_one()
                == 0
            )
        assert [r.receipt for r in ledger_view.ledger(store, LedgerFilter(query="明月"))] == []
        assert len(ledger_view.ledger(store, LedgerFilter(query="欧阳明"))) == 1


def test_a_failed_bulk_insert_leaves_nothing_behind(store):
    saved = applications.save_application(store, apply_input(1), clerk=CLERK, now=NOW)
    clash = dict(_values(random.Random(2), 2, STATIONS[0], NOW.date()), receipt=saved.receipt)
    with pytest.raises(IntegrityError), store.session(write=True) as session:
        insert_applications(session, [NewApplication(NewMember(make_id(5), "赵六"), clash)])
    assert ledger_view.ledger_count(store, LedgerFilter()) == 1
    later = applications.save_application(
        store, apply_input(6, **{"member.name": "钱七"}), clerk=CLERK, now=NOW
    )
    assert [r.receipt for r in ledger_view.ledger(store, LedgerFilter(query="钱七"))] == [
        later.receipt
    ]
    if store.is_sqlite:
        with store.connection() as connection:
            assert (
                connection.exec_driver_sql(
                    "SELECT count(*) FROM application_search_pause"
                ).scalar_one()
                == 0
            )


def test_bulk_insert_refuses_taken_claims_and_numbers_receipts_like_the_counter(store):
    first = applications.save_application(store, apply_input(1), clerk=CLERK, now=NOW)
    with store.session() as session:
        taken = session.execute(
            select(Application).where(Application.receipt == first.receipt)
        ).scalar_one()
        claim = {
            "scheme": taken.scheme,
            "kind": taken.kind,
            "claim_item": taken.claim_item,
            "claim_level": taken.claim_level,
        }
    rng = random.Random(4)
    again = NewApplication(
        NewMember(make_id(1), "张伟", phone="13900139000"),
        {**_values(rng, 1, STATIONS[0], NOW.date()), **claim, "status": ACCEPTED},
    )
    new = NewApplication(NewMember(make_id(2), "李娜"), _values(rng, 2, STATIONS[0], NOW.date()))
    twice = NewApplication(new.member, dict(new.values))
    once_more = NewApplication(again.member, dict(again.values))
    with store.session(write=True) as session:
        result = insert_applications(
            session, [again, new, twice, once_more], actor=CLERK, station_code="XC01"
        )
    assert result.receipts[0] is None and result.duplicates[0] == first.receipt
    assert result.receipts[1] == "XC01-20261121-0002"  # after the counter's 0001
    assert result.receipts[2] is None and result.duplicates[2] == result.receipts[1]
    assert result.receipts[3] is None and result.duplicates[3] == first.receipt
    assert list(result.duplicates) == [0, 2, 3]  # in the batch's order
    assert result.members_created == 1 and result.members_updated == 1  # the new phone
    assert (
        applications.save_application(store, apply_input(3), clerk=CLERK, now=NOW).receipt
        == "XC01-20261121-0003"
    )
    with store.session() as session:
        event = session.execute(
            select(AuditEvent).where(AuditEvent.action == "import")
        ).scalar_one()
        assert '"count":1' in event.details
        assert audit_trail.verify_audit(store).ok
    with store.session() as session:
        stored = session.execute(
            text(
                "SELECT count(*) FROM status_change s JOIN application a "
                "ON a.id = s.application_id WHERE a.receipt = :r"
            ),
            {"r": result.receipts[1]},
        ).scalar_one()
        app = session.execute(
            select(Application).where(Application.receipt == result.receipts[1])
        ).scalar_one()
        steps = [(s.from_status, s.to_status, s.actor, s.at) for s in app.steps]
    # No history given: accepted by its clerk when created, which the row itself records.
    assert stored == 0
    assert steps == [(None, ACCEPTED, app.clerk, app.created_at)]


def test_upgrading_a_filled_0002_database_fills_the_search_index(backend, db_url, home):
    home.mkdir(parents=True, exist_ok=True)
    (home / "backups").mkdir(exist_ok=True)
    old = Store(resolve_url(db_url, home), home)
    try:
        migrations.upgrade(old, "0002")
        moment = datetime(2026, 11, 20, 10, 0)
        with old.connection(write=True) as connection:
            for n, name in enumerate(("欧阳明月", "张伟", "李娜"), start=1):
                connection.execute(
                    text(
                        "INSERT INTO member (id, id_number, name, created_at, updated_at) "
                        "VALUES (:n, :idn, :name, :now, :now)"
                    ),
                    {"n": n, "idn": make_id(n), "name": name, "now": moment},
                )
                connection.execute(
                    text(
                        "INSERT INTO application (id, receipt, member_id, scheme, kind, "
                        "claim_item, claim_level, applied_on, station_code, station_name, "
                        "clerk, status, eligible, amount, findings, policy_sha256, "
                        "name_chars, created_at, updated_at) VALUES (:n, :receipt, :n, "
                        "'bj-2026-skills', 'skill_level', '4-99-00-00', '3', :day, 'XC01', "
                        "'站', '李', 'accepted', :yes, 2400, '[]', :sha, :chars, :now, :now)"
                    ),
                    {
                        "n": n,
                        "receipt": f"XC01-20261120-{n:04d}",
                        "day": moment.date(),
                        "yes": True,
                        "sha": "0" * 64,
                        "chars": " ".join(name),
                        "now": moment,
                    },
                )
        migrations.upgrade(old)
        assert migrations.schema_state(old).up_to_date

        def receipts(query: str) -> list[str]:
            with old.session() as session:
                return [
                    a.receipt for a in ledger_query.ledger_page(session, LedgerFilter(query=query))
                ]

        assert receipts("明月") == ["XC01-20261120-0001"]
        assert receipts("伟") == ["XC01-20261120-0002"]
        assert receipts("1120-0003") == ["XC01-20261120-0003"]
        assert receipts(make_id(2)[:17]) == ["XC01-20261120-0002"]
        if backend == "sqlite":
            with old.connection() as connection:
                for table in ("application_search_name", "application_search_receipt"):
                    connection.exec_driver_sql(
                        f"INSERT INTO {table} ({table}, rank) VALUES ('integrity-check', 1)"
                    )
    finally:
        old.dispose()
