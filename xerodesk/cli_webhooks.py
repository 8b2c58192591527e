"""``xerodesk webhooks``: the Xero app's webhooks key in the system keyring.

The key is read from a prompt that does not echo it (or from stdin when it is
piped, e.g. from a secrets manager), never from the command line, so it stays
out of shell history, process lists and logs.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from xerodesk.errors import ConfigurationError

if TYPE_CHECKING:
    from xerodesk.engine.webhooks.serving import ListenAddress

PROMPT = "Webhooks key (from your app's Webhooks page in Xero's developer portal): "


def add_webhooks_parser(
    commands: argparse._SubParsersAction[Any],
    add_xero: Callable[[argparse.ArgumentParser], None],
    need_subcommand: Callable[[argparse.ArgumentParser], Callable[[argparse.Namespace], int]],
) -> None:
    webhooks = commands.add_parser(
        "webhooks",
        help="the key that signs Xero's webhooks",
        description="Keep the webhooks key of your Xero app in the system keyring, for "
        "'xerodesk sync --watch --webhooks'.",
    )
    actions = webhooks.add_subparsers(
        dest="webhooks_command", metavar="ACTION", parser_class=type(webhooks)
    )
    set_key = actions.add_parser(
        "set-key",
        help="store the webhooks key, read from a prompt (or stdin when piped)",
        description="Read the webhooks key from a prompt that does not echo it, or from "
        "the first line of stdin when it is not a terminal, and keep it in the keyring.",
    )
    add_xero(set_key)
    set_key.set_defaults(handler=_cmd_set_key)
    forget = actions.add_parser("forget-key", help="remove the webhooks key from the keyring")
    add_xero(forget)
    forget.set_defaults(handler=_cmd_forget_key)
    webhooks.set_defaults(handler=need_subcommand(webhooks))


def webhooks_address(args: argparse.Namespace) -> ListenAddress | None:
    """``sync --webhooks [HOST:]PORT`` checked (it needs ``--watch``), or None."""
    if args.webhooks is None:
        return None
    if not args.watch:
        raise ConfigurationError("--webhooks works with --watch: add --watch")
    from xerodesk.engine.webhooks.serving import parse_listen

    return parse_listen(args.webhooks)


def announce(webhooks_url: str | None) -> None:
    """What ``sync --watch`` says once it is set up (its webhooks key and port too)."""
    if webhooks_url is not None:
        print(f"xerodesk: receiving Xero's webhooks at {webhooks_url}", file=sys.stderr)
    print("xerodesk: watching; stop with Ctrl+C or SIGTERM", file=sys.stderr, flush=True)


def _cmd_set_key(args: argparse.Namespace) -> int:
    from xerodesk import app
    from xerodesk.credentials import Secret
    from xerodesk.xero.connect import store_webhook_key

    app.setup(args.debug)
    raw = getpass.getpass(PROMPT) if sys.stdin.isatty() else sys.stdin.readline()
    value = raw.strip()
    if not value or any(c.isspace() for c in value):
        raise ConfigurationError(
            "no webhooks key given: paste the key shown on your app's Webhooks page in "
            "Xero's developer portal (one line, no spaces)"
        )
    store_webhook_key(Secret(value), xero_url=args.xero)
    print("The webhooks key is kept in the system keyring.")
    return 0


def _cmd_forget_key(args: argparse.Namespace) -> int:
    from xerodesk import app
    from xerodesk.xero.connect import forget_webhook_key

    app.setup(args.debug)
    forget_webhook_key(xero_url=args.xero)
    print("The webhooks key is no longer kept.")
    return 0
