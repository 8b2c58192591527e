"""One PUT or POST request from body to response.

- The body is ``{"Contacts": [...]}`` (or ``Items``, ``Invoices``); a bare
  object is taken as one element. Unreadable JSON is Xero's
  ``PostDataInvalidException`` (400).
- ``summarizeErrors`` behaves as true unless sent as ``false``: then any bad
  element makes the whole answer a 400 ``ValidationException`` listing the bad
  elements (the good ones may have been saved: ``StoreOptions``). With
  ``summarizeErrors=false`` the answer is 200 and each element carries
  ``StatusAttributeString`` OK or ERROR with its own ``ValidationErrors``.
- Saved elements come back as a GET by id would show them.
"""

from __future__ import annotations

import json
import uuid
from decimal import Decimal
from typing import Any

from starlette.requests import Request

from xerodesk.sandbox import wire
from xerodesk.sandbox.fields import CONTACTS, INVOICES, ITEMS, Kind
from xerodesk.sandbox.idempotency import StoredResponse
from xerodesk.sandbox.orgcore import OrgCore
from xerodesk.sandbox.views import Mode, Renderer, View
from xerodesk.sandbox.write_common import Result, Writer, WriteRequest, run_batch
from xerodesk.sandbox.write_contacts import write_contact
from xerodesk.sandbox.write_invoices import write_invoice
from xerodesk.sandbox.write_items import write_item

JSON = "application/json; charset=utf-8"
WRITERS: dict[str, Writer] = {
    CONTACTS.name: write_contact,
    ITEMS.name: write_item,
    INVOICES.name: write_invoice,
}


def _answer(body: Any, status: int, correlation: str | None = None) -> StoredResponse:
    headers = (("Xero-Correlation-Id", correlation or str(uuid.uuid4())),)
    return StoredResponse(status, wire.dumps_bytes(body), headers, JSON)


def _elements(kind: Kind, body: bytes) -> list[Any] | None:
    try:
        data = json.loads(body or b"null", parse_float=Decimal)
    except (ValueError, UnicodeDecodeError):
        return None
    if isinstance(data, list):
        return data
    if not isinstance(data, dict):
        return None
    for key, value in data.items():
        if key.lower() == kind.name.lower():
            return value if isinstance(value, list) else [value]
    return [data]


def perform_write(
    store: OrgCore,
    kind: Kind,
    request: Request,
    body: bytes,
    path_id: str | None,
    provider: str,
) -> StoredResponse:
    """Run the write and build its response (kept for idempotent replays)."""
    elements = _elements(kind, body)
    if elements is None:
        problem = {
            "ErrorNumber": 14,
            "Type": "PostDataInvalidException",
            "Message": "Invalid Json data",
        }
        return _answer(problem, 400)
    if path_id is not None:
        elements = elements[:1]
    params = {k.lower(): v for k, v in request.query_params.items()}
    summarize = params.get("summarizeerrors", "").strip().lower() != "false"
    write = WriteRequest(
        create_only=request.method == "PUT",
        path_id=path_id,
        allow_backorders=params.get("allowbackorders", "").strip().lower() == "true",
    )
    results = run_batch(store, kind, elements, write, WRITERS[kind.name], summarize=summarize)
    if summarize and any(not r.ok for r in results):
        failed = [r.echo for r in results if not r.ok]
        problem = {
            "ErrorNumber": 10,
            "Type": "ValidationException",
            "Message": "A validation exception occurred",
            "Elements": failed,
        }
        return _answer(problem, 400)
    unit_places = 4 if params.get("unitdp", "").strip() == "4" else 2
    renderer = Renderer(store, View(Mode.WRITE, unit_places=unit_places))
    correlation = str(uuid.uuid4())
    envelope: dict[str, Any] = {
        "Id": correlation,
        "Status": "OK",
        "ProviderName": provider,
        "DateTimeUTC": wire.ms_date_plain(store.now()),
        kind.name: [_element(store, kind, renderer, r) for r in results],
    }
    return _answer(envelope, 200, correlation)


def _element(store: OrgCore, kind: Kind, renderer: Renderer, result: Result) -> dict[str, Any]:
    if result.ok and result.key is not None:
        entry = store.collection(kind).get(result.key)
        if entry is not None:
            record = renderer.render(kind, entry)
            record["StatusAttributeString"] = "OK"
            if result.warnings:
                record["Warnings"] = [{"Message": m} for m in result.warnings]
            return record
    record = dict(result.echo)
    record["StatusAttributeString"] = "ERROR"
    if result.warnings:
        record["Warnings"] = [{"Message": m} for m in result.warnings]
    return record
