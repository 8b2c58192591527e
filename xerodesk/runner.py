"""The runner process: the child end of the desktop app's passes.

``runner_main`` reads JSON commands on stdin, one a line, and answers with
events on stdout: it opens the database and the Xero client (or serves the
demo company, the built-in sandbox, from this process), runs passes on
command, sends pushes between passes and reports progress and usage. The
window's process (``xerodesk.session``) starts it and reads its events.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import secrets
import sys
from collections.abc import Sequence
from dataclasses import asdict
from typing import IO, TYPE_CHECKING

from xerodesk.domain.sync import ProgressEvent, parse_entities
from xerodesk.engine.controller import Message, open_migrated
from xerodesk.engine.dbworker import DbWorker
from xerodesk.engine.lock import RunnerBusyError, RunnerLock, runner_identity
from xerodesk.engine.pass_types import PassReport, PassRequest
from xerodesk.engine.passes import PassRunner
from xerodesk.engine.push import PushReport, push_pending
from xerodesk.engine.pushing import OutboxPusher
from xerodesk.errors import AuthenticationError, ConfigurationError, UnreachableError, XerodeskError
from xerodesk.logsetup import register_secret
from xerodesk.session import DEMO_CLIENT_ID, credential_store
from xerodesk.store.options import Options
from xerodesk.xero.client import XeroClient
from xerodesk.xero.connect import open_client

if TYPE_CHECKING:
    from xerodesk.sandbox.server import SandboxServer


log = logging.getLogger(__name__)

#: how often the runner looks for CRM records to send between passes (seconds)
PUSH_POLL_SECONDS = 1.0
#: how much lower than the window's the runner process's CPU priority is
RUNNER_NICENESS = 10


def runner_main() -> int:
    """The runner process: JSON messages in on stdin, out on stdout, a line each."""
    from xerodesk import app

    with contextlib.suppress(OSError, AttributeError):
        os.nice(RUNNER_NICENESS)  # the window's process comes first for the CPU
    protocol = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    os.dup2(2, 1)  # a stray print must not corrupt the protocol
    sys.stdout = sys.stderr
    app.setup()
    app.tune_interpreter()
    opening = json.loads(sys.stdin.readline() or "{}")
    return asyncio.run(RunnerHost(protocol).serve(opening))


def _reason(error: BaseException) -> str:
    if isinstance(error, AuthenticationError):
        return "auth"
    if isinstance(error, RunnerBusyError):
        return "busy"
    if isinstance(error, UnreachableError):
        return "unreachable"
    return "config" if isinstance(error, ConfigurationError) else "error"


class RunnerHost:
    """Opens the database and the Xero client, then runs passes on command.

    Between passes it sends what the CRM queues for Xero within about a
    second, as ``xerodesk sync --watch`` does. It holds the database's runner
    lease from its first piece of work until it quits.
    """

    def __init__(self, out: IO[str]) -> None:
        self.out = out
        self.task: asyncio.Task[None] | None = None
        self.pusher: OutboxPusher | None = None
        self.lock: RunnerLock | None = None
        self._beat: asyncio.Task[None] | None = None

    def emit(self, message: Message) -> None:
        self.out.write(json.dumps(message, default=str) + "\n")
        self.out.flush()

    def _failed(self, event: str, error: BaseException) -> None:
        self.emit({"event": event, "reason": _reason(error), "message": str(error)})

    async def serve(self, opening: Message) -> int:
        demo = None
        try:
            engine = await asyncio.to_thread(open_migrated, str(opening.get("db_url")))
            if opening.get("demo_size"):
                demo = await asyncio.to_thread(_start_demo, str(opening["demo_size"]), opening)
        except XerodeskError as error:
            self._failed("error", error)
            return 2
        db = DbWorker(engine)
        try:
            return await self._connected(opening, db)
        finally:
            if self._beat is not None:
                self._beat.cancel()
            if self.lock is not None:
                await asyncio.to_thread(self.lock.release)
            db.close()
            engine.dispose()
            if demo is not None:
                await asyncio.to_thread(demo.stop)

    async def _connected(self, opening: Message, db: DbWorker) -> int:
        env: dict[str, str] = {}
        if opening.get("client_id") and opening.get("client_secret"):
            register_secret(str(opening["client_secret"]))
            env = {
                "XERODESK_CLIENT_ID": str(opening["client_id"]),
                "XERODESK_CLIENT_SECRET": str(opening["client_secret"]),
            }
        try:
            budget = (await db.read(Options.load)).daily_call_budget
            client = await open_client(
                xero_url=opening.get("xero_url"),
                tenant_id=opening.get("tenant_id"),
                env=env,
                time_scale=float(opening.get("time_scale") or 1.0),
                daily_limit=budget,
            )
        except XerodeskError as error:
            self._failed("error", error)
            return 2
        async with client:
            ready = {"event": "ready", "tenant_id": client.tenant_id, "usage": _usage(client)}
            ready["organisation"] = await _organisation_name(client, opening)
            self.emit(ready)
            await self._commands(client, db)
        return 0

    async def _commands(self, client: XeroClient, db: DbWorker) -> None:
        helpers = [
            asyncio.ensure_future(self._report_usage(client)),
            asyncio.ensure_future(self._push_between_passes(client, db)),
        ]
        try:
            while True:
                line = await asyncio.to_thread(sys.stdin.readline)
                command = json.loads(line) if line.strip() else {"cmd": "quit"}
                if command.get("cmd") == "pass" and self.task is None:
                    self.task = asyncio.ensure_future(self._pass(client, db, command))
                elif command.get("cmd") == "stop" and self.task is not None:
                    self.task.cancel()
                elif command.get("cmd") == "push" and self.pusher is not None:
                    self.pusher.wake()  # a review action queued something: look now
                elif command.get("cmd") == "quit":
                    break
        finally:
            for helper in helpers:
                helper.cancel()
            if self.task is not None:
                self.task.cancel()
            await asyncio.wait([*helpers, *([self.task] if self.task else [])])

    async def _report_usage(self, client: XeroClient) -> None:
        """Call usage twice a second during a pass, every few seconds otherwise."""
        idle = 0
        while True:
            await asyncio.sleep(0.5)
            idle = 0 if self.task is not None else idle + 1
            if idle % 10 == 0:
                self.emit({"event": "usage", "usage": _usage(client)})

    async def _hold_lease(self, db: DbWorker) -> None:
        """Take the runner lease (RunnerBusyError names who has it), or renew it."""
        if self.lock is None:
            lock = RunnerLock(db.engine, runner_identity("xerodesk-app"))
            await asyncio.to_thread(lock.acquire)
            self.lock = lock
            self._beat = asyncio.ensure_future(_heartbeat(lock))

    async def _pass(self, client: XeroClient, db: DbWorker, command: Message) -> None:
        """Pushes, the pull, then the pushes the CRM made meanwhile (as ``xerodesk sync``)."""
        request = PassRequest(
            trigger=str(command.get("trigger") or "manual"),
            full=bool(command.get("full")),
            only=parse_entities(",".join(command.get("only") or [])),
        )
        try:
            await self._hold_lease(db)
            pushes = [await push_pending(client, db, progress=self._progress)]
            report = await PassRunner(client, db, self._progress).run(request)
            pushes.append(await push_pending(client, db, progress=self._progress))
            self.emit({"event": "finished", "report": _report(report, pushes)})
        except asyncio.CancelledError:
            self.emit({"event": "finished", "report": {"outcome": "cancelled"}})
        except XerodeskError as error:
            self._failed("failed", error)
        except Exception as error:
            log.exception("the sync pass failed")
            message = f"The sync failed: {type(error).__name__} (details in the log)."
            self.emit({"event": "failed", "reason": "error", "message": message})
        finally:
            self.task = None
            self.emit({"event": "usage", "usage": _usage(client)})

    async def _push_between_passes(self, client: XeroClient, db: DbWorker) -> None:
        pusher = self.pusher = OutboxPusher(client, db, self._progress)
        try:
            while True:
                await asyncio.sleep(PUSH_POLL_SECONDS)
                if self.task is not None:
                    continue
                try:
                    if not await pusher.pending():
                        continue
                    await self._hold_lease(db)
                    await pusher.push()
                except RunnerBusyError:
                    await asyncio.sleep(30)  # another runner syncs this database
                    continue
                except XerodeskError as error:
                    log.warning("sending to Xero failed: %s", error)
                    if isinstance(error, AuthenticationError):
                        self._failed("failed", error)
                    await asyncio.sleep(30)
                    continue
                self.emit({"event": "pushed", "pushes": _pushes(pusher.reports[-1:])})
        finally:
            await pusher.close()

    def _progress(self, event: ProgressEvent) -> None:
        message = asdict(event)
        message.update(event="progress", phase=event.phase.value, at=None)
        self.emit(message)


def _start_demo(size: str, opening: Message) -> SandboxServer:
    """Serve the demo organisation from this process; points ``opening`` at it."""
    from xerodesk.sandbox.server import SandboxServer
    from xerodesk.sandbox.state import SandboxOptions

    server = SandboxServer(SandboxOptions(generate=size, seed=1)).start()
    opening.update(
        xero_url=server.base_url, client_id=DEMO_CLIENT_ID, client_secret=secrets.token_urlsafe(16)
    )
    return server


async def _heartbeat(lock: RunnerLock) -> None:
    while True:
        await asyncio.sleep(30)
        try:
            await asyncio.to_thread(lock.heartbeat)
        except XerodeskError as error:
            log.warning("the runner lease was lost: %s", error)


async def _organisation_name(client: XeroClient, opening: Message) -> str:
    if not opening.get("client_secret"):
        store = await asyncio.to_thread(credential_store, opening.get("xero_url"))
        stored = await asyncio.to_thread(store.load, client.tenant_id or "")
        return stored.tenant_name if stored and stored.tenant_name else "Xero"
    with contextlib.suppress(XerodeskError):
        for found in await client.connections():
            if found.tenant_id == client.tenant_id and found.tenant_name:
                return found.tenant_name
    return "Xero"


def _usage(client: XeroClient) -> Message:
    usage = client.usage()
    return {
        "calls": usage.calls,
        "calls_last_minute": usage.calls_in_last_minute,
        "minute_limit": client.pacer.limits.per_minute,
        "minute_remaining": usage.minute_remaining,
        "daily_limit": usage.daily_limit,
        "remaining_today": usage.remaining_today,
    }


def _pushes(reports: Sequence[PushReport]) -> Message:
    return {
        "sent": sum(r.sent for r in reports),
        "failed": sum(r.failed for r in reports),
        "blocked": sum(r.blocked for r in reports),
    }


def _report(report: PassReport, pushes: Sequence[PushReport] = ()) -> Message:
    entities = {
        name: {**asdict(r.counts), "pages": r.pages, "calls": r.calls}
        for name, r in report.entities.items()
    }
    return {
        "run_id": report.run_id,
        "outcome": report.outcome,
        "message": report.message,
        "calls": report.calls,
        "new_review_items": report.new_review_items,
        "entities": entities,
        "pushes": _pushes(pushes),
    }
