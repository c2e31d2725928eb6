"""Commands that write or read Excel files: `export` (the ledger), `exchange export / import`
(batches between stations and the district), `exchange key` (the signing keys) and
`exchange held` (导入待核)."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from desktop_app.cli.common import (
    check_xlsx_name,
    clerk_of,
    date_range,
    ledger_filter_of,
    open_store_for,
)
from desktop_app.domain.text_policy import shown
from desktop_app.errors import (
    EXIT_INPUT,
    EXIT_OK,
)

if TYPE_CHECKING:
    from desktop_app.services.text_screen import BadRecordsError


def _refused(exc: BadRecordsError) -> int:
    """An export refused for records with hidden characters: each named, and what to do."""
    print(exc.message, file=sys.stderr)
    print(
        "没有写入文件。可先用 union-counter audit correct 更正这些申请；或加 --skip-bad "
        "跳过它们、导出其余申请（跳过的受理编号记入审计记录）。",
        file=sys.stderr,
    )
    return EXIT_INPUT


def _skipped(receipts: tuple[str, ...]) -> None:
    if receipts:
        print(
            f"跳过了 {len(receipts)} 份含不可见字符的申请（已记入审计记录）："
            + "、".join(shown(r) for r in receipts),
            file=sys.stderr,
        )


def cmd_export(args: argparse.Namespace) -> int:
    from desktop_app.services.ledger_export import export_ledger
    from desktop_app.services.text_screen import BadRecordsError

    check_xlsx_name(args.file, "文件")
    filter_ = ledger_filter_of(args)
    clerk = clerk_of(args)
    with open_store_for(args) as store:
        try:
            result = export_ledger(
                store,
                args.file,
                filter_,
                actor=clerk,
                full_ids=args.full_ids,
                reason=args.reason,
                skip_bad=args.skip_bad,
            )
        except BadRecordsError as exc:
            return _refused(exc)
    _skipped(result.skipped)
    masked = "完整号码（已记入审计记录）" if result.full_ids else "身份证号、京卡号已遮挡"
    print(
        f"已导出 {result.rows} 份申请，补助合计 {result.total_amount} 元，{masked}：{result.path}"
    )
    return EXIT_OK


def cmd_exchange_export(args: argparse.Namespace) -> int:
    from desktop_app.services.exchange import export_batch
    from desktop_app.services.text_screen import BadRecordsError

    check_xlsx_name(args.file, "文件")
    date_from, date_to = date_range(args)
    clerk = clerk_of(args)
    with open_store_for(args) as store:
        try:
            result = export_batch(
                store,
                args.file,
                actor=clerk,
                date_from=date_from,
                date_to=date_to,
                skip_bad=args.skip_bad,
            )
        except BadRecordsError as exc:
            return _refused(exc)
    _skipped(result.skipped)
    manifest = result.manifest
    assert manifest is not None
    print(
        f"已导出服务站 {manifest.station_code} 的 {manifest.count} 份申请：{result.path}\n"
        f"校验码：{manifest.checksum}\n签名密钥指纹：{manifest.key_fingerprint}\n"
        "交换文件含完整身份证号，请妥善保管。"
    )
    return EXIT_OK


def cmd_exchange_import(args: argparse.Namespace) -> int:
    from desktop_app.exchange.files import save_problems
    from desktop_app.services.exchange import all_problems, import_batch

    if args.problems is not None:
        check_xlsx_name(args.problems, "--problems")
    clerk = clerk_of(args)
    problems = []
    refused = 0
    with open_store_for(args) as store:
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
                    f"已导入过 {len(report.already)} 份；导入待核 {len(report.held)} 份"
                    "（重新核算的补助与服务站的不同，未入库）；"
                    f"政策版本需核对 {len(report.flags)} 处。"
                )
            for problem in found[:20]:
                print(f"  {problem.describe()}", file=sys.stderr)
            if len(found) > 20:
                print(f"  ……另有 {len(found) - 20} 处", file=sys.stderr)
    if args.problems is not None:
        save_problems(args.problems, problems)
        print(f"问题清单（{len(problems)} 处）已保存：{args.problems}", file=sys.stderr)
    return EXIT_INPUT if refused else EXIT_OK


def cmd_exchange_anchors(args: argparse.Namespace) -> int:
    from desktop_app.services.anchors import received_heads

    station = (args.station or "").strip().upper() or None
    with open_store_for(args, reading=True) as store:
        heads = received_heads(store, station)
    for head in heads:
        print(head.line)
    where = f"服务站 {station} 的" if station else "各服务站的"
    print(f"共 {len(heads)} 个{where}审计链头（来自导入的交换文件）。", file=sys.stderr)
    return EXIT_OK


def _confirmed(question: str, args: argparse.Namespace) -> bool:
    """--yes, or "y"/"是" typed at the prompt (stdin); anything else, or no input, is no."""
    if getattr(args, "yes", False):
        return True
    print(f"{question}[y/N] ", end="", flush=True)
    answer = sys.stdin.readline().strip().lower()
    print()
    return answer in ("y", "yes", "是", "对")


def cmd_exchange_key(args: argparse.Namespace) -> int:
    from desktop_app.services.exchange import key_registry, signing_key

    clerk = clerk_of(args)
    action = args.key_action
    reading = action == "list"
    with open_store_for(args, reading=reading) as store:
        if action == "show":
            info = signing_key.own_key(store, actor=clerk)
            print(f"服务站 {info.station_code} 的签名密钥指纹：{info.fingerprint}")
            return EXIT_OK
        if action == "export":
            info = signing_key.export_public_key(store, args.key_file, actor=clerk)
            print(
                f"已导出服务站 {info.station_code} 的公钥：{args.key_file}\n"
                f"指纹：{info.fingerprint}\n"
                "请把文件交给区总工会登记，并在电话中把上面的指纹读给对方核对。"
            )
            return EXIT_OK
        if action == "new":
            if not _confirmed(
                "生成新的签名密钥后，区总工会必须重新登记本站的公钥，才能导入本站以后导出的文件。"
                "确定生成吗？",
                args,
            ):
                print("未生成新密钥。", file=sys.stderr)
                return EXIT_INPUT
            info = signing_key.new_key(store, actor=clerk)
            print(
                f"已生成服务站 {info.station_code} 的新签名密钥，指纹：{info.fingerprint}\n"
                "请用“union-counter exchange key export 文件名”导出公钥，交区总工会重新登记。"
            )
            return EXIT_OK
        if action == "list":
            keys = key_registry.registered_keys(store)
            if not keys:
                print("尚未登记任何服务站的公钥。")
            for key in keys:
                when = key.registered_at.isoformat(sep=" ") if key.registered_at else ""
                print(
                    f"{key.station_code}\t{key.station_name}\t指纹 {key.fingerprint}\t"
                    f"{when} {key.registered_by} 登记"
                )
            return EXIT_OK
        # register
        key = key_registry.read_key_file(args.key_file)
        old = key_registry.registered(store, key.station_code)
        print(f"服务站代码：{key.station_code}（{key.station_name}）\n指纹：{key.fingerprint}")
        if old is not None and old.public_key != key.public_key:
            print(f"注意：本机已登记该站的另一把公钥（指纹 {old.fingerprint}），登记后将被替换。")
        if not _confirmed("请与服务站电话核对指纹：服务站屏幕上显示的指纹与上面的一致吗？", args):
            print("未登记（指纹未确认）。", file=sys.stderr)
            return EXIT_INPUT
        done = key_registry.register_key(store, key, actor=clerk)
        if done.unchanged:
            print(f"服务站 {key.station_code} 的这把公钥已登记过，未作改动。")
        elif done.replaced is not None:
            print(
                f"已更换服务站 {key.station_code} 的公钥（原指纹 {done.replaced.fingerprint}），"
                "已记入审计记录。"
            )
        else:
            print(f"已登记服务站 {key.station_code} 的公钥，已记入审计记录。")
    return EXIT_OK


def cmd_exchange_held(args: argparse.Namespace) -> int:
    from desktop_app.services.exchange import held_rows

    clerk = clerk_of(args)
    if args.accept is None and args.use is not None:
        print("--use 要与 --accept 受理编号 一起用。", file=sys.stderr)
        return EXIT_INPUT
    if args.accept is not None and args.use is None:
        print(
            "请用 --use station（按服务站的决定）或 --use recomputed（按重新核算的结果）核定。",
            file=sys.stderr,
        )
        return EXIT_INPUT
    with open_store_for(args, reading=args.accept is None) as store:
        if args.accept is not None:
            item = held_rows.accept_held(store, args.accept, args.use, actor=clerk)
            amount = item.station_amount if args.use == "station" else item.recomputed_amount
            print(
                f"已核定 {item.receipt}（{item.name}）：{held_rows.CHOICE_LABELS[args.use]}，"
                f"补助 {amount} 元，已入库并记入审计记录。"
            )
            return EXIT_OK
        items = held_rows.held_rows(store, waiting_only=not args.all)
        if not items:
            print("没有导入待核的申请。")
        for item in items:
            state = (
                f"已{held_rows.CHOICE_LABELS[item.resolution]}核定（{item.resolved_by}）"
                if item.resolution
                else "待核"
            )
            print(
                f"{item.receipt}\t{item.name}\t服务站 {item.station_code}\t"
                f"服务站的决定：{item.station_outcome}\t重新核算：{item.recomputed_outcome}\t"
                f"{state}\t文件 {item.file_name}"
            )
    return EXIT_OK
