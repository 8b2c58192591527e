"""``Idempotency-Key``: replays, conflicts, long keys, expiry, concurrency."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from tests.contract.harness import SandboxApi, make_api
from xerodesk.sandbox.idempotency import (
    IdempotencyCache,
    IdempotencyError,
    StoredResponse,
    fingerprint,
)


class FakeClock:
    def __init__(self) -> None:
        self.moment = datetime(2026, 7, 1, tzinfo=UTC)

    def now(self) -> datetime:
        return self.moment


@pytest.fixture
def api() -> Iterator[SandboxApi]:
    api = make_api("demo", seed=4)
    yield api
    api.close()


def test_fingerprints_compare_json_by_content() -> None:
    one = fingerprint("PUT", "/Contacts", [("a", "1")], b'{"x": 1, "y": [2]}')
    assert one == fingerprint("put", "/Contacts", [("a", "1")], b'{"y":[2],"x":1}')
    assert one != fingerprint("POST", "/Contacts", [("a", "1")], b'{"x": 1, "y": [2]}')
    assert one != fingerprint("PUT", "/Contacts", [("a", "2")], b'{"x": 1, "y": [2]}')
    assert one != fingerprint("PUT", "/Contacts", [("a", "1")], b'{"x": 2, "y": [2]}')


def test_cache_replays_refuses_and_expires() -> None:
    clock = FakeClock()
    cache = IdempotencyCache(clock.now)
    calls: list[int] = []

    def execute() -> StoredResponse:
        calls.append(1)
        return StoredResponse(200, f"call {len(calls)}".encode())

    first, replayed = cache.run("k", "same", execute)
    assert (first.body, replayed) == (b"call 1", False)
    again, replayed = cache.run("k", "same", execute)
    assert (again, replayed) == (first, True)
    with pytest.raises(IdempotencyError, match="different request"):
        cache.run("k", "other", execute)
    with pytest.raises(IdempotencyError, match="128"):
        cache.run("x" * 129, "same", execute)
    assert cache.run("x" * 128, "same", execute)[1] is False
    clock.moment += timedelta(minutes=5, seconds=59)
    assert cache.run("k", "same", execute)[1] is True
    clock.moment += timedelta(seconds=2)
    fresh, replayed = cache.run("k", "same", execute)
    assert replayed is False and fresh.body == b"call 3"
    assert len(calls) == 3


def test_a_failed_execution_is_not_cached() -> None:
    cache = IdempotencyCache(FakeClock().now)

    def boom() -> StoredResponse:
        raise RuntimeError("crash")

    with pytest.raises(RuntimeError):
        cache.run("k", "same", boom)
    assert cache.run("k", "same", lambda: StoredResponse(200, b"ok"))[1] is False


def test_a_concurrent_repeat_waits_for_the_first() -> None:
    cache = IdempotencyCache(FakeClock().now)
    started = threading.Event()
    results: list[tuple[StoredResponse, bool]] = []

    def slow() -> StoredResponse:
        started.set()
        time.sleep(0.2)
        return StoredResponse(201, b"slow")

    first = threading.Thread(target=lambda: results.append(cache.run("k", "same", slow)))
    first.start()
    started.wait(5)
    second = cache.run("k", "same", lambda: StoredResponse(500, b"should not run"))
    first.join()
    assert second == (StoredResponse(201, b"slow"), True)
    assert results == [(StoredResponse(201, b"slow"), False)]


def test_repeated_create_returns_the_first_response_and_creates_nothing(api: SandboxApi) -> None:
    headers = {"Idempotency-Key": "crm-sales-ledger-41"}
    body = {"Contacts": [{"Name": "Once Only Ltd", "ContactNumber": "CRM-41"}]}
    first = api.put("/Contacts", body, headers=headers)
    count = api.org.counts()["Contacts"]
    second = api.put("/Contacts", body, headers=headers)
    assert second.status_code == 200
    assert second.content == first.content
    assert second.headers["Xero-Correlation-Id"] == first.headers["Xero-Correlation-Id"]
    assert api.org.counts()["Contacts"] == count


def test_same_key_other_request_is_a_400(api: SandboxApi) -> None:
    headers = {"Idempotency-Key": "key-1"}
    api.put("/Contacts", {"Contacts": [{"Name": "First Body Ltd"}]}, headers=headers)
    other = api.put("/Contacts", {"Contacts": [{"Name": "Second Body Ltd"}]}, headers=headers)
    assert other.status_code == 400
    assert "different request" in other.json()["Message"]
    names = [c["Name"] for c in api.get("/Contacts").json()["Contacts"]]
    assert "Second Body Ltd" not in names


def test_long_keys_are_refused(api: SandboxApi) -> None:
    reply = api.put(
        "/Contacts",
        {"Contacts": [{"Name": "Long Key Ltd"}]},
        headers={"Idempotency-Key": "k" * 129},
    )
    assert reply.status_code == 400
    assert "Long Key Ltd" not in [c["Name"] for c in api.get("/Contacts").json()["Contacts"]]


def test_failures_are_replayed_too(api: SandboxApi) -> None:
    headers = {"Idempotency-Key": "bad-invoice"}
    body = {
        "Invoices": [
            {"Type": "ACCREC", "Contact": {"ContactID": "00000000-0000-0000-0000-000000000000"}}
        ]
    }
    first = api.put("/Invoices", body, headers=headers)
    assert first.status_code == 400
    again = api.put("/Invoices", body, headers=headers)
    assert (again.status_code, again.content) == (400, first.content)


def test_keys_expire_after_six_minutes_of_sandbox_time(api: SandboxApi) -> None:
    headers = {"Idempotency-Key": "expiring"}
    body = {"Contacts": [{"Name": "Expiring Key Ltd"}]}
    first = api.put("/Contacts", body, headers=headers)
    api.clock.advance(6 * 60 + 1)
    later = api.put("/Contacts", body, headers=headers)
    assert first.status_code == 200
    assert later.status_code == 400  # ran again: the name is now taken
    assert "already assigned" in later.text


def test_post_updates_are_covered_too(api: SandboxApi) -> None:
    contact = api.get("/Contacts").json()["Contacts"][0]
    headers = {"Idempotency-Key": "update-1"}
    body = {"Contacts": [{"EmailAddress": "idem@example.com"}]}
    first = api.post(f"/Contacts/{contact['ContactID']}", body, headers=headers)
    api.clock.advance(30)
    second = api.post(f"/Contacts/{contact['ContactID']}", body, headers=headers)
    assert second.content == first.content


def test_reset_forgets_keys(api: SandboxApi) -> None:
    headers = {"Idempotency-Key": "reset-me"}
    api.put("/Contacts", {"Contacts": [{"Name": "Before Reset Ltd"}]}, headers=headers)
    api.org.reset()
    reply = api.put("/Contacts", {"Contacts": [{"Name": "After Reset Ltd"}]}, headers=headers)
    assert reply.status_code == 200
