"""The bytes read from Xero: as read (after decompression) and on the wire.

The client asks for gzip; the sandbox compresses as an HTTP server may, and
counts what its handlers wrote and what went on the wire. The two sides'
counts agree byte for byte.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable

import httpx

from tests.support.sandbox import RunningSandbox
from xerodesk.xero.client import XeroClient


def sandbox_bytes(sandbox: RunningSandbox) -> dict[str, dict[str, int]]:
    counted = sandbox.control("GET", "/counters")["bytes"]["by_endpoint"]
    return {key: dict(value) for key, value in counted.items()}


async def test_a_compressed_walk_counts_fewer_bytes_on_the_wire_than_read(
    xero_sandbox: Callable[..., RunningSandbox], client_for: Callable[..., XeroClient]
) -> None:
    sandbox = xero_sandbox(contacts=1500)
    client = client_for(sandbox)
    sandbox.control("POST", "/counters/reset")
    records = [r async for page in client.contacts() for r in page.records]
    assert len(records) == 1500
    usage = client.usage()
    read, wire = usage.bytes_by_endpoint["GET Contacts"]
    served = sandbox_bytes(sandbox)["GET /Contacts"]
    assert (read, wire) == (served["body"], served["wire"])
    assert usage.bytes_read == read and usage.wire_bytes == wire
    assert wire * 4 < read  # JSON of contacts compresses well
    assert usage.as_dict()["bytes_by_endpoint"] == {"GET Contacts": {"read": read, "wire": wire}}


def test_a_client_that_does_not_ask_gets_plain_json(
    xero_sandbox: Callable[..., RunningSandbox],
) -> None:
    sandbox = xero_sandbox(contacts=300)
    sandbox.control("POST", "/counters/reset")
    plain = sandbox.api("GET", "/Contacts", headers={"Accept-Encoding": "identity"})
    assert plain.status_code == 200 and "content-encoding" not in plain.headers
    served = sandbox_bytes(sandbox)["GET /Contacts"]
    assert served["body"] == served["wire"] == len(plain.content)
    with httpx.Client() as http:  # the body read raw, as it came, undecoded
        request = http.build_request(
            "GET",
            f"{sandbox.base_url}/api.xro/2.0/Contacts",
            headers={**sandbox.connect().headers, "Accept-Encoding": "gzip"},
        )
        response = http.send(request, stream=True)
        try:
            body = b"".join(response.iter_raw())
        finally:
            response.close()
    assert response.headers["content-encoding"] == "gzip"
    assert json.loads(gzip.decompress(body))["Contacts"] == plain.json()["Contacts"]
    after = sandbox_bytes(sandbox)["GET /Contacts"]
    assert after["wire"] - served["wire"] == len(body) < after["body"] - served["body"]
