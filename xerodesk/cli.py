"""The command line of the contract (docs: cli.md): parse, call app, map errors to exits.

Exit status: 0 success, 1 the sync finished with review items or failed
records, 2 bad usage or configuration, 3 Xero or the database unreachable.
Errors are one line on stderr; a traceback only with ``--debug``.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from xerodesk import __version__, cli_text
from xerodesk.cli_defaults import add_defaults_parser
from xerodesk.cli_sandbox import add_sandbox_parser
from xerodesk.cli_webhooks import add_webhooks_parser, announce, webhooks_address
from xerodesk.errors import ConfigurationError, XerodeskError, exit_status
from xerodesk.logsetup import FILE_ONLY, redact

if TYPE_CHECKING:
    from xerodesk import app as app_module
    from xerodesk.engine.webhooks import serving as serving_module

log = logging.getLogger("xerodesk.cli")

EXIT_OK, EXIT_REVIEW, EXIT_USAGE, EXIT_UNREACHABLE = 0, 1, 2, 3
Handler = Callable[[argparse.Namespace], int]


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors as one line and exit status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise ConfigurationError(f"{message} (see {self.prog} --help)")


def _add_db(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db",
        metavar="URL",
        help="SQLAlchemy URL of the CRM database (sqlite:///path.db, "
        "postgresql+psycopg://…, mysql+pymysql://…); default: the machine's "
        "defaults file's, else the SQLite file in the user data folder",
    )


def _add_xero(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--xero",
        metavar="URL",
        help="root URL that stands in for all of Xero's hosts (e.g. a sandbox); "
        "default: the real Xero",
    )


def build_parser() -> _Parser:
    parser = _Parser(
        prog="xerodesk",
        description="Keeps a CRM database and a Xero organisation in lockstep.",
    )
    parser.add_argument("--version", action="version", version=f"xerodesk {__version__}")
    parser.add_argument("--debug", action="store_true", help="verbose logs and full tracebacks")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    gui = commands.add_parser("gui", help="open the desktop app (the default)")
    _add_db(gui)
    gui.set_defaults(handler=_cmd_gui)

    demo = commands.add_parser(
        "demo",
        help="try xerodesk on the built-in sandbox and a local SQLite database",
        description="Start the Xero sandbox with a generated demo organisation, create or "
        "reuse a SQLite CRM database in the user data folder and open the app on it.",
    )
    demo.add_argument(
        "--headless",
        action="store_true",
        help="run one full sync and print a summary instead of opening the app",
    )
    demo.set_defaults(handler=_cmd_demo)

    add_sandbox_parser(commands)

    db = commands.add_parser("db", help="database administration")
    db_commands = db.add_subparsers(dest="db_command", metavar="ACTION", parser_class=_Parser)
    upgrade = db_commands.add_parser("upgrade", help="create or migrate the CRM schema")
    _add_db(upgrade)
    upgrade.set_defaults(handler=_cmd_db_upgrade)
    db.set_defaults(handler=_need_subcommand(db))

    sync = commands.add_parser(
        "sync",
        help="one sync pass (pull, then push)",
        description="Pull what changed in Xero, then push new customers, products and "
        "confirmed orders. --watch keeps running: scheduled passes plus immediate pushes.",
    )
    _add_db(sync)
    _add_xero(sync)
    sync.add_argument("--full", action="store_true", help="re-read everything, not just changes")
    sync.add_argument(
        "--only",
        metavar="ENTITY,...",
        help="limit the pass to these entities (e.g. contacts,items)",
    )
    sync.add_argument("--watch", action="store_true", help="keep running until stopped")
    sync.add_argument(
        "--webhooks",
        metavar="[HOST:]PORT",
        help="with --watch: receive Xero's webhooks at /xero/webhooks on this port "
        "(host 127.0.0.1 unless given; put an HTTPS reverse proxy in front)",
    )
    sync.add_argument(
        "--dry-run",
        action="store_true",
        help="report what a pass would change on each side and write nothing",
    )
    sync.set_defaults(handler=_cmd_sync)

    history = commands.add_parser("history", help="the audit trail of one record")
    _add_db(history)
    history.add_argument(
        "record", metavar="RECORD", help="a Xero id, or table:id (e.g. sales_ledger:7)"
    )
    history.add_argument("--json", action="store_true", help="print JSON")
    history.set_defaults(handler=_cmd_history)

    status = commands.add_parser("status", help="cursors, last runs, outbox and open review items")
    _add_db(status)
    status.add_argument("--json", action="store_true", help="print JSON")
    status.set_defaults(handler=_cmd_status)

    login = commands.add_parser(
        "login",
        help="sign in to Xero in the system browser",
        description="Sign in to Xero (OAuth 2.0 with PKCE) in the system browser and keep "
        "the organisation's tokens in the operating system's keyring.",
    )
    _add_xero(login)
    login.add_argument(
        "--client-id",
        help="client id of your Xero app (default: $XERODESK_CLIENT_ID, else the "
        "machine's defaults file's)",
    )
    login.add_argument(
        "--port",
        type=int,
        default=None,
        help="loopback port of the redirect registered for the app (default 53682)",
    )
    login.set_defaults(handler=_cmd_login)
    add_webhooks_parser(commands, _add_xero, _need_subcommand)
    add_defaults_parser(commands)
    return parser


def _need_subcommand(parser: argparse.ArgumentParser) -> Handler:
    def handler(_args: argparse.Namespace) -> int:
        raise ConfigurationError(f"{parser.prog}: choose an action (see --help)")

    return handler


# --- command handlers (thin: the work is in app) -----------------------------


def _cmd_db_upgrade(args: argparse.Namespace) -> int:
    from xerodesk import app

    paths = app.setup(args.debug)
    result = app.upgrade_database(app.database_url(args.db, paths))
    if result.before == result.after:
        print(f"{result.url}: already at revision {result.after}")
    else:
        print(f"{result.url}: upgraded from {result.before or 'empty'} to {result.after}")
    return EXIT_OK


def _cmd_status(args: argparse.Namespace) -> int:
    from xerodesk import app

    paths = app.setup(args.debug)
    status = app.read_status(app.database_url(args.db, paths))
    if args.json:
        print(json.dumps(status.to_json(), indent=2))
        return EXIT_OK
    print(cli_text.status_text(status.snapshot.to_json()))
    print(cli_text.calls_text(status.plan))
    print(cli_text.schedule_text(status.schedule))
    print(cli_text.outlook_text(status.outlook))
    return EXIT_OK


def _cmd_history(args: argparse.Namespace) -> int:
    from xerodesk import app
    from xerodesk.store.audit import UnknownRecordError, record_history

    paths = app.setup(args.debug)
    engine = app.open_database(app.database_url(args.db, paths))
    try:
        with engine.connect() as connection:
            entries = record_history(connection, args.record)
    except UnknownRecordError:
        raise ConfigurationError(
            f"no record {args.record!r}: give a Xero id, or table:id of a CRM row"
        ) from None
    finally:
        engine.dispose()
    if args.json:
        print(json.dumps([e.to_json() for e in entries], indent=2))
    elif not entries:
        print(f"no changes recorded for {args.record}")
    else:
        print(cli_text.history_text(entries))
    return EXIT_OK


def _cmd_sync(args: argparse.Namespace) -> int:
    import asyncio

    from xerodesk import app

    if args.dry_run and args.watch:
        raise ConfigurationError("--dry-run reports one pass: it cannot be combined with --watch")
    listen = webhooks_address(args)
    paths = app.setup(args.debug)
    app.tune_interpreter()
    settings = app.SyncSettings(
        db_url=app.database_url(args.db, paths),
        xero_url=args.xero,
        full=args.full,
        only=args.only,
        time_scale=_time_scale(),
    )
    if args.dry_run:
        dry = asyncio.run(app.run_dry_run(settings))
        print(cli_text.dry_run_summary(dry))
        if dry.report.outcome == "day_limit":
            print(f"xerodesk: {dry.report.message}", file=sys.stderr)
            return EXIT_UNREACHABLE
        return EXIT_OK
    if args.watch:
        return asyncio.run(_watch(settings, listen))
    from xerodesk.termprogress import TerminalProgress

    outcome = asyncio.run(app.run_sync_pass(settings, TerminalProgress()))
    report = outcome.report
    print(cli_text.pass_summary(report))
    sent = sum(p.sent for p in outcome.pushes)
    failed = sum(p.failed for p in outcome.pushes)
    blocked = sum(p.blocked for p in outcome.pushes)
    if sent or failed or blocked:
        print(f"Pushed to Xero: {sent} sent, {failed} failed, {blocked} blocked")
    if report.outcome == "day_limit":
        print(f"xerodesk: {report.message}", file=sys.stderr)
        return EXIT_UNREACHABLE
    return EXIT_REVIEW if report.new_review_items else EXIT_OK


async def _watch(
    settings: app_module.SyncSettings, webhooks: serving_module.ListenAddress | None
) -> int:
    """Run until SIGTERM or SIGINT, then finish the page in hand and exit 0."""
    import asyncio
    import signal

    from xerodesk import app

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    stats = await app.run_watch(settings, stop, webhooks=webhooks, on_started=announce)
    print(
        f"xerodesk: stopped after {stats.passes} pass(es), {stats.pushes} push run(s)",
        file=sys.stderr,
    )
    return EXIT_OK


def _time_scale() -> float:
    import os

    raw = os.environ.get("XERODESK_TIME_SCALE", "1")
    try:
        scale = float(raw)
    except ValueError:
        raise ConfigurationError(f"XERODESK_TIME_SCALE must be a number, not {raw!r}") from None
    if scale <= 0:
        raise ConfigurationError("XERODESK_TIME_SCALE must be positive")
    return scale


def _cmd_demo(args: argparse.Namespace) -> int:
    import asyncio

    from xerodesk import app
    from xerodesk.termprogress import TerminalProgress

    paths = app.setup(args.debug)
    if not args.headless:
        from xerodesk.gui.launch import run_app

        return run_app(paths, demo=True)
    app.tune_interpreter()
    print("Starting the Xero sandbox with a demo organisation…", flush=True)
    url, report = asyncio.run(app.run_demo_pass(paths, TerminalProgress()))
    print(f"Demo CRM database: {url}")
    print(cli_text.pass_summary(report))
    return EXIT_REVIEW if report.new_review_items else EXIT_OK


def _cmd_gui(args: argparse.Namespace) -> int:
    from xerodesk import app
    from xerodesk.gui.launch import run_app

    paths = app.setup(args.debug)
    return run_app(paths, db_url=args.db)


def _cmd_login(args: argparse.Namespace) -> int:
    import asyncio

    from xerodesk import app

    app.setup(args.debug)
    print("Opening the browser to sign in to Xero…", flush=True)
    name = asyncio.run(app.sign_in_to_xero(args.xero, args.client_id, args.port))
    print(f"Signed in to Xero: {name}. The sign-in is kept in the system keyring.")
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; returns the exit status."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args_list
    try:
        args = build_parser().parse_args(args_list)
        handler: Handler = getattr(args, "handler", _cmd_gui)
        if args.command is None:
            args.db = None
        return handler(args)
    except XerodeskError as error:
        _report(str(error), debug)
        return exit_status(error)
    except KeyboardInterrupt:
        print("xerodesk: interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # the last line of defence: one line, details in the log
        from xerodesk.store.database import connection_lost

        lost = connection_lost(error)
        if lost is not None:
            log.warning("database connection lost", exc_info=True, extra=FILE_ONLY)
            _report(str(lost), debug)
            return exit_status(lost)
        log.exception("unexpected error", extra=FILE_ONLY)
        _report(f"unexpected error: {type(error).__name__}: {error} (details in the log)", debug)
        return EXIT_REVIEW


def _report(message: str, debug: bool) -> None:
    if debug:
        import traceback

        traceback.print_exc(file=sys.stderr)
    first = redact(message).strip().splitlines()
    print(f"xerodesk: {first[0] if first else 'error'}", file=sys.stderr)
