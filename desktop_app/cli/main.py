"""`union-counter` command line: a thin layer over the services.

With a subcommand it does headless work; with none it opens the counter window. The parser
(every subcommand and argument, help and usage errors in Chinese) is in `cli/parser.py`; the
handlers are here.

Commands that use the database take `--db URL` (else `UNION_COUNTER_DB`, else the SQLite
file in the data folder); commands where a person acts take `--clerk NAME` (else
`UNION_COUNTER_CLERK`, else the operating-system login name).

Exit codes:
  0  done (for `quote` and `apply`, whether eligible or not);
  1  an unexpected internal error (a bug: a short message, never a traceback);
  2  bad input or usage, or a request refused before anything changed (unknown receipt,
     a status change not allowed, a backup that fails its checks, station not set, a form
     that does not apply to the application, an Excel file that cannot be used — for
     `exchange import`, any file refused: the others are still imported, each all or nothing);
  3  a scheme's policy file is unusable;
  4  refused: the same claim is already saved (`apply`; the message names the first receipt);
  5  `audit verify`: the audit chain is broken (the message names the first bad event);
  6  database or environment fault: disk full, database locked, damaged file, a database from
     a newer program, read-only folder, server unreachable, an Excel file that cannot be
     written (a Chinese message says what to do).
"""

from __future__ import annotations

import argparse
import getpass
import json
import logging
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from desktop_app.cli.parser import build_parser
from desktop_app.errors import (
    EXIT_AUDIT_BROKEN,
    EXIT_INPUT,
    EXIT_INTERNAL,
    EXIT_OK,
    EXIT_POLICY,
    EXIT_STORE,
    ClerkError,
    exit_code,
)
from desktop_app.services.logs import scrub, setup_logging

if TYPE_CHECKING:
    from desktop_app.services.store import Store


def _setup_streams() -> None:
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(encoding="utf-8", errors="replace")


def _read_input(name: str, stdin: TextIO) -> str:
    if name == "-":
        return stdin.read()
    path = Path(name)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise _InputFileError(f"找不到文件：{name}") from None
    except OSError as exc:
        raise _InputFileError(f"无法读取文件 {name}：{exc.strerror or exc}") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _InputFileError(f"文件 {name} 不是 UTF-8 编码的文本") from None


class _InputFileError(Exception):
    pass


def _warn_refused() -> None:
    from desktop_app.services.policies import policy_set

    for error in policy_set().errors:
        print(f"警告：{error}", file=sys.stderr)


