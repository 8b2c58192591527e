"""Webhook deliveries as Xero sends them: queued, batched, signed and retried.

``WebhookHub`` holds the one subscription (a Xero app has one webhook: a URL,
a key and its categories) and is the organisation's change listener
(``OrgCore.add_change_listener``): each committed change in a subscribed
category becomes an event with the next sequence number, on the sandbox
clock. ``deliver_due(now)`` sends what is due by then and returns a
``DeliveryResult`` per attempt; the server's ``DeliveryThread``
(``webhook_delivery``) calls it as the sandbox clock passes, and an
in-process caller on a simulated clock calls it itself. The send function
``post(url, body, headers) -> status`` is injectable (an exception means no
answer); by default it is httpx with the subscription's timeout.

Behaviour and its sources (settings in ``webhook_config``):

- Events are batched into deliveries with first/last sequence numbers
  (developer.xero.com/documentation/webhooks/overview: "Last Event Sequence
  | The sequence number of the last event in this payload", likewise the
  first). A batch opens when an event is ready and closes ``batch_seconds``
  later on the sandbox clock, whenever ``deliver_due`` happens to run, so a
  simulated day batches the same way however it is stepped.
- A delivery not answered 200 is retried "with decreasing frequency for up
  to 24 hours", then "the webhook will be disabled and needs to be
  re-enabled" (developer.xero.com/documentation/webhooks/configuring-your-
  server). Retries send the same bytes with the same signature. Once
  disabled, changes queue nothing and unsent events are lost; intent to
  receive re-enables it (that page: re-enabling starts a validation).
- Intent to receive (same page): a series of POSTs, some correctly signed and
  some not; the URL passes only if it answers 200 to each signed one and 401
  to each badly signed one. Until it passes (or ``"intent": false``) the
  webhook is not on and sends nothing.
- Xero documents no order: each delivery keeps its own retry schedule and
  due ones go in sequence order, so a retried or delayed delivery arrives
  after later ones.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from xerodesk.sandbox import webhook_wire as wire
from xerodesk.sandbox.changes import Change
from xerodesk.sandbox.webhook_config import WebhookConfig

Post = Callable[[str, bytes, Mapping[str, str]], int]
PostFactory = Callable[[WebhookConfig], Post]

PENDING, OK, DISABLED = "PENDING_INTENT", "OK", "DISABLED"
INTENT_SIGNED, INTENT_BADLY_SIGNED = 3, 3


@dataclass(frozen=True)
class DeliveryResult:
    """One attempt (or a dropped delivery, ``sent`` false): its sequences and answer."""

    first_sequence: int
    last_sequence: int
    events: int
    attempt: int
    sent: bool
    status: int | None
    signed: bool
    fault: str | None = None

    @property
    def ok(self) -> bool:
        return self.status == 200

    def describe(self) -> dict[str, Any]:
        return {
            "firstEventSequence": self.first_sequence,
            "lastEventSequence": self.last_sequence,
            "events": self.events,
            "attempt": self.attempt,
            "sent": self.sent,
            "status": self.status,
            "signed": self.signed,
            "fault": self.fault,
            "ok": self.ok,
        }


@dataclass
class _Event:
    sequence: int
    ready_at: datetime
    body: dict[str, Any]


@dataclass
class _Delivery:
    first: int
    last: int
    body: bytes
    signature: str
    events: int
    next_at: datetime
    fault: str | None
    attempts: int = 0
    first_attempt_at: datetime | None = None


@dataclass
class _Subscription:
    config: WebhookConfig
    status: str
    entropy_rng: random.Random
    fault_rng: random.Random
    sequence: int = 0
    queue: list[_Event] = field(default_factory=list)
    outbox: list[_Delivery] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    last_status: int | None = None
    last_attempt_at: datetime | None = None
    disabled_at: datetime | None = None
    intent: dict[str, Any] | None = None

    def count(self, name: str, n: int = 1) -> None:
        self.counts[name] = self.counts.get(name, 0) + n


def iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat().replace("+00:00", "Z")


class WebhookHub:
    """The sandbox's webhook sender; see the module documentation."""

    def __init__(self, now: Callable[[], datetime], post: PostFactory | None = None) -> None:
        self._now = now
        self._post_factory = post
        self._post: Post | None = None
        self._lock = threading.Lock()  # the subscription's state; never held over a POST
        self._sending = threading.Lock()  # one deliverer at a time
        self._sub: _Subscription | None = None
        self.wakeup = threading.Event()

    # ------------------------------------------------------------ subscribing
    def register(self, config: WebhookConfig) -> dict[str, Any]:
        """Replace the subscription (sequences start again at 1)."""
        with self._sending, self._lock:
            self._close_post()
            self._sub = _Subscription(
                config,
                PENDING if config.intent else OK,
                random.Random(f"{config.seed}:entropy"),
                random.Random(f"{config.seed}:faults"),
            )
        self.wakeup.set()
        return self.state()

    def unregister(self) -> bool:
        with self._sending, self._lock:
            found = self._sub is not None
            self._sub = None
            self._close_post()
        return found

    def state(self) -> dict[str, Any]:
        """The subscription as ``GET /_sandbox/webhooks`` shows it."""
        with self._lock:
            sub = self._sub
            if sub is None:
                return {"registered": False}
            counts = {n: sub.counts.get(n, 0) for n in _COUNTED}
            return {
                "registered": True,
                "status": sub.status,
                "url": sub.config.url,
                "categories": list(sub.config.categories),
                "sequence": sub.sequence,
                "queued": len(sub.queue),
                "waiting": len(sub.outbox),
                "deliveries": {n: counts[n] for n in _DELIVERY_COUNTS},
                "events": {n.removeprefix("events_"): counts[n] for n in _EVENT_COUNTS},
                "last_status": sub.last_status,
                "last_attempt": iso(sub.last_attempt_at),
                "disabled_at": iso(sub.disabled_at),
                "intent": sub.intent,
                "options": sub.config.describe(),
            }

    # -------------------------------------------------------------- recording
    def record(self, changes: list[Change]) -> None:
        """The organisation's change listener: queue an event per subscribed change."""
        with self._lock:
            sub = self._sub
            if sub is None or sub.status != OK:
                return
            delay = timedelta(seconds=sub.config.delay_seconds)
            for change in changes:
                if change.category not in sub.config.categories:
                    continue
                sub.sequence += 1
                sub.queue.append(_Event(sub.sequence, change.at + delay, wire.event_of(change)))
                sub.count("events_queued")
        self.wakeup.set()

    # ------------------------------------------------------------- delivering
    def next_due(self) -> datetime | None:
        """When ``deliver_due`` next has something to do (None: nothing queued)."""
        with self._lock:
            sub = self._sub
            if sub is None or sub.status != OK:
                return None
            times = [d.next_at for d in sub.outbox]
            if sub.queue:
                times.append(sub.queue[0].ready_at + timedelta(seconds=sub.config.batch_seconds))
            return min(times, default=None)

    def deliver_due(self, now: datetime | None = None) -> list[DeliveryResult]:
        """Form the batches closed by ``now`` (default: the sandbox clock) and
        send every delivery due by then, once each."""
        with self._sending:
            moment = now or self._now()
            with self._lock:
                sub = self._sub
                if sub is None or sub.status != OK:
                    return []
                results = self._form_batches(sub, moment)
                due = sorted((d for d in sub.outbox if d.next_at <= moment), key=lambda d: d.first)
            for delivery in due:
                results.extend(self._attempt(sub, delivery, moment))
                if sub.status != OK:
                    break
            return results

    def _form_batches(self, sub: _Subscription, now: datetime) -> list[DeliveryResult]:
        config, dropped = sub.config, []
        window = timedelta(seconds=config.batch_seconds)
        while sub.queue and sub.queue[0].ready_at + window <= now:
            closes = sub.queue[0].ready_at + window
            count = 0  # the ready events lead the queue (sequence order)
            while count < len(sub.queue) and sub.queue[count].ready_at <= closes:
                count += 1
            ready, sub.queue[:count] = sub.queue[:count], []
            for start in range(0, len(ready), config.max_events):  # more go at the same time
                batch = ready[start : start + config.max_events]
                delivery = self._delivery(sub, batch, closes)
                if delivery.fault == "drop":
                    sub.count("events_lost", delivery.events)
                    dropped.append(self._result(delivery, sent=False, status=None, signed=True))
                    continue
                if delivery.fault == "delay":
                    delivery.next_at += timedelta(seconds=config.faults.delay_seconds)
                sub.outbox.append(delivery)
        return dropped

    def _delivery(self, sub: _Subscription, batch: list[_Event], closes: datetime) -> _Delivery:
        first, last = batch[0].sequence, batch[-1].sequence
        body = wire.body_bytes([e.body for e in batch], first, last, wire.entropy(sub.entropy_rng))
        fault = self._draw_fault(sub)
        if fault is not None:
            sub.count(_FAULT_COUNTS[fault])
        signature = wire.sign(body, sub.config.key)
        return _Delivery(first, last, body, signature, len(batch), closes, fault)

    def _draw_fault(self, sub: _Subscription) -> str | None:
        rates = sub.config.faults.rates
        if not rates:
            return None
        draw, edge = sub.fault_rng.random(), 0.0
        for kind, rate in rates.items():
            edge += rate
            if draw < edge:
                return kind
        return None

    def _attempt(
        self, sub: _Subscription, delivery: _Delivery, now: datetime
    ) -> list[DeliveryResult]:
        config = sub.config
        missigned = delivery.fault == "missign" and delivery.attempts == 0
        signature = wire.sign(delivery.body, config.key + ":wrong") if missigned else None
        status = self._send(config, delivery.body, signature or delivery.signature)
        with self._lock:
            delivery.attempts += 1
            delivery.first_attempt_at = delivery.first_attempt_at or now
            results = [self._result(delivery, True, status, not missigned)]
            self._answered(sub, status, now)
            if status == 200:
                sub.outbox.remove(delivery)
                sub.count("acknowledged")
                sub.count("events_delivered", delivery.events)
            elif now - delivery.first_attempt_at >= timedelta(seconds=config.give_up_seconds):
                self._disable(sub, now)
            else:
                gap = config.retry_first_seconds * 2 ** (delivery.attempts - 1)
                delivery.next_at = now + timedelta(seconds=min(gap, config.retry_max_seconds))
        if status == 200 and delivery.fault == "repeat":
            again = self._send(config, delivery.body, delivery.signature)
            with self._lock:
                self._answered(sub, again, now)
            results.append(self._result(delivery, True, again, True))
        return results

    def _answered(self, sub: _Subscription, status: int | None, now: datetime) -> None:
        sub.count("sent")
        if status != 200:
            sub.count("failed")
        sub.last_status = status
        sub.last_attempt_at = now

    def _disable(self, sub: _Subscription, now: datetime) -> None:
        sub.status = DISABLED
        sub.disabled_at = now
        lost = len(sub.queue) + sum(d.events for d in sub.outbox)
        sub.count("events_lost", lost)
        sub.queue.clear()
        sub.outbox.clear()

    def _result(
        self, delivery: _Delivery, sent: bool, status: int | None, signed: bool
    ) -> DeliveryResult:
        return DeliveryResult(
            delivery.first,
            delivery.last,
            delivery.events,
            delivery.attempts,
            sent,
            status,
            signed,
            delivery.fault,
        )

    def _send(self, config: WebhookConfig, body: bytes, signature: str) -> int | None:
        if self._post is None:
            if self._post_factory is not None:
                self._post = self._post_factory(config)
            else:
                from xerodesk.sandbox.webhook_delivery import HttpxPost

                self._post = HttpxPost(config.timeout_seconds)
        try:
            return self._post(config.url, body, wire.headers_for(signature))
        except Exception:  # no answer: refused, reset, timed out
            return None

    def _close_post(self) -> None:
        close = getattr(self._post, "close", None)
        if callable(close):
            close()
        self._post = None

    def close(self) -> None:
        with self._sending, self._lock:
            self._close_post()

    # ------------------------------------------------------ intent to receive
    def intent(self) -> dict[str, Any]:
        """Send Xero's intent-to-receive series; passing turns the subscription OK."""
        with self._sending:
            with self._lock:
                sub = self._sub
                if sub is None:
                    raise LookupError("no webhook is registered")
                rng = sub.entropy_rng
                series = [True] * INTENT_SIGNED + [False] * INTENT_BADLY_SIGNED
                rng.shuffle(series)
                bodies = [wire.intent_body(wire.entropy(rng)) for _ in series]
            answers = []
            for signed, body in zip(series, bodies, strict=True):
                key = sub.config.key if signed else wire.entropy(rng)
                status = self._send(sub.config, body, wire.sign(body, key))
                wanted = 200 if signed else 401
                answers.append({"signed": signed, "status": status, "ok": status == wanted})
            passed = all(a["ok"] for a in answers)
            with self._lock:
                sub.intent = {"passed": passed, "at": iso(self._now())}
                if passed:
                    sub.status, sub.disabled_at = OK, None
                elif sub.status == OK:
                    sub.status = PENDING
        self.wakeup.set()
        return {"passed": passed, "status": sub.status, "answers": answers}


_FAULT_COUNTS = {
    "drop": "dropped",
    "repeat": "repeated",
    "delay": "delayed",
    "missign": "missigned",
}
_DELIVERY_COUNTS = ("sent", "acknowledged", "failed", "dropped", "repeated", "delayed", "missigned")
_EVENT_COUNTS = ("events_queued", "events_delivered", "events_lost")
_COUNTED = _DELIVERY_COUNTS + _EVENT_COUNTS
