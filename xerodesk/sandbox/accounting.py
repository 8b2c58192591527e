"""The Accounting API routes (paths relative to ``/api.xro/2.0``).

Handlers find the organisation as ``request.app.state.sandbox.org`` (an
``OrgStore``). Authentication, the tenant check, rate limits and faults are
the gate's business and happen before these handlers run; here are the API's
semantics: envelopes, views, queries, writes, errors.

Every JSON answer carries ``Xero-Correlation-Id`` (the envelope ``Id`` on
success). The ``ProviderName`` is ``request.state.provider_name`` when the
gate sets it (the calling app's name), else "Xero API Partner".
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import BaseRoute, Route

from xerodesk.sandbox import wire
from xerodesk.sandbox.collection import Entry
from xerodesk.sandbox.fields import (
    CONTACTS,
    CREDIT_NOTES,
    CURRENCIES,
    INVOICES,
    ITEMS,
    PURCHASE_ORDERS,
    TAX_RATES,
    Kind,
)
from xerodesk.sandbox.idempotency import IdempotencyError, StoredResponse, fingerprint
from xerodesk.sandbox.listing import page_of, parse_list_query, select
from xerodesk.sandbox.orgcore import OrgCore
from xerodesk.sandbox.query import QueryError
from xerodesk.sandbox.views import Mode, Renderer, View
from xerodesk.sandbox.write_api import perform_write
from xerodesk.sandbox.write_invoices import accrec_only

JSON = "application/json; charset=utf-8"
NOT_FOUND = "The resource you're looking for cannot be found"
STREAM_AT = 2000  # longer (unpaged) answers are streamed, in chunks of:
CHUNK = 500
Handler = Callable[[Request], Awaitable[Response]]


def store_of(request: Request) -> OrgCore:
    org: OrgCore = request.app.state.sandbox.org
    return org


def provider_name(request: Request) -> str:
    name = getattr(request.state, "provider_name", None)
    return str(name) if name else "Xero API Partner"


def envelope_head(request: Request, store: OrgCore, **extra: Any) -> tuple[str, dict[str, Any]]:
    correlation = str(uuid.uuid4())
    head: dict[str, Any] = {
        "Id": correlation,
        "Status": "OK",
        "ProviderName": provider_name(request),
        "DateTimeUTC": wire.ms_date_plain(store.now()),
    }
    head.update({k: v for k, v in extra.items() if v is not None})
    return correlation, head


def json_response(body: Any, status: int = 200, correlation: str | None = None) -> Response:
    headers = {"Xero-Correlation-Id": correlation or str(uuid.uuid4())}
    return Response(wire.dumps_bytes(body), status, headers=headers, media_type=JSON)


def error_body(number: int, type_: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"ErrorNumber": number, "Type": type_, "Message": message, **extra}


def not_found() -> Response:
    return Response(NOT_FOUND, 404, media_type="text/plain; charset=utf-8")


def records_response(
    request: Request,
    store: OrgCore,
    kind: Kind,
    entries: list[Entry],
    view: View,
    pagination: dict[str, int] | None = None,
    warnings: tuple[str, ...] = (),
) -> Response:
    """The envelope with the rendered records; streamed when it is long."""
    notes = [{"Message": m} for m in warnings] or None
    correlation, head = envelope_head(request, store, pagination=pagination, Warnings=notes)
    renderer = Renderer(store, view)
    if len(entries) < STREAM_AT:
        head[kind.name] = [renderer.render(kind, e) for e in entries]
        return json_response(head, correlation=correlation)

    def chunks() -> Iterator[bytes]:
        yield (wire.dumps(head)[:-1] + f',"{kind.name}":[').encode()
        for start in range(0, len(entries), CHUNK):
            batch = [renderer.render(kind, e) for e in entries[start : start + CHUNK]]
            text = wire.dumps(batch)[1:-1]
            yield ("," if start else "").encode() + text.encode()
        yield b"]}"

    return StreamingResponse(
        chunks(), media_type=JSON, headers={"Xero-Correlation-Id": correlation}
    )


def list_handler(kind: Kind) -> Handler:
    async def handle(request: Request) -> Response:
        store = store_of(request)
        try:
            query = parse_list_query(
                kind, request.query_params, request.headers.get("If-Modified-Since")
            )
        except QueryError as problem:
            return json_response(error_body(16, "QueryParseException", str(problem)), 400)
        entries = await run_in_threadpool(select, store, kind, query)
        page = page_of(entries, query)
        return records_response(
            request, store, kind, page.entries, query.view, page.pagination, query.warnings
        )

    return handle


def find_entry(store: OrgCore, kind: Kind, ident: str) -> Entry | None:
    with store.lock:
        collection = store.collection(kind)
        entry = collection.get(ident)
        if entry is None and kind.number:
            accept = accrec_only(store) if kind is INVOICES else None
            entry = collection.find_number(ident, accept) or collection.find_number(ident)
        return entry


def single_handler(kind: Kind) -> Handler:
    async def handle(request: Request) -> Response:
        store = store_of(request)
        ident = request.path_params["ident"]
        entry = find_entry(store, kind, ident)
        if request.method == "DELETE":
            if entry is None or not store.delete(kind, entry.key):
                return not_found()
            return Response(status_code=204)
        if request.method == "POST":
            if entry is None:
                return not_found()
            return await write_handler(kind, path_id=entry.key)(request)
        if entry is None:
            return not_found()
        unit_places = 4 if request.query_params.get("unitdp", "").strip() == "4" else 2
        return records_response(
            request, store, kind, [entry], View(Mode.SINGLE, False, unit_places)
        )

    return handle


def write_handler(kind: Kind, path_id: str | None = None) -> Handler:
    async def handle(request: Request) -> Response:
        store = store_of(request)
        body = await request.body()
        query = list(request.query_params.multi_items())
        key = request.headers.get("Idempotency-Key", "").strip()

        def execute() -> StoredResponse:
            return perform_write(store, kind, request, body, path_id, provider_name(request))

        if not key:
            stored = await run_in_threadpool(execute)
        else:
            mark = fingerprint(request.method, request.url.path, query, body)
            try:
                stored, _ = await run_in_threadpool(store.idempotency.run, key, mark, execute)
            except IdempotencyError as problem:
                return json_response(error_body(10, "ValidationException", str(problem)), 400)
        return Response(
            stored.body, stored.status, headers=dict(stored.headers), media_type=stored.media_type
        )

    return handle


def collection_handler(kind: Kind) -> Handler:
    reader, writer = list_handler(kind), write_handler(kind)

    async def handle(request: Request) -> Response:
        return await (reader if request.method == "GET" else writer)(request)

    return handle


async def organisation(request: Request) -> Response:
    store = store_of(request)
    correlation, head = envelope_head(request, store)
    head["Organisations"] = [store.organisation]
    return json_response(head, correlation=correlation)


def accounting_routes() -> list[BaseRoute]:
    """The routes the gate mounts at ``/api.xro/2.0``."""
    writable = (CONTACTS, ITEMS, INVOICES)
    routes: list[BaseRoute] = [Route("/Organisation", organisation, methods=["GET"])]
    for kind in (CONTACTS, ITEMS, INVOICES, CREDIT_NOTES, PURCHASE_ORDERS, TAX_RATES, CURRENCIES):
        methods = ["GET", "PUT", "POST"] if kind in writable else ["GET"]
        routes.append(Route(f"/{kind.name}", collection_handler(kind), methods=methods))
        if kind is CURRENCIES:
            continue
        single = ["GET", "POST"] if kind in writable else ["GET"]
        if kind is ITEMS:
            single.append("DELETE")
        routes.append(Route(f"/{kind.name}/{{ident}}", single_handler(kind), methods=single))
    return routes
