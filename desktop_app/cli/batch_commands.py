"""`union-counter batch create|show|list|withdraw` (services/submissions.py does the work)."""

from __future__ import annotations

import argparse
import sys
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from desktop_app.cli.common import clerk_of, date_range, open_store_for, print_json
from desktop_app.domain.text_policy import shown
from desktop_app.errors import EXIT_OK

if TYPE_CHECKING:
    from desktop_app.services.submissions import BatchView

LIST_HEADER = (
    "序号",
    "受理编号",
    "姓名",
    "身份证号",
    "方案",
    "职业（工种）或项目",
    "等级",
    "金额（元）",
)


def _view_dict(view: BatchView) -> dict[str, Any]:
    data = asdict(view)
    for key in ("created_at", "withdrawn_at"):
        data[key] = data[key].isoformat(sep=" ") if data[key] else None
    data["rows"] = [asdict(row) for row in view.rows]
    data["total"] = view.total
    data["totals_by_scheme"] = [
        {"scheme": s, "applications": n, "amount": a} for s, n, a in view.totals_by_scheme()
    ]
    return data


def _print_view(view: BatchView) -> None:
    from desktop_app.printing.money import amount_in_capitals

    state = "在报"
    if not view.standing:
        when = f"{view.withdrawn_at:%Y-%m-%d %H:%M}"
        state = f"已撤回（{when}，{view.withdrawn_by}：{view.withdraw_reason}）"
    lines = [
        f"报送批次 {view.number}　服务站 {view.station_code}　{state}",
        f"建立：{view.created_at:%Y-%m-%d %H:%M}　{view.created_by}",
        "",
        "\t".join(LIST_HEADER),
    ]
    for row in view.rows:
        cells = [str(row.position), row.receipt, row.name, row.id_number, row.scheme, row.item,
                 row.level, str(row.amount)]  # fmt: skip
        lines.append("\t".join(cells))
    lines.append("")
    for scheme, count, amount in view.totals_by_scheme():
        lines.append(f"{scheme}：{count} 份，{amount} 元（{amount_in_capitals(amount)}）")
    lines.append(f"合计：{len(view.rows)} 份，{view.total} 元（{amount_in_capitals(view.total)}）")
    print(shown("\n".join(lines)))  # a stored text cannot steer the terminal


def cmd_batch(args: argparse.Namespace) -> int:
    return {
        "create": _create,
        "show": _show,
        "list": _list,
        "withdraw": _withdraw,
        "print": _print,
        "export": _export,
    }[args.action](args)


def _print(args: argparse.Namespace) -> int:
    from desktop_app.printing.fonts import describe_missing
    from desktop_app.services import submissions

    clerk = clerk_of(args)
    with open_store_for(args) as store:
        rendered = submissions.print_transmittal(store, args.number, args.output, actor=clerk)
    print(f"报送清单已写入 {args.output}：{rendered.pages} 页")
    if rendered.missing:
        print(describe_missing(rendered.missing), file=sys.stderr)
    return EXIT_OK


def _export(args: argparse.Namespace) -> int:
    from desktop_app.cli.common import check_xlsx_name
    from desktop_app.services import submissions

    check_xlsx_name(args.output, "-o")
    with open_store_for(args, reading=True) as store:
        data = submissions.export_transmittal(store, args.number, args.output)
    print(f"报送清单已写入 {args.output}：{len(data.lines)} 份申请")
    return EXIT_OK


def _create(args: argparse.Namespace) -> int:
    from desktop_app.services import submissions

    clerk = clerk_of(args)
    date_from, date_to = date_range(args)
    scheme = (args.scheme or "").strip() or None
    with open_store_for(args, reading=args.dry_run) as store:
        receipts = list(args.receipts)
        if not receipts:
            receipts = submissions.batchable(
                store,
                station_code=args.station,
                date_from=date_from,
                date_to=date_to,
                scheme=scheme,
            )
        if args.dry_run:
            if args.json:
                print_json(receipts)
            else:
                print("\n".join(receipts))
                print(f"会收入批次的申请：{len(receipts)} 份（没有建立批次）", file=sys.stderr)
            return EXIT_OK
        view = submissions.create_batch(store, receipts, actor=clerk, station_code=args.station)
    if args.json:
        print_json(_view_dict(view))
    else:
        count = len(view.rows)
        print(f"已建立报送批次 {view.number}：{count} 份申请改为“已报送”，合计 {view.total} 元")
    return EXIT_OK


