"""Serving the webhook receiver with uvicorn, in the watch service's event loop.

``xerodesk sync --watch --webhooks [HOST:]PORT`` listens on ``HOST`` (default
127.0.0.1). Xero delivers only to an HTTPS URL on port 443
(developer.xero.com/documentation/webhooks/configuring-your-server), so the
receiver is meant to sit behind a reverse proxy that ends TLS; listening
beyond loopback is allowed but logged as a warning. The socket is bound
before the watch starts, so a port in use stops it with a one-line error.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import socket
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass

import uvicorn
from starlette.types import ASGIApp

from xerodesk.credentials import Secret
from xerodesk.engine.dbworker import DbWorker
from xerodesk.engine.webhooks.receiver import WEBHOOK_PATH, WebhookReceiver
from xerodesk.errors import ConfigurationError

__all__ = ["ListenAddress", "WebhookServer", "bind", "parse_listen", "receiving"]

log = logging.getLogger(__name__)

LOOPBACK = "127.0.0.1"
#: deliveries in hand when the watch stops get this long to be answered
GRACEFUL_SHUTDOWN_SECONDS = 5
#: more deliveries at once than Xero ever sends get a 503 (Xero sends them again)
MAX_CONCURRENT = 32


@dataclass(frozen=True)
class ListenAddress:
    host: str
    port: int

    @property
    def loopback(self) -> bool:
        if self.host.lower() == "localhost":
            return True
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return False

    def __str__(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


def parse_listen(text: str) -> ListenAddress:
    """``PORT``, ``HOST:PORT`` or ``[IPV6]:PORT`` (``ConfigurationError`` otherwise)."""
    host, sep, port_text = text.strip().rpartition(":")
    if sep and host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    elif ":" in host or (sep and not host):
        host = "?"
    if port_text.isdigit() and int(port_text) <= 65535 and host != "?":
        return ListenAddress(host or LOOPBACK, int(port_text))
    raise ConfigurationError(
        f"--webhooks takes [HOST:]PORT (e.g. 8080 or 127.0.0.1:8080), not {text!r}"
    )


def bind(address: ListenAddress) -> socket.socket:
    """A listening socket on ``address``; ``ConfigurationError`` if it cannot be had."""
    host = LOOPBACK if address.host.lower() == "localhost" else address.host
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        if sys.platform != "win32":  # (on Windows the option lets others take the port)
            # a restarted service binds beside its old connections in TIME_WAIT
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, address.port))
        sock.listen(128)
    except OSError as error:
        sock.close()
        reason = error.strerror or type(error).__name__
        raise ConfigurationError(
            f"cannot receive Xero's webhooks on {address}: {reason.lower()}"
        ) from None
    if not address.loopback:
        log.warning(
            "the webhook receiver listens on %s, beyond this machine: it should sit behind "
            "an HTTPS reverse proxy (Xero delivers to HTTPS on port 443 only)",
            address,
        )
    return sock


class _Server(uvicorn.Server):
    """uvicorn's server, leaving SIGINT and SIGTERM to the watch, which stops it."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class WebhookServer:
    """``app`` served on ``sock`` while ``running()`` is entered."""

    def __init__(self, app: ASGIApp, sock: socket.socket) -> None:
        self.sock = sock
        config = uvicorn.Config(
            app,
            http="h11",
            lifespan="off",
            log_config=None,
            log_level="warning",
            access_log=False,
            server_header=False,
            limit_concurrency=MAX_CONCURRENT,
            timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
        )
        self._server = _Server(config)

    @property
    def url(self) -> str:
        """Where the receiver answers, e.g. ``http://127.0.0.1:8080/xero/webhooks``."""
        host, port = self.sock.getsockname()[:2]
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{port}{WEBHOOK_PATH}"

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[WebhookServer]:
        """Serve in the current loop; on leaving, finish the deliveries in hand and stop."""
        task = asyncio.create_task(self._server.serve(sockets=[self.sock]))
        try:
            yield self
        finally:
            self._server.should_exit = True
            try:
                await task
            except Exception as error:
                log.error("the webhook receiver stopped with an error (%s)", type(error).__name__)
            finally:
                self.sock.close()
            log.info("the webhook receiver stopped")


@contextlib.asynccontextmanager
async def receiving(
    key: Secret,
    sock: socket.socket,
    tenant_id: str | None,
    db: DbWorker,
    *,
    on_events: Callable[[], None] | None = None,
) -> AsyncIterator[WebhookServer]:
    """Receive the deliveries of ``tenant_id`` (the organisation the watch syncs:
    the keyring's default one, or the custom connection's from ``/connections``)
    on ``sock`` while inside."""
    if not tenant_id:
        raise ConfigurationError("no Xero organisation to receive webhooks for")
    receiver = WebhookReceiver(key, tenant_id, db, on_events=on_events)
    async with WebhookServer(receiver.app, sock).running() as server:
        log.info("receiving Xero's webhooks at %s", server.url)
        yield server
