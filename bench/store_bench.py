"""Benchmark of the store with 1,000,000 applications (issue #3, "Performance").

Run ``python bench/store_bench.py [--rows N] [--pg | --no-pg] [--rebuild]``; `make bench` runs it
through bench/run_bench.py. It builds the database with the bulk path (storage/bulk.py) from
realistic rows — Chinese names from common surnames and given-name characters (a few rare
ones), members born 1965–2005 in Beijing's districts and elsewhere, eight stations, two years of
applications in date order, both schemes, statuses by age with their history, decisions made by
the real subsidy engine — then times what the counter and the ledger do:

- build: bulk insert rate (target ≥ 20,000 applications/s);
- lookup by receipt, by ID number, the duplicate check (target ≤ 2 ms);
- a ledger page of 100 rows (the service call the GUI makes, numbers masked) under every kind
  of filter, name and receipt fragments, ID starts, combinations and a deep page (≤ 50 ms);
- counting (ledger_count) under the same filters, exact and capped at 1,000 and 10,000
  (`limit=`: min(count, cap), what the lazy ledger model asks first) (reported);
- the size of the database (SQLite file ≤ 400 MB; PostgreSQL's size reported).

The SQLite database is cached under /tmp (see CACHE) between runs; --rebuild builds it again.
PostgreSQL runs when UNION_COUNTER_TEST_PG is set (or --pg): its own schema, dropped afterwards.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, func, make_url, select, text
from sqlalchemy.orm import Session

from bench import yardstick
from desktop_app.domain.claims import claim_key
from desktop_app.domain.facts import application_from_mapping
from desktop_app.domain.ledger_filter import LedgerFilter
from desktop_app.domain.status import ACCEPTED, PAID, PRINTED, RETURNED, SUBMITTED
from desktop_app.domain.validators import resident_id_check_char
from desktop_app.services import ledger_view, station_settings
from desktop_app.services.policies import policy_set
from desktop_app.services.quote import quote_application
from desktop_app.services.store import open_store
from desktop_app.storage import ledger_query, repository
from desktop_app.storage.bulk import NewApplication, NewMember, insert_applications
from desktop_app.storage.database import Store
from desktop_app.storage.models import (
    Application,
    Member,
)

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path(tempfile.gettempdir()) / "union-counter-bench"
DATA_VERSION = "4"  # bump when the generated rows or the schema change
LAST_DAY = date(2026, 11, 21)
DAYS = 730
BATCH = 20_000
CLERK = "基准测试"
# Capped counts measured beside the exact one (ledger_count(..., limit=N)).
COUNT_CAPS = (1_000, 10_000)

# --- realistic rows ---------------------------------------------------------------------------

# Common surnames, most frequent first (weights fall off like the real distribution).
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕"
    "丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严"
    "覃武戴莫孔向汤"
)
COMPOUND_SURNAMES = ("欧阳", "司马", "诸葛", "上官", "慕容", "皇甫")
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀英霞平刚桂华建国红玉兰文辉斌鹏宇浩凯婷雪琳晶丹欣悦子涵梓轩"
    "博一诺晨阳思雨佳怡俊宏志新海波亮春燕飞鑫龙云峰林德成荣金永泽嘉睿瑞安乐宁然琪萍莉颖慧倩美丰"
)
RARE_GIVEN = "璟彧翀昶琰玥婕淼垚犇燚蕤赟旻昀珩璞瑀翊韡堃曌"
# Beijing districts first (most members), then other provinces' capitals.
REGIONS = (
    ("110101", 6), ("110102", 8), ("110105", 14), ("110106", 8), ("110107", 3), ("110108", 12),
    ("110109", 2), ("110111", 4), ("110112", 6), ("110113", 4), ("110114", 7), ("110115", 6),
    ("110116", 1), ("110117", 1), ("110118", 1), ("110119", 1), ("130102", 3), ("370102", 2),
    ("410102", 3), ("420102", 2), ("510104", 2), ("230102", 2), ("140105", 2),
)  # fmt: skip
STATIONS = (
    ("XC01", "西城区什刹海街道工会服务站"),
    ("XC02", "西城区德胜街道工会服务站"),
    ("DC01", "东城区东华门街道工会服务站"),
    ("CY01", "朝阳区望京街道工会服务站"),
    ("CY02", "朝阳区三里屯街道工会服务站"),
    ("HD01", "海淀区中关村街道工会服务站"),
    ("FT01", "丰台区卢沟桥街道工会服务站"),
    ("TZ01", "通州区潞城镇工会服务站"),
)
CLERKS = ("王丽", "李强", "张敏", "刘洋", "陈静", "杨帆", "赵磊", "周婷")
UNITS = tuple(
    f"北京{a}{b}有限公司"
    for a in ("城建", "京能", "首钢", "燕京", "华联", "物美", "中关村", "亦庄", "顺鑫", "金隅")
    for b in ("物业服务", "建设工程", "科技", "商贸", "运输", "餐饮管理")
)
POSITIONS = ("维修工", "电工", "焊工", "保育员", "收银员", "厨师", "驾驶员", "网格员", "护理员")
ISSUERS = (
    "北京市某职业技能等级认定机构",
    "北京市职业技能鉴定管理中心",
    "北京市总工会职工技协",
    "北京市人力资源和社会保障局",
)


def _templates() -> list[dict[str, Any]]:
    """Application columns of every claim the two policies know, decided by the real engine."""
    policies = policy_set()
    card = "6217000010001234569"
    result: list[dict[str, Any]] = []
    for scheme_id, policy in policies.policies.items():
        old = scheme_id.startswith("bj-2016")
        base: dict[str, Any] = {
            "scheme": scheme_id,
            "applied_on": "2017-03-01" if old else "2026-11-21",
            "member": {"card_number": card, "union_affiliated": True} if old else {},
        }
        issued = "2016-06-01" if old else "2026-06-01"
        for entry in policy.entries():
            certs: list[dict[str, Any]] = []
            if entry.kind in ("skill_level", "qualification"):
                for level in entry.levels or (1, 2, 3, 4, 5):
                    certs.append({"occupation": entry.name, "level": level})
            elif entry.kind == "competition":
                for rank in (1, 2, 3, 5, 8):
                    certs.append(
                        {"occupation": "汽车装调工", "competition": entry.name,
                         "stage": "final", "rank": rank, "entrants": 60, "final_held": True}
                    )  # fmt: skip
            elif entry.kind == "social_worker":
                base_member = {**base["member"], "full_time_union_social_worker": True}
                for grade in entry.grades or ("junior", "senior"):
                    certs.append({"grade": grade, "_member": base_member})
            else:
                certs.append({"occupation": entry.name})
            for cert in certs:
                member = cert.pop("_member", base["member"])
                data = {
                    **base,
                    "member": member,
                    "certificate": {"kind": entry.kind, "issued_on": issued, **cert},
                }
                try:
                    facts = application_from_mapping(data, policies.policies)
                except ValueError:
                    continue
                decision = quote_application(facts, policies)
                key = claim_key(facts, decision)
                c = facts.certificate
                m = facts.member
                result.append(
                    {
                        "scheme": scheme_id,
                        "kind": c.kind,
                        "occupation": c.occupation,
                        "claim_item": key.item,
                        "claim_level": key.level,
                        "level": c.level,
                        "grade": c.grade,
                        "issued_on": c.issued_on,
                        "competition": c.competition,
                        "stage": c.stage,
                        "rank": c.rank,
                        "entrants": c.entrants,
                        "final_held": c.final_held,
                        "union_affiliated": m.union_affiliated,
                        "full_time_union_social_worker": m.full_time_union_social_worker,
                        "key_group": m.key_group,
                        "eligible": decision.eligible,
                        "amount": decision.amount,
                        "findings": [f.to_dict() for f in decision.findings],
                        "policy_sha256": decision.policy_sha256,
                    }
                )
    # Some inputs give the same claim (two ranks paid at one rate): keep one of each.
    unique = {(t["scheme"], t["kind"], t["claim_item"], t["claim_level"]): t for t in result}
    return list(unique.values())


def _luhn_complete(digits: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            d -= 9 if d > 9 else 0
        total += d
    return digits + str((10 - total % 10) % 10)


@dataclass
class Generator:
    """Rows in date order; about 1.4 applications per member, each for a different claim."""

    rows: int
    seed: int = 20261121
    rng: random.Random = field(init=False)
    templates: list[dict[str, Any]] = field(init=False)
    old_templates: list[int] = field(init=False)
    new_templates: list[int] = field(init=False)
    members: list[NewMember] = field(default_factory=list)
    claims_used: bytearray = field(default_factory=bytearray)
    first_template: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self.templates = _templates()
        self.old_templates = [
            i for i, t in enumerate(self.templates) if t["scheme"].startswith("bj-2016")
        ]
        self.new_templates = [
            i for i, t in enumerate(self.templates) if not t["scheme"].startswith("bj-2016")
        ]
        surname_weights = [1.0 / (rank + 8) for rank in range(len(SURNAMES))]
        self._surnames = [*SURNAMES, *COMPOUND_SURNAMES]
        self._surname_w = [*surname_weights, *([0.0008] * len(COMPOUND_SURNAMES))]
        self._regions = [code for code, _w in REGIONS]
        self._region_w = [w for _code, w in REGIONS]

    # one member ------------------------------------------------------------------------------
    def _name(self) -> str:
        rng = self.rng
        surname = rng.choices(self._surnames, self._surname_w)[0]
        count = 2 if rng.random() < 0.72 else 1
        given = "".join(
            rng.choice(RARE_GIVEN) if rng.random() < 0.03 else rng.choice(GIVEN)
            for _ in range(count)
        )
        return surname + given

    def _id_number(self, index: int) -> str:
        # (birthday, serial) is unique per index: the day walks a permutation of 40 years.
        span = 14_611  # days from 1965-01-01 to 2004-12-31
        born = date(1965, 1, 1) + timedelta(days=(index * 7919) % span)
        serial = index // span
        region = self.rng.choices(self._regions, self._region_w)[0]
        first17 = f"{region}{born:%Y%m%d}{serial:03d}"
        return first17 + resident_id_check_char(first17)

    def _new_member(self) -> int:
        rng = self.rng
        index = len(self.members)
        card = _luhn_complete("621700" + "".join(rng.choices("0123456789", k=12)))
        self.members.append(
            NewMember(
                id_number=self._id_number(index),
                name=self._name(),
                card_number=card,
                phone=f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}",
                work_unit=rng.choice(UNITS),
                position=rng.choice(POSITIONS),
            )
        )
        self.claims_used.append(0)
        self.first_template.append(rng.randrange(1 << 30))
        return index

    # one application ----------------------------------------------------------------------------
    def _status(self, age: int) -> str:
        r = self.rng.random()
        if age > 180:
            table = ((0.85, PAID), (0.93, SUBMITTED), (0.96, PRINTED), (1.0, RETURNED))
        elif age > 30:
            table = (
                (0.40, SUBMITTED), (0.80, PAID), (0.92, PRINTED), (0.96, RETURNED), (1.0, ACCEPTED)
            )  # fmt: skip
        else:
            table = ((0.40, ACCEPTED), (0.80, PRINTED), (0.95, SUBMITTED), (1.0, RETURNED))
        return next(status for limit, status in table if r <= limit)

    def __iter__(self) -> Iterator[NewApplication]:
        rng = self.rng
        first_day = LAST_DAY - timedelta(days=DAYS - 1)
        for n in range(self.rows):
            day = first_day + timedelta(days=n * DAYS // self.rows)
            if self.members and rng.random() < 0.3:
                member_index = rng.randrange(len(self.members))
            else:
                member_index = self._new_member()
            member = self.members[member_index]
            # The member's k-th claim: templates walked with a stride coprime to their count.
            old = rng.random() < 0.15
            pool = self.old_templates if old else self.new_templates
            k = self.claims_used[member_index]
            if k >= 6:
                member_index = self._new_member()
                member = self.members[member_index]
                k = 0
            self.claims_used[member_index] = k + 1
            start = self.first_template[member_index]
            template = self.templates[pool[(start + k) % len(pool)]]
            # Back-dated now and then: received on paper earlier, typed in today.
            applied_on = day - timedelta(days=rng.randrange(1, 20)) if rng.random() < 0.03 else day
            station_code, station_name = STATIONS[rng.randrange(len(STATIONS))]
            created = datetime.combine(day, datetime.min.time()) + timedelta(
                seconds=rng.randrange(8 * 3600, 17 * 3600)
            )
            clerk = CLERKS[STATIONS.index((station_code, station_name))]
            status = self._status((LAST_DAY - day).days)
            yield NewApplication(
                member=member,
                values={
                    **template,
                    "certificate_number": f"S{rng.randrange(10**15):015d}",
                    "approved_on": applied_on - timedelta(days=rng.randrange(30, 200)),
                    "issuer": rng.choice(ISSUERS),
                    "management_number": f"GL{rng.randrange(10**8):08d}"
                    if rng.random() < 0.3
                    else None,
                    "applied_on": applied_on,
                    "station_code": station_code,
                    "station_name": station_name,
                    "clerk": clerk,
                    "status": status,
                    # Every column, as the exchange import gives them (a missing key costs
                    # the bulk insert a slower path per row).
                    "late_entry_reason": None,
                    "created_at": created,
                    "updated_at": created,
                },
                history=_history(status, clerk, created),
            )


_PATH = (ACCEPTED, PRINTED, SUBMITTED, PAID)


def _history(status: str, clerk: str, created: datetime) -> list[dict[str, Any]]:
    steps: list[dict[str, Any]] = [
        {"from_status": None, "to_status": ACCEPTED, "actor": clerk, "at": created}
    ]
    if status == RETURNED:
        steps.append(
            {"from_status": ACCEPTED, "to_status": RETURNED, "actor": clerk,
             "at": created + timedelta(days=2), "reason": "证书复印件不清楚"}
        )  # fmt: skip
        return steps
    for i, step in enumerate(_PATH[1 : _PATH.index(status) + 1], start=1):
        steps.append(
            {"from_status": _PATH[i - 1], "to_status": step, "actor": clerk,
             "at": created + timedelta(days=3 * i)}
        )  # fmt: skip
    return steps


# --- building ---------------------------------------------------------------------------------


@dataclass
class Built:
    rows: int
    seconds: float  # time spent inside the bulk insert (generation excluded)
    wall: float

    @property
    def rate(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


def fill(store: Store, rows: int, *, batch: int = BATCH, progress: bool = True) -> Built:
    """Insert `rows` generated applications with the bulk path, `batch` per transaction."""
    station_settings.save_station(
        store, actor=CLERK, code="XC01", name=STATIONS[0][1], district="西城区"
    )
    generator = Generator(rows)
    spent = 0.0
    done = 0
    wall = time.perf_counter()
    chunk: list[NewApplication] = []

    def flush() -> None:
        nonlocal spent, done
        start = time.perf_counter()
        with store.session(write=True) as session:
            # As the import does it: with an audit event, so the rows are sealed too.
            result = insert_applications(session, chunk, actor="性能测试")
        spent += time.perf_counter() - start
        assert not result.duplicates, result.duplicates
        done += len(chunk)
        chunk.clear()
        if progress:
            print(
                f"\r  {done:>9,} rows, {done / spent:,.0f}/s in the insert", end="", file=sys.stderr
            )

    for item in generator:
        chunk.append(item)
        if len(chunk) >= batch:
            flush()
    if chunk:
        flush()
    if progress:
        print(file=sys.stderr)
    return Built(done, spent, time.perf_counter() - wall)


# --- measuring --------------------------------------------------------------------------------


@dataclass
class Timing:
    name: str
    target_ms: float | None
    times: list[float]
    rows: int | None = None  # rows on the page, or the count

    @property
    def p50(self) -> float:
        return statistics.median(self.times)

    @property
    def p95(self) -> float:
        ordered = sorted(self.times)
        return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _time(fn: Callable[[], Any], rounds: int) -> tuple[list[float], Any]:
    fn()  # warm: the first call compiles statements and reads pages into the cache
    times: list[float] = []
    result: Any = None
    for _ in range(rounds):
        start = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - start) * 1000)
    return times, result


@dataclass
class Samples:
    """Values to look up, taken from the database itself."""

    receipts: list[str]
    id_numbers: list[str]
    claims: list[tuple[int, str, str, str, str]]
    some_receipt: str
    some_id: str
    newest_day: date


def _samples(store: Store, count: int = 200) -> Samples:
    rng = random.Random(7)
    with store.session() as session:
        top = int(session.execute(text("SELECT max(id) FROM application")).scalar_one())
        ids = [rng.randrange(1, top + 1) for _ in range(count)]
        rows = session.execute(
            select(
                Application.receipt,
                Member.id_number,
                Application.member_id,
                Application.scheme,
                Application.kind,
                Application.claim_item,
                Application.claim_level,
            )
            .join(Member, Member.id == Application.member_id)
            .where(Application.id.in_(ids))
        ).all()
        newest = session.execute(select(func.max(Application.applied_on))).scalar_one()
    return Samples(
        receipts=[r[0] for r in rows],
        id_numbers=[r[1] for r in rows],
        claims=[(r[2], r[3], r[4], r[5], r[6]) for r in rows],
        some_receipt=rows[0][0],
        some_id=rows[0][1],
        newest_day=newest,
    )


def _cycle(values: Sequence[Any]) -> Callable[[], Any]:
    state = {"i": 0}

    def next_value() -> Any:
        state["i"] = (state["i"] + 1) % len(values)
        return values[state["i"]]

    return next_value


def ledger_cases(s: Samples) -> list[tuple[str, LedgerFilter, int]]:
    """(what, filter, offset): every kind of filter the ledger offers."""
    day = s.newest_day
    year_ago = day.replace(year=day.year - 1)
    month = (day - timedelta(days=30), day)
    old_month = (year_ago - timedelta(days=30), year_ago)
    old_year = (date(day.year - 1, 1, 1), date(day.year - 1, 12, 31))
    new, old = "bj-2026-skills", "bj-2016-union-boost"
    return [
        ("no filter", LedgerFilter(), 0),
        ("no filter, offset 10,000", LedgerFilter(), 10_000),
        ("date: last 30 days", LedgerFilter(date_from=month[0], date_to=month[1]), 0),
        ("date: a month a year ago", LedgerFilter(date_from=old_month[0], date_to=old_month[1]), 0),
        ("date: last year (whole)", LedgerFilter(date_from=old_year[0], date_to=old_year[1]), 0),
        ("date: one day", LedgerFilter(date_from=year_ago, date_to=year_ago), 0),
        ("date: until a year ago", LedgerFilter(date_to=year_ago), 0),
        ("date: last year, offset 10,000",
         LedgerFilter(date_from=old_year[0], date_to=old_year[1]), 10_000),
        ("scheme 2026", LedgerFilter(scheme=new), 0),
        ("scheme 2016", LedgerFilter(scheme=old), 0),
        ("scheme 2016, offset 10,000", LedgerFilter(scheme=old), 10_000),
        ("status returned", LedgerFilter(status=RETURNED), 0),
        ("status accepted", LedgerFilter(status=ACCEPTED), 0),
        ("status paid, offset 10,000", LedgerFilter(status=PAID), 10_000),
        ("scheme 2016 + status paid", LedgerFilter(scheme=old, status=PAID), 0),
        ("status returned + a month a year ago",
         LedgerFilter(status=RETURNED, date_from=old_month[0], date_to=old_month[1]), 0),
        ("scheme 2016 + last year", LedgerFilter(scheme=old, date_from=old_year[0],
                                                 date_to=old_year[1]), 0),
        ("scheme 2026 + one day",
         LedgerFilter(scheme=new, date_from=year_ago, date_to=year_ago), 0),
        ("name 1 char common 王", LedgerFilter(query="王"), 0),
        ("name 1 char common 伟", LedgerFilter(query="伟"), 0),
        ("name 1 char rare 璟", LedgerFilter(query="璟"), 0),
        ("name 1 char absent 龘", LedgerFilter(query="龘"), 0),
        ("name 2 chars common 张伟", LedgerFilter(query="张伟"), 0),
        ("name 2 chars rare 王璟", LedgerFilter(query="王璟"), 0),
        ("name 2 chars absent 张龘", LedgerFilter(query="张龘"), 0),
        ("name 3 chars common 王建国", LedgerFilter(query="王建国"), 0),
        ("name 3 chars compound 欧阳明", LedgerFilter(query="欧阳明"), 0),
        ("name 3 chars absent 欧阳龘", LedgerFilter(query="欧阳龘"), 0),
        ("name 王, offset 10,000", LedgerFilter(query="王"), 10_000),
        ("receipt 0007", LedgerFilter(query="0007"), 0),
        ("receipt 20261121-00", LedgerFilter(query=f"{day:%Y%m%d}-00"), 0),
        ("receipt, whole", LedgerFilter(query=s.some_receipt), 0),
        ("receipt CY01-2025 (a station's year)", LedgerFilter(query=f"CY01-{day.year - 1}"), 0),
        ("receipt 2025 (a year: 50% of rows)", LedgerFilter(query=str(day.year - 1)), 0),
        ("receipt 2 chars 07", LedgerFilter(query="07"), 0),
        ("ID start 6 (district 110105)", LedgerFilter(query="110105"), 0),
        ("ID start 10 (district + year)", LedgerFilter(query=s.some_id[:10]), 0),
        ("ID start 14 (+ birthday)", LedgerFilter(query=s.some_id[:14]), 0),
        ("ID whole", LedgerFilter(query=s.some_id), 0),
        ("name 王 + status returned", LedgerFilter(query="王", status=RETURNED), 0),
        ("name 张 + a month a year ago",
         LedgerFilter(query="张", date_from=old_month[0], date_to=old_month[1]), 0),
        ("name 王璟 + scheme 2026", LedgerFilter(query="王璟", scheme=new), 0),
        ("receipt 0007 + scheme 2016 + paid",
         LedgerFilter(query="0007", scheme=old, status=PAID), 0),
        ("ID 110105 + status accepted", LedgerFilter(query="110105", status=ACCEPTED), 0),
        ("all four: 李 + 2026 + paid + last year",
         LedgerFilter(query="李", scheme=new, status=PAID, date_from=old_year[0],
                      date_to=old_year[1]), 0),
    ]  # fmt: skip


def measure(store: Store, *, rounds: int = 15, lookups: int = 200) -> list[Timing]:
    s = _samples(store)
    results: list[Timing] = []

    def lookup(name: str, fn: Callable[[Session, Any], Any], values: Sequence[Any]) -> None:
        # Inside an open transaction, as the save path makes them (services/applications.py).
        next_value = _cycle(values)
        with store.session() as session:
            times, _ = _time(lambda: fn(session, next_value()), lookups)
        results.append(Timing(name, 2.0, times))

    lookup(
        "lookup by receipt (with member and history)", repository.application_by_receipt, s.receipts
    )
    lookup("lookup by ID number", repository.member_by_id_number, s.id_numbers)
    lookup("duplicate check (live_claim)", lambda ss, c: repository.live_claim(ss, *c), s.claims)

    for name, filter_, offset in ledger_cases(s):
        times, rows = _time(
            lambda f=filter_, o=offset: ledger_view.ledger(store, f, limit=100, offset=o), rounds
        )
        results.append(Timing(f"page: {name}", 50.0, times, len(rows)))
        if offset:
            # The same page by key (after the last id of the page before), as the GUI's lazy
            # model will fetch it.
            with store.session() as session:
                before = ledger_query.ledger_page(session, filter_, limit=1, offset=offset - 1)
            after = before[0].id if before else None

            def by_key(f: LedgerFilter = filter_, after_id: int | None = after) -> list[Any]:
                with store.session() as session:
                    page = ledger_query.ledger_page(session, f, limit=100, after_id=after_id)
                    return [ledger_view.ledger_row(app) for app in page]

            times, rows = _time(by_key, rounds)
            label = name.replace(f"offset {offset:,}", f"by key after {offset:,} rows")
            results.append(Timing(f"page: {label}", 50.0, times, len(rows)))
    for name, filter_, offset in ledger_cases(s):
        if offset:
            continue
        times, total = _time(lambda f=filter_: ledger_view.ledger_count(store, f), 3)
        results.append(Timing(f"count: {name}", None, times, total))
        for cap in COUNT_CAPS:
            times, total = _time(
                lambda f=filter_, c=cap: ledger_view.ledger_count(store, f, limit=c), 3
            )
            results.append(Timing(f"count ≤ {cap:,}: {name}", None, times, total))
    results.extend(measure_statistics(store, s.newest_day))
    return results


def statistics_cases(newest: date) -> list[tuple[str, dict[str, Any]]]:
    """The 统计 section's periods: a month, a station's year, a year, everything."""
    year = (date(newest.year - 1, 1, 1), date(newest.year - 1, 12, 31))
    return [
        ("a month", {"date_from": newest - timedelta(days=30), "date_to": newest}),
        ("a station's year", {"date_from": year[0], "date_to": year[1], "station_code": "XC01"}),
        ("a year", {"date_from": year[0], "date_to": year[1]}),
        ("everything", {}),
    ]


def measure_statistics(store: Store, newest: date, rounds: int = 5) -> list[Timing]:
    """What the 统计 section does for each period — the overview (services/statistics.py)
    and its one-page report with the charts (the section shows that page: rendering it to an
    image adds ~10 ms) — against issue 19's ≤ 1 s."""
    from desktop_app.services.statistics import Overview, overview, report_pdf

    def section(period: dict[str, Any]) -> Overview:
        found = overview(store, **period)
        report_pdf(found)
        return found

    found = []
    for name, period in statistics_cases(newest):
        times, result = _time(lambda p=period: section(p), rounds)
        found.append(Timing(f"statistics + report: {name}", 1000.0, times, result.count))
    return found


