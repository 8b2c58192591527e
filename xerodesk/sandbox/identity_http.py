"""Identity over HTTP, on Xero's paths: authorize, token, revocation, connections.

``GET /identity/connect/authorize`` (login.xero.com) consents at once and
redirects to ``redirect_uri?code=…&state=…``; with ``consent=page`` among the
sandbox options, or ``sandbox_consent=page`` in the query, it shows an HTML
consent page instead whose buttons post back here. Bad requests get Xero's
treatment: an error page when the client or redirect URI cannot be trusted,
otherwise a redirect carrying ``error=…`` (and the ``state``).
``POST /connect/token`` and ``POST /connect/revocation`` (identity.xero.com)
take form bodies; ``GET /connections`` and ``DELETE /connections/{id}``
(api.xero.com) take a bearer token only.
"""

from __future__ import annotations

import base64
import binascii
import html
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from xerodesk.sandbox.gate import problem
from xerodesk.sandbox.identity_records import ApiRefusal, OAuthError
from xerodesk.sandbox.scopes import KNOWN_SCOPES
from xerodesk.sandbox.tokens import CHALLENGE_RE

if TYPE_CHECKING:
    from xerodesk.sandbox.state import SandboxState

LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


class AuthorizeError(Exception):
    """An authorize request Xero refuses; ``redirect`` says whether to send it back."""

    def __init__(self, error: str, description: str, redirect: bool) -> None:
        super().__init__(error)
        self.error = error
        self.description = description
        self.redirect = redirect


def _state(request: Request) -> SandboxState:
    state: SandboxState = request.app.state.sandbox
    return state


def redirect_uri_ok(uri: str) -> bool:
    """https anywhere, or plain http to a loopback host (Xero's rule for desktop apps)."""
    parts = urlsplit(uri)
    if not parts.netloc or parts.fragment:
        return False
    if parts.scheme == "https":
        return True
    return parts.scheme == "http" and (parts.hostname or "") in LOOPBACK_HOSTS


def validate_authorize(params: dict[str, str], state: SandboxState) -> frozenset[str]:
    """Check an authorize request; return its scopes or raise ``AuthorizeError``."""
    client_id = params.get("client_id", "")
    if not client_id:
        raise AuthorizeError("invalid_request", "client_id is missing", redirect=False)
    if not state.identity.policy.accepts_id(client_id):
        raise AuthorizeError("unauthorized_client", "Unknown client or client not enabled", False)
    if not redirect_uri_ok(params.get("redirect_uri", "")):
        raise AuthorizeError("invalid_request", "Invalid redirect_uri", redirect=False)
    if params.get("response_type") != "code":
        raise AuthorizeError("unsupported_response_type", "response_type must be code", True)
    scopes = frozenset(params.get("scope", "").split())
    if not scopes:
        raise AuthorizeError("invalid_request", "scope is missing", redirect=True)
    if scopes - KNOWN_SCOPES:
        raise AuthorizeError("invalid_scope", "Invalid scope for client", redirect=True)
    challenge = params.get("code_challenge", "")
    method = params.get("code_challenge_method", "")
    if (challenge or method) and method != "S256":
        raise AuthorizeError("invalid_request", "code_challenge_method must be S256", True)
    if method and not CHALLENGE_RE.match(challenge):
        raise AuthorizeError("invalid_request", "Invalid code_challenge", redirect=True)
    return scopes


def with_query(uri: str, values: dict[str, str]) -> str:
    parts = urlsplit(uri)
    pairs = [*parse_qsl(parts.query, keep_blank_values=True), *values.items()]
    return urlunsplit(parts._replace(query=urlencode(pairs)))


def _answer(params: dict[str, str], values: dict[str, str]) -> RedirectResponse:
    if params.get("state"):
        values = {**values, "state": params["state"]}
    return RedirectResponse(with_query(params["redirect_uri"], values), status_code=302)


def _error_page(error: AuthorizeError) -> HTMLResponse:
    body = (
        "<!doctype html><html><head><title>Xero | Error</title></head><body>"
        f"<h1>Sorry, something went wrong</h1><p>Error: {html.escape(error.error)}</p>"
        f"<p>{html.escape(error.description)}</p></body></html>"
    )
    return HTMLResponse(body, status_code=400)


def _consent_page(params: dict[str, str], scopes: frozenset[str], state: SandboxState) -> Response:
    _, tenant_name = state.identity.tenant()
    hidden = "".join(
        f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
        for k, v in params.items()
        if k != "sandbox_consent"
    )
    items = "".join(f"<li>{html.escape(s)}</li>" for s in sorted(scopes))
    body = (
        "<!doctype html><html><head><title>Xero | Authorise</title></head><body>"
        f"<h1>{html.escape(params['client_id'])} wants access to {html.escape(tenant_name)}</h1>"
        f"<ul>{items}</ul>"
        f'<form method="post" action="/identity/connect/authorize">{hidden}'
        '<button type="submit" name="decision" value="allow">Allow access</button> '
        '<button type="submit" name="decision" value="deny">Cancel</button>'
        "</form></body></html>"
    )
    return HTMLResponse(body)


