"""Sending webhook deliveries over HTTP, and the thread that sends them on time.

``HttpxPost`` is the hub's default send function: a POST of the raw bytes
with a timeout of ``timeout_seconds`` real seconds (Xero expects an answer
"within 5 seconds", developer.xero.com/documentation/webhooks/configuring-
your-server; a slower receiver counts as no answer). Redirects are not
followed. ``DeliveryThread`` runs with a served sandbox (``SandboxServer``,
``serve``): it calls ``WebhookHub.deliver_due`` whenever something is due on
the sandbox clock, looking again at least every ``poll_seconds`` real
seconds so a clock moved by ``POST /_sandbox/clock`` is noticed.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping

import httpx

from xerodesk.sandbox.clock import SandboxClock
from xerodesk.sandbox.webhooks import WebhookHub

log = logging.getLogger(__name__)


class HttpxPost:
    """``post(url, body, headers) -> status`` with one reused httpx client."""

    def __init__(self, timeout_seconds: float = 5.0) -> None:
        self._client = httpx.Client(timeout=timeout_seconds, follow_redirects=False)

    def __call__(self, url: str, body: bytes, headers: Mapping[str, str]) -> int:
        return self._client.post(url, content=body, headers=dict(headers)).status_code

    def close(self) -> None:
        self._client.close()


class DeliveryThread:
    """Sends what is due as the sandbox clock passes, until ``stop``."""

    def __init__(self, hub: WebhookHub, clock: SandboxClock, poll_seconds: float = 0.2) -> None:
        self._hub = hub
        self._clock = clock
        self._poll = poll_seconds
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> DeliveryThread:
        self._thread = threading.Thread(target=self._run, name="xerodesk-webhooks", daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                self._hub.deliver_due()
            except Exception:  # a bug must not stop later deliveries
                log.exception("webhook delivery failed")
            self._hub.wakeup.wait(self._wait_seconds())
            self._hub.wakeup.clear()

    def _wait_seconds(self) -> float:
        due = self._hub.next_due()
        if due is None:
            return self._poll
        ahead = (due - self._clock.now()).total_seconds()
        return max(0.0, min(self._poll, self._clock.sleep_seconds(ahead)))

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        self._hub.wakeup.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
