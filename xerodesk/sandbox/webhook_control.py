"""Control endpoints for the sandbox's webhook (``/_sandbox/webhooks``).

==========================================  ==================================================
``POST /_sandbox/webhooks``                 register (replace) the subscription:
                                            ``{"url", "key", "categories", "intent",
                                            "delay_seconds", "batch_seconds", "faults", ...}``
                                            (``webhook_config``); answers its state
``GET /_sandbox/webhooks``                  its state: status, sequence, queued events,
                                            deliveries sent/acknowledged/failed, last answer
``DELETE /_sandbox/webhooks``               remove it
``POST /_sandbox/webhooks/intent``          send intent to receive; ``{"passed", "answers"}``
``POST /_sandbox/webhooks/deliver``         send what is due on the sandbox clock now;
                                            ``{"results": [...]}`` (one per attempt)
==========================================  ==================================================

Whatever may wait for a delivery under way runs in a worker thread, so a
receiver that calls the sandbox back while it answers does not stall the server.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from xerodesk.sandbox.webhook_config import WebhookConfig, WebhookConfigError

if TYPE_CHECKING:
    from xerodesk.sandbox.state import SandboxState


class WebhookControlError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _state(request: Request) -> SandboxState:
    state: SandboxState = request.app.state.sandbox
    return state


async def _body(request: Request) -> Any:
    raw = await request.body()
    try:
        return json.loads(raw) if raw.strip() else {}
    except ValueError:
        raise WebhookControlError(400, "the body must be JSON") from None


async def subscription(request: Request) -> Any:
    hub = _state(request).webhooks
    if request.method == "GET":
        return hub.state()
    if request.method == "DELETE":
        return {"deleted": await run_in_threadpool(hub.unregister)}
    try:
        config = WebhookConfig.from_json(await _body(request))
    except WebhookConfigError as error:
        raise WebhookControlError(400, str(error)) from None
    return await run_in_threadpool(hub.register, config)


async def intent(request: Request) -> Any:
    hub = _state(request).webhooks
    try:
        return await run_in_threadpool(hub.intent)
    except LookupError as error:
        raise WebhookControlError(404, str(error)) from None


async def deliver(request: Request) -> Any:
    hub = _state(request).webhooks
    results = await run_in_threadpool(hub.deliver_due)
    return {"results": [r.describe() for r in results], "state": hub.state()}


WEBHOOK_ROUTES: list[tuple[str, list[str], Callable[[Request], Awaitable[Any]]]] = [
    ("/webhooks", ["GET", "POST", "DELETE"], subscription),
    ("/webhooks/intent", ["POST"], intent),
    ("/webhooks/deliver", ["POST"], deliver),
]
