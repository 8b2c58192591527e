"""Serving the sandbox with uvicorn, on loopback only.

``serve(options)`` is what ``xerodesk sandbox`` runs: it binds the socket,
prints the base URL as the first line of stdout (flushed), builds the
organisation and serves until SIGINT or SIGTERM, then returns normally.
``SandboxServer`` runs the same server in a background thread on a free port,
for tests and ``xerodesk demo``. Both send webhook deliveries from a
``DeliveryThread`` while they serve, unless ``webhook_thread`` is false (then,
as for a sandbox state built in-process without a server, deliveries go only
when ``state.webhooks.deliver_due`` or ``POST /_sandbox/webhooks/deliver`` is
called)::

    with SandboxServer(SandboxOptions(generate="demo", seed=1)) as sandbox:
        httpx.get(sandbox.base_url + "/rates/eurofxref-daily.xml")
        sandbox.state.clock.advance(60)
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from types import FrameType

import uvicorn
from starlette.routing import BaseRoute
from uvicorn.protocols.http.h11_impl import H11Protocol

from xerodesk.sandbox.app import build_app
from xerodesk.sandbox.faults import ConnectionRegistry
from xerodesk.sandbox.state import (
    OrgFactory,
    SandboxConfigError,
    SandboxOptions,
    SandboxState,
    check_loopback,
)
from xerodesk.sandbox.webhook_delivery import DeliveryThread

GRACEFUL_SHUTDOWN_SECONDS = 2


def protocol_for(registry: ConnectionRegistry) -> type[H11Protocol]:
    """uvicorn's h11 protocol, registering each connection so faults can cut it."""

    class SandboxProtocol(H11Protocol):
        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            sock = transport.get_extra_info("socket")
            if sock is not None:  # small responses must not wait for delayed ACKs
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            registry.add(self.client, transport)

        def connection_lost(self, exc: Exception | None) -> None:
            registry.discard(self.client, self.transport)
            super().connection_lost(exc)

    return SandboxProtocol


class _Server(uvicorn.Server):
    """uvicorn's server, but SIGINT/SIGTERM just stop it (no re-raise afterwards)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        handled = (signal.SIGINT, signal.SIGTERM)
        originals = {sig: signal.signal(sig, self._on_signal) for sig in handled}
        try:
            yield
        finally:
            for sig, handler in originals.items():
                signal.signal(sig, handler)

    _wake: asyncio.Event | None = None
    _loop: asyncio.AbstractEventLoop | None = None

    async def main_loop(self) -> None:
        """uvicorn's loop of ticks, but a ``request_exit`` wakes it at once."""
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        counter = 0
        while not await self.on_tick(counter):
            counter = (counter + 1) % 864_000
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), 0.1)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        """uvicorn's shutdown, then cut whatever connection is still open."""
        await super().shutdown(sockets)
        for connection in list(self.server_state.connections):
            transport = getattr(connection, "transport", None)
            if transport is not None:
                transport.abort()
        await asyncio.sleep(0)

    def request_exit(self) -> None:
        """Stop serving (from any thread)."""
        self.should_exit = True
        loop, wake = self._loop, self._wake
        if loop is not None and wake is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(wake.set)

    def _on_signal(self, sig: int, frame: FrameType | None) -> None:
        if self.should_exit:
            self.force_exit = True
        else:
            self.should_exit = True


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket on a loopback address (``SandboxConfigError`` otherwise)."""
    check_loopback(host)
    address = "127.0.0.1" if host.strip().lower() == "localhost" else host.strip("[]")
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((address, port))
        sock.listen(128)
    except OSError as error:
        sock.close()
        raise SandboxConfigError(f"cannot listen on {host}:{port}: {error.strerror}") from None
    sock.set_inheritable(True)
    return sock


def base_url_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _uvicorn_server(state: SandboxState, api_routes: Sequence[BaseRoute] | None) -> _Server:
    config = uvicorn.Config(
        build_app(state, api_routes),
        http=protocol_for(state.connections),
        lifespan="off",
        log_config=None,
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
    )
    return _Server(config)


def serve(options: SandboxOptions) -> None:
    """Serve until SIGINT/SIGTERM; the base URL is the first line printed."""
    options.validate()
    sock = bind_socket(options.host, options.port)
    try:
        print(base_url_of(sock), flush=True)
        state = SandboxState.create(options)
        deliveries = DeliveryThread(state.webhooks, state.clock)
        if options.webhook_thread:
            deliveries.start()
        try:
            _uvicorn_server(state, None).run(sockets=[sock])
        finally:
            deliveries.stop()
            state.webhooks.close()
    finally:
        sock.close()
    sys.stdout.flush()


class SandboxServer:
    """A sandbox served from a background thread; ``base_url`` and ``state`` once started.

    ``org_factory`` (called with the sandbox clock) and ``api_routes`` replace
    the generated organisation and the Accounting API routes.
    """

    def __init__(
        self,
        options: SandboxOptions | None = None,
        *,
        org_factory: OrgFactory | None = None,
        api_routes: Sequence[BaseRoute] | None = None,
    ) -> None:
        self.options = options or SandboxOptions()
        self._org_factory = org_factory
        self._api_routes = api_routes
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._sock: socket.socket | None = None
        self._error: BaseException | None = None
        self.base_url = ""
        self._state: SandboxState | None = None
        self._deliveries: DeliveryThread | None = None

    @property
    def state(self) -> SandboxState:
        if self._state is None:
            raise RuntimeError("the sandbox is not started")
        return self._state

    def start(self, timeout: float = 30.0) -> SandboxServer:
        self.options.validate()
        self._state = SandboxState.create(self.options, self._org_factory)
        self._sock = bind_socket(self.options.host, self.options.port)
        self.base_url = base_url_of(self._sock)
        self._server = _uvicorn_server(self._state, self._api_routes)
        self._thread = threading.Thread(target=self._run, name="xerodesk-sandbox", daemon=True)
        self._thread.start()
        if self.options.webhook_thread:
            self._deliveries = DeliveryThread(self._state.webhooks, self._state.clock).start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if self._error is not None or not self._thread.is_alive():
                self.stop()
                raise RuntimeError(f"the sandbox did not start: {self._error!r}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the sandbox did not start in time")
            time.sleep(0.01)
        return self

    def _run(self) -> None:
        assert self._server is not None and self._sock is not None
        try:
            self._server.run(sockets=[self._sock])
        except BaseException as error:  # reported by start()
            self._error = error

    def stop(self, timeout: float = 10.0) -> None:
        if self._deliveries is not None:
            self._deliveries.stop(timeout)
            self._deliveries = None
        if self._state is not None:
            self._state.webhooks.close()
        if self._server is not None:
            self._server.request_exit()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