# --- running: SQLite (cached) and PostgreSQL ------------------------------------------------


@dataclass
class Report:
    backend: str
    rows: int
    built: Built
    cached: bool
    size_mb: float
    size_detail: str
    timings: list[Timing]
    # The raw sqlite3 read of 100 rows by key (bench/yardstick.py): on SQLite from this very
    # file, so that a page's p95 divided by it is what the page costs in raw reads of as many
    # rows; on PostgreSQL the run's yardstick, for comparing machines.
    raw_read_ms: float = 0.0


def _cache_key(rows: int) -> str:
    digest = hashlib.sha256(f"{DATA_VERSION}:{rows}".encode())
    for path in sorted((ROOT / "db" / "versions").glob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _sqlite_size(store: Store) -> tuple[float, str]:
    with store.connection() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        objects = connection.exec_driver_sql(
            "SELECT name, sum(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC"
        ).all()
    path = store.sqlite_path
    assert path is not None
    total = path.stat().st_size / 1e6
    search = sum(size for name, size in objects if name.startswith("application_search"))
    named = ", ".join(f"{name} {size / 1e6:.0f}" for name, size in objects if size >= 1e6)
    return total, f"{named}; search tables together {search / 1e6:.0f} (MB)"


def _postgresql_size(store: Store) -> tuple[float, str]:
    with store.connection() as connection:
        rows = connection.exec_driver_sql(
            "SELECT c.relname, pg_total_relation_size(c.oid) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = current_schema() AND c.relkind = 'r' ORDER BY 2 DESC"
        ).all()
        search = connection.execute(
            text(
                "SELECT coalesce(sum(pg_relation_size(c.oid)), 0) FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = current_schema() AND c.relname LIKE :search"
            ),
            {"search": "ix_application_search_%"},
        ).scalar_one()
    total = sum(float(size) for _name, size in rows) / 1e6
    named = ", ".join(f"{name} {float(size) / 1e6:.0f}" for name, size in rows[:3])
    search = float(search)
    return (
        total,
        f"tables with their indexes and TOAST: {named}; search indexes {search / 1e6:.0f} (MB)",
    )


def run_sqlite(rows: int, *, rebuild: bool = False, rounds: int = 15) -> Report:
    folder = CACHE / f"sqlite-{rows}-{_cache_key(rows)}"
    stamp = folder / "built.json"
    cached = stamp.exists() and not rebuild
    if not cached:
        shutil.rmtree(folder, ignore_errors=True)
        print(f"building a SQLite database of {rows:,} applications in {folder} …", file=sys.stderr)
        store = open_store(None, folder, auto_backup=False)
        try:
            built = fill(store, rows)
        finally:
            store.dispose()
        stamp.write_text(json.dumps(built.__dict__))
    built = Built(**json.loads(stamp.read_text()))
    store = open_store(None, folder, auto_backup=False)
    try:
        size, detail = _sqlite_size(store)
        raw = yardstick.sqlite_read_ms(store.sqlite_path)
        timings = measure(store, rounds=rounds)
    finally:
        store.dispose()
    return Report("SQLite", rows, built, cached, size, detail, timings, raw)


def run_postgresql(server: str, rows: int, *, rounds: int = 15) -> Report:
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f"CREATE SCHEMA {schema}")
    url = make_url(server).update_query_dict({"options": f"-csearch_path={schema},public"})
    home = Path(tempfile.mkdtemp(prefix="union-counter-bench-"))
    try:
        print(f"building a PostgreSQL database of {rows:,} applications in {schema} …",
              file=sys.stderr)  # fmt: skip
        store = open_store(url.render_as_string(hide_password=False), home, auto_backup=False)
        try:
            built = fill(store, rows)
            # A district server's autovacuum would have done this by the time anyone
            # searches: statistics for the planner, the visibility map for index-only scans.
            with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                c.exec_driver_sql("VACUUM ANALYZE")
            size, detail = _postgresql_size(store)
            timings = measure(store, rounds=rounds)
        finally:
            store.dispose()
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        admin.dispose()
        shutil.rmtree(home, ignore_errors=True)
    return Report("PostgreSQL", rows, built, False, size, detail, timings)


