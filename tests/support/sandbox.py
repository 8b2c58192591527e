"""The Xero sandbox over a real loopback HTTP server, for tests.

Fixtures:

- ``sandbox``: a fresh sandbox (generated ``demo`` organisation, seed 1,
  real rate limits) for one test;
- ``sandbox_module``: one sandbox shared by a test module (call
  ``sandbox_module.reset()`` where a test needs a clean organisation);
- ``make_sandbox``: a factory taking ``SandboxOptions`` fields as keywords
  (``make_sandbox(rate_limits="off", faults="500=1")``), stopped at teardown.

Each gives a ``RunningSandbox``: ``base_url``, ``state``, ``http`` (an
``httpx.Client`` on the base URL), ``connect()`` (a client-credentials token
and the tenant id), ``api(method, path, ...)`` (an authorised Accounting API
call, path relative to ``/api.xro/2.0``) and ``control(method, path, json)``
(the ``/_sandbox/`` API, raising on errors).
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from starlette.routing import BaseRoute

from xerodesk.sandbox.server import SandboxServer
from xerodesk.sandbox.state import OrgFactory, SandboxOptions, SandboxState

API = "/api.xro/2.0"
TEST_CLIENT_ID = "xerodesk-tests"
TEST_CLIENT_SECRET = "xerodesk-tests-secret"


@dataclass
class Connected:
    """A client-credentials session: the token, the tenant and ready headers."""

    access_token: str
    tenant_id: str
    token_response: dict[str, Any] = field(default_factory=dict)

    @property
    def headers(self) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {self.access_token}",
            "xero-tenant-id": self.tenant_id,
            "Accept": "application/json",
        }


def basic_auth(client_id: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


class RunningSandbox:
    """A started ``SandboxServer`` with helpers for tests."""

    def __init__(self, server: SandboxServer, timeout: float = 30.0) -> None:
        self.server = server
        self.base_url = server.base_url
        self.http = httpx.Client(base_url=server.base_url, timeout=timeout)
        self._connected: Connected | None = None

    @property
    def state(self) -> SandboxState:
        return self.server.state

    def token(
        self,
        client_id: str = TEST_CLIENT_ID,
        secret: str = TEST_CLIENT_SECRET,
        scope: str | None = None,
    ) -> dict[str, Any]:
        """The JSON of a client-credentials token request (asserting it succeeded)."""
        data = {"grant_type": "client_credentials"}
        if scope is not None:
            data["scope"] = scope
        response = self.http.post(
            "/connect/token", data=data, headers={"Authorization": basic_auth(client_id, secret)}
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def connect(self, **token_args: Any) -> Connected:
        """A fresh client-credentials token plus the tenant id from ``/connections``."""
        body = self.token(**token_args)
        listing = self.http.get(
            "/connections", headers={"Authorization": f"Bearer {body['access_token']}"}
        )
        assert listing.status_code == 200, listing.text
        connected = Connected(body["access_token"], listing.json()[0]["tenantId"], body)
        if not token_args:
            self._connected = connected
        return connected

    def api(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """An Accounting API call with the default test connection's headers."""
        if self._connected is None:
            self.connect()
        assert self._connected is not None
        headers = {**self._connected.headers, **kwargs.pop("headers", {})}
        return self.http.request(method, API + path, headers=headers, **kwargs)

    def control(self, method: str, path: str, json: Any = None) -> Any:
        """Call ``/_sandbox{path}``; returns the JSON, raises on an error status."""
        response = self.http.request(method, "/_sandbox" + path, json=json)
        response.raise_for_status()
        return response.json()

    def reset(self) -> None:
        self.control("POST", "/reset", {"faults": True})

    def close(self) -> None:
        self.http.close()
        self.server.stop()


def start_sandbox(
    org_factory: OrgFactory | None = None,
    api_routes: Sequence[BaseRoute] | None = None,
    **options: Any,
) -> RunningSandbox:
    """Start a sandbox on 127.0.0.1:0 with ``SandboxOptions(**options)``."""
    if "org_file" not in options:
        options.setdefault("generate", "demo")
    server = SandboxServer(
        SandboxOptions(**options), org_factory=org_factory, api_routes=api_routes
    )
    return RunningSandbox(server.start())


@pytest.fixture
def sandbox() -> Iterator[RunningSandbox]:
    running = start_sandbox()
    yield running
    running.close()


@pytest.fixture(scope="module")
def sandbox_module() -> Iterator[RunningSandbox]:
    running = start_sandbox()
    yield running
    running.close()


@pytest.fixture
def make_sandbox() -> Iterator[Callable[..., RunningSandbox]]:
    started: list[RunningSandbox] = []

    def make(**options: Any) -> RunningSandbox:
        running = start_sandbox(**options)
        started.append(running)
        return running

    yield make
    for running in started:
        running.close()
