"""Shared pieces of the sandbox's webhook tests: a sandbox whose clock stands
still (moved only by ``advance``) and sends only when ``deliver`` is called,
a receiver on loopback, and record pickers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from tests.support.sandbox import RunningSandbox
from tests.support.webhook_receiver import WebhookReceiver
from xerodesk.sandbox.webhooks import DeliveryResult

KEY = "Ex4mpleWebh00kKeyForTests=="
START = datetime(2026, 3, 2, 9, 30, 0, 250_000, tzinfo=UTC)


def still_sandbox(make_sandbox: Callable[..., RunningSandbox], **options: Any) -> RunningSandbox:
    """A demo sandbox whose clock stands still (only ``advance`` moves it)
    and which sends only when ``deliver`` is called."""
    settings: dict[str, Any] = {
        "generate": "demo",
        "seed": 5,
        "rate_limits": "off",
        "clock_start": START,
        "clock_scale": 1e-9,
        "webhook_thread": False,
        **options,
    }
    return make_sandbox(**settings)


def subscribe(sb: RunningSandbox, receiver: WebhookReceiver, **options: Any) -> dict[str, Any]:
    body = {"url": receiver.url, "key": KEY, "intent": False, **options}
    state: dict[str, Any] = sb.control("POST", "/webhooks", body)
    return state


def advance(sb: RunningSandbox, seconds: float) -> None:
    sb.control("POST", "/clock", {"advance": seconds})


def deliver(sb: RunningSandbox) -> list[DeliveryResult]:
    return sb.state.webhooks.deliver_due()


def hook_state(sb: RunningSandbox) -> dict[str, Any]:
    state: dict[str, Any] = sb.control("GET", "/webhooks")
    return state


def pick(sb: RunningSandbox, collection: str, n: int = 0, **wanted: Any) -> dict[str, Any]:
    """The ``n``-th record of ``collection`` with the wanted field values."""
    found = []
    for key in sb.state.org.collection(collection).keys():
        record = sb.state.org.record(collection, key)
        if all(record.get(k) == v for k, v in wanted.items()):
            found.append(record)
    if len(found) <= n:
        raise AssertionError(f"no {collection} record #{n} with {wanted}")
    result: dict[str, Any] = found[n]
    return result


def edit(sb: RunningSandbox, collection: str, record_id: str, **changes: Any) -> None:
    sb.control("POST", "/edit", {"collection": collection, "id": record_id, "changes": changes})
