"""The day with Xero's webhooks on: the sandbox announces, the engine reads by id.

The engine's own receiver (``xerodesk.engine.webhooks``) listens on loopback
in the benchmark's event loop; the sandbox, in its own process, is told the
receiver's address and key and sends its deliveries only when asked
(``--webhooks-when-asked``), so that they go on the one simulated clock: each
Xero-side change queues an event, and ``WEBHOOK_BATCH_SECONDS`` plus
``WEBHOOK_DELAY_SECONDS`` after it the day asks the sandbox to deliver what is
due. Xero documents neither how long it gathers events nor how soon it sends
them: these are the sandbox's choices, stated with the results. The consumer
then reads what the stored events name, as ``sync --watch --webhooks`` does
between passes, and passes are planned as the service plans them (at most
every ``webhook_poll_minutes`` while webhooks work).
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

from benchmarks.harness import SandboxProcess
from xerodesk.credentials import Secret
from xerodesk.engine.dbworker import DbWorker
from xerodesk.engine.webhooks.consumer import WebhookConsumer
from xerodesk.engine.webhooks.health import mark_listening
from xerodesk.engine.webhooks.receiver import WebhookReceiver
from xerodesk.engine.webhooks.serving import WebhookServer, bind, parse_listen
from xerodesk.xero.client import XeroClient

#: the day's webhook key (a benchmark's own, not a secret of anyone's)
WEBHOOK_KEY = "day-benchmark-webhooks-key"
#: simulated seconds the sandbox gathers events into one delivery, and then waits
WEBHOOK_BATCH_SECONDS = 5.0
WEBHOOK_DELAY_SECONDS = 10.0


class DayWebhooks:
    """Deliveries on the day's clock and the consumer that follows each."""

    def __init__(self, sandbox: SandboxProcess, consumer: WebhookConsumer) -> None:
        self.sandbox = sandbox
        self.consumer = consumer
        self.due: list[datetime] = []
        self.deliveries = 0
        self.events = 0
        self.reads = 0

    @classmethod
    @contextlib.asynccontextmanager
    async def serving(
        cls, sandbox: SandboxProcess, client: XeroClient, db: DbWorker, now: datetime
    ) -> AsyncIterator[DayWebhooks]:
        tenant = str(sandbox.control("GET", "/state")["tenantId"])
        receiver = WebhookReceiver(Secret(WEBHOOK_KEY), tenant, db)
        server = WebhookServer(receiver.app, bind(parse_listen("127.0.0.1:0")))
        async with server.running():
            registration = {
                "url": server.url,
                "key": WEBHOOK_KEY,
                "intent": False,
                "batch_seconds": WEBHOOK_BATCH_SECONDS,
                "delay_seconds": WEBHOOK_DELAY_SECONDS,
            }
            await asyncio.to_thread(sandbox.control, "POST", "/webhooks", registration)
            await db.write(mark_listening, now)
            yield cls(sandbox, WebhookConsumer(client, db))

    def changed(self, at: datetime) -> None:
        """A Xero-side change at ``at``: its delivery is due a batch and a delay later."""
        wait = timedelta(seconds=WEBHOOK_BATCH_SECONDS + WEBHOOK_DELAY_SECONDS + 0.001)
        bisect.insort(self.due, at + wait)

    def next_at(self) -> datetime | None:
        return self.due[0] if self.due else None

    async def deliver(self, now: datetime) -> int:
        """Ask the sandbox for the deliveries due by ``now``, then read what they name;
        returns the Xero calls the reads made."""
        while self.due and self.due[0] <= now:
            self.due.pop(0)
        # in a thread: the sandbox posts to the receiver in this event loop meanwhile
        answer = await asyncio.to_thread(self.sandbox.control, "POST", "/webhooks/deliver")
        for result in answer.get("results", []):
            self.deliveries += 1
            self.events += int(result.get("events", 0) or 0)
        report = await self.consumer.run()  # nothing waiting: no run, no call
        if report.run_id is not None:
            self.reads += 1
        return report.calls
