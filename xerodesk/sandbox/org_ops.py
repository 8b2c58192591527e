"""Control endpoints that change the organisation as a Xero user would.

Each handler takes the request, calls one ``OrgStore`` method and returns JSON;
``control.py`` wraps them and lists them. Unknown records are 404 and bad
values 400 (``OrgOpError``).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

from xerodesk.sandbox import wire

if TYPE_CHECKING:
    from xerodesk.sandbox.state import SandboxState


class OrgOpError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def sandbox_state(request: Request) -> SandboxState:
    state: SandboxState = request.app.state.sandbox
    return state


def reply(data: Any) -> Response:
    """JSON with the store's own encoder (records hold Decimals and dates)."""
    return Response(wire.dumps_bytes(data), media_type="application/json")


async def json_object(request: Request) -> dict[str, Any]:
    raw = await request.body()
    try:
        data = json.loads(raw) if raw.strip() else {}
    except ValueError:
        raise OrgOpError(400, "the body must be JSON") from None
    if not isinstance(data, dict):
        raise OrgOpError(400, "the body must be a JSON object")
    return data


def _call(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run a store method, turning its KeyError/ValueError into 404/400."""
    try:
        return func(*args, **kwargs)
    except KeyError as error:
        raise OrgOpError(404, f"not found: {error.args[0] if error.args else error}") from None
    except (ValueError, TypeError) as error:
        raise OrgOpError(400, str(error)) from None


def _need(body: dict[str, Any], *names: str) -> list[Any]:
    missing = [n for n in names if n not in body]
    if missing:
        raise OrgOpError(400, f"missing in body: {', '.join(missing)}")
    return [body[n] for n in names]


async def load(request: Request) -> Any:
    state = sandbox_state(request)
    _call(state.org.load, await json_object(request))
    return {"loaded": True, "tenantId": state.org.tenant_id, "counts": state.org.counts()}


async def generate(request: Request) -> Any:
    from xerodesk.sandbox import generator

    state = sandbox_state(request)
    body = await json_object(request)
    size = str(body.get("size", "demo"))
    seed = int(body.get("seed", state.options.seed))
    data = _call(generator.generate, size, seed)
    _call(state.org.load, data)
    return {"loaded": True, "tenantId": state.org.tenant_id, "counts": state.org.counts()}


async def edit(request: Request) -> Any:
    state = sandbox_state(request)
    collection, record_id, changes = _need(
        await json_object(request), "collection", "id", "changes"
    )
    if not isinstance(changes, dict):
        raise OrgOpError(400, "changes must be an object")
    return reply({"record": _call(state.org.edit, collection, record_id, changes)})


async def random_edit(request: Request) -> Any:
    state = sandbox_state(request)
    body = await json_object(request)
    (collection,) = _need(body, "collection")
    count = int(body.get("count", 1))
    rng = state.faults.rng()
    return {"ids": [_call(state.org.random_edit, rng, collection) for _ in range(count)]}


async def archive_contact(request: Request) -> Any:
    state = sandbox_state(request)
    return reply({"record": _call(state.org.archive_contact, request.path_params["id"])})


async def merge_contacts(request: Request) -> Any:
    state = sandbox_state(request)
    source, target = _need(await json_object(request), "from", "into")
    return reply({"record": _call(state.org.merge_contacts, source, target)})


async def contact_balances(request: Request) -> Any:
    state = sandbox_state(request)
    body = await json_object(request)
    receivable = body.get("AccountsReceivable") or {}
    payable = body.get("AccountsPayable") or {}
    if not isinstance(receivable, dict) or not isinstance(payable, dict):
        raise OrgOpError(400, "AccountsReceivable and AccountsPayable must be objects")
    record = _call(
        state.org.set_contact_balances,
        request.path_params["id"],
        ar_outstanding=receivable.get("Outstanding"),
        ar_overdue=receivable.get("Overdue"),
        ap_outstanding=payable.get("Outstanding"),
        ap_overdue=payable.get("Overdue"),
    )
    return reply({"record": record})


async def contact_flags(request: Request) -> Any:
    state = sandbox_state(request)
    body = await json_object(request)
    names = {"IsCustomer": "is_customer", "IsSupplier": "is_supplier"}
    flags = {names[k]: bool(v) for k, v in body.items() if k in names}
    if not flags:
        raise OrgOpError(400, "give IsCustomer and/or IsSupplier")
    return reply({"record": _call(state.org.set_contact_flags, request.path_params["id"], **flags)})


async def item_quantity(request: Request) -> Any:
    state = sandbox_state(request)
    body = await json_object(request)
    (quantity,) = _need(body, "QuantityOnHand")
    bump = bool(body.get("bump", True))
    return reply(
        {
            "record": _call(
                state.org.set_quantity_on_hand, request.path_params["id"], quantity, bump=bump
            )
        }
    )


async def delete_item(request: Request) -> Any:
    state = sandbox_state(request)
    if not _call(state.org.delete_item, request.path_params["id"]):
        raise OrgOpError(404, f"not found: no Items record {request.path_params['id']}")
    return {"deleted": request.path_params["id"]}


async def document_status(request: Request) -> Any:
    state = sandbox_state(request)
    (status,) = _need(await json_object(request), "Status")
    collection, record_id = request.path_params["collection"], request.path_params["id"]
    return reply({"record": _call(state.org.set_status, collection, record_id, status)})


ORG_ROUTES: list[tuple[str, str, Callable[[Request], Awaitable[Any]]]] = [
    ("/load", "POST", load),
    ("/generate", "POST", generate),
    ("/edit", "POST", edit),
    ("/random-edit", "POST", random_edit),
    ("/contacts/merge", "POST", merge_contacts),
    ("/contacts/{id}/archive", "POST", archive_contact),
    ("/contacts/{id}/balances", "POST", contact_balances),
    ("/contacts/{id}/flags", "POST", contact_flags),
    ("/items/{id}/quantity", "POST", item_quantity),
    ("/items/{id}", "DELETE", delete_item),
    ("/documents/{collection}/{id}/status", "POST", document_status),
]
