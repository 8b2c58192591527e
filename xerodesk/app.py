"""The composition root: builds paths, the store and (later) the engine from arguments.

Nothing runs at import time; each function takes what it needs and returns
what it built, so the CLI, the GUI and tests compose the same parts.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import secrets
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from xerodesk.domain.sync import ProgressSink, parse_entities
from xerodesk.engine.budget import CallPlan, prepare_client, record_push_calls
from xerodesk.engine.dbworker import DbWorker, RehearsalDbWorker
from xerodesk.engine.dryrun import DryRunReport, dry_run
from xerodesk.engine.lock import RunnerLock, runner_identity
from xerodesk.engine.outlook import SyncOutlook, sync_outlook
from xerodesk.engine.pass_types import PassReport, PassRequest
from xerodesk.engine.passes import PassRunner, current_plan
from xerodesk.engine.push import PushReport, push_pending
from xerodesk.engine.pushing import OutboxPusher
from xerodesk.engine.schedule import PassSchedule
from xerodesk.engine.service import ServiceStats, SyncService
from xerodesk.engine.webhooks.consumer import WebhookConsumer
from xerodesk.engine.webhooks.serving import ListenAddress, WebhookServer, bind, receiving
from xerodesk.errors import ConfigurationError
from xerodesk.logsetup import configure_logging, register_secret
from xerodesk.machine_defaults import load_machine_defaults
from xerodesk.paths import AppPaths, app_paths
from xerodesk.store import migrate
from xerodesk.store.database import display_url, open_engine
from xerodesk.store.options import Options, seed_defaults
from xerodesk.store.queries import StatusSnapshot, status_snapshot
from xerodesk.store.types import utcnow
from xerodesk.xero.client import XeroClient
from xerodesk.xero.connect import open_client, webhook_key

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class UpgradeResult:
    url: str
    before: str | None
    after: str | None
    options_added: list[str]


def setup(debug: bool = False, base: Path | None = None) -> AppPaths:
    """Create the user's folders and start logging to the rotating log file."""
    paths = app_paths(base).ensure()
    configure_logging(paths.log_file, debug=debug)
    return paths


#: allocations between collections of the youngest generation (Python's default: 700)
YOUNG_COLLECTION = 10_000
#: the longest a thread that wants the interpreter waits for it (Python's default: 5 ms)
SWITCH_INTERVAL = 0.0005


def tune_interpreter() -> None:
    """Set the interpreter of a process that syncs (not the window's) for pages of
    thousands of records.

    - The cycle collector: what is loaded by now (modules, classes, the
      schema) stays for the whole run, so it is frozen out of every later
      collection, which then looks only at what the sync made since. A page
      maps into tens of thousands of small containers that live until the
      page is written: collected every 700 allocations, many survive into the
      old generation and make its sweeps long; collected every 10,000, most
      are gone before a collection sees them. A full sync of the medium
      organisation takes about 15% less time, for about 10 MiB more memory at
      its peak (both measured).
    - The switch interval: the next page is mapped while the page before it is
      written, and the database thread leaves the interpreter at each SQLite
      call; coming back, it waits for the mapping thread to let go, up to the
      switch interval each time. At 0.5 ms instead of 5 ms the writes keep
      pace and the two overlap: about 10% more lines a second (measured; at
      5 ms the overlap gained nothing over taking turns).
    """
    gc.freeze()
    gc.set_threshold(YOUNG_COLLECTION, 10, 10)
    sys.setswitchinterval(SWITCH_INTERVAL)


def database_url(db: str | None, paths: AppPaths) -> str:
    """The ``--db`` URL, else the machine's defaults file's database, else the
    default SQLite file in the user's data folder."""
    return db or load_machine_defaults().database or local_database_url(paths)


def local_database_url(paths: AppPaths) -> str:
    """The SQLite file in the user's data folder (the demo's, whatever the machine sets)."""
    return f"sqlite:///{paths.default_database}"


def upgrade_database(url: str) -> UpgradeResult:
    """Create or migrate the CRM schema, then seed missing system options."""
    engine = open_engine(url)
    try:
        before, after = migrate.upgrade(engine)
        with engine.begin() as connection:
            added = seed_defaults(connection, load_machine_defaults().options)
    finally:
        engine.dispose()
    log.info("database %s at revision %s (was %s)", display_url(url), after, before)
    return UpgradeResult(display_url(url), before, after, added)


def open_database(url: str) -> Engine:
    """An engine on an existing, migrated database (migrating it if it is new)."""
    engine = open_engine(url)
    if migrate.current_revision(engine) != migrate.head_revision():
        migrate.upgrade(engine)
        with engine.begin() as connection:
            seed_defaults(connection, load_machine_defaults().options)
    return engine


