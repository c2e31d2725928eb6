"""Use case: `union-counter --self-test` — prove an installation works, end to end.

Run in the source checkout, an installed wheel or the frozen bundle, it does a clerk's day in a
temporary data folder (never the user's own: `UNION_COUNTER_HOME` points at the temporary
folder, `UNION_COUNTER_DB` and the machine-wide file are ignored while it runs): finds the data
folders, loads the schemes, searches the catalogue, checks the PostgreSQL driver loads, creates
a database, sets a station, quotes and saves one application of each scheme, prints Annex 2 and
the receipts as PDF, exports the ledger, exports a signed exchange file and checks its
signature (and imports it again), opens the same database a second time as a second copy of the
program would, and verifies the audit chain. Each result is compared with the value it must
have.

No Qt: it runs on a machine without a screen. Each step prints one line as it ends; the first
step that fails stops the run (the later steps are listed as not run).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktop_app.services.machine_settings import CONFIG_VARIABLE

if TYPE_CHECKING:
    from desktop_app.storage.database import Store

# A fixed clock: the receipt numbers and the dates printed are known in advance.
NOW = datetime(2026, 11, 21, 9, 30, 0)
CLERK = "自检"
STATION = "ZJ01"
STATION_NAME = "程序自检服务站"

OK = "OK"
FAIL = "FAIL"
NOT_RUN = "----"


class SelfTestError(Exception):
    """A check that did not hold: the message says what was expected and what was found."""


@dataclass
class Step:
    id: str
    title: str
    status: str = NOT_RUN
    detail: str = ""
    seconds: float = 0.0

    def line(self, number: int, total: int) -> str:
        text = f"[{self.status:^4}] {number:2d}/{total} {self.id}（{self.title}）"
        if self.status in (OK, FAIL):
            text += f" {self.seconds:.2f} s"
        if self.detail:
            text += f"：{self.detail}"
        return text


@dataclass
class Report:
    steps: list[Step]
    seconds: float = 0.0
    home: str = ""

    @property
    def ok(self) -> bool:
        return all(step.status == OK for step in self.steps)

    @property
    def failed(self) -> list[Step]:
        return [step for step in self.steps if step.status == FAIL]


@dataclass
class _Context:
    home: Path
    out: Path
    store: Store | None = None
    receipts: dict[str, str] = field(default_factory=dict)
    amounts: dict[str, int] = field(default_factory=dict)


def _make_id(serial: int) -> str:
    from desktop_app.domain.validators import resident_id_check_char

    first17 = f"11010519800101{serial % 1000:03d}"
    return first17 + resident_id_check_char(first17)


# The sample applications and what the schemes pay for them (the policy files' rates: 2026 A-tier
# 中级工（四级） 1500×1.2 = 1800; 2016 国家职业资格一级 2000; 2016 中级社会工作者 1000).
SAMPLES: dict[str, tuple[dict[str, Any], int]] = {
    "skill_level_2026": (
        {
            "scheme": "bj-2026-skills",
            "applied_on": "2026-11-21",
            "member": {
                "name": "张伟",
                "id_number": "",
                "phone": "13800138000",
                "work_unit": "北京市西城区某物业公司",
                "position": "无人机驾驶员",
                "card_number": "6217000010001234569",
                "key_group": True,
            },
            "certificate": {
                "kind": "skill_level",
                "occupation": "无人机驾驶员",
                "level": 4,
                "number": "S000011010500001",
                "issued_on": "2026-06-01",
                "issuer": "北京市某职业技能等级认定机构",
            },
        },
        1800,
    ),
    "qualification_2016": (
        {
            "scheme": "bj-2016-union-boost",
            "applied_on": "2017-03-15",
            "late_entry_reason": "自检：纸质登记表补录",
            "member": {
                "name": "王五",
                "id_number": "",
                "card_number": "6217000010001234569",
                "union_affiliated": True,
            },
            "certificate": {
                "kind": "qualification",
                "occupation": "电力调度员",
                "level": 1,
                "issued_on": "2016-09-20",
            },
        },
        2000,
    ),
    "social_worker_2016": (
        {
            "scheme": "bj-2016-union-boost",
            "applied_on": "2017-03-15",
            "late_entry_reason": "自检：纸质登记表补录",
            "member": {
                "name": "李明",
                "id_number": "",
                "phone": "13800138000",
                "work_unit": "北京市西城区某街道总工会",
                "position": "专职工会社会工作者",
                "card_number": "6217000010001234569",
                "union_affiliated": True,
                "full_time_union_social_worker": True,
            },
            "certificate": {
                "kind": "social_worker",
                "grade": "intermediate",
                "number": "2016110000123",
                "issued_on": "2016-06-15",
                "approved_on": "2016-06-01",
                "issuer": "北京市人力资源和社会保障局",
                "management_number": "GL2016-0001",
            },
        },
        1000,
    ),
}


def sample(name: str) -> tuple[dict[str, Any], int]:
    """A copy of the named sample application (with its own valid ID number) and the
    amount it must be given."""
    import copy

    data, amount = SAMPLES[name]
    result = copy.deepcopy(data)
    result["member"]["id_number"] = _make_id(list(SAMPLES).index(name) + 1)
    return result, amount


def _expect(condition: bool, message: str) -> None:
    if not condition:
        raise SelfTestError(message)


def _store(ctx: _Context) -> Store:
    if ctx.store is None:
        raise SelfTestError("数据库没有打开")
    return ctx.store


# --- the steps ---------------------------------------------------------------------------------


def step_data_folders(ctx: _Context) -> str:
    """The bundle's data folders (resources, db, forms) are there and not empty."""
    from desktop_app.paths import data_root

    where = []
    for name in ("resources", "db", "forms"):
        folder = data_root(name)
        _expect(any(folder.iterdir()), f"数据目录 {folder} 是空的")
        where.append(str(folder))
    _expect((data_root("db") / "env.py").is_file(), "db/env.py 缺失（数据库迁移脚本）")
    _expect(any((data_root("db") / "versions").glob("*.py")), "db/versions 里没有迁移脚本")
    kind = "bundle" if getattr(sys, "frozen", False) else "python"
    return f"{kind}; " + ", ".join(where)


