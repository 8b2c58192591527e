"""A whole session: sign in, sync with a token that expires mid-run, and no secret in logs."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.support.sandbox import TEST_CLIENT_ID, TEST_CLIENT_SECRET, RunningSandbox
from tests.xero.conftest import Browser
from xerodesk.credentials import CredentialStore, Secret
from xerodesk.errors import AuthenticationError
from xerodesk.logsetup import configure_logging
from xerodesk.xero.client import XeroClient
from xerodesk.xero.clock import ScaledClock
from xerodesk.xero.connect import open_client
from xerodesk.xero.endpoints import CONTACTS, XeroEndpoints
from xerodesk.xero.identity import TokenEndpoint
from xerodesk.xero.signin import sign_in
from xerodesk.xero.tokens import CLIENT_ID_ENV, CLIENT_SECRET_ENV, OAuthTokens
from xerodesk.xero.writes import idempotency_key

CLIENT_ID = "xerodesk-session-test"


async def _sign_in(sandbox: RunningSandbox, browser: Browser) -> CredentialStore:
    endpoints = XeroEndpoints.for_base(sandbox.base_url)
    store = CredentialStore(endpoints.namespace)
    await sign_in(CLIENT_ID, store, endpoints=endpoints, open_browser=browser, port=0)
    return store


async def test_token_expiry_mid_run(
    xero_sandbox: Callable[..., RunningSandbox], browser: Browser
) -> None:
    sandbox = xero_sandbox(contacts=300)
    store = await _sign_in(sandbox, browser)
    client = await open_client(xero_url=sandbox.base_url, store=store, env={})
    async with client:
        tokens = client.transport.tokens
        assert isinstance(tokens, OAuthTokens)
        client.page_size = 50
        seen = 0
        async for page in client.contacts(order="Name ASC"):
            seen += len(page)
            if page.page == 1:
                # Half an hour passes on Xero's clock: the access token dies.
                sandbox.state.clock.advance(31 * 60)
        assert seen == 300
        assert tokens.refreshes == 1
        usage = client.usage()
        assert usage.by_outcome["unauthorized"] >= 1
    assert sandbox.control("GET", "/counters")["by_status"].get("401", 0) >= 1


async def test_custom_connection_from_the_environment(
    xero_sandbox: Callable[..., RunningSandbox],
) -> None:
    sandbox = xero_sandbox(contacts=5)
    env = {CLIENT_ID_ENV: TEST_CLIENT_ID, CLIENT_SECRET_ENV: TEST_CLIENT_SECRET}
    async with await open_client(xero_url=sandbox.base_url, env=env) as client:
        assert client.tenant_id == sandbox.state.org.tenant_id
        assert len([r async for p in client.contacts() for r in p.records]) == 5


async def test_open_client_without_a_sign_in(xero_sandbox: Callable[..., RunningSandbox]) -> None:
    sandbox = xero_sandbox(contacts=1)
    with pytest.raises(AuthenticationError, match="xerodesk login"):
        await open_client(xero_url=sandbox.base_url, env={})


@pytest.fixture
def log_file(tmp_path: Path) -> Iterator[Path]:
    """xerodesk's own logging (file and stderr, with redaction), undone afterwards."""
    path = tmp_path / "logs" / "xerodesk.log"
    configure_logging(path, debug=True)
    yield path
    logger = logging.getLogger("xerodesk")
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
        handler.close()
    logger.setLevel(logging.NOTSET)


async def test_no_token_or_secret_reaches_the_logs(
    xero_sandbox: Callable[..., RunningSandbox],
    browser: Browser,
    caplog: pytest.LogCaptureFixture,
    log_file: Path,
) -> None:
    caplog.set_level(logging.DEBUG)
    sandbox = xero_sandbox(contacts=120, faults="500=0.05,reset=0.05,seed=3")
    store = await _sign_in(sandbox, browser)
    tenant = store.default_tenant()
    assert tenant is not None
    secrets: set[str] = {TEST_CLIENT_SECRET}
    first = store.load(tenant)
    assert first is not None
    secrets |= _revealed(first.refresh_token, first.access_token)

    clock = ScaledClock()
    endpoints = XeroEndpoints.for_base(sandbox.base_url)
    endpoint = TokenEndpoint(endpoints, CLIENT_ID, clock=clock)
    tokens = OAuthTokens(store, tenant, endpoint, clock)
    async with XeroClient(tokens, tenant, endpoints=endpoints, clock=clock, page_size=50) as xero:
        xero.close_with(endpoint.aclose)
        async for page in xero.contacts():
            if page.page == 1:
                sandbox.state.clock.advance(31 * 60)
        await xero.save(
            CONTACTS, [{"Name": "Secretive Ltd"}], record_keys=[idempotency_key("c", 1)]
        )
    env = {CLIENT_ID_ENV: TEST_CLIENT_ID, CLIENT_SECRET_ENV: TEST_CLIENT_SECRET}
    async with await open_client(xero_url=sandbox.base_url, env=env) as custom:
        async for _page in custom.currencies():
            pass
    last = store.load(tenant)
    assert last is not None and last.refresh_token != first.refresh_token
    secrets |= _revealed(last.refresh_token, last.access_token, last.previous_refresh_token)

    for handler in logging.getLogger("xerodesk").handlers:
        handler.flush()
    written = log_file.read_text(encoding="utf-8")
    captured = caplog.text + "\n".join(str(r.args) for r in caplog.records)
    assert "Refreshed the Xero sign-in" in written
    for secret in secrets:
        assert secret not in captured
        assert secret not in written


def _revealed(*values: Secret | None) -> set[str]:
    return {value.reveal() for value in values if value is not None}
