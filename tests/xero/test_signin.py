"""PKCE sign-in end to end, and the tokens it leaves: refresh, rotation, grace, loss."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from keyring.errors import PasswordSetError

from tests.support.sandbox import RunningSandbox
from tests.xero.conftest import FAST_RETRY, Browser
from xerodesk.credentials import ConnectionState, CredentialStore, StoredConnection
from xerodesk.errors import AuthenticationError, ConfigurationError
from xerodesk.xero.clock import ScaledClock
from xerodesk.xero.endpoints import SCOPES, XeroEndpoints
from xerodesk.xero.identity import TokenEndpoint
from xerodesk.xero.signin import sign_in, sign_out
from xerodesk.xero.tokens import OAuthTokens

CLIENT_ID = "xerodesk-desktop-test"


async def _signed_in(sandbox: RunningSandbox, browser: Browser) -> tuple[CredentialStore, str]:
    endpoints = XeroEndpoints.for_base(sandbox.base_url)
    store = CredentialStore(endpoints.namespace)
    saved = await sign_in(
        CLIENT_ID, store, endpoints=endpoints, open_browser=browser, port=0, timeout=20
    )
    return store, saved.tenant_id


def _tokens(
    sandbox: RunningSandbox,
    store: CredentialStore,
    tenant: str,
    transport: httpx.AsyncBaseTransport | None = None,
) -> OAuthTokens:
    clock = ScaledClock(sandbox.state.clock.scale)
    endpoints = XeroEndpoints.for_base(sandbox.base_url)
    endpoint = TokenEndpoint(
        endpoints, CLIENT_ID, clock=clock, retry=FAST_RETRY, transport=transport
    )
    return OAuthTokens(store, tenant, endpoint, clock)


def _expire_access(store: CredentialStore, tenant: str) -> StoredConnection:
    stored = store.load(tenant)
    assert stored is not None
    stored.access_expires_at = None
    store.save(stored)
    return stored


async def test_pkce_sign_in_end_to_end(
    xero_sandbox: Callable[..., RunningSandbox], browser: Browser
) -> None:
    sandbox = xero_sandbox(contacts=3)
    store, tenant = await _signed_in(sandbox, browser)
    assert tenant == sandbox.state.org.tenant_id
    query = parse_qs(urlsplit(browser.opened[0]).query)
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["code_challenge"][0]) == 43
    assert query["scope"][0].split() == SCOPES.split()
    assert query["redirect_uri"][0].startswith("http://localhost:")
    assert query["client_id"] == [CLIENT_ID]
    assert browser.final_status == 200
    stored = store.load(tenant)
    assert stored is not None and stored.refresh_token is not None
    assert stored.tenant_name and stored.client_id == CLIENT_ID
    assert store.default_tenant() == tenant
    assert stored.status(stored.refreshed_at).state is ConnectionState.CONNECTED


async def test_refresh_rotates_and_saves_both_tokens(
    xero_sandbox: Callable[..., RunningSandbox], browser: Browser
) -> None:
    sandbox = xero_sandbox(contacts=3)
    store, tenant = await _signed_in(sandbox, browser)
    before = _expire_access(store, tenant)
    tokens = _tokens(sandbox, store, tenant)
    results = await asyncio.gather(*(tokens.access_token() for _ in range(10)))
    assert len(set(results)) == 1
    assert tokens.refreshes == 1 and tokens.endpoint.calls == 1  # one refresh for ten callers
    after = store.load(tenant)
    assert after is not None
    assert after.refresh_token != before.refresh_token
    assert after.previous_refresh_token == before.refresh_token
    assert after.previous_until is not None and after.refreshed_at < after.previous_until
    assert after.access_token is not None and after.access_token.reveal() == results[0]
    await tokens.endpoint.aclose()


async def test_a_used_refresh_token_means_sign_in_again_without_a_retry_loop(
    xero_sandbox: Callable[..., RunningSandbox], browser: Browser
) -> None:
    sandbox = xero_sandbox(contacts=3)
    sandbox.control("POST", "/identity", {"refresh_grace_seconds": 0})
    store, tenant = await _signed_in(sandbox, browser)
    stale = _expire_access(store, tenant)
    tokens = _tokens(sandbox, store, tenant)
    await tokens.access_token()  # rotates: the stale copy's token is now used up
    sandbox.state.clock.advance(1)
    store.save(stale)  # e.g. a backup restored over the keyring
    again = _tokens(sandbox, store, tenant)
    with pytest.raises(AuthenticationError, match="Sign in to Xero again") as ended:
        await again.access_token()
    assert again.endpoint.calls <= 2  # the current token and the one before it, no more
    assert stale.refresh_token is not None
    assert stale.refresh_token.reveal() not in str(ended.value)
    marked = store.load(tenant)
    assert marked is not None and marked.needs_sign_in
    assert again.status().state is ConnectionState.SIGN_IN_REQUIRED
    calls = again.endpoint.calls
    with pytest.raises(AuthenticationError):
        await again.access_token()
    assert again.endpoint.calls == calls  # no network once the sign-in has ended
    await tokens.endpoint.aclose()
    await again.endpoint.aclose()


class _LoseFirstTokenAnswer(httpx.AsyncBaseTransport):
    """Sends the first token request to the sandbox, then drops its answer."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.lost = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if request.url.path.endswith("/connect/token") and self.lost == 0:
            await response.aread()
            self.lost += 1
            raise httpx.ReadError("connection dropped", request=request)
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


