"""An in-process Accounting API on a minimal Starlette app, for sandbox tests.

The routes are mounted at ``/api.xro/2.0`` on an app whose
``state.sandbox`` holds only ``org`` (an ``OrgStore``) and ``clock``, so these
tests need neither the gate nor a server.
"""

from __future__ import annotations

import types
import warnings
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.routing import Mount

from xerodesk.sandbox.accounting import accounting_routes
from xerodesk.sandbox.clock import SandboxClock
from xerodesk.sandbox.generator import generate
from xerodesk.sandbox.org import OrgStore

with warnings.catch_warnings():
    # Starlette prefers httpx2 for its test client; httpx works the same here.
    warnings.filterwarnings("ignore", message=".*httpx.*")
    from starlette.testclient import TestClient

ROOT = "/api.xro/2.0"
START = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)


class SandboxApi:
    """The Accounting API of one organisation, called in-process."""

    def __init__(self, org: OrgStore, clock: SandboxClock) -> None:
        self.org = org
        self.clock = clock
        app = Starlette(routes=[Mount(ROOT, routes=accounting_routes())])
        app.state.sandbox = types.SimpleNamespace(org=org, clock=clock)
        self.client = TestClient(app)

    def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return self.client.request(method, ROOT + path, **kwargs)

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.call("GET", path, **kwargs)

    def put(self, path: str, body: Any, **kwargs: Any) -> httpx.Response:
        return self.call("PUT", path, json=body, **kwargs)

    def post(self, path: str, body: Any, **kwargs: Any) -> httpx.Response:
        return self.call("POST", path, json=body, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.call("DELETE", path, **kwargs)

    def all(self, collection: str, **params: Any) -> list[dict[str, Any]]:
        """Every record of a collection, page by page."""
        records: list[dict[str, Any]] = []
        page = 1
        while True:
            reply = self.get(f"/{collection}", params={**params, "page": page, "pageSize": 1000})
            assert reply.status_code == 200, reply.text
            batch = reply.json()[collection]
            records += batch
            if len(batch) < 1000:
                return records
            page += 1

    def close(self) -> None:
        self.client.close()


def make_api(
    size: str = "demo",
    seed: int = 1,
    data: Mapping[str, Any] | None = None,
    start: datetime = START,
) -> SandboxApi:
    """A fresh organisation (generated, or loaded from ``data``) behind the API."""
    clock = SandboxClock(start=start)
    org = OrgStore(clock.now)
    org.load(data if data is not None else generate(size, seed))
    return SandboxApi(org, clock)