def step_policies(ctx: _Context) -> str:
    """Both shipped schemes load without errors."""
    from desktop_app.paths import policies_dir
    from desktop_app.services.policies import policy_set

    policies = policy_set()
    problems = [str(error) for error in policies.errors]
    _expect(not problems, "政策文件有误：" + "；".join(problems))
    wanted = {"bj-2026-skills", "bj-2016-union-boost"}
    missing = wanted - set(policies.policies)
    _expect(not missing, f"{policies_dir()} 中缺少方案：{'、'.join(sorted(missing))}")
    return f"{len(policies.policies)} 个方案（{policies_dir()}）"


def step_catalogue(ctx: _Context) -> str:
    """The catalogue search finds by pinyin initials and by occupation code."""
    from desktop_app.services.catalogue import default_search

    search = default_search()
    rows = search.search("wrjjsy", limit=5)
    names = [row.entry.name for row in rows]
    _expect("无人机驾驶员" in names, f"拼音 wrjjsy 没有找到“无人机驾驶员”（找到：{names}）")
    rows = search.search("4-02-04-06", limit=5)
    _expect(any(row.entry.name == "无人机驾驶员" for row in rows), "代码 4-02-04-06 没有找到职业")
    return f"目录 {len(search)} 条；拼音、代码搜索正常"


def step_postgres_driver(ctx: _Context) -> str:
    """The PostgreSQL driver (psycopg) is bundled and loads."""
    from desktop_app.storage.database import postgres_driver

    driver, versions = postgres_driver()
    _expect(driver == "psycopg", f"驱动是 {driver}")
    return versions


def step_database(ctx: _Context) -> str:
    """A fresh SQLite database is created and migrated to the newest schema."""
    from desktop_app.services.store import open_store
    from desktop_app.storage.migrations import schema_state

    ctx.store = open_store(None, ctx.home, now=NOW)
    store = ctx.store
    _expect(store.is_sqlite and store.sqlite_path is not None, "没有使用 SQLite 数据库")
    assert store.sqlite_path is not None
    _expect(
        store.sqlite_path.resolve().is_relative_to(ctx.home.resolve()),
        f"数据库 {store.sqlite_path} 不在临时数据文件夹 {ctx.home} 中",
    )
    state = schema_state(store)
    _expect(state.up_to_date, f"数据库版本 {state.current}，应为 {state.head}")
    return f"已建立，版本 {state.current}：{store.sqlite_path.name}"


def step_station(ctx: _Context) -> str:
    """The station settings are saved in the data folder's own file and read back."""
    from desktop_app.services.station_settings import save_station, station, station_file

    save_station(
        _store(ctx), actor=CLERK, code=STATION, name=STATION_NAME, district="西城区", now=NOW
    )
    here = station(_store(ctx))
    _expect(here is not None and here.code == STATION, f"服务站代码没有保存（读到 {here}）")
    kept = station_file(_store(ctx))
    _expect(kept.is_file(), f"服务站设置文件没有写入：{kept}")
    return f"{STATION} {STATION_NAME}"


