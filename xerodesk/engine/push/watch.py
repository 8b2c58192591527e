"""Noticing within seconds that the CRM wants something pushed.

``Detector`` runs ``detect_pushes`` (three indexed queries) every
``interval`` seconds and calls ``on_found`` when it queued anything. On
PostgreSQL it also LISTENs on ``xerodesk_push`` (the migration's triggers
notify it when the CRM commits a new customer or confirms a quote) with its
own connection on a small thread, and runs at once when told; polling then
only backs the listener up (``listen_interval``). If the listener's
connection fails, polling at ``interval`` carries on alone.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import Connection, Engine, text

from xerodesk.engine.dbworker import DbWorker
from xerodesk.engine.push.detect import detect_pushes
from xerodesk.engine.push.model import NOTIFY_CHANNEL, Detected

__all__ = ["Detector", "OnFound", "PgListener", "notify_pushers", "watch_for_pushes"]

log = logging.getLogger(__name__)

OnFound = Callable[[Detected], Awaitable[None]]


def notify_pushers(connection: Connection) -> None:
    """Wake every listening runner when this transaction commits (PostgreSQL only;
    elsewhere runners poll): something was queued for Xero, e.g. by a review action."""
    if connection.dialect.name == "postgresql":
        wake = text("SELECT pg_notify(:channel, 'queued')")
        connection.execute(wake, {"channel": NOTIFY_CHANNEL})


class PgListener:
    """LISTEN on a connection of its own, on a daemon thread; ``wake`` on each NOTIFY."""

    def __init__(self, engine: Engine, wake: Callable[[], None]) -> None:
        self.engine = engine
        self.wake = wake
        self.ready = threading.Event()
        self.alive = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="xerodesk-listen", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        try:
            raw = self.engine.raw_connection()
        except Exception as error:  # the poll goes on without us
            log.warning("cannot listen for CRM changes (%s); polling instead", type(error).__name__)
            self.ready.set()
            return
        try:
            raw.detach()
            connection: Any = raw.dbapi_connection
            connection.rollback()
            connection.autocommit = True
            connection.execute(f"LISTEN {NOTIFY_CHANNEL}")
            self.alive = True
            self.ready.set()
            while not self._stop.is_set():
                for _notify in connection.notifies(timeout=0.5, stop_after=1):
                    self.wake()
        except Exception as error:
            log.warning("stopped listening for CRM changes (%s); polling", type(error).__name__)
        finally:
            self.alive = False
            self.ready.set()
            with contextlib.suppress(Exception):
                raw.close()
            self.wake()


class Detector:
    """Polls for new pushes (and listens on PostgreSQL); see the module doc."""

    def __init__(
        self,
        db: DbWorker,
        on_found: OnFound,
        interval: float = 1.0,
        *,
        listen: bool = True,
        listen_interval: float = 30.0,
    ) -> None:
        self.db = db
        self.on_found = on_found
        self.interval = interval
        self.listen_interval = listen_interval
        self.want_listener = listen and db.engine.dialect.name == "postgresql"
        self._listener: PgListener | None = None
        self._wake = asyncio.Event()
        self._started = asyncio.Event()
        #: detections begun so far (tests count them instead of timing them)
        self.looks = 0

    @property
    def listening(self) -> bool:
        return self._listener is not None and self._listener.alive

    def wake(self) -> None:
        """Look again now (e.g. after the user released or retried a push)."""
        self._wake.set()

    async def started(self) -> None:
        """Wait until the first look is done and the listener (if any) is up."""
        await self._started.wait()

    async def _look(self) -> None:
        """One detection; a failure is logged and the watch goes on (the next look retries)."""
        self.looks += 1
        try:
            found = await self.db.write(detect_pushes)
            if found.total:
                await self.on_found(found)
        except Exception as error:
            log.warning("looking for new pushes failed: %s", error)

    async def run(self) -> None:
        """Look, call ``on_found`` when something was queued, wait; until cancelled."""
        loop = asyncio.get_running_loop()
        if self.want_listener:

            def wake_from_thread() -> None:
                loop.call_soon_threadsafe(self._wake.set)

            self._listener = PgListener(self.db.engine, wake_from_thread)
            self._listener.start()
            await asyncio.to_thread(self._listener.ready.wait, 10.0)
        try:
            while True:
                self._wake.clear()
                await self._look()
                self._started.set()
                timeout = self.listen_interval if self.listening else self.interval
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout)
        finally:
            if self._listener is not None:
                await asyncio.to_thread(self._listener.stop)


async def watch_for_pushes(
    db: DbWorker,
    on_found: OnFound,
    interval: float = 1.0,
    *,
    listen: bool = True,
    listen_interval: float = 30.0,
) -> None:
    """Run a ``Detector`` until cancelled (the runner's immediate-push trigger)."""
    await Detector(db, on_found, interval, listen=listen, listen_interval=listen_interval).run()