def run_postgresql_rls(server: str, rows: int, *, rounds: int = 15) -> list[Report]:
    """`--rls`: the same PostgreSQL database measured without row-level security (as the
    owner, before `server setup`) and with it (as station XC01's role after the setup, which
    sees its eighth of the rows). A database of its own: the setup's grants are the
    database's (CONNECT among them), not a schema's."""
    from desktop_app.services.server_setup import setup_server
    from desktop_app.storage import server_roles

    name = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f"CREATE DATABASE {name}")
    url = make_url(server).set(database=name)
    home = Path(tempfile.mkdtemp(prefix="union-counter-bench-"))
    made: list[str] = []
    reports: list[Report] = []
    try:
        print(f"building a PostgreSQL database of {rows:,} applications in {name} …",
              file=sys.stderr)  # fmt: skip
        owner_url = url.render_as_string(hide_password=False)
        store = open_store(owner_url, home, auto_backup=False)
        try:
            built = fill(store, rows)
            with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                c.exec_driver_sql("VACUUM ANALYZE")
            size, detail = _postgresql_size(store)
            reports.append(
                Report(
                    "PostgreSQL, RLS off (owner)",
                    rows,
                    built,
                    False,
                    size,
                    detail,
                    measure(store, rounds=rounds),
                )
            )
        finally:
            store.dispose()
        password = uuid.uuid4().hex
        result = setup_server(
            owner_url, [code for code, _ in STATIONS], actor=CLERK, district="西城区",
            password_for="XC01", password=password, home=home,
        )  # fmt: skip
        made = [s.role for s in result.stations if s.created]
        station_url = url.set(username=server_roles.station_role("XC01"), password=password)
        station = open_store(station_url.render_as_string(hide_password=False), home / "xc01")
        try:
            station_settings.save_station(station, actor=CLERK, code="XC01", name=STATIONS[0][1])
            reports.append(
                Report(
                    "PostgreSQL, RLS on (uc_station_xc01)",
                    rows,
                    built,
                    False,
                    size,
                    detail,
                    measure(station, rounds=rounds),
                )
            )
        finally:
            station.dispose()
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            for role in made:
                connection.exec_driver_sql(f"DROP ROLE IF EXISTS {role}")
        admin.dispose()
        shutil.rmtree(home, ignore_errors=True)
    return reports


