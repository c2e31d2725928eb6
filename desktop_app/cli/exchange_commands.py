"""Commands that write or read Excel files: `export` (the ledger), `exchange export / import`
(batches between stations and the district)."""

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
        f"校验码：{manifest.checksum}\n交换文件含完整身份证号，请妥善保管。"
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
