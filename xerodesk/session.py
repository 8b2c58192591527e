"""Desktop composition: the runner process and Xero sign-in for the app.

The app's passes run in a child process (``xerodesk.runner``) driven through
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
import subprocess
import sys
import threading
import webbrowser
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
import keyring

from xerodesk.credentials import CredentialStore, KeyringUnavailableError, check_keyring
from xerodesk.engine.controller import Message, SyncController, XeroTarget
from xerodesk.errors import AuthenticationError, ConfigurationError, UnreachableError, XerodeskError
from xerodesk.xero.endpoints import XeroEndpoints
from xerodesk.xero.identity import Connection as XeroConnection
from xerodesk.xero.signin import DEFAULT_REDIRECT_PORT, client_id_problem
from xerodesk.xero.signin import sign_in as xero_sign_in
from xerodesk.xero.signin import sign_out as xero_sign_out
from xerodesk.xero.tokens import custom_connection_from_env

log = logging.getLogger(__name__)

#: the loopback port Xero sends the browser back to (registered with the app)
REDIRECT_PORT = DEFAULT_REDIRECT_PORT
DEMO_CLIENT_ID = "xerodesk-demo"
#: what the app calls the connection XERODESK_CLIENT_ID and XERODESK_CLIENT_SECRET name
CUSTOM_LABEL = "Custom connection"

RUNNER_COMMAND = (
    sys.executable,
    "-c",
    "import sys; from xerodesk.runner import runner_main; sys.exit(runner_main())",
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


def credential_store(xero_url: str | None) -> CredentialStore:
    """The keyring's sign-ins for ``xero_url``; a missing keyring is told in the app's words."""
    try:
        return CredentialStore(XeroEndpoints.for_base(xero_url).namespace)
    except KeyringUnavailableError as error:
        raise ConfigurationError(error.desktop_text()) from None


def keyring_trouble() -> KeyringUnavailableError | None:
    """Why no sign-in can be kept on this computer now (``None``: one can)."""
    try:
        check_keyring(keyring.get_keyring())
    except KeyringUnavailableError as error:
        return error
    return None


def custom_target(xero_url: str | None) -> XeroTarget | None:
    """The custom connection XERODESK_CLIENT_ID and XERODESK_CLIENT_SECRET name, if set."""
    custom = custom_connection_from_env()
    if custom is None:
        return None
    client_id, secret = custom
    return XeroTarget(CUSTOM_LABEL, xero_url, client_id=client_id, client_secret=secret.reveal())


async def check_reachable(xero_url: str | None, timeout: float = 15.0) -> None:
    """Raise ``UnreachableError`` unless Xero's sign-in server answers (any answer will do)."""
    endpoints = XeroEndpoints.for_base(xero_url)
    host = httpx.URL(endpoints.token).host
    try:
        async with httpx.AsyncClient(timeout=timeout) as client:
            await client.get(endpoints.token)
    except httpx.TransportError:
        raise UnreachableError(
            f"Cannot reach Xero ({host}). Check this computer's internet connection and try again."
        ) from None


async def sign_in(
    xero_url: str | None,
    client_id: str,
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
    problem = client_id_problem(client_id)
    if problem is not None:
        raise ConfigurationError(problem)
    store = await asyncio.to_thread(credential_store, xero_url)
    await check_reachable(xero_url)

    async def pick(found: Sequence[XeroConnection]) -> XeroConnection:
        assert choose is not None
        wanted = await choose([(c.tenant_id, c.tenant_name or c.tenant_id) for c in found])
        return next((c for c in found if c.tenant_id == wanted), found[0])

    saved = await xero_sign_in(
        client_id.strip().upper(),
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
    store = await asyncio.to_thread(credential_store, xero_url)
    await xero_sign_out(store, tenant_id, endpoints=XeroEndpoints.for_base(xero_url))


def _organisations(xero_url: str | None) -> list[Organisation]:
    store = credential_store(xero_url)
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
    store = await asyncio.to_thread(credential_store, xero_url)
    await asyncio.to_thread(store.set_default_tenant, tenant_id)


def runner_main() -> int:
    """The runner process's entry point (``xerodesk.runner.runner_main``)."""
    from xerodesk.runner import runner_main as main

    return main()