async def test_a_lost_refresh_answer_is_replayed_inside_the_grace_period(
    xero_sandbox: Callable[..., RunningSandbox], browser: Browser
) -> None:
    sandbox = xero_sandbox(contacts=3)
    store, tenant = await _signed_in(sandbox, browser)
    before = _expire_access(store, tenant)
    lossy = _LoseFirstTokenAnswer()
    tokens = _tokens(sandbox, store, tenant, transport=lossy)
    await tokens.access_token()
    assert lossy.lost == 1 and tokens.endpoint.calls == 2
    after = store.load(tenant)
    assert after is not None and after.refresh_token != before.refresh_token
    # And the token we now hold works for the next refresh.
    _expire_access(store, tenant)
    fresh = _tokens(sandbox, store, tenant)
    await fresh.access_token()
    await tokens.endpoint.aclose()
    await fresh.endpoint.aclose()


async def test_a_crash_between_refresh_and_save_does_not_strand_the_user(
    xero_sandbox: Callable[..., RunningSandbox],
    browser: Browser,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sandbox = xero_sandbox(contacts=3)
    store, tenant = await _signed_in(sandbox, browser)
    _expire_access(store, tenant)
    tokens = _tokens(sandbox, store, tenant)

    def refuse(*args: object) -> None:
        raise PasswordSetError("keyring locked")

    with monkeypatch.context() as patch:
        patch.setattr(store.backend, "set_password", refuse)
        with pytest.raises(ConfigurationError, match="Cannot save"):
            await tokens.access_token()
    # The keyring still holds the refresh token Xero just rotated; a restart
    # (a new token source on the same keyring) replays it inside the grace period.
    restarted = _tokens(sandbox, store, tenant)
    assert await restarted.access_token()
    assert restarted.refreshes == 1
    await tokens.endpoint.aclose()
    await restarted.endpoint.aclose()


async def test_sign_out_revokes_and_forgets(
    xero_sandbox: Callable[..., RunningSandbox], browser: Browser
) -> None:
    sandbox = xero_sandbox(contacts=3)
    store, tenant = await _signed_in(sandbox, browser)
    stored = store.load(tenant)
    assert stored is not None and stored.refresh_token is not None
    await sign_out(store, tenant, endpoints=XeroEndpoints.for_base(sandbox.base_url))
    assert store.load(tenant) is None and store.tenants() == []
    refused = sandbox.http.post(
        "/connect/token",
        data={
            "grant_type": "refresh_token",
            "client_id": CLIENT_ID,
            "refresh_token": stored.refresh_token.reveal(),
        },
    )
    assert refused.status_code == 400
    assert refused.json()["error"] == "invalid_grant"
