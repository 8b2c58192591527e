"""Reads against the sandbox: paging, If-Modified-Since, archived contacts, unpaged lists."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

import pytest

from tests.support.sandbox import RunningSandbox
from tests.xero.conftest import ORG_NAME, contact_id
from xerodesk.errors import XeroNotFoundError
from xerodesk.mapping.xero_dates import parse_xero_datetime
from xerodesk.xero.client import XeroClient
from xerodesk.xero.endpoints import CONTACTS


async def test_pages_to_the_end_at_the_largest_page_size(
    xero_sandbox: Callable[..., RunningSandbox], client_for: Callable[..., XeroClient]
) -> None:
    sandbox = xero_sandbox(contacts=2500, clock_scale=1.0)
    client = client_for(sandbox)
    sizes: list[int] = []
    ids: set[str] = set()
    async for page in client.contacts():
        sizes.append(len(page))
        ids.update(r["ContactID"] for r in page.records)
        assert page.page_size == 1000
        assert page.correlation_id
        assert page.limits.minute_remaining is not None
    assert sizes == [1000, 1000, 500]
    assert len(ids) == 2500
    counters = sandbox.control("GET", "/counters")
    assert counters["pages_served"] == 3
    assert counters["rate_limited"]["total"] == 0
    usage = client.usage()
    assert usage.by_endpoint["GET Contacts"]["ok"] == 3
    assert usage.day_remaining is not None and usage.day_remaining <= 4997
    assert client.remaining_today() == usage.day_remaining
    assert client.can_afford(100) and not client.can_afford(5000)


async def test_a_walk_resumes_from_a_page(
    xero_sandbox: Callable[..., RunningSandbox], client_for: Callable[..., XeroClient]
) -> None:
    sandbox = xero_sandbox(contacts=2500)
    client = client_for(sandbox)
    pages = [page.page async for page in client.contacts(start_page=2)]
    assert pages == [2, 3]


async def test_modified_since_returns_only_changes(
    xero_sandbox: Callable[..., RunningSandbox], client_for: Callable[..., XeroClient]
) -> None:
    sandbox = xero_sandbox(contacts=50)
    client = client_for(sandbox)
    first = [page async for page in client.contacts()]
    stamp = first[0].response_time
    assert stamp is not None
    sandbox.state.clock.advance(10)
    for index in (3, 7, 11):
        sandbox.control(
            "POST",
            "/edit",
            {"collection": "Contacts", "id": contact_id(index), "changes": {"FirstName": "New"}},
        )
    changed = [
        record
        async for page in client.contacts(modified_since=stamp + timedelta(seconds=1))
        for record in page.records
    ]
    assert sorted(r["ContactID"] for r in changed) == sorted(contact_id(i) for i in (3, 7, 11))
    for record in changed:
        assert parse_xero_datetime(record["UpdatedDateUTC"]) > stamp


async def test_archived_contacts_are_included_unless_asked_not_to(
    xero_sandbox: Callable[..., RunningSandbox], client_for: Callable[..., XeroClient]
) -> None:
    sandbox = xero_sandbox(contacts=40, archived=5)
    client = client_for(sandbox)
    with_archived = [r async for p in client.contacts() for r in p.records]
    assert len(with_archived) == 40
    assert sum(r["ContactStatus"] == "ARCHIVED" for r in with_archived) == 5
    without = [r async for p in client.contacts(include_archived=False) for r in p.records]
    assert len(without) == 35
    assert all(r["ContactStatus"] != "ARCHIVED" for r in without)


async def test_unpaged_endpoints_and_single_records(
    xero_sandbox: Callable[..., RunningSandbox], client_for: Callable[..., XeroClient]
) -> None:
    sandbox = xero_sandbox(contacts=5)
    client = client_for(sandbox)
    organisation = await client.organisation()
    assert organisation["Name"] == ORG_NAME
    currencies = [page async for page in client.currencies()]
    assert len(currencies) == 1 and currencies[0].is_last and currencies[0].page_size is None
    assert any(c["Code"] == "NZD" for c in currencies[0].records)
    items = [page async for page in client.items()]
    assert len(items) == 1
    tax_rates = [page async for page in client.tax_rates()]
    assert len(tax_rates) == 1
    one = await client.get(CONTACTS, contact_id(2))
    assert one["Name"] == "Customer 00002"
    with pytest.raises(XeroNotFoundError):
        await client.get(CONTACTS, contact_id(999))


async def test_money_arrives_as_decimal(
    xero_sandbox: Callable[..., RunningSandbox], client_for: Callable[..., XeroClient]
) -> None:
    sandbox = xero_sandbox(contacts=3)
    client = client_for(sandbox)
    records = [r async for p in client.contacts() for r in p.records]
    balances = [r.get("Balances") for r in records if r.get("Balances")]
    for balance in balances:
        for side in balance.values():
            for amount in side.values():
                assert isinstance(amount, Decimal | int)
