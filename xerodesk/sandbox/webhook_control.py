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

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from xerodesk.sandbox.org_ops import OrgOpError, json_object, sandbox_state
from xerodesk.sandbox.webhook_config import WebhookConfig, WebhookConfigError

if TYPE_CHECKING:
    pass


async def subscription(request: Request) -> Any:
    hub = sandbox_state(request).webhooks
    if request.method == "GET":
        return hub.state()
    if request.method == "DELETE":
        return {"deleted": await run_in_threadpool(hub.unregister)}
    try:
        config = WebhookConfig.from_json(await json_object(request))
    except WebhookConfigError as error:
        raise OrgOpError(400, str(error)) from None
    return await run_in_threadpool(hub.register, config)


async def intent(request: Request) -> Any:
    hub = sandbox_state(request).webhooks
    try:
        return await run_in_threadpool(hub.intent)
    except LookupError as error:
        raise OrgOpError(404, str(error)) from None


async def deliver(request: Request) -> Any:
    hub = sandbox_state(request).webhooks
    results = await run_in_threadpool(hub.deliver_due)
    return {"results": [r.describe() for r in results], "state": hub.state()}


WEBHOOK_ROUTES: list[tuple[str, list[str], Callable[[Request], Awaitable[Any]]]] = [
    ("/webhooks", ["GET", "POST", "DELETE"], subscription),
    ("/webhooks/intent", ["POST"], intent),
    ("/webhooks/deliver", ["POST"], deliver),
]