def _quote_and_save(ctx: _Context, name: str) -> str:
    from desktop_app.services.applications import save_application
    from desktop_app.services.quote import quote_mapping

    data, expected = sample(name)
    quoted = quote_mapping(data)
    _expect(
        quoted.eligible and quoted.amount == expected,
        f"试算结果 {'符合' if quoted.eligible else '不符合'}条件、{quoted.amount} 元，"
        f"应为符合条件、{expected} 元",
    )
    saved = save_application(_store(ctx), data, clerk=CLERK, now=NOW)
    number = len(ctx.receipts) + 1
    receipt = f"{STATION}-{NOW:%Y%m%d}-{number:04d}"
    _expect(saved.receipt == receipt, f"受理编号是 {saved.receipt}，应为 {receipt}")
    _expect(
        saved.decision.eligible and saved.decision.amount == expected,
        f"保存的决定是 {saved.decision.amount} 元，应为 {expected} 元",
    )
    ctx.receipts[name] = saved.receipt
    ctx.amounts[name] = expected
    return f"{saved.receipt} {expected} 元"


def _pdf_pages(pdf: bytes) -> int:
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    try:
        pages = len(document)
        if pages:
            page = document[0]
            try:
                width, height = page.get_size()  # A4 is 595 × 842 points
            finally:
                page.close()
            _expect(
                abs(width - 595.3) < 2 and abs(height - 841.9) < 2,
                f"页面大小 {width:.0f}×{height:.0f} pt，不是 A4",
            )
        return pages
    finally:
        document.close()


def _check_pdf(path: Path, pages: int) -> None:
    data = path.read_bytes()
    _expect(data.startswith(b"%PDF-"), f"{path.name} 不是 PDF 文件（开头是 {data[:8]!r}）")
    _expect(b"%%EOF" in data[-1024:], f"{path.name} 不完整（没有 %%EOF）")
    found = _pdf_pages(data)
    _expect(found == pages, f"{path.name} 有 {found} 页，应为 {pages} 页")


def step_print_annex2(ctx: _Context) -> str:
    """Annex 2 is printed for the social-worker sample with every character in the fonts."""
    from desktop_app.services.printing import print_to_file

    receipt = ctx.receipts["social_worker_2016"]
    out = ctx.out / "annex2.pdf"
    result = print_to_file(_store(ctx), [receipt], out, actor=CLERK, form="annex2", now=NOW)
    _expect(not result.missing, "缺字（字体不全）：" + "".join(result.missing))
    _expect([job.form_id for job in result.jobs] == ["annex2"], f"打印的表格是 {result.jobs}")
    _check_pdf(out, 1)
    return f"{out.name} 1 页，{out.stat().st_size} 字节"


def step_print_receipts(ctx: _Context) -> str:
    """A receipt is printed for every sample, and printing moved them to 已打印."""
    from desktop_app.services.ledger_view import application_detail
    from desktop_app.services.printing import print_to_file

    receipts = list(ctx.receipts.values())
    out = ctx.out / "receipts.pdf"
    result = print_to_file(_store(ctx), receipts, out, actor=CLERK, form="receipt", now=NOW)
    _expect(not result.missing, "缺字（字体不全）：" + "".join(result.missing))
    _expect([job.receipt for job in result.jobs] == receipts, f"打印的申请是 {result.jobs}")
    _check_pdf(out, len(receipts))
    for receipt in receipts:
        status = application_detail(_store(ctx), receipt).row.status
        _expect(status == "printed", f"{receipt} 打印后状态是 {status}，应为已打印")
    return f"{out.name} {len(receipts)} 页，{out.stat().st_size} 字节；状态已改为已打印"


def step_ledger_export(ctx: _Context) -> str:
    """The ledger is exported and the workbook reads back with the right count and total."""
    from desktop_app.services.ledger_export import export_ledger

    out = ctx.out / "ledger.xlsx"
    result = export_ledger(_store(ctx), out, None, actor=CLERK, now=NOW)
    total = sum(ctx.amounts.values())
    _expect(result.rows == len(ctx.receipts), f"导出 {result.rows} 份，应为 {len(ctx.receipts)} 份")
    _expect(result.total_amount == total, f"导出合计 {result.total_amount} 元，应为 {total} 元")
    data = out.read_bytes()
    _expect(data.startswith(b"PK"), f"{out.name} 不是 Excel 工作簿")
    from desktop_app.exchange.xlsx_reader import XlsxBook

    with XlsxBook(out) as book:  # the program's one reader of workbooks
        sheet = book[book.sheetnames[0]]
        cells = {str(v) for _number, row in sheet.rows() for v in row if v}
    missing = [r for r in ctx.receipts.values() if r not in cells]
    _expect(not missing, f"{out.name} 中没有受理编号 {'、'.join(missing)}")
    return f"{out.name} {result.rows} 份，合计 {result.total_amount} 元"


