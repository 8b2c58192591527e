"""``xerodesk sandbox``: the built-in Xero sandbox as a process of its own."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from typing import Any

from xerodesk.errors import ConfigurationError


def add_sandbox_parser(commands: argparse._SubParsersAction[Any]) -> None:
    p = commands.add_parser(
        "sandbox",
        help="serve the built-in Xero sandbox until stopped",
        description="Serve the Xero sandbox: the Accounting API, identity endpoints, "
        "connections and an ECB-format rates feed, on loopback. Prints its base URL first.",
    )
    p.add_argument("--host", default="127.0.0.1", help="loopback address to bind")
    p.add_argument("--port", type=int, default=0, help="port (default: a free one)")
    p.add_argument("--org", metavar="FILE.json", help="load an organisation from a file")
    p.add_argument(
        "--generate",
        metavar="SIZE",
        help="generate an organisation: demo, small, medium, large, or counts such as "
        "contacts=5000,invoices=100000 (default: demo)",
    )
    p.add_argument("--seed", type=int, default=1, help="seed of the generator (default 1)")
    p.add_argument(
        "--rate-limits",
        choices=("real", "off"),
        default="real",
        help="enforce Xero's limits (real) or only count calls (off)",
    )
    p.add_argument(
        "--faults",
        metavar="SPEC",
        help="inject faults: KIND=P[:PARAM],...[,seed=N]; kinds 500, 503, "
        "timeout[:seconds], reset, storm429[:burst], lost (the response of a committed "
        "write), churn[:records] (edits while a client pages), e.g. 500=0.02,lost=0.01",
    )
    p.add_argument("--fault-seed", type=int, default=None, help="seed of the fault injector")
    p.add_argument("--client", metavar="ID:SECRET", help="accept only this client")
    p.add_argument(
        "--clock-scale",
        type=float,
        default=1.0,
        help="run the sandbox clock this many times faster than real time",
    )
    p.add_argument(
        "--clock-start",
        metavar="WHEN",
        help="start the sandbox clock at this UTC time (ISO 8601, e.g. 2026-03-02T09:00:00Z) "
        "instead of now",
    )
    p.add_argument(
        "--daily-limit",
        type=int,
        default=5000,
        help="calls a day per organisation (5000, or 1000 for Xero's Starter tier)",
    )
    p.add_argument(
        "--webhooks-when-asked",
        action="store_true",
        help="send webhook deliveries only when POST /_sandbox/webhooks/deliver asks "
        "(for a caller that moves the sandbox clock itself)",
    )
    p.set_defaults(handler=cmd_sandbox)


def cmd_sandbox(args: argparse.Namespace) -> int:
    from xerodesk.sandbox.server import serve
    from xerodesk.sandbox.state import SandboxConfigError, SandboxOptions

    client = None
    if args.client:
        ident, sep, secret = args.client.partition(":")
        if not sep or not ident or not secret:
            raise ConfigurationError("--client must be ID:SECRET")
        client = (ident, secret)
    options = SandboxOptions(
        host=args.host,
        port=args.port,
        org_file=args.org,
        generate=args.generate,
        seed=args.seed,
        rate_limits=args.rate_limits,
        faults=args.faults,
        fault_seed=args.fault_seed,
        client=client,
        clock_scale=args.clock_scale,
        clock_start=_clock_start(args.clock_start),
        daily_limit=args.daily_limit,
        webhook_thread=not args.webhooks_when_asked,
    )
    try:
        serve(options)
    except SandboxConfigError as error:
        raise ConfigurationError(str(error)) from None
    return 0


def _clock_start(text: str | None) -> datetime | None:
    """``--clock-start`` as an aware UTC time; a time without a zone is UTC."""
    if text is None:
        return None
    try:
        when = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ConfigurationError(
            f"--clock-start must be a time such as 2026-03-02T09:00:00Z, not {text!r}"
        ) from None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