@dataclass(frozen=True)
class SyncSettings:
    db_url: str
    xero_url: str | None
    full: bool = False
    only: str | None = None
    trigger: str = "cli"
    time_scale: float = 1.0


@dataclass
class SyncOutcome:
    """A pass and the pushes sent around it."""

    report: PassReport
    pushes: list[PushReport]

    @property
    def needs_review(self) -> bool:
        return bool(self.report.new_review_items or any(p.failed or p.blocked for p in self.pushes))


async def run_sync_pass(
    settings: SyncSettings, progress: ProgressSink | None = None
) -> SyncOutcome:
    """One pass against ``settings.db_url`` under the runner lease; closes all it opened.

    Pushes go first (anything a crash left half-sent is finished before the
    pull reads Xero), then the pull, then the pushes the CRM made meanwhile.
    Raises RunnerBusyError (naming the holder) when another runner has the database.
    """
    try:
        entities = parse_entities(settings.only)
    except ValueError as error:
        raise ConfigurationError(str(error)) from None
    engine = open_database(settings.db_url)
    db = DbWorker(engine)
    lock = RunnerLock(engine, runner_identity("xerodesk-sync"))
    try:
        await asyncio.to_thread(lock.acquire)
        try:
            with engine.connect() as connection:
                budget = Options.load(connection).daily_call_budget
            client = await open_client(
                xero_url=settings.xero_url, time_scale=settings.time_scale, daily_limit=budget
            )
            async with client:
                await prepare_client(client, db)
                before, bytes_before = client.usage().calls, client.accounting.bytes_totals()
                pushes = [await push_pending(client, db, progress=progress)]
                pushed = client.usage().calls - before
                runner = PassRunner(client, db, progress)
                request = PassRequest(trigger=settings.trigger, full=settings.full, only=entities)
                report = await runner.run(request)
                if report.outcome != "day_limit":
                    before = client.usage().calls
                    pushes.append(await push_pending(client, db, progress=progress))
                    pushed += client.usage().calls - before
                remaining = client.usage().day_remaining
                read = _push_bytes(client, bytes_before, report)
                await db.write(record_push_calls, report.run_id, pushed, remaining, read)
                return SyncOutcome(report, pushes)
        finally:
            await asyncio.to_thread(lock.release)
    finally:
        db.close()
        engine.dispose()


def _push_bytes(client: XeroClient, before: tuple[int, int], report: PassReport) -> tuple[int, int]:
    """The bytes the pushes around a pass read: all since ``before`` less the pass's."""
    read, wire = client.accounting.bytes_totals()
    return (
        read - before[0] - report.bytes_read,
        wire - before[1] - report.wire_bytes,
    )


async def run_dry_run(settings: SyncSettings, progress: ProgressSink | None = None) -> DryRunReport:
    """``xerodesk sync --dry-run``: what a pass would change, writing nothing anywhere.

    Reads Xero (GETs only) and runs the pass's writers in a transaction that is
    rolled back; sends no push. The database must already be at the current
    schema (a dry run does not migrate it either).
    """
    try:
        entities = parse_entities(settings.only)
    except ValueError as error:
        raise ConfigurationError(str(error)) from None
    engine = open_engine(settings.db_url)
    try:
        if migrate.current_revision(engine) != migrate.head_revision():
            raise ConfigurationError(
                f"{display_url(settings.db_url)} is not at the current schema: run "
                "'xerodesk db upgrade' first (a dry run changes nothing, not even the schema)"
            )
        with engine.connect() as connection:
            budget = Options.load(connection).daily_call_budget
    finally:
        engine.dispose()
    db = RehearsalDbWorker(open_engine(settings.db_url))
    try:
        client = await open_client(
            xero_url=settings.xero_url, time_scale=settings.time_scale, daily_limit=budget
        )
        async with client:
            request = PassRequest(trigger="dry-run", full=settings.full, only=entities)
            return await dry_run(client, db, request, progress)
    finally:
        db.close()
        db.engine.dispose()


@dataclass(frozen=True)
class StatusReport:
    """``xerodesk status``: cursors, runs, outbox, review, today's calls with the plan,
    each entity's last read, the day's forecast and the next scheduled pass."""

    snapshot: StatusSnapshot
    plan: CallPlan
    outlook: SyncOutlook

    @property
    def schedule(self) -> PassSchedule:
        return self.outlook.schedule

    def to_json(self) -> dict[str, Any]:
        data = self.snapshot.to_json()
        data["calls_today"] = self.plan.to_json()
        data["schedule"] = self.schedule.to_json()
        data.update(self.outlook.to_json())
        return data


def read_status(url: str) -> StatusReport:
    """The status of the database at ``url`` (no Xero call)."""
    engine = open_database(url)
    try:
        with engine.connect() as connection:
            return StatusReport(
                status_snapshot(connection),
                current_plan(connection),
                sync_outlook(connection, utcnow()),
            )
    finally:
        engine.dispose()


