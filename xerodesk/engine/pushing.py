"""The push side as the sync service sees it: notice CRM changes, then send them.

The service polls ``pending()`` about once a second. On SQLite and MariaDB
each poll runs the push detection (three indexed queries; new rows go to the
outbox in the same transaction), so a new customer or a confirmed order is
noticed within seconds of the CRM's commit. On PostgreSQL a listener on a
connection of its own waits for the migration's NOTIFY triggers instead, and
the detection runs when told (and every ``listen_interval`` as a back-up), so
an idle service costs the database nothing; if the listener's connection
fails, polling every second takes over. Rows already queued but deferred (a
transient failure) are tried again at most every ``retry_every``.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from datetime import timedelta

from xerodesk.domain.sync import ProgressSink
from xerodesk.engine.budget import record_push_run
from xerodesk.engine.dbworker import DbWorker
from xerodesk.engine.push import PushReport, detect_pushes, push_pending
from xerodesk.engine.push.outbox import load_due
from xerodesk.engine.push.watch import PgListener
from xerodesk.engine.send_crm import has_send_requests
from xerodesk.store.options import Options
from xerodesk.store.types import utcnow
from xerodesk.xero.client import XeroClient

log = logging.getLogger(__name__)


class OutboxPusher:
    """Implements the service's ``Pusher`` with the push engine."""

    def __init__(
        self,
        client: XeroClient,
        db: DbWorker,
        progress: ProgressSink | None = None,
        retry_every: timedelta = timedelta(seconds=30),
        *,
        listen: bool = True,
        listen_interval: timedelta = timedelta(seconds=30),
    ) -> None:
        self.client = client
        self.db = db
        self.progress = progress
        self.retry_every = retry_every
        self.listen_interval = listen_interval.total_seconds()
        now = asyncio.get_running_loop().time()
        self._last_push = now - retry_every.total_seconds()
        self._last_look = now - self.listen_interval
        self._want_listener = listen and db.engine.dialect.name == "postgresql"
        self._listener: PgListener | None = None
        self._told = threading.Event()
        self._told.set()  # look once at the start
        self.reports: list[PushReport] = []
        self.looks = 0

    @property
    def listening(self) -> bool:
        return self._listener is not None and self._listener.alive

    def wake(self) -> None:
        """Look on the next poll (a NOTIFY, or a user's retry or release)."""
        self._told.set()

    async def _ensure_listener(self) -> None:
        if not self._want_listener or self._listener is not None:
            return
        self._listener = PgListener(self.db.engine, self._told.set)
        self._listener.start()
        await asyncio.to_thread(self._listener.ready.wait, 10.0)

    def _should_look(self) -> bool:
        if not self.listening:
            return True
        waited = asyncio.get_running_loop().time() - self._last_look
        return self._told.is_set() or waited >= self.listen_interval

    async def pending(self) -> bool:
        await self._ensure_listener()
        told = self._told.is_set()
        if self._should_look():
            self._told.clear()
            self._last_look = asyncio.get_running_loop().time()
            self.looks += 1
            detected = await self.db.write(detect_pushes)
            if detected.total:
                log.info(
                    "noticed %d customer(s), %d product(s), %d order(s) to send",
                    detected.customers,
                    detected.products,
                    detected.invoices,
                )
                return True
            if await self.db.read(has_send_requests):
                return True
        waited = asyncio.get_running_loop().time() - self._last_push
        if waited < self.retry_every.total_seconds() and not told:
            return False
        return bool(await self.db.read(load_due, utcnow())) or await self.db.read(has_send_requests)

    async def push(self) -> None:
        self._last_push = asyncio.get_running_loop().time()
        options = await self.db.read(Options.load)
        started = utcnow()
        before = self.client.accounting.bytes_totals()
        report = await push_pending(self.client, self.db, options, progress=self.progress)
        self.reports.append(report)
        remaining = self.client.usage().day_remaining
        after = self.client.accounting.bytes_totals()
        read = (after[0] - before[0], after[1] - before[1])
        await self.db.write(record_push_run, report.calls, started, remaining, read)

    async def close(self) -> None:
        """Stop listening (the service is ending)."""
        if self._listener is not None:
            await asyncio.to_thread(self._listener.stop)
            self._listener = None
