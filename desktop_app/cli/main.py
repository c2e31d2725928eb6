"""`union-counter` command line: a thin layer over the services.

With a subcommand it does headless work; with none it opens the counter window. The parser
(every subcommand and argument, help and usage errors in Chinese) is in `cli/parser.py`; the
handlers are in one module per group of commands (`policy_commands`, `ledger_commands`,
`store_commands`, `exchange_commands`), what they share in `common`, and how an expected error
is reported in `exit_codes`. This module only dispatches.

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
import logging
import os
import sys
from collections.abc import Sequence
from typing import Any

from desktop_app.cli import (
    account_commands,
    batch_commands,
    exchange_commands,
    ledger_commands,
    policy_commands,
    server_commands,
    store_commands,
)
from desktop_app.cli.common import LOG_STATE, setup_streams
from desktop_app.cli.exit_codes import known_error
from desktop_app.cli.parser import build_parser as build_parser
from desktop_app.errors import EXIT_INPUT, EXIT_INTERNAL, EXIT_OK, EXIT_STORE
from desktop_app.private_files import keep_private
from desktop_app.services import machine_settings
from desktop_app.services.logs import scrub


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
    setup_streams()
    # The database, backups and logs this process creates: 0600 (0660 in the PC's shared folder).
    keep_private(shared=machine_settings.shared_files())
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.self_test:  # before any subcommand; no Qt, no user data touched
        from desktop_app.services.selftest import main as self_test

        return self_test()
    handlers = {
        "quote": policy_commands.cmd_quote,
        ("catalogue", "search"): policy_commands.cmd_catalogue_search,
        ("catalogue", "show"): policy_commands.cmd_catalogue_show,
        ("catalogue", "import"): policy_commands.cmd_catalogue_import,
        ("catalogue", "new"): policy_commands.cmd_catalogue_new,
        "apply": ledger_commands.cmd_apply,
        ("ledger", None): ledger_commands.cmd_ledger,
        ("ledger", "show"): ledger_commands.cmd_ledger_show,
        "status": ledger_commands.cmd_status,
        "settings": store_commands.cmd_settings,
        ("accounts", "create-admin"): account_commands.cmd_accounts,
        ("accounts", "add"): account_commands.cmd_accounts,
        ("accounts", "reset-password"): account_commands.cmd_accounts,
        ("accounts", "disable"): account_commands.cmd_accounts,
        ("accounts", "enable"): account_commands.cmd_accounts,
        ("accounts", "list"): account_commands.cmd_accounts,
        ("accounts", "password"): account_commands.cmd_accounts,
        "backup": store_commands.cmd_backup,
        "restore": store_commands.cmd_restore,
        ("audit", "verify"): ledger_commands.cmd_audit_verify,
        ("audit", "text"): ledger_commands.cmd_audit_text,
        ("audit", "head"): ledger_commands.cmd_audit_head,
        ("audit", "correct"): ledger_commands.cmd_audit_correct,
        "print": ledger_commands.cmd_print,
        "export": exchange_commands.cmd_export,
        ("exchange", "export"): exchange_commands.cmd_exchange_export,
        ("exchange", "import"): exchange_commands.cmd_exchange_import,
        ("exchange", "anchors"): exchange_commands.cmd_exchange_anchors,
        ("exchange", "key"): exchange_commands.cmd_exchange_key,
        ("exchange", "held"): exchange_commands.cmd_exchange_held,
        ("server", "setup"): server_commands.cmd_server_setup,
        ("batch", "create"): batch_commands.cmd_batch,
        ("batch", "show"): batch_commands.cmd_batch,
        ("batch", "list"): batch_commands.cmd_batch,
        ("batch", "withdraw"): batch_commands.cmd_batch,
        ("batch", "print"): batch_commands.cmd_batch,
        ("batch", "export"): batch_commands.cmd_batch,
        ("results", "import"): batch_commands.cmd_results_import,
        "stats": batch_commands.cmd_stats,
    }
    if args.command is None:
        return _run_window(args)
    key: Any = args.command
    if args.command == "catalogue":
        key = ("catalogue", args.catalogue_command)
    elif args.command in ("ledger", "audit", "exchange", "accounts", "server", "batch", "results"):
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
        code = known_error(exc)
        if code is not None:
            return code
        if os.environ.get("UNION_COUNTER_DEBUG"):
            raise
        logging.getLogger("desktop_app.cli").exception("internal error in %s", args.command)
        where = f"详细情况已记入日志 {LOG_STATE['file']}，" if LOG_STATE.get("file") else ""
        print(
            f"程序内部错误（{type(exc).__name__}）：{scrub(str(exc))}。"
            f"{where}请把这条信息告诉维护人员。",
            file=sys.stderr,
        )
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