TARGET_RATE = 20_000.0
TARGET_SIZE_MB = 400.0


def print_report(report: Report) -> bool:
    """Print one backend's figures in run_bench's style; True if every target holds."""
    scale = report.rows / 1_000_000
    ok_all = True
    stick = yardstick.current()
    raw = report.raw_read_ms or stick.measure("sqlite")
    python = stick.measure("python")
    print()
    print(f"store on {report.backend}, {report.rows:,} applications")
    source = "this file" if report.raw_read_ms else stick.sqlite_file
    print(
        f"(× raw: p95 in raw sqlite3 reads of 100 rows by key, {raw:.3f} ms on {source}; "
        f"{stick.describe()})"
    )
    print(f"{'measure':52} {'p50':>9} {'p95':>9} {'target':>9}  result")
    rate_ok = report.built.rate >= TARGET_RATE
    ok_all &= rate_ok
    note = "measured when the cached database was built" if report.cached else "this run"
    print(
        f"{'bulk insert (applications/s)':52} {report.built.rate:>9,.0f} {'':>9} "
        f"{TARGET_RATE:>9,.0f}  {'ok' if rate_ok else 'MISSED'}  "
        f"({report.built.seconds:.0f} s in the insert, {report.built.wall:.0f} s with "
        f"generating the rows; {note}; 1,000 applications take "
        f"{1e6 / report.built.rate / python:,.1f}× the Python loop)"
    )
    size_target = TARGET_SIZE_MB * scale
    size_ok = report.backend != "SQLite" or report.size_mb <= size_target
    ok_all &= size_ok
    print(
        f"{'database size (MB)':52} {report.size_mb:>9,.0f} {'':>9} "
        f"{f'{size_target:,.0f}' if report.backend == 'SQLite' else '—':>9}  "
        f"{('ok' if size_ok else 'MISSED') if report.backend == 'SQLite' else 'reported'}  "
        f"({report.size_detail})"
    )
    for t in report.timings:
        if t.target_ms is None:
            result = "reported"
            target = ""
        else:
            good = t.p95 <= t.target_ms
            ok_all &= good
            result = "ok" if good else "MISSED"
            target = f"{t.target_ms:.0f} ms"
        rows = (
            ""
            if t.rows is None
            else f"  ({t.rows:,} {'rows' if t.name.startswith('page') else 'counted'})"
        )
        print(
            f"{t.name:52} {t.p50:>6.2f} ms {t.p95:>6.2f} ms {target:>9}  {result}"
            f"  ×{t.p95 / raw:,.0f} raw{rows}"
        )
    return ok_all