def cmd_quote(args: argparse.Namespace) -> int:
    from desktop_app.domain.facts import InputError
    from desktop_app.services.policies import SchemeUnavailableError
    from desktop_app.services.quote import quote_text

    try:
        text = _read_input(args.file, sys.stdin)
        decision = quote_text(text)
    except _InputFileError as exc:
        print(f"输入有误：{exc}", file=sys.stderr)
        return EXIT_INPUT
    except InputError as exc:
        print(f"输入有误：{exc.field}：{exc.message}", file=sys.stderr)
        return EXIT_INPUT
    except SchemeUnavailableError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_POLICY
    json.dump(decision.to_dict(), sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    return EXIT_OK


def cmd_catalogue_search(args: argparse.Namespace) -> int:
    from desktop_app.services.catalogue import default_search

    _warn_refused()
    rows = default_search().search(args.query, limit=max(1, args.limit))
    if not rows:
        print(f"没有找到与“{args.query}”匹配的职业（工种）或项目", file=sys.stderr)
        return EXIT_OK
    for row in rows:
        entry = row.entry
        tier = f"{entry.tier}档" if entry.tier else "—"
        print("\t".join([entry.name, entry.code or "—", row.policy.id, tier, row.amounts_text]))
    return EXIT_OK


def cmd_catalogue_show(args: argparse.Namespace) -> int:
    from desktop_app.services.catalogue import amounts_for
    from desktop_app.services.policies import SchemeUnavailableError, get_policy, policy_set

    try:
        policy = get_policy(args.scheme, policy_set())
    except SchemeUnavailableError as exc:
        known = "、".join(sorted(policy_set().policies))
        print(f"{exc}（可用方案：{known}）", file=sys.stderr)
        return EXIT_POLICY if policy_set().errors else EXIT_INPUT
    print(f"{policy.name}（{policy.id}）")
    print(f"依据：{policy.document.title}")
    print(f"政策文件 SHA-256：{policy.sha256}")
    if policy.conditions:
        print("\n条件：")
        for condition in policy.conditions:
            scope = f"（仅{','.join(condition.applies_to)}）" if condition.applies_to else ""
            print(f"  - {condition.rule}{scope}：{condition.source.cite()}")
    for rule in policy.kinds.values():
        print(f"\n{rule.label}（{rule.kind}）— {rule.catalogue.title}")
        print("  补助标准：")
        for rate in policy.rates_for(rule.kind):
            print(f"    {rate.amount}元 ← {rate.source.cite()}")
        print("  目录：")
        for entry in rule.catalogue.entries:
            parts = [f"序号{entry.row}", entry.name]
            if entry.code:
                parts.append(entry.code)
            if entry.tier:
                parts.append(f"{entry.tier}档")
            if entry.group:
                parts.append(entry.group.body)
            amounts = "；".join(f"{a.condition} {a.amount}元" for a in amounts_for(policy, entry))
            print(f"    {'  '.join(parts)}  [{amounts}]")
    return EXIT_OK


# --- commands on the database ------------------------------------------------------------------


def _clerk(args: argparse.Namespace) -> str:
    """Who acts: --clerk, else UNION_COUNTER_CLERK, else the login name."""
    from desktop_app.domain.facts import InputError
    from desktop_app.domain.validators import check_clerk_name

    name = getattr(args, "clerk", None) or os.environ.get("UNION_COUNTER_CLERK")
    if not name:
        try:
            name = getpass.getuser()
        except Exception:  # no login name (some services and containers)
            name = ""
    if not " ".join((name or "").split()):
        raise InputError("--clerk", "请用 --clerk 写明经办人姓名")
    checked = check_clerk_name(name or "")
    if checked.value is None:
        raise InputError("--clerk", "".join(checked.errors))
    return checked.value


def _check_url(db_url: str | None) -> None:
    """A malformed `--db` URL is bad input, not a fault of the database."""
    from desktop_app.services.settings_view import check_url_syntax

    check_url_syntax(db_url, "--db")


_LOG_STATE: dict[str, Path] = {}


@contextmanager
def _open(args: argparse.Namespace) -> Iterator[Store]:
    """Open the database as the program always does (upgrade, daily backup)."""
    from desktop_app.services.store import open_store

    db_url = getattr(args, "db", None)
    _check_url(db_url)
    store = open_store(db_url)
    _LOG_STATE["file"] = setup_logging(store.folder.root)
    for warning in store.warnings:
        print(f"警告：{warning}", file=sys.stderr)
        logging.getLogger("desktop_app.cli").warning(warning)
    try:
        yield store
    finally:
        store.dispose()


def _print_json(value: Any) -> None:
    json.dump(value, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def _load_json(text: str) -> Any:
    from desktop_app.domain.facts import InputError

    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            "(输入)", f"不是合法的 JSON（第{exc.lineno}行第{exc.colno}列：{exc.msg}）"
        ) from None
    except RecursionError:
        raise InputError("(输入)", "JSON 嵌套过深") from None


def cmd_apply(args: argparse.Namespace) -> int:
    from desktop_app.services.applications import save_application

    try:
        text = _read_input(args.file, sys.stdin)
    except _InputFileError as exc:
        print(f"输入有误：{exc}", file=sys.stderr)
        return EXIT_INPUT
    data = _load_json(text)
    clerk = _clerk(args)
    with _open(args) as store:
        saved = save_application(store, data, clerk=clerk)
    _print_json(saved.to_dict())
    return EXIT_OK


LEDGER_HEADER = (
    "受理编号",
    "受理日期",
    "姓名",
    "身份证号",
    "京卡号",
    "方案",
    "证书类别",
    "职业（工种）/项目",
    "等级",
    "符合条件",
    "补助（元）",
    "状态",
    "服务站",
    "经办人",
)


def _ledger_date(text: str | None, option: str) -> date | None:
    from desktop_app.domain.facts import InputError
    from desktop_app.domain.validators import parse_date

    if text is None:
        return None
    checked = parse_date(text)
    if not checked.ok:
        raise InputError(option, "".join(checked.errors))
    return checked.value


def cmd_ledger(args: argparse.Namespace) -> int:
    from desktop_app.domain.facts import InputError
    from desktop_app.domain.ledger_filter import LedgerFilter
    from desktop_app.services import presenter
    from desktop_app.services.ledger_view import ledger, ledger_count
    from desktop_app.services.status import parse_status

    date_from = _ledger_date(args.date_from, "--from")
    date_to = _ledger_date(args.date_to, "--to")
    if date_from and date_to and date_from > date_to:
        raise InputError("--from", "开始日期晚于结束日期")
    filter_ = LedgerFilter(
        date_from=date_from,
        date_to=date_to,
        scheme=(args.scheme or "").strip() or None,
        status=parse_status(args.status) if args.status else None,
        query=(args.query or "").strip() or None,
    )
    with _open(args) as store:
        rows = ledger(store, filter_, limit=args.limit, offset=args.offset)
        total = ledger_count(store, filter_)
    if args.json:
        _print_json([row.to_dict() for row in rows])
        return EXIT_OK
    print("\t".join(LEDGER_HEADER))
    for row in rows:
        cells = [
            row.receipt,
            row.applied_on.isoformat(),
            row.name,
            row.id_number,
            row.card_number or "—",
            row.scheme,
            presenter.kind_label(row.kind, row.scheme),
            row.occupation or "—",
            row.level or "—",
            "是" if row.eligible else "否",
            str(row.amount),
            row.status_label,
            row.station_code,
            row.clerk,
        ]
        print("\t".join(cells))
    if rows:
        first = args.offset + 1
        print(f"共 {total} 份，显示第 {first}–{first + len(rows) - 1} 份", file=sys.stderr)
    else:
        print(f"没有符合条件的申请（共 {total} 份）", file=sys.stderr)
    return EXIT_OK


def cmd_ledger_show(args: argparse.Namespace) -> int:
    from desktop_app.services import presenter
    from desktop_app.services.ledger_view import application_detail

    with _open(args) as store:
        detail = application_detail(store, args.receipt)
    if getattr(args, "json", False):
        result = detail.to_dict()
        for event in result["events"]:
            event["details"] = json.loads(event["details"])
        _print_json(result)
        return EXIT_OK
    lines: list[str] = []
    for section in presenter.detail_sections(detail):
        lines += [section.title, *(f"  {label}：{value}" for label, value in section.rows), ""]
    decision = detail.decision
    lines += [
        "补助决定（保存时计算）",
        "  结果：" + presenter.decision_text(bool(decision["eligible"]), int(decision["amount"])),
        "  逐条依据：",
    ]
    for finding in decision["findings"]:
        mark, _verdict = presenter.finding_verdict(
            bool(finding.get("passed")), caution=bool(finding.get("caution"))
        )
        lines.append(f"    {mark} {finding.get('message', '')}")
        if finding.get("source"):
            lines.append(f"      出处：{finding['source']}")
    lines += ["", "状态记录"]
    for step in detail.history:
        lines.append(f"  {step['at']}  {presenter.history_text(step)}  {step['actor']}")
    lines += ["", "审计事件"]
    for event in detail.events:
        lines.append(
            f"  第{event['id']}号  {event['at']}  {event['actor']}  "
            f"{presenter.action_text(event)}  {presenter.event_text(event)}"
        )
    technical = presenter.technical_text(decision["scheme"], decision["policy_sha256"])
    lines += ["", "技术信息（供技术支持核对）", f"  {technical}"]
    print("\n".join(lines))
    return EXIT_OK


def cmd_status(args: argparse.Namespace) -> int:
    from desktop_app.services.status import change_status

    clerk = _clerk(args)
    with _open(args) as store:
        application = change_status(
            store, args.receipt.strip().upper(), args.new_status, actor=clerk, reason=args.reason
        )
    print(f"{application.receipt} 的状态已改为：{application.status_label}")
    return EXIT_OK


def cmd_settings(args: argparse.Namespace) -> int:
    from desktop_app.services.station_settings import save_station, station

    changes = {
        "code": args.station_code,
        "name": args.station_name,
        "district": args.district,
    }
    with _open(args) as store:
        if any(value is not None for value in changes.values()):
            save_station(store, actor=_clerk(args), **changes)
            print("设置已保存。")
        current = station(store)
        print(f"服务站代码：{current.code if current else '（未设置）'}")
        print(f"服务站名称：{(current.name if current else '') or '（未设置）'}")
        print(f"所属区：{(current.district if current else '') or '（未设置）'}")
        print(f"数据库：{store.location}")
        print(f"数据文件夹：{store.folder.root}")
    if current is None:
        print(
            "受理申请前须设置服务站代码：union-counter settings --station-code XC01 "
            "--station-name 名称 --district 区",
            file=sys.stderr,
        )
    return EXIT_OK


def cmd_backup(args: argparse.Namespace) -> int:
    from desktop_app.services.backups import make_backup

    clerk = _clerk(args)
    with _open(args) as store:
        path = make_backup(store, args.path, actor=clerk)
    print(f"备份已写入：{path}")
    return EXIT_OK


def cmd_restore(args: argparse.Namespace) -> int:
    from desktop_app.services.backups import open_for_restore, restore_backup

    clerk = _clerk(args)
    _check_url(getattr(args, "db", None))
    store = open_for_restore(getattr(args, "db", None))
    try:
        result = restore_backup(store, args.path, actor=clerk)
    finally:
        store.dispose()
    print(f"已从备份恢复：{result.source}")
    print(f"  备份中有申请 {result.applications} 份，职工 {result.members} 人。")
    if result.upgraded:
        print(f"  备份的数据库版本 {result.revision} 已升级到 {result.schema}。")
    if result.kept is not None:
        damaged = "（原数据库已损坏，按原样保留）" if result.damaged else ""
        print(f"  被替换的数据库保留在：{result.kept}{damaged}")
    for prefix, last in sorted(result.receipt_floors.items()):
        print(f"  受理编号 {prefix}-…接着从 {last + 1:04d} 编起，不会重复使用恢复前已发出的编号。")
    return EXIT_OK


def cmd_audit_verify(args: argparse.Namespace) -> int:
    from desktop_app.services.audit_trail import verify_audit

    with _open(args) as store:
        verification = verify_audit(store)
    if verification.ok:
        print(verification.message)
        return EXIT_OK
    print(f"审计记录校验失败：{verification.message}", file=sys.stderr)
    return EXIT_AUDIT_BROKEN


# How the clerk names each printable form (the form files' full titles are longer).
def cmd_print(args: argparse.Namespace) -> int:
    from desktop_app.services.printing import PrintRefusedError, form_name, print_to_file

    if len(args.receipts) > 1 and not args.batch:
        print("输入有误：一次打印多份申请请加 --batch", file=sys.stderr)
        return EXIT_INPUT
    clerk = _clerk(args)
    try:
        with _open(args) as store:
            result = print_to_file(store, args.receipts, args.output, actor=clerk, form=args.form)
    except PrintRefusedError as exc:
        print(exc.message, file=sys.stderr)
        return EXIT_INPUT
    except OSError as exc:
        print(
            f"无法写入 {args.output}：{exc.strerror or exc}。请检查文件夹是否存在、可写，"
            "磁盘是否已满。",
            file=sys.stderr,
        )
        return EXIT_STORE
    for warning in result.warnings:
        print(f"警告：{warning}", file=sys.stderr)
    for job in result.jobs:
        what = f"补打（第{job.copy}次）" if job.reprint else "原件"
        print(f"{job.receipt}\t{form_name(job.form_id)}\t{what}")
    print(f"已写入 {result.path}（{len(result.jobs)} 页）", file=sys.stderr)
    return EXIT_OK


def _date_range(args: argparse.Namespace) -> tuple[date | None, date | None]:
    from desktop_app.domain.facts import InputError

    date_from = _ledger_date(args.date_from, "--from")
    date_to = _ledger_date(args.date_to, "--to")
    if date_from and date_to and date_from > date_to:
        raise InputError("--from", "开始日期晚于结束日期")
    return date_from, date_to


def _check_xlsx_name(path: Path, option: str) -> None:
    from desktop_app.domain.facts import InputError

    if path.suffix.lower() != ".xlsx":
        raise InputError(option, f"文件名“{path.name}”应以 .xlsx 结尾")


def cmd_export(args: argparse.Namespace) -> int:
    from desktop_app.domain.ledger_filter import LedgerFilter
    from desktop_app.services.ledger_export import export_ledger
    from desktop_app.services.status import parse_status

    _check_xlsx_name(args.file, "文件")
    date_from, date_to = _date_range(args)
    filter_ = LedgerFilter(
        date_from=date_from,
        date_to=date_to,
        scheme=(args.scheme or "").strip() or None,
        status=parse_status(args.status) if args.status else None,
    )
    clerk = _clerk(args)
    with _open(args) as store:
        result = export_ledger(store, args.file, filter_, actor=clerk, full_ids=args.full_ids)
    masked = "完整号码（已记入审计记录）" if result.full_ids else "身份证号、京卡号已遮挡"
    print(
        f"已导出 {result.rows} 份申请，补助合计 {result.total_amount} 元，{masked}：{result.path}"
    )
    return EXIT_OK


def cmd_exchange_export(args: argparse.Namespace) -> int:
    from desktop_app.services.exchange import export_batch

    _check_xlsx_name(args.file, "文件")
    date_from, date_to = _date_range(args)
    clerk = _clerk(args)
    with _open(args) as store:
        result = export_batch(store, args.file, actor=clerk, date_from=date_from, date_to=date_to)
    manifest = result.manifest
    assert manifest is not None
    print(
        f"已导出服务站 {manifest.station_code} 的 {manifest.count} 份申请：{result.path}\n"
        f"校验码：{manifest.checksum}\n交换文件含完整身份证号，请妥善保管。"
    )
    return EXIT_OK


def cmd_exchange_import(args: argparse.Namespace) -> int:
    from desktop_app.exchange.files import save_problems
    from desktop_app.services.exchange import all_problems, import_batch

    if args.problems is not None:
        _check_xlsx_name(args.problems, "--problems")
    clerk = _clerk(args)
    problems = []
    refused = 0
    with _open(args) as store:
        for path in args.files:
            report = import_batch(store, path, actor=clerk)
            found = all_problems(report)
            problems.extend(found)
            if report.refused is not None:
                refused += 1
                print(f"{path.name}：未导入。{report.refused}", file=sys.stderr)
            else:
                manifest = report.manifest
                source = f"服务站 {manifest.station_code} " if manifest else ""
                print(
                    f"{path.name}：{source}新增 {len(report.inserted)} 份；"
                    f"重复申请 {len(report.duplicates)} 份（未导入）；"
                    f"已导入过 {len(report.already)} 份；决定需核对 {len(report.flags)} 处。"
                )
            for problem in found[:20]:
                print(f"  {problem.describe()}", file=sys.stderr)
            if len(found) > 20:
                print(f"  ……另有 {len(found) - 20} 处", file=sys.stderr)
    if args.problems is not None:
        save_problems(args.problems, problems)
        print(f"问题清单（{len(problems)} 处）已保存：{args.problems}", file=sys.stderr)
    return EXIT_INPUT if refused else EXIT_OK


def _catalogue_plan_and_apply(args: argparse.Namespace, make_plan: Any) -> int:
    """Plan a catalogue import, show it, ask, and write it (import and new alike)."""
    from desktop_app.exchange.errors import ExchangeError
    from desktop_app.exchange.files import save_problems
    from desktop_app.services.catalogue_import import CatalogueImportError, apply_plan

    if args.problems is not None:
        _check_xlsx_name(args.problems, "--problems")
    try:
        plan = make_plan()
    except ExchangeError as exc:
        print(exc.message, file=sys.stderr)
        for problem in exc.problems[:20]:
            print(f"  {problem.describe()}", file=sys.stderr)
        if len(exc.problems) > 20:
            print(f"  ……另有 {len(exc.problems) - 20} 处", file=sys.stderr)
        if args.problems is not None and exc.problems:
            save_problems(args.problems, exc.problems)
            print(f"问题清单（{len(exc.problems)} 处）已保存：{args.problems}", file=sys.stderr)
        return EXIT_INPUT
    except CatalogueImportError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_INPUT
    for line in plan.summary_lines():
        print(line)
    for line in plan.change_lines():
        print(f"  {line}")
    if plan.already is not None:
        print(f"这个版本已经导入过（{plan.already.path}），没有写入任何内容。")
        return EXIT_OK
    if not plan.has_changes:
        print("目录与现行版本相同，没有写入任何内容。")
        return EXIT_OK
    clerk = _clerk(args)
    if not args.yes:
        print("确认写入新版本吗？[y/N] ", end="", flush=True)
        answer = sys.stdin.readline().strip().lower()
        if answer not in ("y", "yes", "是"):
            print("\n已取消，没有写入任何内容。")
            return EXIT_OK
    with _open(args) as store:
        try:
            result = apply_plan(store, plan, actor=clerk)
        except CatalogueImportError as exc:
            print(str(exc), file=sys.stderr)
            return EXIT_INPUT
    print(
        f"已写入方案 {result.scheme_id} 的新版本，自 {result.effective.isoformat()} 起生效："
        f"{result.path}\nSHA-256：{result.sha256}（已记入审计记录）"
    )
    return EXIT_OK


def cmd_catalogue_import(args: argparse.Namespace) -> int:
    from desktop_app.services.catalogue_import import plan_import

    effective = _ledger_date(args.effective, "--effective")
    return _catalogue_plan_and_apply(
        args, lambda: plan_import(args.file, args.scheme.strip(), effective=effective)
    )


def cmd_catalogue_new(args: argparse.Namespace) -> int:
    from desktop_app.services.catalogue_import import plan_new_scheme

    effective = _ledger_date(args.effective, "--effective")
    assert effective is not None
    return _catalogue_plan_and_apply(
        args,
        lambda: plan_new_scheme(
            args.file,
            from_scheme=args.from_scheme.strip(),
            scheme_id=args.scheme_id,
            name=args.name,
            effective=effective,
            document_title=args.document,
        ),
    )


def _known_error(exc: Exception) -> int | None:
    """Print an expected error's Chinese message; return its exit code (None: a bug).

    Expected means a `ClerkError` (its own message and exit code, desktop_app/errors.py) or
    the office PC's `OSError` (a folder that is read-only, a full disk)."""
    if isinstance(exc, ClerkError):
        if exc.field:  # the input path at fault, as README shows
            print(f"输入有误：{exc.field}：{exc.message}", file=sys.stderr)
        else:
            print(exc.message, file=sys.stderr)
        return exc.exit_code
    if isinstance(exc, OSError) and exc.strerror:
        print(
            f"无法写入 {exc.filename or '文件'}：{exc.strerror}。"
            "请检查文件夹是否可写、磁盘是否已满。",
            file=sys.stderr,
        )
        return exit_code(exc)
    return None


def _silence_stdout() -> None:
    """After a broken pipe, send what is left to the null device (no second error at exit)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # no real file descriptor (tests' captured output)
        pass


def _run_window(args: argparse.Namespace) -> int:
    """No subcommand: open the counter window (Qt is imported only here)."""
    try:
        from desktop_app.ui.app import run
    except ImportError as exc:  # Qt's system libraries missing: say so, not a traceback
        print(
            f"无法启动柜台窗口：{exc}。请安装图形界面所需的系统库（见 README），"
            "或使用命令行子命令（union-counter --help）。",
            file=sys.stderr,
        )
        return EXIT_STORE
    return run(db_url=getattr(args, "db", None), clerk=getattr(args, "clerk", None))


def main(argv: Sequence[str] | None = None) -> int:
    _setup_streams()
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.self_test:  # before any subcommand; no Qt, no user data touched
        from desktop_app.services.selftest import main as self_test

        return self_test()
    handlers = {
        "quote": cmd_quote,
        ("catalogue", "search"): cmd_catalogue_search,
        ("catalogue", "show"): cmd_catalogue_show,
        ("catalogue", "import"): cmd_catalogue_import,
        ("catalogue", "new"): cmd_catalogue_new,
        "apply": cmd_apply,
        ("ledger", None): cmd_ledger,
        ("ledger", "show"): cmd_ledger_show,
        "status": cmd_status,
        "settings": cmd_settings,
        "backup": cmd_backup,
        "restore": cmd_restore,
        ("audit", "verify"): cmd_audit_verify,
        "print": cmd_print,
        "export": cmd_export,
        ("exchange", "export"): cmd_exchange_export,
        ("exchange", "import"): cmd_exchange_import,
    }
    if args.command is None:
        return _run_window(args)
    key: Any = args.command
    if args.command == "catalogue":
        key = ("catalogue", args.catalogue_command)
    elif args.command in ("ledger", "audit", "exchange"):
        key = (args.command, args.action)
    handler = handlers.get(key)
    if handler is None:
        parser.parse_args([args.command, "--help"])
        return EXIT_INPUT
    try:
        return handler(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # the reader stopped reading (`| head`): the work is done
        _silence_stdout()
        return EXIT_OK
    except Exception as exc:  # last resort: a short message, never a traceback
        code = _known_error(exc)
        if code is not None:
            return code
        if os.environ.get("UNION_COUNTER_DEBUG"):
            raise
        logging.getLogger("desktop_app.cli").exception("internal error in %s", args.command)
        where = f"详细情况已记入日志 {_LOG_STATE['file']}，" if _LOG_STATE.get("file") else ""
        print(
            f"程序内部错误（{type(exc).__name__}）：{scrub(str(exc))}。"
            f"{where}请把这条信息告诉维护人员。",
            file=sys.stderr,
        )
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
