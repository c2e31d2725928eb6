"""Commands on the schemes and their catalogues: `quote`, `catalogue search / show / import /
new`. None needs the database except the import (it records an audit event)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from desktop_app.cli.common import (
    InputFileError,
    check_xlsx_name,
    clerk_of,
    open_store_for,
    option_date,
    read_input,
    warn_refused,
)
from desktop_app.errors import (
    EXIT_INPUT,
    EXIT_OK,
    EXIT_POLICY,
)


def cmd_quote(args: argparse.Namespace) -> int:
    from desktop_app.domain.facts import InputError
    from desktop_app.services.policies import SchemeUnavailableError
    from desktop_app.services.quote import quote_text

    try:
        text = read_input(args.file, sys.stdin)
        decision = quote_text(text)
    except InputFileError as exc:
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

    warn_refused()
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


def _catalogue_plan_and_apply(args: argparse.Namespace, make_plan: Any) -> int:
    """Plan a catalogue import, show it, ask, and write it (import and new alike)."""
    from desktop_app.exchange.errors import ExchangeError
    from desktop_app.exchange.files import save_problems
    from desktop_app.services.catalogue_import import CatalogueImportError, apply_plan

    if args.problems is not None:
        check_xlsx_name(args.problems, "--problems")
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
    clerk = clerk_of(args)
    if not args.yes:
        print("确认写入新版本吗？[y/N] ", end="", flush=True)
        answer = sys.stdin.readline().strip().lower()
        if answer not in ("y", "yes", "是"):
            print("\n已取消，没有写入任何内容。")
            return EXIT_OK
    with open_store_for(args) as store:
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

    effective = option_date(args.effective, "--effective")
    return _catalogue_plan_and_apply(
        args, lambda: plan_import(args.file, args.scheme.strip(), effective=effective)
    )


def cmd_catalogue_new(args: argparse.Namespace) -> int:
    from desktop_app.services.catalogue_import import plan_new_scheme

    effective = option_date(args.effective, "--effective")
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
