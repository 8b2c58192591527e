"""Fixtures for the Xero client against the sandbox over real loopback HTTP.

- ``org_data(contacts=N, archived=M)``: a small organisation in the
  ``--org FILE.json`` shape, with predictable contact ids and names;
- ``xero_sandbox(**options)``: a running sandbox serving that organisation
  (``contacts``/``archived`` pick its size; other keywords are
  ``SandboxOptions`` fields such as ``clock_scale`` or ``faults``);
- ``client_for(sandbox, ...)``: an ``XeroClient`` on a custom connection to it;
- ``browser``: a stand-in for the system browser that follows the sandbox's
  consent redirect to the loopback listener (with urllib, which logs nothing).
"""

from __future__ import annotations

import urllib.request
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest

from tests.support.sandbox import TEST_CLIENT_ID, TEST_CLIENT_SECRET, RunningSandbox
from xerodesk.credentials import ALLOW_INSECURE_ENV, Secret
from xerodesk.xero.client import XeroClient
from xerodesk.xero.clock import ScaledClock
from xerodesk.xero.endpoints import XeroEndpoints
from xerodesk.xero.identity import TokenEndpoint
from xerodesk.xero.retry import RetryPolicy
from xerodesk.xero.tokens import ClientCredentialsTokens

ORG_NAME = "Client Test Ltd"


def contact_id(index: int) -> str:
    return str(uuid.UUID(int=index + 1))


def org_data(contacts: int = 30, archived: int = 0) -> dict[str, Any]:
    """An organisation with ``contacts`` contacts, the first ``archived`` archived."""
    return {
        "Organisation": {"Name": ORG_NAME, "BaseCurrency": "NZD", "CountryCode": "NZ"},
        "Contacts": [
            {
                "ContactID": contact_id(i),
                "Name": f"Customer {i:05d}",
                "ContactStatus": "ARCHIVED" if i < archived else "ACTIVE",
                "EmailAddress": f"customer{i}@example.com",
            }
            for i in range(contacts)
        ],
        "Items": [],
        "Invoices": [],
        "CreditNotes": [],
        "PurchaseOrders": [],
        "TaxRates": [],
        "Currencies": [{"Code": "NZD", "Description": "New Zealand Dollar"}],
    }


@pytest.fixture(autouse=True)
def allow_test_keyring(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests keep tokens in the keyrings.alt file backend under tmp (see tests/conftest)."""
    monkeypatch.setenv(ALLOW_INSECURE_ENV, "1")


@pytest.fixture
def xero_sandbox(
    make_sandbox: Callable[..., RunningSandbox],
) -> Callable[..., RunningSandbox]:
    def start(contacts: int = 30, archived: int = 0, **options: Any) -> RunningSandbox:
        data = org_data(contacts, archived)

        def factory(clock: Any) -> Any:
            from xerodesk.sandbox.org import OrgStore

            store = OrgStore(now=clock.now)
            store.load(data)
            return store

        running: RunningSandbox = make_sandbox(org_factory=factory, **options)
        return running

    return start


FAST_RETRY = RetryPolicy(attempts=6, base_delay=0.2, max_delay=2.0)


@pytest.fixture
async def client_for() -> AsyncIterator[Callable[..., XeroClient]]:
    made: list[XeroClient] = []

    def make(sandbox: RunningSandbox, **kwargs: Any) -> XeroClient:
        scale = float(kwargs.pop("time_scale", sandbox.state.clock.scale))
        clock = kwargs.pop("clock", None) or ScaledClock(scale)
        endpoints = XeroEndpoints.for_base(sandbox.base_url)
        endpoint = TokenEndpoint(
            endpoints, TEST_CLIENT_ID, Secret(TEST_CLIENT_SECRET), clock=clock, retry=FAST_RETRY
        )
        tokens = kwargs.pop("tokens", None) or ClientCredentialsTokens(endpoint, clock)
        tenant = kwargs.pop("tenant_id", sandbox.state.org.tenant_id)
        kwargs.setdefault("retry", FAST_RETRY)
        client = XeroClient(
            tokens, tenant, endpoints=endpoints, clock=clock, time_scale=scale, **kwargs
        )
        client.close_with(endpoint.aclose)
        made.append(client)
        return client

    yield make
    for client in made:
        await client.aclose()


class Browser:
    """Plays the user's browser: opens the consent URL and follows the redirects."""

    def __init__(self) -> None:
        self.opened: list[str] = []
        self.final_status: int | None = None

    def __call__(self, url: str) -> bool:
        self.opened.append(url)
        with urllib.request.urlopen(url, timeout=10) as response:  # follows the 302
            self.final_status = response.status
            response.read()
        return True


@pytest.fixture
def browser() -> Iterator[Browser]:
    yield Browser()