def step_exchange_signed(ctx: _Context) -> str:
    """The exchange file is signed with the station's key (made now, 0600), its signature
    verifies (the signing library loads), a changed manifest does not, and the station
    imports its own file (every application already there)."""
    import dataclasses

    from desktop_app.exchange import batch as fmt
    from desktop_app.services.exchange import export_batch, import_batch, signing_key

    store = _store(ctx)
    out = ctx.out / "exchange.xlsx"
    manifest = export_batch(store, out, actor=CLERK, now=NOW).manifest
    _expect(manifest is not None, "交换文件没有写成")
    assert manifest is not None
    signer = signing_key.read_signer(ctx.home)
    _expect(signer is not None, "没有生成签名密钥文件")
    assert signer is not None
    read = fmt.read_batch(out).manifest
    _expect(fmt.verifies(read, signer.public_key), "交换文件的签名校验不通过")
    forged = dataclasses.replace(read, count=read.count + 1)
    _expect(not fmt.verifies(forged, signer.public_key), "改动清单后签名仍然校验通过")
    mode = signing_key.key_path(ctx.home).stat().st_mode & 0o777
    _expect(os.name != "posix" or mode == 0o600, f"密钥文件权限是 {oct(mode)}，应为 0o600")
    report = import_batch(store, out, actor=CLERK, now=NOW)
    _expect(report.ok, f"本站导入自己的交换文件被拒绝：{report.refused}")
    _expect(
        len(report.already) == len(ctx.receipts),
        f"导入自己的文件：已有 {len(report.already)} 份，应为 {len(ctx.receipts)} 份",
    )
    return f"{out.name} {manifest.count} 份，签名密钥指纹 {signer.fingerprint}，签名校验通过"


def step_second_copy(ctx: _Context) -> str:
    """A second copy of the program opens the same data folder while the first has it open."""
    from desktop_app.domain.ledger_filter import LedgerFilter
    from desktop_app.services.ledger_view import ledger_count
    from desktop_app.services.station_settings import save_station
    from desktop_app.services.store import open_store
    from desktop_app.storage.errors import DatabaseLockedError

    first = _store(ctx)
    second = open_store(None, ctx.home, now=NOW, busy_timeout_ms=300)
    try:
        count = ledger_count(second, LedgerFilter())
        _expect(count == len(ctx.receipts), f"第二个副本读到 {count} 份，应为 {len(ctx.receipts)}")
        # While the first copy is writing, the second waits its busy timeout, then says so.
        with first.connection(write=True):
            try:
                save_station(second, actor=CLERK, name="第二个副本", now=NOW)
            except DatabaseLockedError as exc:
                message = exc.message
            else:
                raise SelfTestError("第一个副本正在写入时，第二个副本也写入成功了")
        _expect("占用" in message, f"数据库被占用时的提示不清楚：{message}")
        save_station(second, actor=CLERK, name=STATION_NAME + "（二）", now=NOW)
    finally:
        second.dispose()
    return f"第二个副本读到 {count} 份；占用时提示“{message[:18]}…”；之后写入正常"


def step_accounts(ctx: _Context) -> str:
    """The first administrator is made, a wrong password refused, the right one signs in
    (argon2id from the bundled libsodium); the audit check that follows runs as that account."""
    from desktop_app.services.accounts import SignInError, create_first_admin, sign_in
    from desktop_app.services.permissions import accounts_enabled

    store = _store(ctx)
    password = "Self-test-pass-1"
    create_first_admin(store, username="selftest", name="自检", password=password)
    _expect(accounts_enabled(store), "建立管理员后数据库仍没有账户")
    store.account = None
    try:
        sign_in(store, "selftest", "not-the-password")
    except SignInError:
        pass
    else:
        raise SelfTestError("错误的密码也能登录")
    signed = sign_in(store, "selftest", password)
    _expect(signed.may("accounts.manage"), "管理员没有管理账户的权限")
    return "管理员账户建立、错误密码被拒绝、正确密码登录"


def step_audit(ctx: _Context) -> str:
    """The audit chain of everything the self-test did is whole."""
    from desktop_app.services.audit_trail import verify_audit

    result = verify_audit(_store(ctx))
    _expect(result.ok, f"审计记录校验失败：{result.message}")
    return f"{result.events} 条审计事件完整"


