"""Batched writes: at most 50 a call, per-record results and validation errors."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from tests.support.sandbox import RunningSandbox
from xerodesk.errors import XeroValidationError
from xerodesk.xero.client import XeroClient
from xerodesk.xero.endpoints import CONTACTS
from xerodesk.xero.limits import LimitHeaders
from xerodesk.xero.transport import XeroResponse
from xerodesk.xero.writes import (
    batch_idempotency_key,
    idempotency_key,
    results_from_response,
)


def test_keys_are_stable_and_short_enough() -> None:
    key = idempotency_key("contact", 42, 7)
    assert key == idempotency_key("contact", 42, 7)
    assert key != idempotency_key("contact", 42, 8)
    assert len(key) <= 128
    batch = batch_idempotency_key("post", "Contacts", [key, key])
    assert batch == batch_idempotency_key("POST", "Contacts", [key, key])
    assert batch != batch_idempotency_key("PUT", "Contacts", [key, key])
    with pytest.raises(ValueError):
        idempotency_key()


def _response(status: int, body: object) -> XeroResponse:
    return XeroResponse(status, httpx.Headers(), body, LimitHeaders(), "corr")


def test_per_element_results_of_a_summarize_errors_false_answer() -> None:
    body = {
        "Contacts": [
            {"ContactID": "a", "StatusAttributeString": "OK"},
            {
                "ContactID": "b",
                "StatusAttributeString": "ERROR",
                "ValidationErrors": [{"Message": "The contact name must be unique."}],
                "Addresses": [{"ValidationErrors": [{"Message": "Bad country"}]}],
            },
            {"ContactID": "c", "StatusAttributeString": "WARNING", "Warnings": [{"Message": "w"}]},
        ]
    }
    results = results_from_response(_response(200, body), "Contacts", "ContactID", "xyz", 100)
    assert [r.status for r in results] == ["OK", "ERROR", "WARNING"]
    assert [r.index for r in results] == [100, 101, 102]
    assert results[0].xero_id == "a" and results[1].xero_id is None
    assert results[1].messages == ["The contact name must be unique.", "Bad country"]
    error = results[1].error()
    assert isinstance(error, XeroValidationError)
    assert error.messages == results[1].messages
    assert "must be unique" in str(error)
    assert results[2].warnings == ["w"]


def test_a_whole_batch_validation_exception() -> None:
    body = {
        "ErrorNumber": 10,
        "Type": "ValidationException",
        "Message": "A validation exception occurred",
        "Elements": [
            {"Name": "x", "ValidationErrors": [{"Message": "Name is required"}]},
            {"Name": "y", "ValidationErrors": []},
        ],
    }
    results = results_from_response(_response(400, body), "Contacts", "ContactID", "pq", 0)
    assert [r.status for r in results] == ["ERROR", "ERROR"]
    assert results[0].messages == ["Name is required"]
    assert results[1].messages
    odd = results_from_response(_response(400, body), "Contacts", "ContactID", "pqr", 0)
    assert all(r.messages == ["Name is required"] for r in odd)


async def test_batches_of_fifty_with_per_record_errors(
    xero_sandbox: Callable[..., RunningSandbox], client_for: Callable[..., XeroClient]
) -> None:
    sandbox = xero_sandbox(contacts=0)
    client = client_for(sandbox)
    records: list[dict[str, object]] = [
        {"Name": f"New Customer {i}", "ContactNumber": f"CRM-{i}"} for i in range(120)
    ]
    records[60] = {"ContactNumber": "CRM-60"}  # no name: Xero refuses this one only
    keys = [idempotency_key("contact", i, 1) for i in range(120)]
    results = await client.save(CONTACTS, records, record_keys=keys)
    assert len(results) == 120
    assert [r.index for r in results] == list(range(120))
    failed = [r for r in results if not r.ok]
    assert [r.index for r in failed] == [60]
    assert failed[0].messages and all(isinstance(m, str) for m in failed[0].messages)
    assert all(r.xero_id for r in results if r.ok)
    counters = sandbox.control("GET", "/counters")
    assert counters["by_endpoint"]["POST /Contacts"] == 3
    assert len(sandbox.state.org.export()["Contacts"]) == 119
    # The same batch again under the same keys is replayed, not repeated.
    again = await client.save(CONTACTS, records, record_keys=keys)
    assert [r.xero_id for r in again] == [r.xero_id for r in results]
    assert len(sandbox.state.org.export()["Contacts"]) == 119
