"""Commands on applications: `apply` (受理), `ledger` and `ledger show` (台账), `status`,
`print`, `audit verify`, `audit text`, `audit correct`."""

from __future__ import annotations

import argparse
import json
import sys

from desktop_app.cli.common import (
    InputFileError,
    clerk_of,
    ledger_filter_of,
    load_json,
    open_store_for,
    print_json,
    read_input,
)
from desktop_app.domain.text_policy import shown
from desktop_app.errors import (
    EXIT_AUDIT_BROKEN,
    EXIT_INPUT,
    EXIT_OK,
    EXIT_STORE,
)


def cmd_apply(args: argparse.Namespace) -> int:
    from desktop_app.services.applications import save_application

    try:
        text = read_input(args.file, sys.stdin)
    except InputFileError as exc:
        print(f"输入有误：{exc}", file=sys.stderr)
        return EXIT_INPUT
    data = load_json(text)
    clerk = clerk_of(args)
    with open_store_for(args) as store:
        saved = save_application(store, data, clerk=clerk)
    print_json(saved.to_dict())
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


def cmd_ledger(args: argparse.Namespace) -> int:
    from desktop_app.services import presenter
    from desktop_app.services.ledger_view import ledger, ledger_count

    filter_ = ledger_filter_of(args)
    with open_store_for(args, reading=True) as store:
        rows = ledger(store, filter_, limit=args.limit, offset=args.offset)
        total = ledger_count(store, filter_)
    if args.json:
        print_json([row.to_dict() for row in rows])
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
        print(shown("\t".join(cells)))  # a stored text cannot steer the terminal
    if rows:
        first = args.offset + 1
        print(f"共 {total} 份，显示第 {first}–{first + len(rows) - 1} 份", file=sys.stderr)
    else:
        print(f"没有符合条件的申请（共 {total} 份）", file=sys.stderr)
    return EXIT_OK


def cmd_ledger_show(args: argparse.Namespace) -> int:
    from desktop_app.services import presenter
    from desktop_app.services.ledger_view import application_detail

    with open_store_for(args, reading=True) as store:
        detail = application_detail(store, args.receipt)
    if getattr(args, "json", False):
        result = detail.to_dict()
        for event in result["events"]:
            event["details"] = json.loads(event["details"])
        print_json(result)
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
    print(shown("\n".join(lines)))  # a stored text cannot steer the terminal
    return EXIT_OK


def cmd_status(args: argparse.Namespace) -> int:
    from desktop_app.services.status import change_status

    clerk = clerk_of(args)
    with open_store_for(args) as store:
        application = change_status(
            store, args.receipt.strip().upper(), args.new_status, actor=clerk, reason=args.reason
        )
    print(f"{application.receipt} 的状态已改为：{application.status_label}")
    return EXIT_OK


def cmd_audit_verify(args: argparse.Namespace) -> int:
    from desktop_app.services.anchors import anchors_in_file
    from desktop_app.services.audit_trail import verify_against, verify_audit

    anchors = [anchor for path in args.against for anchor in anchors_in_file(path)]
    with open_store_for(args, reading=True) as store:
        verification = verify_against(store, anchors) if anchors else verify_audit(store)
    if verification.ok:
        print(verification.message)
        return EXIT_OK
    print(f"审计记录校验失败：{verification.message}", file=sys.stderr)
    return EXIT_AUDIT_BROKEN


def cmd_audit_head(args: argparse.Namespace) -> int:
    from desktop_app.services.audit_trail import chain_head

    with open_store_for(args, reading=True) as store:
        head = chain_head(store)
    print(head.text)
    print(
        f"审计链头：{head.shown}。请抄入纸质日志或另存；日后用 audit verify --against 核对。",
        file=sys.stderr,
    )
    return EXIT_OK


def cmd_audit_text(args: argparse.Namespace) -> int:
    from desktop_app.services.text_check import hidden_characters

    with open_store_for(args, reading=True) as store:
        check = hidden_characters(store)
    for item in check.found:
        print(item.line)
    print(check.message, file=sys.stderr)
    return EXIT_AUDIT_BROKEN if check.found else EXIT_OK


def cmd_audit_correct(args: argparse.Namespace) -> int:
    from desktop_app.services.applications import field_text
    from desktop_app.services.corrections import correct_text, correctable_fields, field_named

    field = field_named(args.field)  # InputError (exit 2) for a field that is not a text's
    new = field_text(args.value, field.path)  # a value the policy refuses: exit 2, asked nothing
    clerk = clerk_of(args)
    with open_store_for(args) as store:
        stored = {c.field.key: c for c in correctable_fields(store, args.receipt)}
        seen = stored[field.key].value if field.key in stored else None
        if seen is not None and not args.yes:
            after = "（空）" if new is None else f"“{new}”"
            print(
                f"更正 {stored[field.key].receipt} 的{field.label}：\n  原为“{shown(seen)}”\n"
                f"  改为{after}\n  原因：{shown(args.reason)}\n确认更正吗？[y/N] ",
                end="",
                flush=True,
            )
            answer = sys.stdin.readline().strip().lower()
            if answer not in ("y", "yes", "是"):
                print("\n已取消，没有更改任何内容。")
                return EXIT_OK
        result = correct_text(
            store, args.receipt, args.field, args.value, reason=args.reason, actor=clerk, seen=seen
        )
    print(result.message)
    return EXIT_OK


def cmd_print(args: argparse.Namespace) -> int:
    from desktop_app.services.printing import PrintRefusedError, form_name, print_to_file

    if len(args.receipts) > 1 and not args.batch:
        print("输入有误：一次打印多份申请请加 --batch", file=sys.stderr)
        return EXIT_INPUT
    clerk = clerk_of(args)
    try:
        with open_store_for(args) as store:
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
