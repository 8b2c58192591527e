"""Sign-in for a desktop app: OAuth 2.0 authorization code with PKCE (S256).

The consent page opens in the system browser; Xero sends the browser back to
a one-shot listener on loopback (``http://localhost:PORT/callback``, bound to
127.0.0.1 only) that accepts exactly one callback carrying the ``state`` it
expects and then closes. The code is exchanged for tokens, ``/connections``
lists the organisations picked, one is chosen, and its sign-in goes to the
keyring. Xero accepts ``localhost`` redirects over plain HTTP; the port must be
the one registered for the app, hence a fixed default.

Authlib builds the authorization URL (with the S256 challenge) and exchanges
the code; the loopback listener is hand-rolled because Authlib has none.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import re
import webbrowser
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

from authlib.common.security import generate_token
from authlib.oauth2.rfc7636 import create_s256_code_challenge

from xerodesk.credentials import CredentialStore, Secret, StoredConnection
from xerodesk.errors import AuthenticationError, ConfigurationError
from xerodesk.xero.client import XeroClient
from xerodesk.xero.clock import Clock, ScaledClock
from xerodesk.xero.endpoints import SCOPES, XeroEndpoints
from xerodesk.xero.identity import Connection, TokenEndpoint, TokenResponse, auth_event_id
from xerodesk.xero.tokens import StaticTokens

__all__ = [
    "CLIENT_ID_PATTERN",
    "DEFAULT_REDIRECT_PORT",
    "REDIRECT_URI",
    "LoopbackRedirect",
    "client_id_problem",
    "code_challenge",
    "make_code_verifier",
    "sign_in",
    "sign_out",
]

log = logging.getLogger(__name__)

#: The port of the redirect URI registered for the app (``http://localhost:PORT/callback``).
DEFAULT_REDIRECT_PORT = 53682
CALLBACK_PATH = "/callback"
#: what to register as the app's redirect URI in Xero's developer portal
REDIRECT_URI = f"http://localhost:{DEFAULT_REDIRECT_PORT}{CALLBACK_PATH}"
#: Xero issues client ids of 32 hexadecimal characters (shown in upper case)
CLIENT_ID_PATTERN = re.compile(r"[0-9A-F]{32}")

Chooser = Callable[[Sequence[Connection]], Connection | Awaitable[Connection]]
Browser = Callable[[str], object]

_PAGE = (
    "<!doctype html><html><head><meta charset='utf-8'><title>xerodesk</title></head>"
    "<body style='font-family:sans-serif'><h1>{title}</h1><p>{text}</p></body></html>"
)


def make_code_verifier() -> Secret:
    """A PKCE code verifier: 64 characters from the unreserved set."""
    return Secret(generate_token(64))


def code_challenge(verifier: Secret) -> str:
    """The S256 challenge: base64url(SHA-256(verifier)) without padding."""
    return str(create_s256_code_challenge(verifier.reveal()))


@dataclass(frozen=True)
class _Callback:
    status: int
    title: str
    text: str


class LoopbackRedirect:
    """A one-shot HTTP listener on 127.0.0.1 for the OAuth redirect."""

    def __init__(self, state: str, port: int = DEFAULT_REDIRECT_PORT) -> None:
        self._state = state
        self._port = port
        self._server: asyncio.Server | None = None
        self._result: asyncio.Future[Secret] | None = None

    async def __aenter__(self) -> LoopbackRedirect:
        self._result = asyncio.get_running_loop().create_future()
        try:
            self._server = await asyncio.start_server(self._handle, "127.0.0.1", self._port)
        except OSError as error:
            raise ConfigurationError(
                f"Cannot listen for the Xero sign-in on port {self._port} "
                f"({error.strerror or error}). Close the program using it and try again."
            ) from None
        self._port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    @property
    def redirect_uri(self) -> str:
        return f"http://localhost:{self._port}{CALLBACK_PATH}"

    async def wait(self, timeout: float) -> Secret:
        """The authorization code, once the right callback came; then closes."""
        assert self._result is not None
        try:
            return await asyncio.wait_for(asyncio.shield(self._result), timeout)
        except TimeoutError:
            raise AuthenticationError(
                "The Xero sign-in was not completed in time. Try signing in again."
            ) from None
        finally:
            await self.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            target = await asyncio.wait_for(_read_request_target(reader), 10)
            answer = self._answer(target)
        except (TimeoutError, ValueError, ConnectionError):
            answer = _Callback(400, "Bad request", "This is not a sign-in answer.")
        body = _PAGE.format(title=answer.title, text=answer.text).encode()
        reason = {200: "OK", 400: "Bad Request", 404: "Not Found"}.get(answer.status, "Error")
        head = (
            f"HTTP/1.1 {answer.status} {reason}\r\nContent-Type: text/html; charset=utf-8\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\nCache-Control: no-store\r\n\r\n"
        )
        try:
            writer.write(head.encode() + body)
            await writer.drain()
        except ConnectionError:
            pass
        finally:
            writer.close()

    def _answer(self, target: str) -> _Callback:
        parts = urlsplit(target)
        if parts.path != CALLBACK_PATH:
            return _Callback(404, "Not found", "Nothing here.")
        query = {k: v[0] for k, v in parse_qs(parts.query).items() if v}
        state = query.get("state", "")
        if not hmac.compare_digest(state.encode(), self._state.encode()):
            log.warning("Ignored a sign-in callback with the wrong state")
            return _Callback(400, "Sign-in not recognised", "This answer is not for this sign-in.")
        assert self._result is not None
        if self._result.done():
            return _Callback(400, "Already signed in", "This sign-in was already used.")
        if "code" in query:
            self._result.set_result(Secret(query["code"]))
            return _Callback(200, "Signed in to Xero", "You can close this window now.")
        error = query.get("error", "no code")
        if error == "access_denied":
            text = "The sign-in was cancelled in Xero, so nothing was connected."
        else:
            text = f"Xero did not sign you in ({error})."
        self._result.set_exception(AuthenticationError(f"{text} Sign in again when you are ready."))
        return _Callback(200, "Sign-in not completed", "Return to xerodesk and try again.")


async def _read_request_target(reader: asyncio.StreamReader) -> str:
    line = (await reader.readline()).decode("latin-1").strip()
    method, target, _version = line.split(" ", 2)
    if method != "GET":
        raise ValueError("not a GET")
    while (await reader.readline()).strip():
        pass  # headers: not needed
    return target


def client_id_problem(client_id: str) -> str | None:
    """Why ``client_id`` cannot be the client id of an app made in Xero's developer
    portal (``None``: it can). Xero shows 32 characters, 0-9 and A-F."""
    text = client_id.strip()
    if not text:
        return "Paste the client id of your Xero app (My Apps, your app, Configuration)."
    if CLIENT_ID_PATTERN.fullmatch(text.upper()):
        return None
    return (
        f"That is not a Xero client id: it has {len(text)} characters, and Xero's have 32, "
        "only the digits 0-9 and the letters A-F. Copy it again from your app's "
        "Configuration page in Xero's developer portal."
    )


async def sign_in(
    client_id: str,
    store: CredentialStore,
    *,
    endpoints: XeroEndpoints | None = None,
    open_browser: Browser = webbrowser.open,
    choose: Chooser | None = None,
    port: int = DEFAULT_REDIRECT_PORT,
    timeout: float = 300.0,
    scope: str = SCOPES,
    clock: Clock | None = None,
    token_endpoint: TokenEndpoint | None = None,
) -> StoredConnection:
    """Sign in through the browser and keep the chosen organisation's sign-in.

    ``open_browser`` is called (in a worker thread) with the consent URL;
    ``choose`` picks among several organisations (default: the first).
    Returns what was saved; it also becomes the default organisation.
    """
    endpoints = endpoints or XeroEndpoints()
    clock = clock or ScaledClock()
    endpoint = token_endpoint or TokenEndpoint(endpoints, client_id, clock=clock)
    state = generate_token(32)
    verifier = make_code_verifier()
    try:
        async with LoopbackRedirect(state, port) as redirect:
            url = endpoint.authorization_url(redirect.redirect_uri, scope, state, verifier.reveal())
            log.info("Opening the browser for the Xero sign-in")
            opened = await asyncio.to_thread(open_browser, url)
            if opened is False:
                log.warning("Could not open a browser; open this address to sign in: %s", url)
            code = await redirect.wait(timeout)
            tokens = await endpoint.exchange_code(code, verifier, redirect.redirect_uri)
        connection = await _pick(endpoints, tokens, choose, clock)
    finally:
        if token_endpoint is None:
            await endpoint.aclose()
    saved = _stored(client_id, connection, tokens, clock)
    store.save(saved)
    store.set_default_tenant(saved.tenant_id)
    log.info("Signed in to Xero for %s", connection.tenant_name or connection.tenant_id)
    return saved


async def sign_out(
    store: CredentialStore,
    tenant_id: str,
    *,
    endpoints: XeroEndpoints | None = None,
    clock: Clock | None = None,
    token_endpoint: TokenEndpoint | None = None,
) -> None:
    """Revoke the organisation's refresh token at Xero and forget its sign-in."""
    stored = store.load(tenant_id)
    if stored is None:
        return
    if stored.refresh_token is not None and not stored.needs_sign_in:
        endpoints = endpoints or XeroEndpoints()
        endpoint = token_endpoint or TokenEndpoint(
            endpoints, stored.client_id, clock=clock or ScaledClock()
        )
        try:
            await endpoint.revoke(stored.refresh_token)
        finally:
            if token_endpoint is None:
                await endpoint.aclose()
    store.delete(tenant_id)
    log.info("Signed out of Xero for %s", stored.tenant_name or tenant_id)


