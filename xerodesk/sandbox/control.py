"""The sandbox's control API under ``/_sandbox/``: JSON in, JSON out, no auth.

Changes made here act as if made in Xero by a user: ``edit`` bumps
``UpdatedDateUTC``; balances and customer/supplier flags change without
bumping it, as Xero's do. Unknown records answer 404, bad bodies 400.

===========================================  ===================================================
``GET  /_sandbox/``                          this list
``GET  /_sandbox/state``                     tenant, record counts, clock, limits, faults
``POST /_sandbox/reset``                     organisation back to its loaded/generated state;
                                             also zeroes counters and limit windows unless
                                             ``{"counters": false}`` / ``{"limits": false}``
``POST /_sandbox/load``                      load an organisation (the ``--org`` JSON shape)
``POST /_sandbox/generate``                  ``{"size": "demo", "seed": 1}``: generate and load
``POST /_sandbox/edit``                      ``{"collection", "id", "changes": {...}}``
``POST /_sandbox/random-edit``               ``{"collection", "count"}``: edit random records
``POST /_sandbox/contacts/{id}/archive``     archive a contact
``POST /_sandbox/contacts/merge``            ``{"from": id, "into": id}``: merge two contacts
``POST /_sandbox/contacts/{id}/balances``    ``{"AccountsReceivable": {...}, ...}``, no bump
``POST /_sandbox/contacts/{id}/flags``       ``{"IsCustomer": b, "IsSupplier": b}``, no bump
``POST /_sandbox/items/{id}/quantity``       ``{"QuantityOnHand": n}``; ``"bump": false`` keeps
                                             ``UpdatedDateUTC`` (stock unseen by modified-since)
``DELETE /_sandbox/items/{id}``              delete an item
``POST /_sandbox/documents/{coll}/{id}/status``  ``{"Status": "VOIDED"}`` (or DELETED, ...)
``GET|POST /_sandbox/clock``                 read; ``{"advance": s}`` and/or ``{"scale": x}``
``GET /_sandbox/counters``, ``POST ./reset``    call counters
``GET|POST /_sandbox/limits``, ``POST ./reset``  limit state; change mode or limits
``GET|POST /_sandbox/faults``                ``{"spec", "seed", "queue": [...], "clear"}``
``GET|POST /_sandbox/identity``              token counts; ``{"refresh_grace_seconds": s}``,
                                             ``{"other_organisations": [names]}`` (more
                                             organisations a consent authorises, without
                                             books), ``{"authorise_none": true}``
``POST /_sandbox/webhooks``                  register the webhook: ``{"url", "key",
                                             "categories", "intent", "delay_seconds",
                                             "batch_seconds", "faults": {...}}``
``GET|DELETE /_sandbox/webhooks``            its state (status, sequence, queued, deliveries
                                             sent/acknowledged/failed, last status); remove it
``POST /_sandbox/webhooks/intent``           intent to receive: ``{"passed", "answers"}``
``POST /_sandbox/webhooks/deliver``          send what is due now: ``{"results": [...]}``
===========================================  ===================================================
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from xerodesk.sandbox.faults import FaultSpecError, parse_fault_spec
from xerodesk.sandbox.org_ops import ORG_ROUTES, OrgOpError
from xerodesk.sandbox.webhook_control import WEBHOOK_ROUTES

if TYPE_CHECKING:
    from xerodesk.sandbox.state import SandboxState

Handler = Callable[[Request], Awaitable[Response]]


class ControlError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def state_of(request: Request) -> SandboxState:
    state: SandboxState = request.app.state.sandbox
    return state


async def body_of(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except ValueError:
        raise ControlError(400, "the body must be JSON") from None
    if not isinstance(data, dict):
        raise ControlError(400, "the body must be a JSON object")
    return data


def json_handler(func: Callable[[Request], Awaitable[Any]]) -> Handler:
    """Wrap a control function: its result becomes JSON, its errors 400/404."""

    async def handler(request: Request) -> Response:
        try:
            result = await func(request)
        except (ControlError, OrgOpError) as error:
            return JSONResponse({"error": error.message}, status_code=error.status)
        except FaultSpecError as error:
            return JSONResponse({"error": str(error)}, status_code=400)
        if isinstance(result, Response):
            return result
        return JSONResponse(result)

    return handler


async def index(request: Request) -> Any:
    return {"endpoints": sorted({f"{m} /_sandbox{p}" for p, m in ENDPOINTS})}


async def overview(request: Request) -> Any:
    state = state_of(request)
    tenant_id, tenant_name = state.identity.tenant()
    counts = state.org.counts() if hasattr(state.org, "counts") else {}
    return {
        "tenantId": tenant_id,
        "tenantName": tenant_name,
        "counts": counts,
        "clock": _clock(state),
        "limits": state.limits.snapshot(),
        "faults": state.faults.state(),
        "identity": state.identity.snapshot(),
    }


async def reset(request: Request) -> Any:
    state = state_of(request)
    body = await body_of(request)
    state.org.reset()
    if body.get("counters", True):
        state.counters.reset()
    if body.get("limits", True):
        state.limits.reset()
    if body.get("faults", False):
        state.faults.clear()
    return {"reset": True, "tenantId": state.org.tenant_id}


def _clock(state: SandboxState) -> dict[str, Any]:
    now = state.clock.now()
    return {"now": now.isoformat().replace("+00:00", "Z"), "scale": state.clock.scale}


async def clock(request: Request) -> Any:
    state = state_of(request)
    if request.method == "POST":
        body = await body_of(request)
        try:
            if "scale" in body:
                state.clock.set_scale(float(body["scale"]))
            if "advance" in body:
                state.clock.advance(float(body["advance"]))
        except (TypeError, ValueError) as error:
            raise ControlError(400, f"bad clock change: {error}") from None
    return _clock(state)


async def counters(request: Request) -> Any:
    return state_of(request).counters.snapshot()


async def counters_reset(request: Request) -> Any:
    state = state_of(request)
    state.counters.reset()
    return state.counters.snapshot()


async def limits(request: Request) -> Any:
    state = state_of(request)
    if request.method == "POST":
        body = await body_of(request)
        allowed = {"mode", "minute", "daily", "concurrent", "app_minute"}
        unknown = set(body) - allowed
        if unknown:
            raise ControlError(400, f"unknown limit(s): {', '.join(sorted(unknown))}")
        try:
            state.limits.reconfigure(**body)
        except (TypeError, ValueError) as error:
            raise ControlError(400, str(error)) from None
    return state.limits.snapshot()


async def limits_reset(request: Request) -> Any:
    state = state_of(request)
    state.limits.reset()
    return state.limits.snapshot()


async def faults(request: Request) -> Any:
    state = state_of(request)
    if request.method == "POST":
        body = await body_of(request)
        if body.get("clear"):
            state.faults.clear()
        if "spec" in body:
            seed = body.get("seed")
            state.faults.configure(
                parse_fault_spec(body["spec"]), None if seed is None else int(seed)
            )
        queue = body.get("queue", [])
        if not isinstance(queue, list):
            raise ControlError(400, "queue must be a list of fault kinds")
        state.faults.enqueue([str(kind) for kind in queue])
    return state.faults.state()


async def identity(request: Request) -> Any:
    state = state_of(request)
    if request.method == "POST":
        body = await body_of(request)
        if "refresh_grace_seconds" in body:
            state.identity.grace_seconds = float(body["refresh_grace_seconds"])
        if "other_organisations" in body:
            names = body["other_organisations"]
            if not isinstance(names, list) or not all(isinstance(n, str) and n for n in names):
                raise ControlError(400, "other_organisations must be a list of names")
            state.identity.set_others(names)
        if "authorise_none" in body:
            state.identity.authorise_none = bool(body["authorise_none"])
    return state.identity.snapshot()


ENDPOINTS: list[tuple[str, str]] = [
    ("/", "GET"),
    ("/state", "GET"),
    ("/reset", "POST"),
    ("/clock", "GET"),
    ("/clock", "POST"),
    ("/counters", "GET"),
    ("/counters/reset", "POST"),
    ("/limits", "GET"),
    ("/limits", "POST"),
    ("/limits/reset", "POST"),
    ("/faults", "GET"),
    ("/faults", "POST"),
    ("/identity", "GET"),
    ("/identity", "POST"),
    *((path, method) for path, method, _ in ORG_ROUTES),
    *((path, method) for path, methods, _ in WEBHOOK_ROUTES for method in methods),
]


def control_routes() -> list[BaseRoute]:
    own: list[tuple[str, list[str], Callable[[Request], Awaitable[Any]]]] = [
        ("/", ["GET"], index),
        ("/state", ["GET"], overview),
        ("/reset", ["POST"], reset),
        ("/clock", ["GET", "POST"], clock),
        ("/counters", ["GET"], counters),
        ("/counters/reset", ["POST"], counters_reset),
        ("/limits", ["GET", "POST"], limits),
        ("/limits/reset", ["POST"], limits_reset),
        ("/faults", ["GET", "POST"], faults),
        ("/identity", ["GET", "POST"], identity),
    ]
    routes: list[BaseRoute] = [Route(p, json_handler(f), methods=m) for p, m, f in own]
    routes.extend(Route(p, json_handler(f), methods=[m]) for p, m, f in ORG_ROUTES)
    routes.extend(Route(p, json_handler(f), methods=m) for p, m, f in WEBHOOK_ROUTES)
    return routes
