"""The sandbox's ASGI application: Xero's hosts mapped onto one base URL.

=================================  ==========================================
path                               stands in for
=================================  ==========================================
``/api.xro/2.0/…``                 api.xero.com Accounting API (gated: auth,
                                   tenant, scopes, rate limits, faults)
``/connections``                   api.xero.com connections
``/connect/token``,                identity.xero.com
``/connect/revocation``
``/identity/connect/authorize``    login.xero.com
``/rates/eurofxref-daily.xml``     the ECB's daily reference rates
``/_sandbox/…``                    the sandbox's own control API (no auth;
                                   the server listens on loopback only)
=================================  ==========================================
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from typing import Any, cast

from starlette.applications import Starlette
from starlette.middleware.exceptions import ExceptionMiddleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route, Router

from xerodesk.sandbox.control import control_routes
from xerodesk.sandbox.gate import ApiGate, BodyCounter
from xerodesk.sandbox.identity_http import identity_routes
from xerodesk.sandbox.rates import eurofxref_daily
from xerodesk.sandbox.state import SandboxState

API_ROOT = "/api.xro/2.0"


def org_currencies(org: Any) -> list[str]:
    """Currency codes the organisation uses: its base currency and its Currencies."""
    codes = [str(getattr(org, "base_currency", "") or "")]
    currency_codes = getattr(org, "currency_codes", None)
    if callable(currency_codes):
        codes.extend(sorted(str(code) for code in currency_codes()))
    return [code for code in codes if code]


async def rates_feed(request: Request) -> Response:
    state: SandboxState = request.app.state.sandbox
    state.counters.identity_call("rates")
    xml = eurofxref_daily(state.clock.now(), org_currencies(state.org))
    return Response(xml, media_type="text/xml")


async def index(request: Request) -> Response:
    state: SandboxState = request.app.state.sandbox
    tenant_id, tenant_name = state.identity.tenant()
    return JSONResponse(
        {
            "service": "xerodesk Xero sandbox",
            "tenantId": tenant_id,
            "tenantName": tenant_name,
            "api": API_ROOT,
            "identity": ["/identity/connect/authorize", "/connect/token", "/connect/revocation"],
            "connections": "/connections",
            "rates": "/rates/eurofxref-daily.xml",
            "control": "/_sandbox/",
        }
    )


def default_api_routes() -> list[BaseRoute]:
    module = importlib.import_module("xerodesk.sandbox.accounting")
    return cast(list[BaseRoute], module.accounting_routes())


def build_app(state: SandboxState, api_routes: Sequence[BaseRoute] | None = None) -> Starlette:
    """The whole sandbox as one Starlette app; handlers find ``state`` in ``app.state.sandbox``."""
    routes = list(api_routes) if api_routes is not None else default_api_routes()
    # Compressed when the client asks (Accept-Encoding: gzip), as any HTTP server
    # may (RFC 9110, sections 8.4 and 12.5.3). Xero's documentation does not say
    # which encodings api.xero.com serves; the client measures what it is sent.
    # Starlette's own middleware at zlib's default level; bodies under 500 bytes
    # (an empty page, an error) are not worth the gzip header. The gate outside
    # counts the wire bytes, ``BodyCounter`` inside the bytes the handlers wrote.
    handlers = BodyCounter(ExceptionMiddleware(Router(routes)))
    api = ApiGate(GZipMiddleware(handlers, minimum_size=500, compresslevel=6), state)
    app = Starlette(
        routes=[
            Route("/", index, methods=["GET"]),
            Mount(API_ROOT, app=api),
            *identity_routes(),
            Route("/rates/eurofxref-daily.xml", rates_feed, methods=["GET"]),
            Mount("/_sandbox", routes=control_routes()),
        ]
    )
    app.state.sandbox = state
    return app
