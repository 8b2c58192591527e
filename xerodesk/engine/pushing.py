"""The push side as the sync service sees it: notice CRM changes, then send them.

``pending()`` runs the push detection (an indexed query; new rows go to the
outbox in the same transaction) every time the service polls, about once a
second, so a new customer or a confirmed order is noticed within seconds of
the CRM's commit. Rows already queued but deferred (a transient failure) are
tried again at most every ``retry_every``.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from xerodesk.domain.sync import ProgressSink
from xerodesk.engine.dbworker import DbWorker
from xerodesk.engine.push import PushReport, detect_pushes, push_pending
from xerodesk.engine.push.outbox import load_due
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
    ) -> None:
        self.client = client
        self.db = db
        self.progress = progress
        self.retry_every = retry_every
        self._last_push = asyncio.get_running_loop().time() - retry_every.total_seconds()
        self.reports: list[PushReport] = []

    async def pending(self) -> bool:
        detected = await self.db.write(detect_pushes)
        if detected.total:
            log.info(
                "noticed %d customer(s), %d product(s), %d order(s) to send",
                detected.customers,
                detected.products,
                detected.invoices,
            )
            return True
        waited = asyncio.get_running_loop().time() - self._last_push
        if waited < self.retry_every.total_seconds():
            return False
        return bool(await self.db.read(load_due, utcnow()))

    async def push(self) -> None:
        self._last_push = asyncio.get_running_loop().time()
        options = await self.db.read(Options.load)
        report = await push_pending(self.client, self.db, options, progress=self.progress)
        self.reports.append(report)