async def authorize(request: Request) -> Response:
    state = _state(request)
    state.counters.identity_call("authorize")
    try:
        params = await _form(request) if request.method == "POST" else dict(request.query_params)
    except OAuthError as error:
        return _error_page(AuthorizeError(error.error, error.description or "", redirect=False))
    try:
        scopes = validate_authorize(params, state)
    except AuthorizeError as error:
        if not error.redirect:
            return _error_page(error)
        return _answer(params, {"error": error.error, "error_description": error.description})
    if request.method == "POST":
        if params.get("decision") != "allow":
            return _answer(params, {"error": "access_denied"})
    elif state.options.consent == "page" or params.get("sandbox_consent") == "page":
        return _consent_page(params, scopes, state)
    code = state.identity.issue_code(params, scopes)
    return _answer(params, {"code": code, "scope": " ".join(sorted(scopes))})


async def _form(request: Request) -> dict[str, str]:
    content_type = request.headers.get("content-type", "")
    if not content_type.lower().startswith("application/x-www-form-urlencoded"):
        raise OAuthError("invalid_request", "the body must be form-encoded")
    body = (await request.body()).decode("utf-8", "replace")
    return dict(parse_qsl(body, keep_blank_values=True))


def _client(request: Request, form: dict[str, str]) -> tuple[str, str | None]:
    """The client id and secret, from HTTP Basic or the form (not both, differently)."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise OAuthError("invalid_client") from None
        client_id, _, secret = decoded.partition(":")
        client_id, secret = unquote(client_id), unquote(secret)
        if form.get("client_id") not in (None, client_id):
            raise OAuthError("invalid_request", "client_id differs from the Basic credentials")
        return client_id, secret
    return form.get("client_id", ""), form.get("client_secret")


def _oauth_error(error: OAuthError) -> JSONResponse:
    return JSONResponse(error.body(), status_code=400, headers=NO_STORE)


async def token(request: Request) -> Response:
    state = _state(request)
    try:
        form = await _form(request)
        client = _client(request, form)
        grant_type = form.get("grant_type", "")
        state.counters.identity_call(f"token:{grant_type or 'none'}")
        body: dict[str, Any]
        if grant_type == "authorization_code":
            body = state.identity.exchange_code(form, client)
        elif grant_type == "refresh_token":
            body = state.identity.refresh(form, client)
        elif grant_type == "client_credentials":
            body = state.identity.client_credentials(form, client)
        elif not grant_type:
            raise OAuthError("invalid_request", "grant_type is missing")
        else:
            raise OAuthError("unsupported_grant_type")
    except OAuthError as error:
        return _oauth_error(error)
    return JSONResponse(body, headers=NO_STORE)


async def revocation(request: Request) -> Response:
    state = _state(request)
    state.counters.identity_call("revocation")
    try:
        form = await _form(request)
        state.identity.revoke(form.get("token", ""), _client(request, form))
    except OAuthError as error:
        return _oauth_error(error)
    return Response(status_code=200)


def _refused(refusal: ApiRefusal) -> Response:
    raw, headers = problem(refusal.status, refusal.detail)
    plain = {k.decode(): v.decode() for k, v in headers if k != b"content-length"}
    return Response(raw, status_code=refusal.status, headers=plain)


async def connections(request: Request) -> Response:
    state = _state(request)
    state.counters.identity_call("connections")
    access = state.identity.bearer(request.headers.get("authorization"))
    if isinstance(access, ApiRefusal):
        return _refused(access)
    event = request.query_params.get("authEventId")
    return JSONResponse(state.identity.connections(access, event))


async def delete_connection(request: Request) -> Response:
    state = _state(request)
    state.counters.identity_call("disconnect")
    access = state.identity.bearer(request.headers.get("authorization"))
    if isinstance(access, ApiRefusal):
        return _refused(access)
    if not state.identity.disconnect(access, request.path_params["connection_id"]):
        return Response(status_code=404)
    return Response(status_code=204)


def identity_routes() -> list[BaseRoute]:
    routes: list[BaseRoute] = [
        Route("/identity/connect/authorize", authorize, methods=["GET", "POST"]),
        Route("/connect/token", token, methods=["POST"]),
        Route("/connect/revocation", revocation, methods=["POST"]),
    ]
    for base in ("/connections", "/Connections"):
        routes.append(Route(base, connections, methods=["GET"]))
        routes.append(Route(base + "/{connection_id}", delete_connection, methods=["DELETE"]))
    return routes
