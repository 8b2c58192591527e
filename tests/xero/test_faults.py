"""Every sandbox fault kind, and the client getting through it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from tests.support.sandbox import RunningSandbox
from xerodesk.errors import RetryableError, XeroUnreachableError
from xerodesk.xero.client import XeroClient
from xerodesk.xero.endpoints import CONTACTS
from xerodesk.xero.retry import RetryPolicy
from xerodesk.xero.writes import idempotency_key

SCALE = 20.0


async def _all_ids(client: XeroClient, **kwargs: object) -> list[str]:
    return [r["ContactID"] async for page in client.contacts(**kwargs) for r in page.records]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kind", "outcome"),
    [
        ("500", "server_error"),
        ("503", "server_error"),
        ("reset", "connection_error"),
        ("timeout", "timeout"),
    ],
)
async def test_transient_faults_are_retried(
    kind: str,
    outcome: str,
    xero_sandbox: Callable[..., RunningSandbox],
    client_for: Callable[..., XeroClient],
) -> None:
    sandbox = xero_sandbox(contacts=250, clock_scale=SCALE)
    client = client_for(sandbox, page_size=100, timeout=1.0)
    sandbox.control("POST", "/faults", {"spec": "timeout=0:3", "queue": [kind, kind]})
    ids = await _all_ids(client)
    assert len(set(ids)) == 250
    usage = client.usage()
    assert usage.by_outcome[outcome] == 2
    assert usage.retries >= 2
    assert sandbox.control("GET", "/counters")["faults"][kind] == 2


async def test_faults_without_end_give_a_clear_error(
    xero_sandbox: Callable[..., RunningSandbox], client_for: Callable[..., XeroClient]
) -> None:
    sandbox = xero_sandbox(contacts=5, clock_scale=SCALE, faults="503=1")
    client = client_for(sandbox, retry=RetryPolicy(attempts=3, base_delay=0.1, max_delay=0.5))
    with pytest.raises(XeroUnreachableError, match="after 3 tries") as failed:
        await _all_ids(client)
    assert "Traceback" not in str(failed.value)
    assert sandbox.control("GET", "/counters")["by_endpoint"]["GET /Contacts"] == 3


async def test_churn_during_a_newest_first_walk_skips_nothing_for_good(
    xero_sandbox: Callable[..., RunningSandbox], client_for: Callable[..., XeroClient]
) -> None:
    sandbox = xero_sandbox(contacts=195, clock_scale=SCALE, faults="churn=1:3")
    client = client_for(sandbox, page_size=20)
    seen: set[str] = set()
    started = None
    async for page in client.contacts(order="UpdatedDateUTC DESC"):
        started = started or page.response_time
        seen.update(r["ContactID"] for r in page.records)
    assert started is not None
    assert sandbox.control("GET", "/counters")["faults"]["churn"] >= 10
    everything = {r["ContactID"]: r for r in sandbox.state.org.export()["Contacts"]}
    missed = set(everything) - seen
    # Only records edited during the walk can be missed (they jumped to the
    # front), and the next pass, asking for changes since the walk began, gets them.
    sandbox.control("POST", "/faults", {"clear": True})
    later = {
        r["ContactID"]
        async for page in client.contacts(modified_since=started - timedelta(seconds=1))
        for r in page.records
    }
    assert missed <= later
    assert seen | later == set(everything)


async def test_a_lost_write_is_retried_under_the_same_key_and_made_once(
    xero_sandbox: Callable[..., RunningSandbox], client_for: Callable[..., XeroClient]
) -> None:
    sandbox = xero_sandbox(contacts=0, clock_scale=SCALE)
    client = client_for(sandbox)
    sandbox.control("POST", "/faults", {"queue": ["lost"]})
    record = {"Name": "Lost Response Ltd", "ContactNumber": "CRM-77"}
    results = await client.save(
        CONTACTS, [record], record_keys=[idempotency_key("contact", 77, 1)], method="PUT"
    )
    assert results[0].ok and results[0].xero_id
    contacts = sandbox.state.org.export()["Contacts"]
    assert [c["Name"] for c in contacts] == ["Lost Response Ltd"]
    assert contacts[0]["ContactID"] == results[0].xero_id
    counters = sandbox.control("GET", "/counters")
    assert counters["faults"]["lost"] == 1
    assert counters["by_endpoint"]["PUT /Contacts"] == 2
    assert client.usage().by_outcome["connection_error"] == 1


async def test_a_write_without_a_key_is_not_repeated(
    xero_sandbox: Callable[..., RunningSandbox], client_for: Callable[..., XeroClient]
) -> None:
    from xerodesk.xero.transport import XeroRequest

    sandbox = xero_sandbox(contacts=0, clock_scale=SCALE)
    client = client_for(sandbox)
    sandbox.control("POST", "/faults", {"queue": ["lost"]})
    request = XeroRequest(
        "PUT",
        f"{client.endpoints.api}/Contacts",
        "PUT Contacts",
        body={"Contacts": [{"Name": "Once Only"}]},
    )
    with pytest.raises(RetryableError, match="not repeated"):
        await client.transport.call(request)
    assert sandbox.control("GET", "/counters")["by_endpoint"]["PUT /Contacts"] == 1
