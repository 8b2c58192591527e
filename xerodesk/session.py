"""Desktop composition: the runner process and Xero sign-in for the app.

The app's passes run in a child process (``runner_main``) driven through
pipes, one JSON message a line: the window's process keeps the interpreter
lock to itself, so parsing a large page of invoices never freezes it (see
``xerodesk.engine.controller``). The demo company, the built-in Xero
sandbox, is served from that child too. Secrets (a database password, a
custom connection's secret) reach the child on its stdin, never its
command line.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import secrets
import subprocess
import sys
import threading
import webbrowser
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import IO, TYPE_CHECKING

from xerodesk.credentials import CredentialStore
from xerodesk.domain.sync import ProgressEvent, parse_entities
from xerodesk.engine.controller import Message, SyncController, XeroTarget, open_migrated
from xerodesk.engine.dbworker import DbWorker
from xerodesk.engine.lock import RunnerBusyError, RunnerLock, runner_identity
from xerodesk.engine.passes import PassReport, PassRequest, PassRunner
from xerodesk.engine.push import PushReport, push_pending
from xerodesk.engine.pushing import OutboxPusher
from xerodesk.errors import AuthenticationError, ConfigurationError, UnreachableError, XerodeskError
from xerodesk.logsetup import register_secret
from xerodesk.store.options import Options
from xerodesk.xero.client import XeroClient
from xerodesk.xero.connect import open_client
from xerodesk.xero.endpoints import XeroEndpoints
from xerodesk.xero.identity import Connection as XeroConnection
from xerodesk.xero.signin import DEFAULT_REDIRECT_PORT
from xerodesk.xero.signin import sign_in as xero_sign_in
from xerodesk.xero.signin import sign_out as xero_sign_out

if TYPE_CHECKING:
    from xerodesk.sandbox.server import SandboxServer

log = logging.getLogger(__name__)

#: The client id of xerodesk's Xero app (public under PKCE); the Connection tab can name another.
XERO_APP_CLIENT_ID = "xerodesk-desktop"
#: the loopback port Xero sends the browser back to (registered with the app)
REDIRECT_PORT = DEFAULT_REDIRECT_PORT
DEMO_CLIENT_ID = "xerodesk-demo"

#: how often the runner looks for CRM records to send between passes (seconds)
PUSH_POLL_SECONDS = 1.0
#: how much lower than the window's the runner process's CPU priority is
RUNNER_NICENESS = 10

RUNNER_COMMAND = (
    sys.executable,
    "-c",
    "import sys; from xerodesk.session import runner_main; sys.exit(runner_main())",
)
_ERRORS: dict[str, type[XerodeskError]] = {
    "auth": AuthenticationError,
    "config": ConfigurationError,
    "unreachable": UnreachableError,
}


def error_from(message: Message) -> XerodeskError:
    """The exception a runner's ``error`` or ``failed`` message stands for."""
    kind = _ERRORS.get(str(message.get("reason")), XerodeskError)
    return kind(str(message.get("message") or "The sync process failed."))


def make_controller(*, auto_sync: bool = True) -> SyncController:
    """The app's controller, its passes in a runner process."""
    return SyncController(ProcessRunner, auto_sync=auto_sync)


def demo_target(size: str = "demo") -> XeroTarget:
    """The demo company: a sandbox organisation served by the runner process."""
    return XeroTarget("Demo company", demo_size=size)


class ProcessRunner:
    """The parent's end of the runner process."""

    def __init__(self, command: Sequence[str] = RUNNER_COMMAND, start_timeout: float = 180.0):
        self.command = list(command)
        self.start_timeout = start_timeout
        self._proc: subprocess.Popen[str] | None = None
        self._ready: asyncio.Future[Message] | None = None
        self._on_message: Callable[[Message], None] = lambda _m: None
        self._closing = False

    async def start(
        self, db_url: str, target: XeroTarget, on_message: Callable[[Message], None]
    ) -> Message:
        loop = asyncio.get_running_loop()
        self._on_message = on_message
        self._ready = loop.create_future()
        proc = subprocess.Popen(
            self.command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
            encoding="utf-8", bufsize=1,
        )  # fmt: skip
        self._proc = proc
        threading.Thread(target=self._read, args=(loop, proc), daemon=True).start()
        self.send({"cmd": "open", "db_url": db_url, **target.to_message()})
        try:
            ready = await asyncio.wait_for(asyncio.shield(self._ready), self.start_timeout)
        except BaseException:
            await self.close()
            raise
        if ready.get("event") != "ready":
            await self.close()
            raise error_from(ready)
        return ready

    def _read(self, loop: asyncio.AbstractEventLoop, proc: subprocess.Popen[str]) -> None:
        assert proc.stdout is not None
        with contextlib.suppress(OSError, ValueError), proc.stdout:
            for line in proc.stdout:
                with contextlib.suppress(ValueError):
                    if not self._post(loop, json.loads(line)):
                        return
        self._post(loop, {"event": "exited", "code": proc.wait()})

    def _post(self, loop: asyncio.AbstractEventLoop, message: Message) -> bool:
        try:
            loop.call_soon_threadsafe(self._deliver, message)
        except RuntimeError:  # the loop is closed: nobody listens any more
            return False
        return True

    def _deliver(self, message: Message) -> None:
        ready = self._ready
        if ready is not None and not ready.done():
            if message.get("event") in ("ready", "error"):
                ready.set_result(message)
            elif message.get("event") == "exited":
                ready.set_result({"event": "error", "message": "The sync process did not start."})
            return
        if not self._closing:
            self._on_message(message)

    def send(self, command: Message) -> None:
        proc = self._proc
        if proc is None or proc.stdin is None or proc.poll() is not None:
            return
        try:
            proc.stdin.write(json.dumps(command) + "\n")
            proc.stdin.flush()
        except OSError:
            log.warning("the sync process is gone; %s not sent", command.get("cmd"))

    async def close(self, timeout: float = 30.0) -> None:
        """Ask the runner to quit (it finishes the page in hand), then make sure it did."""
        proc = self._proc
        if proc is None or self._closing:
            return
        self._closing = True
        self.send({"cmd": "quit"})
        try:
            await asyncio.to_thread(proc.wait, timeout)
        except subprocess.TimeoutExpired:
            log.warning("the sync process did not stop within %s s; ending it", timeout)
            proc.kill()
            await asyncio.to_thread(proc.wait)
        if proc.stdin is not None:
            with contextlib.suppress(OSError):
                proc.stdin.close()


