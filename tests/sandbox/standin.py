"""A tiny stand-in organisation and Accounting API, until the real ones are wired."""

from __future__ import annotations

import json
import random
import uuid
from datetime import timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from xerodesk.sandbox.clock import SandboxClock


class StandInOrg:
    def __init__(self, clock: SandboxClock, contacts: int = 25) -> None:
        self.now = clock.now
        self.tenant_id = str(uuid.uuid4())
        self.organisation = {"Name": "Stand-in Ltd", "BaseCurrency": "NZD"}
        self.contacts: dict[str, dict[str, Any]] = {}
        start = self.now() - timedelta(days=1)
        for n in range(contacts):
            cid = str(uuid.UUID(int=n + 1))
            self.contacts[cid] = {
                "ContactID": cid,
                "Name": f"Contact {n:03d}",
                "UpdatedDateUTC": start + timedelta(seconds=n),
            }
        self._initial = {k: dict(v) for k, v in self.contacts.items()}

    def reset(self) -> None:
        self.contacts = {k: dict(v) for k, v in self._initial.items()}

    def counts(self) -> dict[str, int]:
        return {"Contacts": len(self.contacts)}

    base_currency = "NZD"

    def currency_codes(self) -> set[str]:
        return {"NZD", "FJD"}

    def random_edit(self, rng: random.Random, collection: str) -> str:
        cid = rng.choice(sorted(self.contacts))
        self.contacts[cid]["UpdatedDateUTC"] = self.now()
        return cid


def _org(request: Request) -> StandInOrg:
    org: StandInOrg = request.app.state.sandbox.org
    return org


def _wire(contact: dict[str, Any]) -> dict[str, Any]:
    ms = int(contact["UpdatedDateUTC"].timestamp() * 1000)
    return {**contact, "UpdatedDateUTC": f"/Date({ms}+0000)/"}


async def list_contacts(request: Request) -> Response:
    org = _org(request)
    ordered = sorted(org.contacts.values(), key=lambda c: (c["UpdatedDateUTC"], c["ContactID"]))
    page = int(request.query_params.get("page", "0") or 0)
    size = int(request.query_params.get("pageSize", "100"))
    if page:
        ordered = ordered[(page - 1) * size : page * size]
    return JSONResponse({"Status": "OK", "Contacts": [_wire(c) for c in ordered]})


async def put_contacts(request: Request) -> Response:
    org = _org(request)
    body = json.loads(await request.body())
    created = []
    for contact in body["Contacts"]:
        cid = str(uuid.uuid4())
        record = {"ContactID": cid, "Name": contact["Name"], "UpdatedDateUTC": org.now()}
        org.contacts[cid] = record
        created.append(_wire(record))
    return JSONResponse({"Status": "OK", "Contacts": created})


async def organisation(request: Request) -> Response:
    org = _org(request)
    return JSONResponse({"Status": "OK", "Organisations": [org.organisation]})


async def invoices(request: Request) -> Response:
    return JSONResponse({"Status": "OK", "Invoices": []})


def standin_routes() -> list[BaseRoute]:
    return [
        Route("/Contacts", list_contacts, methods=["GET"]),
        Route("/Contacts", put_contacts, methods=["PUT", "POST"]),
        Route("/Organisation", organisation, methods=["GET"]),
        Route("/Invoices", invoices, methods=["GET"]),
    ]