def run(
    rows: int = 1_000_000, *, pg: bool | None = None, rebuild: bool = False, rounds: int = 15
) -> bool:
    """Measure SQLite, and PostgreSQL when a server is given; True if every target holds."""
    ok = print_report(run_sqlite(rows, rebuild=rebuild, rounds=rounds))
    server = os.environ.get("UNION_COUNTER_TEST_PG")
    if pg is None:
        pg = bool(server)
    if pg:
        if not server:
            print("--pg: set UNION_COUNTER_TEST_PG to a PostgreSQL server URL", file=sys.stderr)
            return False
        ok &= print_report(run_postgresql(server, rows, rounds=rounds))
    else:
        print("\n(PostgreSQL not measured: UNION_COUNTER_TEST_PG is not set)")
    return ok


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="applications (1,000,000)")
    parser.add_argument("--rounds", type=int, default=15, help="timed runs of each ledger query")
    parser.add_argument("--rebuild", action="store_true", help="build the SQLite file again")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--pg", dest="pg", action="store_true", default=None)
    group.add_argument("--no-pg", dest="pg", action="store_false")
    parser.add_argument(
        "--rls",
        action="store_true",
        help="PostgreSQL only: the same database without and with row-level security",
    )
    args = parser.parse_args(argv)
    if args.rls:
        server = os.environ.get("UNION_COUNTER_TEST_PG")
        if not server:
            print("--rls: set UNION_COUNTER_TEST_PG to a PostgreSQL server URL", file=sys.stderr)
            return 1
        ok = True
        for report in run_postgresql_rls(server, args.rows, rounds=args.rounds):
            ok &= print_report(report)
        return 0 if ok else 1
    return 0 if run(args.rows, pg=args.pg, rebuild=args.rebuild, rounds=args.rounds) else 1


if __name__ == "__main__":
    sys.exit(main())