# --- Xero sign-in ------------------------------------------------------------


@dataclass(frozen=True)
class Organisation:
    """A Xero organisation signed in on this computer, and the state of its sign-in."""

    tenant_id: str
    name: str
    state: str
    message: str
    expires_at: datetime | None
    default: bool = False


Chooser = Callable[[list[tuple[str, str]]], Awaitable[str]]


def _store(xero_url: str | None) -> CredentialStore:
    return CredentialStore(XeroEndpoints.for_base(xero_url).namespace)


async def sign_in(
    xero_url: str | None,
    client_id: str = XERO_APP_CLIENT_ID,
    *,
    open_browser: Callable[[str], object] = webbrowser.open,
    choose: Chooser | None = None,
    port: int = DEFAULT_REDIRECT_PORT,
    timeout: float = 300.0,
) -> Organisation:
    """Sign in through the browser; returns the organisation kept (now the default).

    ``choose`` gets ``(tenant id, name)`` pairs when several organisations
    were connected, and returns the tenant id to keep.
    """
    store = await asyncio.to_thread(_store, xero_url)

    async def pick(found: Sequence[XeroConnection]) -> XeroConnection:
        assert choose is not None
        wanted = await choose([(c.tenant_id, c.tenant_name or c.tenant_id) for c in found])
        return next((c for c in found if c.tenant_id == wanted), found[0])

    saved = await xero_sign_in(
        client_id or XERO_APP_CLIENT_ID,
        store,
        endpoints=XeroEndpoints.for_base(xero_url),
        open_browser=open_browser,
        choose=pick if choose is not None else None,
        port=port,
        timeout=timeout,
    )
    found = await organisations(xero_url)
    return next(o for o in found if o.tenant_id == saved.tenant_id)


async def sign_out(xero_url: str | None, tenant_id: str) -> None:
    """Revoke the organisation's sign-in at Xero and forget it on this computer."""
    store = await asyncio.to_thread(_store, xero_url)
    await xero_sign_out(store, tenant_id, endpoints=XeroEndpoints.for_base(xero_url))


def _organisations(xero_url: str | None) -> list[Organisation]:
    store = _store(xero_url)
    default = store.default_tenant()
    found: list[Organisation] = []
    for tenant in store.tenants():
        stored = store.load(tenant)
        if stored is not None:
            status = stored.status(datetime.now(UTC))
            name = stored.tenant_name or tenant
            expires = status.refresh_expires_at
            found.append(
                Organisation(
                    tenant, name, status.state.value, status.message, expires, tenant == default
                )
            )
    return found


async def organisations(xero_url: str | None) -> list[Organisation]:
    """The organisations signed in for ``xero_url``, with the state of each sign-in."""
    return await asyncio.to_thread(_organisations, xero_url)


async def choose_organisation(xero_url: str | None, tenant_id: str) -> None:
    """Make ``tenant_id`` the organisation that syncs by default."""
    store = await asyncio.to_thread(_store, xero_url)
    await asyncio.to_thread(store.set_default_tenant, tenant_id)


# --- the runner process (the child's end) ------------------------------------


def runner_main() -> int:
    """The runner process: JSON messages in on stdin, out on stdout, a line each."""
    from xerodesk import app

    with contextlib.suppress(OSError, AttributeError):
        os.nice(RUNNER_NICENESS)  # the window's process comes first for the CPU
    protocol = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    os.dup2(2, 1)  # a stray print must not corrupt the protocol
    sys.stdout = sys.stderr
    app.setup()
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
        pusher = OutboxPusher(client, db, self._progress)
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
        store = await asyncio.to_thread(_store, opening.get("xero_url"))
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