DEMO_CLIENT_ID = "xerodesk-demo"


async def run_demo_pass(
    paths: AppPaths, progress: ProgressSink | None = None, size: str = "demo"
) -> tuple[str, PassReport]:
    """The zero-set-up experience, headless: the built-in sandbox + the local SQLite file.

    Starts the sandbox with a generated demo organisation on a free loopback
    port, migrates (or reuses) the default database, runs one full pass and
    stops the sandbox. Returns the database URL and the pass report.
    """
    from xerodesk.sandbox.server import SandboxServer
    from xerodesk.sandbox.state import SandboxOptions

    url = local_database_url(paths)
    upgrade_database(url)
    server = SandboxServer(SandboxOptions(generate=size, seed=1, rate_limits="real"))
    await asyncio.to_thread(server.start)
    try:
        secret = secrets.token_urlsafe(16)
        register_secret(secret)
        env = {"XERODESK_CLIENT_ID": DEMO_CLIENT_ID, "XERODESK_CLIENT_SECRET": secret}
        engine = open_database(url)
        db = DbWorker(engine)
        try:
            client = await open_client(xero_url=server.base_url, env=env)
            async with client:
                runner = PassRunner(client, db, progress)
                report = await runner.run(PassRequest(trigger="demo", full=True))
        finally:
            db.close()
            engine.dispose()
    finally:
        await asyncio.to_thread(server.stop)
    return display_url(url), report


async def run_watch(
    settings: SyncSettings,
    stop: asyncio.Event,
    progress: ProgressSink | None = None,
    *,
    webhooks: ListenAddress | None = None,
    on_started: Callable[[str | None], None] | None = None,
) -> ServiceStats:
    """``xerodesk sync --watch``: scheduled passes and pushes until ``stop`` is set.

    With ``webhooks``, Xero's deliveries are received there too, for the
    organisation the watch syncs, while the watch runs. Without a stored
    webhooks key, or with the port taken, it stops with ``ConfigurationError``
    before anything else. ``on_started`` is called as the service starts, with
    the receiver's URL (None without ``webhooks``).
    """
    key = webhook_key(xero_url=settings.xero_url) if webhooks else None
    sock = bind(webhooks) if webhooks else None
    engine = db = None
    try:
        engine = open_database(settings.db_url)
        db = DbWorker(engine)
        with engine.connect() as connection:
            budget = Options.load(connection).daily_call_budget
        client = await open_client(
            xero_url=settings.xero_url, time_scale=settings.time_scale, daily_limit=budget
        )
        async with client:
            runner = PassRunner(client, db, progress)
            lock = RunnerLock(engine, runner_identity("xerodesk-watch"))
            pusher = OutboxPusher(client, db, progress)
            # set by the receiver when it has stored new events; set at the start,
            # so that events stored before a crash are read first thing
            waiting = asyncio.Event() if sock else None
            consumer = WebhookConsumer(client, db) if sock else None
            if waiting is not None:
                waiting.set()
            service = SyncService(
                runner,
                db,
                lock,
                pusher=pusher,
                progress=progress,
                consumer=consumer,
                webhook_events=waiting,
            )
            inside: contextlib.AbstractAsyncContextManager[object] = contextlib.nullcontext()
            if key is not None and sock is not None and waiting is not None:
                inside = receiving(key, sock, client.tenant_id, db, on_events=waiting.set)
            try:
                async with inside as server:
                    if on_started is not None:
                        on_started(server.url if isinstance(server, WebhookServer) else None)
                    return await service.run(stop)
            finally:
                await pusher.close()
    finally:
        if sock is not None:
            sock.close()
        if db is not None:
            db.close()
        if engine is not None:
            engine.dispose()


async def sign_in_to_xero(xero_url: str | None, client_id: str | None, port: int | None) -> str:
    """The browser sign-in (PKCE); returns the organisation's name. Tokens go to the keyring."""
    from xerodesk.credentials import CredentialStore
    from xerodesk.xero.endpoints import XeroEndpoints
    from xerodesk.xero.signin import DEFAULT_REDIRECT_PORT, sign_in

    client = client_id or os.environ.get("XERODESK_CLIENT_ID") or load_machine_defaults().client_id
    if not client:
        raise ConfigurationError(
            "no Xero app to sign in with: give --client-id (the client id of your Xero app, "
            "type 'Auth Code with PKCE'), set XERODESK_CLIENT_ID, or set [xero] client_id "
            "in the machine's defaults file"
        )
    endpoints = XeroEndpoints.for_base(xero_url)
    store = CredentialStore(endpoints.namespace)
    saved = await sign_in(client, store, endpoints=endpoints, port=port or DEFAULT_REDIRECT_PORT)
    return saved.tenant_name or saved.tenant_id