def _show(args: argparse.Namespace) -> int:
    from desktop_app.services import submissions

    with open_store_for(args, reading=True) as store:
        view = submissions.batch_view(store, args.number)
    if args.json:
        print_json(_view_dict(view))
    else:
        _print_view(view)
    return EXIT_OK


def _list(args: argparse.Namespace) -> int:
    from desktop_app.services import submissions

    with open_store_for(args, reading=True) as store:
        found = submissions.batches(store, station_code=args.station)
    if args.json:
        print_json([dict(asdict(b), created_at=b.created_at.isoformat(sep=" ")) for b in found])
        return EXIT_OK
    print("\t".join(("批次号", "服务站", "建立时间", "建立人", "份数", "金额（元）", "状态")))
    for b in found:
        state = "已撤回" if b.withdrawn else "在报"
        cells = [b.number, b.station_code, f"{b.created_at:%Y-%m-%d %H:%M}", b.created_by,
                 str(b.applications), str(b.total), state]  # fmt: skip
        print(shown("\t".join(cells)))
    if not found:
        print("还没有报送批次", file=sys.stderr)
    return EXIT_OK


def _withdraw(args: argparse.Namespace) -> int:
    from desktop_app.services import submissions

    clerk = clerk_of(args)
    with open_store_for(args) as store:
        view = submissions.withdraw_batch(store, args.number, reason=args.reason, actor=clerk)
    print(f"报送批次 {view.number} 已整批撤回：{len(view.rows)} 份申请回到“已打印”")
    return EXIT_OK


def cmd_results_import(args: argparse.Namespace) -> int:
    from desktop_app.cli.common import check_xlsx_name
    from desktop_app.exchange.errors import ExchangeError
    from desktop_app.exchange.files import save_problems
    from desktop_app.services.results import import_results

    if args.problems is not None:
        check_xlsx_name(args.problems, "--problems")
    clerk = clerk_of(args)
    try:
        with open_store_for(args) as store:
            done = import_results(store, args.file, actor=clerk)
    except ExchangeError as exc:
        print(exc.message, file=sys.stderr)
        for problem in exc.problems:
            print("  " + shown(problem.describe()), file=sys.stderr)
        if args.problems is not None and exc.problems:
            save_problems(args.problems, exc.problems)
            print(f"问题清单（{len(exc.problems)} 处）已保存：{args.problems}", file=sys.stderr)
        return exc.exit_code
    print(
        f"报送批次 {done.number}：通过 {done.passed} 份，金额调整 {done.adjusted} 份，"
        f"不通过 {done.refused} 份，发放合计 {done.paid} 元；"
        f"此前已导入 {done.unchanged} 份，未填结果 {done.pending} 份"
    )
    return EXIT_OK


def cmd_stats(args: argparse.Namespace) -> int:
    from desktop_app.services.statistics import BY, BY_LABELS, overview, scope_text

    date_from, date_to = date_range(args)
    with open_store_for(args, reading=True) as store:
        found = overview(store, date_from=date_from, date_to=date_to, station_code=args.station)
    groups = list(dict.fromkeys(args.by or BY))
    if args.output is not None or args.png is not None:
        from desktop_app.printing.stats_report import report_png
        from desktop_app.services.printing import write_atomically
        from desktop_app.services.statistics import report_pdf

        pdf = report_pdf(found)
        for path, data in ((args.output, pdf), (args.png, None)):
            if path is not None:
                write_atomically(path, data if data is not None else report_png(pdf)).replace(path)
                print(f"统计报告已写入 {path}", file=sys.stderr)
    if args.json:
        print_json(
            {
                "from": date_from.isoformat() if date_from else None,
                "to": date_to.isoformat() if date_to else None,
                "station": found.station_code,
                "count": found.count,
                "amount": found.amount,
                "by": {g: [asdict(line) for line in found.by[g]] for g in groups},
            }
        )
        return EXIT_OK
    lines = [f"统计：{scope_text(found)}；共 {found.count:,} 份，{found.amount:,} 元"]
    for group in groups:
        lines += ["", "\t".join((BY_LABELS[group], "份数", "金额（元）"))]
        lines += [f"{line.key}\t{line.count}\t{line.amount}" for line in found.by[group]]
    print(shown("\n".join(lines)))
    return EXIT_OK
