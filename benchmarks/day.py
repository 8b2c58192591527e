"""A day in the life: one business day played on a simulated clock.

``python -m benchmarks.day --size medium --budget 1000`` generates an
organisation in a sandbox process, imports it into a fresh SQLite CRM, then
plays the next day: Xero-side changes (contacts, items, invoices, payments)
and CRM-side ones (new customers, confirmed quotes) in business hours with
two busy hours, while the engine runs as ``sync --watch`` does: scheduled
passes when its own planner says, through its own ``PassRunner``, and the
pushes of its ``OutboxPusher`` a poll after each CRM commit.

Time is simulated and deterministic: the engine's wall clock, the Xero
client's clock and the sandbox's clock are one clock, which stands still
while work runs and moves on by ``CALL_SECONDS`` for every Xero call (a
typical response time of Xero's API) and by ``POLL_SECONDS`` between a CRM
commit and the push that notices it. Calls and bytes are counted by the
client (and by the sandbox, which must agree); latencies are the simulated
seconds from a change to the moment the other side shows it, read from the
CRM's own rows. See benchmarks/notes.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from benchmarks.day_clock import SimClock
from benchmarks.day_events import (
    Change,
    Pools,
    arrived,
    load_pools,
    make_crm_change,
    make_xero_change,
    plan_changes,
)
from benchmarks.day_webhooks import DayWebhooks
from benchmarks.harness import CLIENT_ID, CLIENT_SECRET, SandboxProcess
from benchmarks.report import machine
from xerodesk.engine.dbworker import DbWorker
from xerodesk.engine.pass_types import PassRequest
from xerodesk.engine.passes import PassRunner
from xerodesk.engine.pushing import OutboxPusher
from xerodesk.engine.schedule import next_pass
from xerodesk.engine.webhooks.consumer import cover_events
from xerodesk.engine.webhooks.health import webhook_health
from xerodesk.errors import DailyLimitReachedError
from xerodesk.store.database import open_engine
from xerodesk.store.migrate import upgrade
from xerodesk.store.options import set_option
from xerodesk.store.types import set_wall_clock
from xerodesk.xero.client import XeroClient
from xerodesk.xero.connect import open_client

#: simulated seconds per Xero call
CALL_SECONDS = 0.5
#: simulated seconds from a CRM commit to the push that notices it (the service's poll)
POLL_SECONDS = 1.0
RESULTS = Path(__file__).parent / "results" / "day"
#: when the sandbox's clock starts: the organisation is made and imported then, and
#: the day played is the next one, Tuesday 7 July 2026 from midnight UTC (a week
#: after the generator's anchor day, 30 June 2026, before which its history is
#: dated). A fixed start (not the machine's time) keeps the hourly reads' phase in
#: the day, and so the day's calls, the same on every run.
DAY_BEFORE = "2026-07-06T09:00:00Z"
#: the Xero-side changes a webhook announces (items have no webhooks)
ANNOUNCED_KINDS = ("contact", "invoice", "payment")


@dataclass
class DaySettings:
    size: str = "medium"
    budget: int = 1000
    seed: int = 1
    xero_changes: int = 200
    crm_changes: int = 40
    #: simulated hours played (the business day is 08:00 to 16:00 of them)
    hours: float = 24.0
    #: Xero's webhooks on (``day_webhooks``), with polling as the safety net
    webhooks: bool = False


@dataclass
class DayResult:
    settings: DaySettings
    passes: int = 0
    push_rounds: int = 0
    pushes_delayed: int = 0
    calls: int = 0
    bytes_read: int = 0
    wire_bytes: int = 0
    sandbox_calls: int = 0
    sandbox_bytes: dict[str, int] = field(default_factory=dict)
    changes: list[Change] = field(default_factory=list)
    real_seconds: float = 0.0
    #: with webhooks: deliveries and events received, reads of what they named
    webhooks: dict[str, int] = field(default_factory=dict)

    def latencies(self, side: str, kinds: tuple[str, ...] = ()) -> dict[str, float | int | None]:
        seen = [
            c.latency for c in self.changes if c.side == side and (not kinds or c.kind in kinds)
        ]
        got = sorted(x for x in seen if x is not None)
        return {
            "changes": len(seen),
            "arrived": len(got),
            "p50_s": _percentile(got, 50),
            "p95_s": _percentile(got, 95),
            "max_s": got[-1] if got else None,
        }

    def as_json(self) -> dict[str, Any]:
        return {
            "settings": vars(self.settings),
            "passes": self.passes,
            "push_rounds": self.push_rounds,
            "pushes_delayed_by_budget": self.pushes_delayed,
            "calls": self.calls,
            "bytes_read": self.bytes_read,
            "wire_bytes": self.wire_bytes,
            "sandbox_calls": self.sandbox_calls,
            "sandbox_bytes": self.sandbox_bytes,
            "xero_to_crm": self.latencies("xero"),
            # what Xero's webhooks announce (contacts, invoices and their payments), and not
            "xero_to_crm_announced": self.latencies("xero", ANNOUNCED_KINDS),
            "xero_to_crm_items": self.latencies("xero", ("item",)),
            "crm_to_xero": self.latencies("crm"),
            "webhooks": self.webhooks,
            "real_seconds": round(self.real_seconds, 1),
        }


def _percentile(values: list[float], pct: int) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return round(statistics.quantiles(values, n=100, method="inclusive")[pct - 1], 1)


class Day:
    """One simulated day against one sandbox and one CRM database."""

    def __init__(self, settings: DaySettings, sandbox: SandboxProcess, engine: Engine) -> None:
        self.settings = settings
        self.sandbox = sandbox
        self.engine = engine
        self.db = DbWorker(engine)
        self.rng = random.Random(settings.seed)
        self.clock = SimClock(self._sandbox_now())
        self.result = DayResult(settings)

    def _sandbox_now(self) -> datetime:
        raw = str(self.sandbox.control("GET", "/clock")["now"]).replace("Z", "+00:00")
        return datetime.fromisoformat(raw)

    def move_to(self, when: datetime) -> None:
        """Move the one clock (and the sandbox's) on to ``when``."""
        if when > self.clock.now():
            self.clock.advance((when - self.clock.now()).total_seconds())
        ahead = (self.clock.now() - self._sandbox_now()).total_seconds()
        if ahead > 0:
            self.sandbox.control("POST", "/clock", {"advance": ahead})

    async def run(self) -> DayResult:
        started = time.monotonic()
        previous = set_wall_clock(self.clock.now)
        try:
            client = await open_client(
                xero_url=self.sandbox.base_url,
                env={"XERODESK_CLIENT_ID": CLIENT_ID, "XERODESK_CLIENT_SECRET": CLIENT_SECRET},
                daily_limit=self.settings.budget,
                clock=self.clock,
            )
            async with client:
                await self._play(client)
        finally:
            set_wall_clock(previous)
            self.db.close()
        self.result.real_seconds = time.monotonic() - started
        return self.result

    async def _play(self, client: XeroClient) -> None:
        runner = PassRunner(client, self.db)
        await self._import(runner)
        day = (self.clock.now() + timedelta(days=1)).replace(
            hour=0, minute=0, second=0, microsecond=0
        )
        self.move_to(day)
        self._start_the_day()
        if not self.settings.webhooks:
            await self._play_day(client, runner, None, day)
            return
        async with DayWebhooks.serving(self.sandbox, client, self.db, self.clock.now()) as hooks:
            await self._play_day(client, runner, hooks, day)
            self.result.webhooks = {
                "deliveries": hooks.deliveries,
                "events": hooks.events,
                "reads": hooks.reads,
            }

    async def _play_day(
        self, client: XeroClient, runner: PassRunner, hooks: DayWebhooks | None, day: datetime
    ) -> None:
        pools = await self.db.read(load_pools)
        s = self.settings
        pending = plan_changes(pools, day, s.xero_changes, s.crm_changes, self.rng)
        self.result.changes = list(pending)
        pusher = OutboxPusher(client, self.db, listen=False)
        calls0, bytes0 = client.usage().calls, client.accounting.bytes_totals()
        end = day + timedelta(hours=s.hours)
        due = await self._next(self.clock.now(), hooks is not None)
        while True:
            upcoming = pending[0].at if pending else end
            delivery = (hooks.next_at() if hooks else None) or end
            if due <= min(upcoming, delivery) and due < end:
                self.move_to(due)
                await self._pass(runner, client)
                due = await self._next(self.clock.now(), hooks is not None)
            elif hooks is not None and delivery <= upcoming and delivery < end:
                self.move_to(delivery)
                self.clock.advance(CALL_SECONDS * await hooks.deliver(self.clock.now()))
                await self._look(side="xero")
            elif pending and upcoming < end:
                change = pending.pop(0)
                self.move_to(change.at)
                await self._make(change, pools, pusher, client)
                if hooks is not None:
                    # a Xero-side change, or a push that made a record in Xero
                    hooks.changed(self.clock.now())
            else:
                break
        self.result.calls = client.usage().calls - calls0
        read, wire = client.accounting.bytes_totals()
        self.result.bytes_read, self.result.wire_bytes = read - bytes0[0], wire - bytes0[1]
        counters = self.sandbox.control("GET", "/counters")
        self.result.sandbox_calls = int(counters["calls"])
        self.result.sandbox_bytes = {k: int(counters["bytes"][k]) for k in ("body", "wire")}

    async def _import(self, runner: PassRunner) -> None:
        """The first sync, at full speed (limits off), the day before."""
        await self.db.write(set_option, "daily_call_budget", str(self.settings.budget))
        report = await runner.run(PassRequest(trigger="manual"))
        if report.outcome != "ok":
            raise SystemExit(f"the first sync failed: {report.message}")

    def _start_the_day(self) -> None:
        """Xero's own limits from now on, the day's budget, counters from zero."""
        daily = self.settings.budget
        self.sandbox.control("POST", "/limits", {"mode": "real", "daily": daily})
        self.sandbox.control("POST", "/limits/reset")
        self.sandbox.control("POST", "/counters/reset")

    async def _next(self, last_end: datetime, webhooks: bool) -> datetime:
        """When the next pass is due, as the service plans it (``SyncService``)."""
        now = self.clock.now()
        working = webhooks and (await self.db.read(webhook_health, now)).working
        schedule = await self.db.read(next_pass, last_end, now, webhooks=working)
        return max(schedule.due_at, now)

    async def _pass(self, runner: PassRunner, client: XeroClient) -> None:
        before = client.usage().calls
        report = await runner.run(PassRequest(trigger="schedule"))
        self.result.passes += 1
        if self.settings.webhooks and report.outcome == "ok":
            await self.db.write(cover_events, report.run_id)
        self.clock.advance(CALL_SECONDS * (client.usage().calls - before))
        await self._look(side="xero")
        if report.outcome not in ("ok", "day_limit"):
            raise SystemExit(f"a pass failed: {report.message}")

    async def _make(
        self, change: Change, pools: Pools, pusher: OutboxPusher, client: XeroClient
    ) -> None:
        if change.side == "xero":
            make_xero_change(self.sandbox, change)
            return
        await self.db.write(make_crm_change, change, pools, self.rng, self.clock.now())
        self.clock.advance(POLL_SECONDS)
        self.move_to(self.clock.now())
        before = client.usage().calls
        try:
            if await pusher.pending():
                await pusher.push()
                self.result.push_rounds += 1
        except DailyLimitReachedError:
            self.result.pushes_delayed += 1
        self.clock.advance(CALL_SECONDS * (client.usage().calls - before))
        await self._look(side="crm")

    async def _look(self, side: str) -> None:
        now = self.clock.now()
        for change in self.result.changes:
            if change.side == side and change.seen_at is None and change.at <= now:
                if await self.db.read(arrived, change):
                    change.seen_at = now


def run_day(settings: DaySettings, workdir: Path) -> DayResult:
    """Start the sandbox, make the CRM database, play the day."""
    # the clock stands still from the start (the day moves it), at a fixed time
    extra = ["--clock-start", DAY_BEFORE, "--clock-scale", "1e-9"]
    if settings.webhooks:
        extra.append("--webhooks-when-asked")
    sandbox = SandboxProcess(settings.size, settings.seed, workdir, extra=extra)
    try:
        engine = open_engine(f"sqlite:///{workdir / 'crm.db'}", check=False)
        upgrade(engine)
        try:
            return asyncio.run(Day(settings, sandbox, engine).run())
        finally:
            engine.dispose()
    finally:
        sandbox.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.day", description=__doc__)
    parser.add_argument("--size", default="medium")
    parser.add_argument("--budget", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--xero-changes", type=int, default=200)
    parser.add_argument("--crm-changes", type=int, default=40)
    parser.add_argument("--quiet-day", action="store_true", help="no changes at all")
    parser.add_argument(
        "--webhooks", action="store_true", help="Xero's webhooks on, polling as the safety net"
    )
    args = parser.parse_args(argv)
    settings = DaySettings(
        args.size,
        args.budget,
        args.seed,
        0 if args.quiet_day else args.xero_changes,
        0 if args.quiet_day else args.crm_changes,
        webhooks=args.webhooks,
    )
    with tempfile.TemporaryDirectory(prefix="xerodesk-day-") as folder:
        result = run_day(settings, Path(folder))
    data = result.as_json()
    data["measured_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    data["machine"] = machine()
    RESULTS.mkdir(parents=True, exist_ok=True)
    label = ("quiet" if args.quiet_day else "busy") + ("-webhooks" if args.webhooks else "")
    out = RESULTS / f"day-{settings.size}-{settings.budget}-{label}.json"
    out.write_text(json.dumps(data, indent=2) + "\n")
    json.dump(data, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