async def _pick(
    endpoints: XeroEndpoints, tokens: TokenResponse, choose: Chooser | None, clock: Clock
) -> Connection:
    async with XeroClient(
        StaticTokens(tokens.access_token), None, endpoints=endpoints, clock=clock
    ) as xero:
        found = await xero.connections(auth_event_id(tokens.access_token))
        if not found:
            found = await xero.connections()
    organisations = [c for c in found if c.tenant_type.upper() in ("ORGANISATION", "")] or found
    if not organisations:
        raise AuthenticationError(
            "You signed in, but no Xero organisation was authorised for this app. Sign in "
            "again and choose your organisation on Xero's page."
        )
    if len(organisations) == 1 or choose is None:
        return organisations[0]
    picked = choose(organisations)
    if isinstance(picked, Connection):
        return picked
    return await picked


def _stored(
    client_id: str, connection: Connection, tokens: TokenResponse, clock: Clock
) -> StoredConnection:
    if tokens.refresh_token is None:
        raise AuthenticationError(
            "Xero gave no refresh token (the offline_access scope is missing). Sign in again."
        )
    now = clock.now()
    return StoredConnection(
        tenant_id=connection.tenant_id,
        tenant_name=connection.tenant_name,
        client_id=client_id,
        refresh_token=tokens.refresh_token,
        refreshed_at=now,
        scope=tokens.scope,
        access_token=tokens.access_token,
        access_expires_at=now + timedelta(seconds=tokens.expires_in),
    )