STEPS: list[tuple[str, str, Callable[[_Context], str]]] = [
    ("data_folders", "数据目录 resources/db/forms", step_data_folders),
    ("policies", "政策文件", step_policies),
    ("catalogue", "目录搜索", step_catalogue),
    ("postgres_driver", "PostgreSQL 驱动", step_postgres_driver),
    ("database", "建立数据库", step_database),
    ("station", "设置服务站", step_station),
    (
        "apply_2026_skill_level",
        "2026 技能等级：无人机驾驶员四级，重点群体",
        lambda ctx: _quote_and_save(ctx, "skill_level_2026"),
    ),
    (
        "apply_2016_qualification",
        "2016 职业资格：电力调度员一级",
        lambda ctx: _quote_and_save(ctx, "qualification_2016"),
    ),
    (
        "apply_2016_social_worker",
        "2016 社会工作者：中级",
        lambda ctx: _quote_and_save(ctx, "social_worker_2016"),
    ),
    ("print_annex2", "打印附件2申请表", step_print_annex2),
    ("print_receipts", "打印受理回执", step_print_receipts),
    ("ledger_export", "导出台账 Excel", step_ledger_export),
    ("exchange_signed", "交换文件签名与校验", step_exchange_signed),
    ("second_copy", "第二个副本同时打开", step_second_copy),
    ("accounts", "账户与登录", step_accounts),
    ("audit", "校验审计记录", step_audit),
]


@contextmanager
def _temporary_home(keep: bool) -> Iterator[Path]:
    """A fresh data folder; `UNION_COUNTER_HOME` points at it, `UNION_COUNTER_DB` is unset and
    the PC's machine-wide file is not read (what IT fixed there is for the clerks' work, not
    for the self-test's throw-away folder)."""
    names = ("UNION_COUNTER_HOME", "UNION_COUNTER_DB", CONFIG_VARIABLE)
    saved = {name: os.environ.get(name) for name in names}
    folder = Path(tempfile.mkdtemp(prefix="union-counter-selftest-"))
    os.environ["UNION_COUNTER_HOME"] = str(folder / "home")
    os.environ.pop("UNION_COUNTER_DB", None)
    os.environ[CONFIG_VARIABLE] = ""
    try:
        yield folder
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        if not keep:
            import shutil

            shutil.rmtree(folder, ignore_errors=True)


def run_self_test(
    emit: Callable[[str], None] | None = None, *, keep: bool = False, verbose: bool = False
) -> Report:
    """Run every step in a temporary data folder; `emit` gets one line per step as it ends."""
    say = emit or (lambda line: None)
    steps = [Step(step_id, title) for step_id, title, _ in STEPS]
    started = time.perf_counter()
    with _temporary_home(keep) as folder:
        ctx = _Context(home=folder / "home", out=folder / "out")
        ctx.out.mkdir()
        say(f"自检：临时数据文件夹 {folder}{'（保留）' if keep else '（结束后删除）'}")
        try:
            stopped = False
            for number, (step, (_id, _title, action)) in enumerate(
                zip(steps, STEPS, strict=True), start=1
            ):
                if stopped:
                    say(step.line(number, len(steps)) + "：未执行（前面的步骤失败）")
                    continue
                begun = time.perf_counter()
                try:
                    step.detail = action(ctx)
                    step.status = OK
                except Exception as exc:
                    step.status, step.detail = FAIL, _describe(exc)
                    if verbose:
                        step.detail += "\n" + traceback.format_exc()
                    stopped = True
                step.seconds = time.perf_counter() - begun
                say(step.line(number, len(steps)))
        finally:
            if ctx.store is not None:
                ctx.store.dispose()
    report = Report(steps, time.perf_counter() - started, str(folder))
    if report.ok:
        say(f"自检通过：{len(steps)} 步，用时 {report.seconds:.2f} s")
    else:
        names = "、".join(f"{step.id}（{step.title}）" for step in report.failed)
        say(f"自检失败：{names}，用时 {report.seconds:.2f} s")
    return report


def _describe(exc: BaseException) -> str:
    message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    if isinstance(exc, SelfTestError):
        return str(message)
    return f"{type(exc).__name__}: {message}"


def main(emit: Callable[[str], None] | None = None, *, verbose: bool = False) -> int:
    """`--self-test`: 0 when every step passed, 1 otherwise."""
    report = run_self_test(emit or (lambda line: print(line, flush=True)), verbose=verbose)
    return 0 if report.ok else 1


__all__ = ["SAMPLES", "STEPS", "Report", "SelfTestError", "Step", "main", "run_self_test"]
